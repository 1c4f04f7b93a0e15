// Objects fall to the floor: each drops straight down until it rests on the floor or on
// another object (the lowest fall first).
const about = { description: "objects fall to the floor and stack", concepts: ["gravity"] };

function pair() {
  createCanvas(level(5, 14), level(6, 14));
  fill("grey");
  const ground = rect(0, height - 1, width, 1);
  const things = [];
  for (let i = 0; i < level(1, 4); i++) {
    fill(random([1, 2, 3, 4, 6]));
    const at = free(3, 3);
    things.push(blob(at.x, at.y, 3, 3, randomInt(1, 5)));
  }
  output();
  for (const t of things.sort((a, b) => b.bottom - a.bottom)) t.slide(0, 1);
}
