// Edits of a task's labels (z2h.arc.labels' JSON), as pure functions on one pair's labels:
// merge objects, split one, link an input object to an output object, and guess the actions
// of a link from the two objects' cells. Whether a row is true is never decided here: the
// server replays the rows (POST /api/labels/check). Every function returns new labels or
// throws an Error whose message the page shows.

// A grid's objects with their colours, box and covered cells derived from their cells, as
// labels.py derives them (check_labels compares them).
export function finishGrid(gl) {
  const later = new Set();
  for (const o of [...gl.objects].reverse()) {
    o.cells.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const flat = o.cells.map(([r, c]) => r * gl.width + c);
    o.covered = o.cells.filter((_, i) => later.has(flat[i])).map(([r, c]) => [r, c]);
    if (!o.covered.length) delete o.covered;
    for (const f of flat) later.add(f);
    o.colors = [...new Set(o.cells.map((x) => x[2]))].sort((a, b) => a - b);
    const rows = o.cells.map((x) => x[0]);
    const cols = o.cells.map((x) => x[1]);
    const top = Math.min(...rows);
    const left = Math.min(...cols);
    o.box = [top, left, Math.max(...rows) - top + 1, Math.max(...cols) - left + 1];
  }
  return gl;
}

// The grid the objects paint onto the background, in order.
export function paint(gl) {
  const grid = Array.from({ length: gl.height }, () => new Array(gl.width).fill(gl.background));
  for (const o of gl.objects) for (const [r, c, k] of o.cells) grid[r][c] = k;
  return grid;
}

function samePaint(a, b) {
  return JSON.stringify(paint(a)) === JSON.stringify(paint(b));
}

const otherSide = (side) => (side === "input" ? "output" : "input");
const idKey = (side) => `${side}_id`;

function dedupeRows(rows) {
  const seen = new Set();
  return rows.filter((m) => {
    const key = JSON.stringify([m.input_id, m.output_id, m.actions]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function change(m) {
  return m.input_id == null ? "created" : m.output_id == null ? "deleted" : "kept";
}

// One row of a correspondence, with its `change` as labels.py writes it.
export function row(inputId, outputId, actions = []) {
  const m = { input_id: inputId, output_id: outputId, change: "kept", actions };
  m.change = change(m);
  return m;
}

// Objects `ids` of one grid (side) become one object with the smallest id, in the place of the
// last of them in paint order; rows naming them name it; relations naming them go.
export function mergeObjects(pair, side, ids) {
  if (ids.length < 2) throw new Error("pick two or more objects of one grid to merge (Shift+click)");
  const gl = structuredClone(pair[side]);
  const members = new Set(ids);
  const keep = Math.min(...ids);
  const at = gl.objects.map((o) => members.has(o.id));
  const last = at.lastIndexOf(true);
  const cells = new Map();
  const tags = new Set();
  for (const o of gl.objects.filter((x) => members.has(x.id))) {
    for (const [r, c, k] of o.cells) cells.set(r * gl.width + c, [r, c, k]); // later wins
    for (const t of o.tags || []) tags.add(t);
  }
  const merged = {
    id: keep, colors: [], box: [], cells: [...cells.values()], z: gl.objects[last].z ?? 0, tags: [...tags],
  };
  gl.objects = gl.objects.flatMap((o, i) => (i === last ? [merged] : members.has(o.id) ? [] : [o]));
  finishGrid(gl);
  if (!samePaint(gl, pair[side])) {
    throw new Error("these objects lie under and over others in paint order: "
      + "merging them would change the grid");
  }
  gl.relations = gl.relations.filter(([, a, b]) => !members.has(a) && !members.has(b));
  const key = idKey(side);
  const rows = pair.correspondence.map((m) => (members.has(m[key]) ? { ...m, [key]: keep } : m));
  return { ...pair, [side]: gl, correspondence: dedupeRows(rows) };
}

// The cells `cells` ([[r, c]]) of object `id` become a new object (the next free id), painted
// just after it; relations naming the object go (they may no longer hold).
export function splitObject(pair, side, id, cells) {
  const gl = structuredClone(pair[side]);
  const at = gl.objects.findIndex((o) => o.id === id);
  if (at < 0) throw new Error(`no object ${id} in this grid`);
  const original = gl.objects[at];
  const take = new Set(cells.map(([r, c]) => r * gl.width + c));
  const part = original.cells.filter(([r, c]) => take.has(r * gl.width + c));
  const rest = original.cells.filter(([r, c]) => !take.has(r * gl.width + c));
  if (!part.length) throw new Error(`paint some of object ${id}'s cells with the brush first`);
  if (!rest.length) throw new Error(`the brush covers all of object ${id}: nothing to split off`);
  const newId = Math.max(...gl.objects.map((o) => o.id)) + 1;
  original.cells = rest;
  const tags = [...(original.tags || [])];
  gl.objects.splice(at + 1, 0, { id: newId, colors: [], box: [], cells: part, z: original.z ?? 0, tags });
  finishGrid(gl);
  gl.relations = gl.relations.filter(([, a, b]) => a !== id && b !== id);
  return { pair: { ...pair, [side]: gl }, newId };
}

// A row linking input object `inputId` to output object `outputId`, with guessed actions.
// `add`: keep the objects' other rows (a further copy, or one of several merged inputs);
// otherwise the row replaces every row naming either object.
export function link(pair, inputId, outputId, add = false) {
  const a = pair.input.objects.find((o) => o.id === inputId);
  const b = pair.output.objects.find((o) => o.id === outputId);
  const keep = (m) => (add
    ? !(m.input_id === inputId && m.output_id == null) && !(m.output_id === outputId && m.input_id == null)
      && !(m.input_id === inputId && m.output_id === outputId)
    : m.input_id !== inputId && m.output_id !== outputId);
  const rows = pair.correspondence.filter(keep);
  rows.push(row(inputId, outputId, guessActions(a.cells, b.cells)));
  return { ...pair, correspondence: rows };
}

// Rows naming the objects `ids` of one grid go; `as`: "deleted" / "created" puts one row back
// saying so.
export function unlink(pair, side, ids, as = null) {
  const members = new Set(ids);
  const rows = pair.correspondence.filter((m) => !members.has(m[idKey(side)]));
  for (const id of ids) {
    if (as === "deleted") rows.push(row(id, null));
    if (as === "created") rows.push(row(null, id));
  }
  return { ...pair, correspondence: rows };
}

// ---- guessing actions from the cells -------------------------------------------------------

function topLeft(cells) {
  return [Math.min(...cells.map((x) => x[0])), Math.min(...cells.map((x) => x[1]))];
}

// The cells relative to their box's top-left, as one comparable string (colours optional).
function shapeKey(cells, colours = true) {
  const [top, left] = topLeft(cells);
  return cells.map(([r, c, k]) => [r - top, c - left, colours ? k : 0])
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]).map((x) => x.join(",")).join(";");
}

// replay.py's symmetries about the box, its top-left cell kept in place.
export function turn(cells, op, k = 1) {
  const [top, left] = topLeft(cells);
  const h = Math.max(...cells.map((x) => x[0])) - top + 1;
  const w = Math.max(...cells.map((x) => x[1])) - left + 1;
  return cells.map(([r, c, colour]) => {
    let i = r - top;
    let j = c - left;
    if (op === "rotate") {
      let [hh, ww] = [h, w];
      for (let n = 0; n < ((k % 4) + 4) % 4; n++) {
        [i, j] = [ww - 1 - j, i];
        [hh, ww] = [ww, hh];
      }
    } else if (op === "flip_h") j = w - 1 - j;
    else if (op === "flip_v") i = h - 1 - i;
    else [i, j] = [j, i];
    return [top + i, left + j, colour];
  });
}

function colourChange(a, b) {
  const ca = new Set(a.map((x) => x[2]));
  const cb = new Set(b.map((x) => x[2]));
  const from = [...ca].find((k) => !cb.has(k)) ?? [...ca][0];
  const to = [...cb].find((k) => !ca.has(k)) ?? [...cb][0];
  return { from, to };
}

function moveBy(a, b) {
  const [ra, ca] = topLeft(a);
  const [rb, cb] = topLeft(b);
  return [rb - ra, cb - ca];
}

// The actions that most simply turn cells a into cells b, among move, recolour and the
// symmetries; [] when they are the same cells (unchanged) or when none of these fits (the
// person picks; the check says whether it is true).
export function guessActions(a, b) {
  if (shapeKey(a) === shapeKey(b)) {
    const by = moveBy(a, b);
    return by[0] || by[1] ? [{ op: "move", by }] : [];
  }
  const { from, to } = colourChange(a, b);
  const recoloured = a.map(([r, c, k]) => [r, c, k === from ? to : k]);
  if (shapeKey(recoloured) === shapeKey(b)) {
    const by = moveBy(a, b);
    return [{ op: "recolor", from, to }, ...(by[0] || by[1] ? [{ op: "move", by }] : [])];
  }
  const turns = [["rotate", { k: 1 }], ["rotate", { k: 2 }], ["rotate", { k: 3 }],
    ["flip_h", {}], ["flip_v", {}], ["transpose", {}]];
  for (const [op, fields] of turns) {
    const done = turn(a, op, fields.k);
    if (shapeKey(done) !== shapeKey(b)) continue;
    const action = op.startsWith("flip") ? { op: "flip", axis: op.slice(5) } : { op, ...fields };
    const by = moveBy(done, b);
    return [action, ...(by[0] || by[1] ? [{ op: "move", by }] : [])];
  }
  return [];
}

// The fields an op gets when a person adds it to a row, filled in from the two objects where
// the geometry says them (move's `by` from the boxes, recolour's colours, a scale's factor).
export function fillAction(op, fields, a, b, pair, m) {
  const action = { op };
  for (const f of fields) action[f] = null;
  const ab = a && b;
  if ((op === "move" || op === "push") && ab) action.by = moveBy(a.cells, b.cells);
  if (op === "recolor" && ab) Object.assign(action, colourChange(a.cells, b.cells));
  if (op === "swap" && ab) {
    const { from, to } = colourChange(a.cells, b.cells);
    action.colors = [from, to];
  }
  if (op === "scale" && ab) action.factor = Math.max(1, Math.round(b.box[2] / a.box[2]));
  const gives = (cells) => ab && shapeKey(cells, false) === shapeKey(b.cells, false);
  if (op === "rotate") action.k = [1, 2, 3].find((k) => gives(turn(a.cells, "rotate", k))) ?? 1;
  if (op === "flip") action.axis = gives(turn(a.cells, "flip_v")) ? "v" : "h";
  if (op === "stop_at_contact") action.with = "edge";
  if (op === "merge" && m) {
    action.with = pair.correspondence
      .filter((x) => x.output_id === m.output_id && x.input_id !== m.input_id && x.input_id != null)
      .map((x) => x.input_id);
  }
  if (op === "split" && m) {
    action.into = pair.correspondence
      .filter((x) => x.input_id === m.input_id && x.output_id != null)
      .map((x) => x.output_id);
  }
  if (op === "grow" && ab) Object.assign(action, growOf(a.box, b.box));
  // fields nothing fills stay out of the action (optional ones) until the person types them
  for (const f of Object.keys(action)) if (action[f] === null) delete action[f];
  return action;
}

function growOf(a, b) {
  const [at, al, ah, aw] = a;
  const [bt, bl, bh, bw] = b;
  if (bt < at) return { direction: "up", by: at - bt };
  if (bt + bh > at + ah) return { direction: "down", by: bt + bh - at - ah };
  if (bl < al) return { direction: "left", by: al - bl };
  return { direction: "right", by: Math.max(0, bl + bw - al - aw) };
}
