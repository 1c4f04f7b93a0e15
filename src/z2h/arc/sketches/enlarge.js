// A port of the scale_up generator: every cell becomes a k x k block (k is the task's).
const about = {
  description: "scale the whole grid up: each cell becomes a k x k block (k per task)",
  concepts: ["geometry", "whole_grid", "scaling"],
  port: "scale_up",
};

function params() {
  return { factor: random([2, 3]) };
}

function pair(p) {
  const side = floor(30 / p.factor / 2);
  createCanvas(level(3, side), level(3, side));
  const palette = colors(randomInt(1, 6));
  for (let i = randomInt(1, 4); i > 0; i--) {
    const at = spot(3, 3, 0);
    if (at === null) break;
    fill(random(palette));
    blob(at.x, at.y, min(3, width), min(3, height), randomInt(1, 5));
  }
  output();
  act("scale", { factor: p.factor });
  createCanvas(width * p.factor, height * p.factor);
  for (const o of objects()) o.scale(p.factor);
}

function solve(input, demos) {
  const factors = new Set(demos.map((d) => d.output.length / d.input.length));
  if (factors.size !== 1) return null;
  const f = [...factors][0];
  const up = (g) => g.flatMap((row) => Array(f).fill(row.flatMap((v) => Array(f).fill(v))));
  if (!isInteger(f) || !demos.every((d) => sameGrid(up(d.input), d.output))) return null;
  return up(input);
}

function isInteger(v) {
  return floor(v) === v;
}
