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
  createCanvas(level(5, 20), level(9, 20));
  const row = randomInt(4, height - 5);
  fill(p.line);
  line(0, row, width - 1, row);
  const palette = colors(level(1, 3), [0, p.line, p.above, p.below]);
  const things = [];
  // one object on each side at least, then more wherever they fit
  const sides = [randomInt(0, row - 4), randomInt(row + 2, height - 3)];
  for (let i = 0; i < level(2, 8); i++) {
    const at = i < 2 ? { x: randomInt(0, width - 3), y: sides[i] } : spot(3, 3);
    if (at === null) break;
    fill(random(palette));
    things.push(blob(at.x, at.y, 3, 3, randomInt(1, 6)));
  }
  output();
  for (const t of things) t.recolor(t.y < row ? p.above : p.below);
}

// the row that is one colour from edge to edge
function lineRow(g) {
  const bg = mostCommon(g);
  const rows = g.map((r, y) => y).filter((y) => g[y][0] !== bg && g[y].every((v) => v === g[y][0]));
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
