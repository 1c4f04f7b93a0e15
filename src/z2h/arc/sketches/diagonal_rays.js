// Diagonals: every dot shoots a ray along the task's diagonal to the edge of the grid.
const about = {
  description: "each dot shoots a ray along the task's diagonal to the edge of the grid",
  concepts: ["diagonals", "lines", "direction"],
};
const DIAGONALS = [[1, 1], [1, -1], [-1, 1], [-1, -1]];

function params() {
  return { step: random(DIAGONALS) };
}

// the cells from (x, y), not included, along (dx, dy) to the edge
function ray(x, y, [dx, dy], w, h) {
  const out = [];
  for (let cx = x + dx, cy = y + dy; cx >= 0 && cy >= 0 && cx < w && cy < h; cx += dx, cy += dy) {
    out.push([cx, cy]);
  }
  return out;
}

function pair(p) {
  createCanvas(level(5, 20), level(5, 20));
  const palette = colors(level(1, 4));
  const taken = new Set();
  const dots = [];
  for (let i = level(1, 4); i > 0; i--) {
    const at = free(1, 1);
    const path = ray(at.x, at.y, p.step, width, height);
    // rays may not cross, touch a dot, or run side by side with another ray
    const near = [[at.x, at.y]].concat(path).some(([x, y]) => taken.has(`${x},${y}`));
    if (path.length === 0 || near) reject("rays meet");
    for (const [x, y] of [[at.x, at.y]].concat(path)) {
      for (const [u, v] of [[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1]]) {
        taken.add(`${x + u},${y + v}`);
      }
    }
    fill(random(palette));
    dots.push([point(at.x, at.y), path]);
  }
  output();
  for (const [dot, path] of dots) {
    fill(dot.color);
    beginShape();
    for (const [x, y] of [path[0], path[path.length - 1]]) vertex(x, y);
    endShape();
  }
}

function solve(input, demos) {
  const shoot = (g, step) => {
    const out = copyGrid(g);
    for (const o of objectsOf(g)) {
      if (o.size !== 1) return null;
      for (const [x, y] of ray(o.x, o.y, step, g[0].length, g.length)) out[y][x] = o.color;
    }
    return out;
  };
  const fits = DIAGONALS.filter((s) => demos.every((d) => {
    const got = shoot(d.input, s);
    return got !== null && sameGrid(got, d.output);
  }));
  const answers = fits.map((s) => shoot(input, s));
  if (answers.length === 0 || answers.some((a) => a === null || !sameGrid(a, answers[0]))) {
    return null;
  }
  return answers[0];
}
