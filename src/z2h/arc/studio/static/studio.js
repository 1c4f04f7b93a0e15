// The studio page: a task list, each pair as linked input | output GridViews (plus a model's
// prediction for test inputs), editing tools with one undo history for the whole task, saving,
// and generating. Everything that reads, checks or writes files is the server's job.
import { GridView } from "./sketch.js";
import {
  PALETTE, cloneGrid, diffCells, emptyGrid, gridsEqual, resizeGrid,
} from "./gridops.js";

const COLOR_NAMES = ["black", "blue", "red", "green", "yellow", "grey", "magenta", "orange", "sky", "maroon"];
const TOKEN_KEY = "z2h-arc-studio-token";
const LIST_LIMIT = 2000; // rows drawn in the task list at once; the search narrows the rest

const $ = (id) => document.getElementById(id);

const state = {
  url: null, // the page path of the task shown (to restore it when a discard is refused)
  token: null,
  sources: [],
  source: null, // the source whose list is shown
  list: [],
  filtered: [],
  current: null, // {source, id} of the task on disk, or null for a new or generated task
  task: null, // ARC JSON being shown and edited
  labels: null, // labels JSON (from the file or the generator), or null
  labelled: null, // the task JSON the labels describe (grids edited since lose their labels)
  labelsStale: false,
  predictions: null,
  views: [], // {view, split, index, side, attempt}
  activeView: null,
  clipboard: null,
  saved: null, // the task JSON as last saved or loaded, to know when there are unsaved changes
  history: [],
  future: [],
  snapshot: null,
  tool: "select",
  color: 1,
  selected: null, // {split, index, side, id}: an object selected by a click, kept linked
  generators: [],
};

// ---- server ---------------------------------------------------------------------------------

async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (method !== "GET" && state.token) init.headers["X-Z2H-Token"] = state.token;
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) {
    const error = new Error(data.error || `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

function status(message, isError = false) {
  const el = $("status");
  el.textContent = message;
  el.classList.toggle("error", isError);
}

const enc = encodeURIComponent;

// ---- routing --------------------------------------------------------------------------------

function readToken() {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get("token");
  if (fromUrl) {
    localStorage.setItem(TOKEN_KEY, fromUrl);
    params.delete("token");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + (rest ? `?${rest}` : ""));
  }
  state.token = fromUrl || localStorage.getItem(TOKEN_KEY);
}

function taskPath(source, id) {
  return `/task/${enc(source)}/${enc(id)}`;
}

async function route() {
  state.url = location.pathname;
  const parts = location.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "task" && parts.length === 3) {
    await showSource(parts[1]);
    await openTask(parts[1], parts[2]);
  } else if (parts[0] === "new") {
    newTask();
  } else if (state.sources.length) {
    await showSource(state.source || state.sources[0].name);
    if (state.list.length) {
      history.replaceState(null, "", taskPath(state.source, state.list[0].id));
      await route();
    } else {
      newTask();
    }
  } else {
    newTask();
  }
}

function confirmDiscard() {
  return !isDirty() || confirm("This task has unsaved changes. Discard them?");
}

function go(source, id) {
  if (!confirmDiscard()) return;
  history.pushState(null, "", taskPath(source, id));
  route().catch((e) => status(e.message, true));
}

// ---- the task list --------------------------------------------------------------------------

async function showSource(name) {
  if (state.source === name && state.list.length) return;
  state.source = name;
  $("source").value = name;
  await loadList();
}

async function loadList(poll = 0) {
  const name = state.source;
  const data = await api("GET", `/api/sources/${enc(name)}/tasks`);
  if (name !== state.source) return;
  // the list comes as columns (fast for 10,000 tasks): one row object per task here
  state.list = data.ids.map((id, i) => ({
    id,
    rows: data.rows[i],
    cols: data.cols[i],
    generator: data.generator[i],
    concepts: data.concepts[data.generator[i]] || [],
  }));
  filterList();
  // folders are indexed in the background: sizes arrive a little after the ids
  if (poll < 20 && state.list.some((t) => t.rows === null)) {
    setTimeout(() => loadList(poll + 1).catch(() => {}), 1000);
  }
}

function describeRow(t) {
  const size = t.rows != null ? `${t.rows}x${t.cols}` : "";
  return [size, t.generator || "", ...(t.concepts || [])].join(" ");
}

function filterList() {
  const words = $("search").value.toLowerCase().split(/\s+/).filter(Boolean);
  state.filtered = state.list.filter((t) => {
    const text = `${t.id} ${describeRow(t)}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
  const ul = $("tasks");
  ul.textContent = "";
  const shown = state.filtered.slice(0, LIST_LIMIT);
  const fragment = document.createDocumentFragment();
  for (const t of shown) {
    const li = document.createElement("li");
    li.dataset.id = t.id;
    li.title = `${t.id} ${describeRow(t)}`;
    li.append(t.id, " ");
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = describeRow(t);
    li.append(meta);
    li.addEventListener("click", () => go(state.source, t.id));
    fragment.append(li);
  }
  ul.append(fragment);
  const more = state.filtered.length > shown.length ? ` (first ${shown.length} shown)` : "";
  $("list-count").textContent = `${state.filtered.length} of ${state.list.length} tasks${more}`;
  markCurrentInList();
}

function markCurrentInList() {
  for (const li of $("tasks").children) {
    const current = state.current && state.current.source === state.source && li.dataset.id === state.current.id;
    li.classList.toggle("current", Boolean(current));
    if (current) li.scrollIntoView({ block: "nearest" });
  }
}

function step(delta) {
  if (!state.filtered.length) return;
  const at = state.current ? state.filtered.findIndex((t) => t.id === state.current.id) : -1;
  const next = Math.max(0, Math.min(state.filtered.length - 1, at + delta));
  if (next !== at) go(state.source, state.filtered[next].id);
}

// ---- opening tasks --------------------------------------------------------------------------

async function openTask(source, id) {
  const base = `/api/sources/${enc(source)}`;
  const [task, labels, predictions] = await Promise.all([
    api("GET", `${base}/tasks/${enc(id)}`),
    api("GET", `${base}/labels/${enc(id)}`),
    api("GET", `${base}/predictions/${enc(id)}`),
  ]);
  state.current = { source, id, writable: task.writable };
  setTask(task.task, labels.labels, predictions.predictions, labels.stale);
  state.labelsHeuristic = labels.heuristic;
  $("save-id").value = id;
  if (task.writable) $("save-source").value = source;
  // a generated task: the generate panel starts from its generator and seed
  const made = labels.labels;
  if (made && made.generator && state.generators.some((g) => g.name === made.generator)) {
    $("generator").value = made.generator;
    if (made.seed != null) $("seed").value = made.seed;
    if (made.difficulty) [$("diff-lo").value, $("diff-hi").value] = made.difficulty;
  }
  status(labels.stale ? "labels are stale (the task changed after they were made)"
    : labels.heuristic ? "no labels file: objects and correspondences found by heuristics" : "");
  markCurrentInList();
}

function newTask() {
  state.current = null;
  setTask({ train: [{ input: emptyGrid(3, 3), output: emptyGrid(3, 3) }], test: [{ input: emptyGrid(3, 3), output: emptyGrid(3, 3) }] }, null, null, false);
  $("save-id").value = "new-task";
  markCurrentInList();
}

function setTask(task, labels, predictions, stale) {
  state.task = task;
  state.labels = labels;
  state.labelsStale = stale;
  state.labelled = labels && !stale ? JSON.stringify(task) : null;
  state.labelledTask = state.labelled && JSON.parse(state.labelled); // parsed once, read per hover
  state.labelsHeuristic = false;
  state.predictions = predictions;
  state.history = [];
  state.future = [];
  state.snapshot = JSON.stringify(task);
  state.saved = state.current ? state.snapshot : null;
  state.selected = null;
  buildViews();
  updateDirty();
}

function isDirty() {
  if (state.task === null) return false;
  return state.saved === null ? state.history.length > 0 : state.snapshot !== state.saved;
}

function updateDirty() {
  $("dirty").hidden = !isDirty();
  const where = state.current ? `${state.current.source} / ${state.current.id}` : "new task (not saved)";
  $("title").textContent = where;
}

// ---- labels ---------------------------------------------------------------------------------

// Labels JSON -> the objects GridView draws: cells [[r, c]], box [top, left, bottom, right].
function labelObjects(gridLabels) {
  return gridLabels.objects.map((o) => ({
    id: o.id,
    colors: o.colors,
    cells: o.cells.map(([r, c]) => [r, c]),
    box: [o.box[0], o.box[1], o.box[0] + o.box[2] - 1, o.box[1] + o.box[3] - 1],
    tags: o.tags || [],
    z: o.z || 0,
  }));
}

function gridLabelsFor(split, index, side) {
  if (!state.labels || state.labelsStale || side === "prediction") return null;
  const pair = state.labels[split] && state.labels[split][index];
  if (!pair || !pair[side]) return null;
  // a grid edited since it was labelled keeps only its connected components
  const labelled = state.labelledTask;
  const then = labelled && labelled[split][index] && labelled[split][index][side];
  const now = state.task[split][index][side];
  return then && gridsEqual(then, now) ? pair[side] : null;
}

function pairLabels(split, index) {
  if (!state.labels || state.labelsStale) return null;
  return (state.labels[split] || [])[index] || null;
}

// ---- views ----------------------------------------------------------------------------------

function overlays() {
  return {
    boxes: $("show-boxes").checked,
    ids: $("show-ids").checked,
    relations: $("show-relations").checked,
    gridLines: $("show-lines").checked,
  };
}

function cellSizeFor(task) {
  let biggest = 1;
  for (const split of ["train", "test"]) {
    for (const p of task[split]) {
      for (const g of [p.input, p.output]) if (g) biggest = Math.max(biggest, g.length, g[0].length);
    }
  }
  return Math.max(6, Math.min(32, Math.floor(240 / biggest)));
}

function buildViews() {
  for (const v of state.views) v.view.remove();
  state.views = [];
  state.activeView = null;
  const main = $("pairs");
  main.textContent = "";
  const cellSize = cellSizeFor(state.task);
  for (const split of ["train", "test"]) {
    state.task[split].forEach((pair, index) => {
      const row = document.createElement("div");
      row.className = "pair";
      row.dataset.split = split;
      row.dataset.index = index;
      row.append(pairHead(split, index));
      addView(row, split, index, "input", pair.input, cellSize);
      if (pair.output) addView(row, split, index, "output", pair.output, cellSize);
      else {
        const add = document.createElement("button");
        add.textContent = "add output";
        add.addEventListener("click", () => edit((t) => { t[split][index].output = cloneGrid(t[split][index].input); }));
        row.append(add);
      }
      if (split === "test" && state.predictions && state.predictions[index]) {
        state.predictions[index].attempts.forEach((grid, attempt) => {
          addView(row, split, index, "prediction", grid, cellSize, attempt);
        });
      }
      main.append(row);
    });
  }
  const adders = document.createElement("div");
  adders.className = "add-pairs";
  for (const split of ["train", "test"]) {
    const b = document.createElement("button");
    b.textContent = `+ ${split} pair`;
    b.id = `add-${split}`;
    b.addEventListener("click", () => edit((t) => { t[split].push({ input: emptyGrid(3, 3), output: emptyGrid(3, 3) }); }));
    adders.append(b);
  }
  main.append(adders);
  updateMarks();
}

function pairHead(split, index) {
  const head = document.createElement("div");
  head.className = "pair-head";
  const name = document.createElement("div");
  name.className = "name";
  name.textContent = `${split} ${index}`;
  head.append(name);
  const actions = pairLabels(split, index)?.actions || [];
  if (actions.length) {
    const what = document.createElement("div");
    what.className = "hint";
    what.textContent = actions.map(describeAction).join("; ");
    head.append(what);
  }
  const button = (text, title, fn) => {
    const b = document.createElement("button");
    b.textContent = text;
    b.title = title;
    b.addEventListener("click", () => edit(fn));
    head.append(b);
  };
  button("input → output", "copy the input grid to the output", (t) => { t[split][index].output = cloneGrid(t[split][index].input); });
  button("up", "move this pair up", (t) => { if (index > 0) swap(t[split], index, index - 1); });
  button("down", "move this pair down", (t) => { if (index + 1 < t[split].length) swap(t[split], index, index + 1); });
  button("remove", "remove this pair", (t) => { t[split].splice(index, 1); });
  return head;
}

function swap(list, i, j) {
  [list[i], list[j]] = [list[j], list[i]];
}

function addView(row, split, index, side, grid, cellSize, attempt = null) {
  const box = document.createElement("div");
  box.className = "view";
  box.dataset.side = side;
  const caption = document.createElement("div");
  caption.className = "caption";
  caption.textContent = side === "prediction" ? `prediction, attempt ${attempt + 1} ` : side;
  box.append(caption);
  row.append(box);
  const gridLabels = gridLabelsFor(split, index, side);
  const view = new GridView(box, {
    grid,
    objects: gridLabels ? labelObjects(gridLabels) : null,
    relations: gridLabels ? gridLabels.relations.map(([kind, a, b]) => ({ kind, a, b })) : [],
    editable: side !== "prediction",
    cellSize,
    overlays: overlays(),
  });
  view.setTool(state.tool);
  view.setColor(state.color);
  const entry = { view, split, index, side, attempt, box, caption };
  state.views.push(entry);
  view.on("hover", (info) => onHover(entry, info));
  view.on("select", (info) => onSelect(entry, info));
  view.on("change", (info) => onChange(entry, info));
  box.addEventListener("pointerdown", () => setActive(entry));
  box.addEventListener("pointerenter", () => setActive(entry));
}

function setActive(entry) {
  if (state.activeView === entry) return;
  if (state.activeView) state.activeView.box.classList.remove("active");
  state.activeView = entry;
  entry.box.classList.add("active");
  $("rows").value = entry.view.rows;
  $("cols").value = entry.view.cols;
}

function viewsOf(split, index) {
  return state.views.filter((v) => v.split === split && v.index === index);
}

// Wrong cells of each prediction against the expected output, and exact / not exact.
function updateMarks() {
  for (const entry of state.views) {
    if (entry.side !== "prediction") continue;
    const expected = state.task.test[entry.index]?.output;
    const got = entry.view.grid;
    entry.view.setMarks(expected ? diffCells(got, expected) : []);
    let badge = entry.caption.querySelector(".badge");
    if (!badge) {
      badge = document.createElement("span");
      entry.caption.append(badge);
    }
    const exact = expected && gridsEqual(got, expected);
    badge.className = `badge ${exact ? "exact" : "wrong"}`;
    badge.textContent = expected ? (exact ? "exact" : "not exact") : "no answer";
  }
  // per test input: solved when either attempt is exactly the answer, size included (pass@2)
  for (const row of document.querySelectorAll(".pair[data-split=test]")) {
    const index = Number(row.dataset.index);
    const attempts = state.views.filter((v) => v.side === "prediction" && v.index === index);
    const expected = state.task.test[index]?.output;
    let verdict = row.querySelector(".verdict");
    if (!attempts.length || !expected) {
      verdict?.remove();
      continue;
    }
    if (!verdict) {
      verdict = document.createElement("div");
      row.querySelector(".pair-head .name").after(verdict);
    }
    const solved = attempts.some((v) => gridsEqual(v.view.grid, expected));
    verdict.className = `verdict badge ${solved ? "exact" : "wrong"}`;
    verdict.textContent = solved ? "exact (pass@2)" : "not exact";
  }
}

// ---- linking and the info panels -------------------------------------------------------------

function counterpart(entry, objectId) {
  const pl = pairLabels(entry.split, entry.index);
  if (!pl || entry.side === "prediction" || !gridLabelsFor(entry.split, entry.index, entry.side)) return null;
  const mine = entry.side === "input" ? "input_id" : "output_id";
  return pl.correspondence.find((m) => m[mine] === objectId) || null;
}

function linkHighlight(entry, objectId) {
  const match = objectId == null ? null : counterpart(entry, objectId);
  for (const other of viewsOf(entry.split, entry.index)) {
    if (other === entry || other.side === "prediction") continue;
    const id = match ? (other.side === "input" ? match.input_id : match.output_id) : null;
    const labelled = gridLabelsFor(other.split, other.index, other.side);
    other.view.setHighlight(id != null && labelled ? [id] : []);
  }
  return match;
}

function describeAction(a) {
  const name = (c) => `${c} ${COLOR_NAMES[c] ?? ""}`.trim();
  switch (a.op) {
    case "move": return `moved by (${a.by[0]}, ${a.by[1]})`;
    case "recolor": return `recoloured ${name(a.from)} -> ${name(a.to)}`;
    case "rotate": return `rotated ${a.k} quarter turn${a.k === 1 ? "" : "s"}`;
    case "flip": return `flipped ${a.axis === "h" ? "left-right" : "up-down"}`;
    case "transpose": return "transposed";
    case "scale": return `scaled x${a.factor}`;
    case "tile": return `tiled ${a.reps[0]} x ${a.reps[1]}`;
    case "crop": return `cropped to box ${JSON.stringify(a.box)}`;
    case "stop_at_contact": return a.with === "edge" ? "stopped at the edge" : `stopped at contact with object ${a.with}`;
    case "push": return `pushed by (${a.by[0]}, ${a.by[1]})${a.with != null ? ` by object ${a.with}` : ""}`;
    case "keep": return `kept${a.reason ? ` (${a.reason})` : ""}`;
    default: {
      const { op, ...rest } = a;
      return `${op} ${JSON.stringify(rest)}`;
    }
  }
}

function describeMatch(match) {
  if (!match) return "no correspondence for this object";
  if (match.change === "deleted") return `object ${match.input_id}: deleted`;
  if (match.change === "created") return `object ${match.output_id}: created`;
  const actions = match.actions.length ? match.actions.map(describeAction).join(", then ") : "unchanged";
  return `object ${match.input_id} -> ${match.output_id}: ${actions}`;
}

function describeObject(entry, object) {
  const [top, left, bottom, right] = object.box;
  const lines = [
    `object ${object.id}${entry.view.objectsSource === "labels" ? "" : " (connected component)"}`,
    `colours ${object.colors.map((c) => `${c} ${COLOR_NAMES[c]}`).join(", ")}`,
    `box rows ${top}-${bottom}, cols ${left}-${right} (${object.cells.length} cells)`,
  ];
  if (object.tags && object.tags.length) lines.push(`tags ${object.tags.join(", ")}`);
  const rels = entry.view.relations.filter((r) => r.a === object.id || r.b === object.id);
  if (rels.length) {
    lines.push(`relations ${rels.map((r) => `${r.kind}(${r.a}, ${r.b})`).join(", ")}`);
  }
  return lines.join("\n");
}

function onHover(entry, info) {
  if (!info) {
    $("hover-info").textContent = "-";
    restoreSelectedLink();
    return;
  }
  setActive(entry);
  const where = `${entry.split} ${entry.index} ${entry.side}${entry.attempt !== null ? ` ${entry.attempt + 1}` : ""}`;
  let text = `${where}\n(row ${info.row}, col ${info.col}) colour ${info.color} ${COLOR_NAMES[info.color]}`;
  if (info.object) text += `\n${describeObject(entry, info.object)}`;
  $("hover-info").textContent = text;
  if (info.object) {
    const match = linkHighlight(entry, info.object.id);
    $("happened").textContent = pairLabels(entry.split, entry.index) ? describeMatch(match) : "no labels for this pair";
  } else {
    restoreSelectedLink();
  }
}

function restoreSelectedLink() {
  for (const v of state.views) if (v.side !== "prediction") v.view.setHighlight([]);
  const sel = state.selected;
  if (!sel) return;
  const entry = state.views.find((v) => v.split === sel.split && v.index === sel.index && v.side === sel.side);
  if (!entry) return;
  const match = linkHighlight(entry, sel.id);
  $("happened").textContent = pairLabels(sel.split, sel.index) ? describeMatch(match) : "no labels for this pair";
}

function onSelect(entry, info) {
  setActive(entry);
  for (const other of state.views) if (other !== entry) other.view.commitSelection();
  state.selected = info && info.object
    ? { split: entry.split, index: entry.index, side: entry.side, id: info.object.id } : null;
  restoreSelectedLink();
}

// ---- editing and history ---------------------------------------------------------------------

function commitSnapshot() {
  const now = JSON.stringify(state.task);
  if (now === state.snapshot) return false;
  state.history.push(state.snapshot);
  state.future = [];
  state.snapshot = now;
  updateDirty();
  return true;
}

function onChange(entry, info) {
  if (entry.side === "prediction") return;
  const labelledBefore = Boolean(gridLabelsFor(entry.split, entry.index, entry.side));
  state.task[entry.split][entry.index][entry.side] = cloneGrid(info.grid);
  commitSnapshot();
  if (labelledBefore) entry.view.setRelations([]);
  updateMarks();
}

// A structural edit (pairs, sizes): change a copy of the task, then rebuild every view.
function edit(fn) {
  const task = JSON.parse(JSON.stringify(state.task));
  fn(task);
  state.task = task;
  if (commitSnapshot()) buildViews();
}

function restore(snapshot) {
  const task = JSON.parse(snapshot);
  const sameShape = ["train", "test"].every((split) => task[split].length === state.task[split].length
    && task[split].every((p, i) => Boolean(p.output) === Boolean(state.task[split][i].output)));
  state.task = task;
  state.snapshot = snapshot;
  if (!sameShape) {
    buildViews();
  } else {
    for (const entry of state.views) {
      if (entry.side === "prediction") continue;
      const grid = task[entry.split][entry.index][entry.side];
      if (!gridsEqual(grid, entry.view.grid)) {
        const labels = gridLabelsFor(entry.split, entry.index, entry.side);
        entry.view.setGrid(grid, labels ? labelObjects(labels) : null);
        entry.view.setRelations(labels ? labels.relations.map(([kind, a, b]) => ({ kind, a, b })) : []);
      }
    }
    updateMarks();
  }
  updateDirty();
}

function undo() {
  if (!state.history.length) return;
  state.future.push(state.snapshot);
  restore(state.history.pop());
}

function redo() {
  if (!state.future.length) return;
  state.history.push(state.snapshot);
  restore(state.future.pop());
}

function activeEditable() {
  const entry = state.activeView;
  return entry && entry.side !== "prediction" ? entry : null;
}

function withActive(fn) {
  const entry = activeEditable();
  if (entry) fn(entry.view, entry);
}

function setTool(tool) {
  state.tool = tool;
  for (const b of document.querySelectorAll("#tools button")) b.classList.toggle("on", b.dataset.tool === tool);
  for (const v of state.views) v.view.setTool(tool);
}

function setColor(color) {
  state.color = color;
  for (const [i, sw] of [...$("palette").children].entries()) sw.classList.toggle("on", i === color);
  for (const v of state.views) v.view.setColor(color);
  withActive((view) => { if (view.selection) view.recolorSelection(color); });
}

function paste() {
  withActive((view) => {
    if (!state.clipboard) return;
    const at = view.hoverCell || { row: 0, col: 0 };
    view.paste(state.clipboard, at.row, at.col);
  });
}

function resizeActive() {
  const rows = Number($("rows").value);
  const cols = Number($("cols").value);
  if (!(rows >= 1 && rows <= 30 && cols >= 1 && cols <= 30)) {
    status("rows and cols must be 1 to 30", true);
    return;
  }
  const entry = activeEditable();
  if (!entry) {
    status("point at a grid first, then resize it", true);
    return;
  }
  const { split, index, side } = entry;
  edit((t) => { t[split][index][side] = resizeGrid(t[split][index][side], rows, cols); });
}

// ---- saving and generating -------------------------------------------------------------------

async function save(create = null) {
  const source = $("save-source").value;
  const id = $("save-id").value.trim();
  if (!source) {
    status("no folder to save into: start the studio with a folder (z2h arc studio DIR)", true);
    return;
  }
  const sameTask = state.current && state.current.source === source && state.current.id === id;
  // only a generator's labels are saved; heuristic ones are recomputed whenever a task opens
  const labelsMatch = state.labels && !state.labelsStale && !state.labelsHeuristic
    && state.labelled === JSON.stringify(state.task);
  const body = {
    task: state.task,
    labels: labelsMatch && !sameTask ? state.labels : null,
    create: create ?? !sameTask,
  };
  try {
    const result = await api("PUT", `/api/sources/${enc(source)}/tasks/${enc(id)}`, body);
    state.current = { source, id, writable: true };
    state.saved = state.snapshot;
    updateDirty();
    status(`saved ${source} / ${id} (labels: ${result.labels})`);
    history.pushState(null, "", taskPath(source, id));
    state.url = location.pathname;
    if (state.source !== source) await showSource(source);
    else await loadList();
    if (result.labels === "stale") {
      state.labelsStale = true;
      buildViews();
    }
  } catch (e) {
    if (e.status === 409 && confirm(`${e.message}. Overwrite it?`)) return save(false);
    status(`not saved: ${e.message}`, true);
  }
}

async function generate() {
  if (!confirmDiscard()) return;
  const body = {
    generator: $("generator").value,
    difficulty: [Number($("diff-lo").value), Number($("diff-hi").value)],
    seed: Number($("seed").value),
  };
  try {
    const result = await api("POST", "/api/generate", body);
    state.current = null;
    history.pushState(null, "", "/new");
    state.url = location.pathname;
    setTask(result.task, result.labels, null, false);
    $("save-id").value = result.id;
    status(`generated ${result.id}`);
    markCurrentInList();
  } catch (e) {
    status(`not generated: ${e.message}`, true);
  }
}

// ---- keyboard --------------------------------------------------------------------------------

function onKey(event) {
  const target = event.target;
  if (target && (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA")) return;
  const ctrl = event.ctrlKey || event.metaKey;
  const key = event.key;
  const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  let handled = true;
  if (ctrl && (key === "z" || key === "Z")) (event.shiftKey ? redo : undo)();
  else if (ctrl && key === "y") redo();
  else if (ctrl && key === "c") withActive((view) => { state.clipboard = view.copySelection() || state.clipboard; });
  else if (ctrl && key === "v") paste();
  else if (ctrl && key === "s") save();
  else if (ctrl || event.altKey) handled = false;
  else if (moves[key]) withActive((view) => view.moveSelection(...moves[key]));
  else if (key === "j" || key === "PageDown") step(1);
  else if (key === "k" || key === "PageUp") step(-1);
  else if (key === "r") withActive((view) => view.rotateSelection());
  else if (key === "h") withActive((view) => view.flipSelection("horizontal"));
  else if (key === "v") withActive((view) => view.flipSelection("vertical"));
  else if (key === "Delete" || key === "Backspace") withActive((view) => view.deleteSelection());
  else if (key === "Escape") for (const v of state.views) v.view.commitSelection();
  else if (key === "s") setTool("select");
  else if (key === "p") setTool("paint");
  else if (key === "f") setTool("fill");
  else if (/^[0-9]$/.test(key)) setColor(Number(key));
  else handled = false;
  if (handled) event.preventDefault();
}

// ---- start ----------------------------------------------------------------------------------

function wireControls() {
  for (const b of document.querySelectorAll("#tools button")) b.addEventListener("click", () => setTool(b.dataset.tool));
  PALETTE.forEach((hex, i) => {
    const sw = document.createElement("div");
    sw.style.background = hex;
    sw.title = `${i} ${COLOR_NAMES[i]}`;
    sw.addEventListener("click", () => setColor(i));
    $("palette").append(sw);
  });
  $("undo").addEventListener("click", undo);
  $("redo").addEventListener("click", redo);
  $("copy").addEventListener("click", () => withActive((view) => { state.clipboard = view.copySelection() || state.clipboard; }));
  $("paste").addEventListener("click", paste);
  $("rotate").addEventListener("click", () => withActive((view) => view.rotateSelection()));
  $("flip-h").addEventListener("click", () => withActive((view) => view.flipSelection("horizontal")));
  $("flip-v").addEventListener("click", () => withActive((view) => view.flipSelection("vertical")));
  $("delete").addEventListener("click", () => withActive((view) => view.deleteSelection()));
  $("resize").addEventListener("click", resizeActive);
  for (const id of ["show-boxes", "show-ids", "show-relations", "show-lines"]) {
    $(id).addEventListener("change", () => { for (const v of state.views) v.view.setOverlays(overlays()); });
  }
  $("save").addEventListener("click", () => save());
  $("generate").addEventListener("click", generate);
  $("next-seed").addEventListener("click", () => {
    $("seed").value = Number($("seed").value) + 1;
    generate();
  });
  $("new-task").addEventListener("click", () => {
    if (!confirmDiscard()) return;
    history.pushState(null, "", "/new");
    state.url = location.pathname;
    newTask();
  });
  $("source").addEventListener("change", () => {
    showSource($("source").value).catch((e) => status(e.message, true));
  });
  $("search").addEventListener("input", filterList);
  document.addEventListener("keydown", onKey);
  window.addEventListener("beforeunload", (event) => {
    if (isDirty()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  window.addEventListener("popstate", () => {
    // the back / forward buttons: the URL has already changed, so put it back if the user stays
    if (isDirty() && !confirm("This task has unsaved changes. Discard them?")) {
      history.pushState(null, "", state.url);
      return;
    }
    route().catch((e) => status(e.message, true));
  });
}

async function start() {
  readToken();
  wireControls();
  setTool("select");
  setColor(1);
  const [sources, generators] = await Promise.all([
    api("GET", "/api/sources"),
    api("GET", "/api/generators").catch(() => ({ generators: [] })),
  ]);
  state.sources = sources.sources;
  for (const s of state.sources) {
    $("source").append(new Option(`${s.name}${s.writable ? "" : " (read-only)"}`, s.name));
    if (s.writable) $("save-source").append(new Option(s.name, s.name));
  }
  state.generators = generators.generators;
  for (const g of state.generators) $("generator").append(new Option(g.name, g.name));
  if (!state.token) status("read-only: open the URL with ?token= that the studio printed to save or generate", true);
  await route();
  await Promise.all(state.views.map((v) => v.view.ready));
  document.body.dataset.ready = "1";
}

window.studio = { state, undo, redo, save, generate, go, setTool, setColor };
start().catch((e) => status(e.message, true));
