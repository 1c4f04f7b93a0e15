// A port of the recolor_by_size generator: each object takes the colour the task gives its
// number of cells.
const about = {
  description: "recolour each object by its number of cells (sizes map to colours per task)",
  concepts: ["recolor", "counting", "objects"],
  port: "recolor_by_size",
};

function params() {
  const sizes = shuffle([1, 2, 3, 4, 5, 6]).slice(0, level(2, 4)).sort((a, b) => a - b);
  const [source, ...targets] = colors(sizes.length + 1);
  return { color: source, map: sizes.map((s, i) => [s, targets[i]]) };
}

function pair(p) {
  createCanvas(level(6, 20), level(6, 20));
  fill(p.color);
  const things = [];
  // every size at least once, so each pair shows the whole map
  const sizes = p.map.map(([s]) => s);
  for (const s of sizes.concat(Array.from({ length: level(0, 6) }, () => random(sizes)))) {
    const at = things.length < sizes.length ? free(3, 3) : spot(3, 3);
    if (at === null) break;
    things.push(blob(at.x, at.y, 3, 3, s));
  }
  output();
  for (const t of things) t.recolor(p.map.find(([s]) => s === t.size)[1]);
}

function solve(input, demos) {
  const table = new Map();
  for (const d of demos) {
    for (const o of objectsOf(d.input)) {
      const c = d.output[o.cells[0][1]][o.cells[0][0]];
      if (o.cells.some(([x, y]) => d.output[y][x] !== c)) return null;
      if (table.has(o.size) && table.get(o.size) !== c) return null;
      table.set(o.size, c);
    }
  }
  const out = copyGrid(input);
  for (const o of objectsOf(input)) {
    if (!table.has(o.size)) return null;
    for (const [x, y] of o.cells) out[y][x] = table.get(o.size);
  }
  return out;
}
