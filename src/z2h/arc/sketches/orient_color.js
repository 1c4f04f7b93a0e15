// Horizontal or vertical: every line takes the colour the task gives its orientation.
const about = {
  description: "horizontal lines take one colour, vertical lines another (the task's two)",
  concepts: ["orientation", "horizontal_vertical", "recolor", "lines"],
};

function params() {
  const [source, across, down] = colors(3);
  return { source, across, down };
}

function pair(p) {
  createCanvas(level(6, 20), level(6, 20));
  fill(p.source);
  const lines = [];
  const n = level(2, 8);
  for (let i = 0; i < n; i++) {
    // both orientations in every pair, so each pair shows the whole rule
    const flat = i === 0 ? true : i === 1 ? false : random() < 0.5;
    const len = randomInt(2, min(6, (flat ? width : height) - 1));
    const at = flat ? free(len, 1) : free(1, len);
    const [dx, dy] = flat ? [len - 1, 0] : [0, len - 1];
    lines.push(line(at.x, at.y, at.x + dx, at.y + dy));
  }
  output();
  for (const l of lines) l.recolor(l.h === 1 ? p.across : p.down);
}

// "across", "down" or null (a single cell says neither)
const orientation = (o) => (o.h === 1 && o.w > 1 ? "across" : o.w === 1 && o.h > 1 ? "down" : null);

function solve(input, demos) {
  const table = {};
  for (const d of demos) {
    for (const o of objectsOf(d.input, { diagonal: false })) {
      const k = orientation(o), c = d.output[o.cells[0][1]][o.cells[0][0]];
      if (k === null || (k in table && table[k] !== c)) return null;
      table[k] = c;
    }
  }
  const out = copyGrid(input);
  for (const o of objectsOf(input, { diagonal: false })) {
    const k = orientation(o);
    if (!(k in table)) return null;
    for (const [x, y] of o.cells) out[y][x] = table[k];
  }
  return out;
}
