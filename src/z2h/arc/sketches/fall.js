// A port of the gravity generator: objects fall in the task's direction until they hit the
// edge or another object. Its Python solver reproduces these tasks (tests/arc/sketch).
const about = {
  description: "objects fall in the task's direction until they hit the edge or another object",
  concepts: ["physics", "gravity", "contact"],
  port: "gravity",
};
const STEPS = { down: [0, 1], up: [0, -1], left: [-1, 0], right: [1, 0] };

function params() {
  return { direction: random(Object.keys(STEPS)) };
}

// the objects nearest the side they fall to go first
function fallAll(things, [dx, dy]) {
  const lead = (o) => dx * (o.x + o.right) + dy * (o.y + o.bottom);
  for (const o of things.sort((a, b) => lead(b) - lead(a))) o.slide(dx, dy);
}

function pair(p) {
  createCanvas(level(4, 20), level(5, 20));
  const palette = colors(level(1, 5));
  for (let i = level(1, 7); i > 0; i--) {
    const at = spot(3, 3);
    if (at === null) break;
    fill(random(palette));
    blob(at.x, at.y, 3, 3, level(1, 6));
  }
  output();
  fallAll(objects(), STEPS[p.direction]);
}

// which way the coloured cells' mean position moves
function direction(d) {
  const mean = (g) => {
    const bg = mostCommon(g);
    let x = 0, y = 0, n = 0;
    g.forEach((row, r) => row.forEach((v, c) => { if (v !== bg) { x += c; y += r; n++; } }));
    return [x / n, y / n];
  };
  const [x0, y0] = mean(d.input), [x1, y1] = mean(d.output);
  const dx = x1 - x0, dy = y1 - y0;
  if (abs(dy) > abs(dx)) return dy > 0 ? "down" : "up";
  if (abs(dx) > abs(dy)) return dx > 0 ? "right" : "left";
  return null;
}

function solve(input, demos) {
  const seen = new Set(demos.map(direction).filter((d) => d !== null));
  if (seen.size !== 1) return null;
  const things = fromGrid(input, { multicolor: true });
  output();
  fallAll(things, STEPS[[...seen][0]]);
  return toGrid();
}
