// Centre: the one object moves so that its middle cell lands on the middle cell of the grid.
const about = {
  description: "the object moves to the centre of the grid (both sides odd, so it has one)",
  concepts: ["centre", "alignment", "objects"],
};

function pair() {
  createCanvas(2 * level(2, 7) + 1, 2 * level(2, 7) + 1);
  const [outer, inner] = colors(2);
  const w = random([1, 3, 5].filter((v) => v < width));
  const h = random([1, 3, 5].filter((v) => v < height));
  const at = free(w, h, 0);
  // a box with a dot of another colour in its middle: one object, two colours
  const thing = group(() => {
    fill(outer);
    rect(at.x, at.y, w, h);
    fill(inner);
    point(at.x + (w - 1) / 2, at.y + (h - 1) / 2);
  });
  output();
  thing.moveTo((width - w) / 2, (height - h) / 2);
}

function solve(input) {
  const found = fromGrid(input, { multicolor: true });
  if (found.length !== 1) return null;
  const [thing] = found;
  output();
  thing.moveTo(floor((width - thing.w) / 2), floor((height - thing.h) / 2));
  return toGrid();
}
