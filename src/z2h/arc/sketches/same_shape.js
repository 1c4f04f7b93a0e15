// Same or different: objects whose shape appears more than once take the task's colour;
// the one-of-a-kind shapes stay as they are.
const about = {
  description: "objects whose shape repeats on the grid take the task's colour; unique ones stay",
  concepts: ["same_different", "shape", "recolor"],
};

function params() {
  const [source, same] = colors(2);
  return { source, same };
}

function pair(p) {
  createCanvas(level(7, 20), level(7, 20));
  fill(p.source);
  const things = [];
  // one shape drawn twice or more, and one or more drawn once
  const repeated = level(1, 2), unique = level(1, 3);
  for (let k = 0; k < repeated + unique; k++) {
    const at = free(3, 3);
    const first = blob(at.x, at.y, 3, 3, randomInt(2, 5));
    things.push(first);
    for (let c = k < repeated ? randomInt(1, 2) : 0; c > 0; c--) {
      const to = free(3, 3);
      things.push(first.copy(to.x - first.x, to.y - first.y));
    }
  }
  const count = (t) => things.filter((u) => shape(u) === shape(t)).length;
  if (things.filter((t) => count(t) === 1).length !== unique) reject("a shape repeated by chance");
  const repeats = things.filter((t) => count(t) > 1);
  output();
  for (const t of repeats) t.recolor(p.same);
}

function shape(t) {
  return t.cells.map(([x, y]) => `${x - t.x},${y - t.y}`).sort().join(" ");
}

function solve(input, demos) {
  const changed = new Set();
  for (const d of demos) {
    d.input.forEach((row, y) => row.forEach((v, x) => {
      if (d.output[y][x] !== v) changed.add(d.output[y][x]);
    }));
  }
  if (changed.size !== 1) return null;
  const [same] = [...changed];
  const found = objectsOf(input);
  const out = copyGrid(input);
  for (const o of found) {
    if (found.filter((u) => shapeKey(u) === shapeKey(o)).length > 1) {
      for (const [x, y] of o.cells) out[y][x] = same;
    }
  }
  return out;
}
