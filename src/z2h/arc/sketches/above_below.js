// Above or below: a line crosses the grid; objects above it take one colour, objects below
// it another (the task's two).
const about = {
  description: "objects above the reference line take one colour, those below another",
  concepts: ["above_below", "reference_line", "recolor", "position"],
};

function params() {
  const [line, above, below] = colors(3);
  return { line, above, below };
}

function pair(p) {
  createCanvas(level(5, 20), level(7, 20));
  const row = randomInt(2, height - 3);
  fill(p.line);
  line(0, row, width - 1, row);
  const palette = colors(level(1, 3), [0, p.line, p.above, p.below]);
  const things = [];
  for (let i = level(2, 8); i > 0; i--) {
    const at = i <= 2 ? free(3, 3) : spot(3, 3);
    if (at === null) break;
    fill(random(palette));
    things.push(blob(at.x, at.y, 3, 3, randomInt(1, 6)));
  }
  if (!things.some((t) => t.y < row) || !things.some((t) => t.y > row)) reject("one side empty");
  output();
  for (const t of things) t.recolor(t.y < row ? p.above : p.below);
}

// the row that is one colour from edge to edge
function lineRow(g) {
  const rows = g.map((r, y) => y).filter((y) => g[y][0] !== mostCommon(g) && g[y].every((v) => v === g[y][0]));
  return rows.length === 1 ? rows[0] : null;
}

function solve(input, demos) {
  const table = {};
  for (const d of demos.concat([{ input }])) {
    const row = lineRow(d.input);
    if (row === null) return null;
    for (const o of objectsOf(d.input).filter((o) => o.y !== row)) {
      const side = o.y < row ? "above" : "below";
      if (!d.output) {
        if (!(side in table)) return null;
        continue;
      }
      const c = d.output[o.cells[0][1]][o.cells[0][0]];
      if (side in table && table[side] !== c) return null;
      table[side] = c;
    }
  }
  const row = lineRow(input);
  const out = copyGrid(input);
  for (const o of objectsOf(input).filter((o) => o.y !== row)) {
    for (const [x, y] of o.cells) out[y][x] = table[o.y < row ? "above" : "below"];
  }
  return out;
}
