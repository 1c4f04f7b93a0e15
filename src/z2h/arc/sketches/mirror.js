// A port of the flip generator: the whole grid mirrors left-right or up-down (the axis is
// the task's), each object flipped and moved with it.
const about = {
  description: "mirror the whole grid left-right or up-down (the axis is the task's)",
  concepts: ["geometry", "symmetry", "whole_grid"],
  port: "flip",
};

function params() {
  return { axis: random(["h", "v"]) };
}

function pair(p) {
  createCanvas(level(3, 14), level(3, 14));
  const palette = colors(level(1, 6));
  for (let i = level(1, 6); i > 0; i--) {
    const at = spot(3, 3);
    if (at === null) break;
    fill(random(palette));
    blob(at.x, at.y, 3, 3, randomInt(1, 7));
  }
  output();
  act("flip", { axis: p.axis });
  for (const o of objects()) {
    o.flip(p.axis);
    if (p.axis === "h") o.moveTo(width - o.x - o.w, o.y);
    else o.moveTo(o.x, height - o.y - o.h);
  }
}

// the six whole-grid symmetries the flip generator's solver tries
const SYMMETRIES = [
  (g) => flipGrid(g, "h"), (g) => flipGrid(g, "v"), (g) => transposeGrid(g),
  (g) => turnGrid(g, 1), (g) => turnGrid(g, 2), (g) => turnGrid(g, 3),
];

function solve(input, demos) {
  const fits = SYMMETRIES.filter((t) => demos.every((d) => sameGrid(t(d.input), d.output)));
  const answers = fits.map((t) => t(input));
  if (answers.length === 0 || answers.some((a) => !sameGrid(a, answers[0]))) return null;
  return answers[0];
}
