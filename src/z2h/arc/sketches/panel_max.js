// Panels split by separator lines: the output is the panel holding the most (or the fewest,
// the task's) coloured cells, cut out.
const about = {
  description: "separators split the grid into panels: keep the one with most (or fewest) dots",
  concepts: ["panels", "separators", "counting", "crop"],
};

function params() {
  return { most: random() < 0.5, across: random() < 0.5, separator: random([5, 8, 9]) };
}

function pair(p) {
  const n = level(2, 4), pw = level(3, 6), ph = level(3, 6);
  // panels side by side (across) or stacked
  const [W, H] = p.across ? [n * pw + n - 1, ph] : [pw, n * ph + n - 1];
  createCanvas(W, H);
  fill(p.separator);
  const seps = [];
  for (let i = 1; i < n; i++) {
    seps.push(p.across ? line(i * (pw + 1) - 1, 0, i * (pw + 1) - 1, H - 1)
      : line(0, i * (ph + 1) - 1, W - 1, i * (ph + 1) - 1));
  }
  const counts = shuffle(Array.from({ length: floor((pw * ph) / 2) }, (_, i) => i + 1)).slice(0, n);
  if (counts.length < n) reject("small panels");
  const pick = p.most ? Math.max(...counts) : Math.min(...counts);
  const palette = colors(level(1, 3), [0, p.separator]);
  const dots = [];
  counts.forEach((k, i) => {
    const [px, py] = p.across ? [i * (pw + 1), 0] : [0, i * (ph + 1)];
    const cells = shuffle(Array.from({ length: pw * ph }, (_, j) => j)).slice(0, k);
    for (const j of cells) {
      fill(random(palette));
      dots.push({ panel: i, at: [px, py], h: point(px + (j % pw), py + floor(j / pw)) });
    }
  });
  const keep = counts.indexOf(pick);
  const [kx, ky] = p.across ? [keep * (pw + 1), 0] : [0, keep * (ph + 1)];
  output();
  act("crop", { box: [ky, kx, ph, pw] });
  createCanvas(pw, ph);
  for (const s of seps) s.delete();
  for (const d of dots) {
    if (d.panel === keep) d.h.move(-kx, -ky);
    else d.h.delete();
  }
}

// the panels between full separator rows or columns, as [x, y, w, h]
function panels(g) {
  const H = g.length, W = g[0].length;
  const col = (x) => g.every((r) => r[x] === g[0][x] && r[x] !== 0);
  const row = (y) => g[y].every((v) => v === g[y][0] && v !== 0);
  const cuts = (n, full) => {
    const out = [];
    let start = 0;
    for (let i = 0; i <= n; i++) {
      if (i === n || full(i)) {
        if (i > start) out.push([start, i - start]);
        start = i + 1;
      }
    }
    return out;
  };
  const xs = cuts(W, col), ys = cuts(H, row);
  if (xs.length > 1 && ys.length === 1) return xs.map(([x, w]) => [x, 0, w, H]);
  if (ys.length > 1 && xs.length === 1) return ys.map(([y, h]) => [0, y, W, h]);
  return null;
}

function crop(g, most) {
  const ps = panels(g);
  if (ps === null) return null;
  const counts = ps.map(([x, y, w, h]) => g.slice(y, y + h).flatMap((r) => r.slice(x, x + w))
    .filter((v) => v !== 0).length);
  const best = most ? Math.max(...counts) : Math.min(...counts);
  if (counts.filter((c) => c === best).length !== 1) return null;
  const [x, y, w, h] = ps[counts.indexOf(best)];
  return g.slice(y, y + h).map((r) => r.slice(x, x + w));
}

function solve(input, demos) {
  const answers = [true, false]
    .filter((most) => demos.every((d) => {
      const c = crop(d.input, most);
      return c !== null && sameGrid(c, d.output);
    }))
    .map((most) => crop(input, most));
  if (answers.length === 0 || answers.some((a) => a === null || !sameGrid(a, answers[0]))) {
    return null;
  }
  return answers[0];
}
