// A port of the rotate generator: the whole grid turns by a quarter, half or three-quarter
// turn (anticlockwise, the task's), each object turned and moved with it.
const about = {
  description: "rotate the whole grid by a quarter, half or three-quarter turn",
  concepts: ["geometry", "rotation", "whole_grid"],
  port: "rotate",
};

function params() {
  return { k: random([1, 2, 3]) };
}

function pair(p) {
  createCanvas(level(3, 14), level(3, 14));
  const palette = colors(level(1, 6));
  for (let i = level(1, 6); i > 0; i--) {
    const at = spot(3, 3);
    if (at === null) break;
    fill(random(palette));
    blob(at.x, at.y, 3, 3, randomInt(2, 7));
  }
  const [W, H] = [width, height];
  output();
  act("rotate", { k: p.k });
  if (p.k !== 2) createCanvas(H, W);
  for (const o of objects()) {
    const { x, y, w, h } = o;
    o.rotate(-p.k * HALF_PI); // p5 turns clockwise; k counts anticlockwise turns
    if (p.k === 1) o.moveTo(y, W - x - w);
    if (p.k === 2) o.moveTo(W - x - w, H - y - h);
    if (p.k === 3) o.moveTo(H - y - h, x);
  }
}

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
