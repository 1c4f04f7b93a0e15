// Two rules composed: every object falls to the floor (or onto another object) and takes
// the task's colour; each object's labels chain the two: move, stop_at_contact, recolor.
const about = {
  description: "objects fall until they land, then take the task's colour (two rules in a chain)",
  concepts: ["composition", "gravity", "recolor", "contact"],
};

function params() {
  return { color: random([1, 2, 3, 4, 5, 6, 7, 8, 9]) };
}

function settle(things, color) {
  for (const t of things.sort((a, b) => b.bottom - a.bottom || a.x - b.x)) t.slide(0, 1);
  for (const t of things) t.recolor(color);
}

function pair(p) {
  createCanvas(level(4, 16), level(5, 16));
  const palette = colors(level(1, 4), [0, p.color]);
  const things = [];
  for (let i = level(1, 6); i > 0; i--) {
    const at = spot(3, 3);
    if (at === null) break;
    fill(random(palette));
    things.push(blob(at.x, at.y, 3, 3, randomInt(1, 5)));
  }
  output();
  settle(things, p.color);
}

function solve(input, demos) {
  const found = new Set();
  for (const d of demos) {
    const bg = mostCommon(d.output);
    d.output.forEach((row) => row.forEach((v) => { if (v !== bg) found.add(v); }));
  }
  if (found.size !== 1) return null;
  const things = fromGrid(input);
  output();
  settle(things, [...found][0]);
  return toGrid();
}
