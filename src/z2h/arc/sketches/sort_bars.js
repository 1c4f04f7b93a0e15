// Order: bars standing on the floor are sorted by height, shortest first or tallest first
// (the task's), each sliding sideways into its place.
const about = {
  description: "bars on the floor line up by height (ascending or descending: the task's)",
  concepts: ["order", "sorting", "counting"],
};

function params() {
  return { ascending: random() < 0.5 };
}

function placeByHeight(bars, ascending) {
  const slots = bars.map((b) => b.x).sort((a, b) => a - b);
  const order = bars.slice().sort((a, b) => (ascending ? a.h - b.h : b.h - a.h) || a.x - b.x);
  order.forEach((b, i) => b.moveTo(slots[i], b.y).label("sort", { key: "height", rank: i }));
}

function pair(p) {
  const n = level(3, 7);
  createCanvas(2 * n + 1, level(5, 14));
  const heights = shuffle(Array.from({ length: height - 1 }, (_, i) => i + 1)).slice(0, n);
  if (heights.length < n) reject("short grid");
  const palette = colors(level(1, 4));
  const bars = heights.map((h, i) => {
    fill(random(palette));
    return rect(2 * i + 1, height - h, 1, h);
  });
  output();
  placeByHeight(bars, p.ascending);
}

function solve(input, demos) {
  const answers = [true, false]
    .filter((asc) => demos.every((d) => sameGrid(arrange(d.input, asc), d.output)))
    .map((asc) => arrange(input, asc));
  if (answers.length === 0 || answers.some((a) => !sameGrid(a, answers[0]))) return null;
  return answers[0];
}

function arrange(grid, ascending) {
  const bars = fromGrid(grid, { diagonal: false });
  output();
  placeByHeight(bars, ascending);
  return toGrid();
}
