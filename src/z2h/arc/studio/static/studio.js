// The studio page's core: the task list, the pairs of the task shown as linked GridViews, one
// active grid (the one clicked, or holding the selection), one undo history for the task, the
// layout (fit to the pane, zoom), and a registry of modes. What the user can do to the grids is
// a mode's business: inspect (the default), edit, solve and gallery live in mode-*.js, each
// with its own side panel and keys (docs/arc-studio.md, "Adding a mode"). Everything that reads,
// checks or writes files is the server's job.
import { GridView } from "./sketch.js";
import {
  cloneGrid, diffCells, emptyGrid, gridsEqual, sameSize, sizeText, taskProblem,
} from "./gridops.js";
import { editMode } from "./mode-edit.js";
import { galleryMode } from "./mode-gallery.js";
import { inspectMode } from "./mode-inspect.js";
import { labelMode } from "./mode-label.js";
import { solveMode } from "./mode-solve.js";
import { sketchMode } from "./sketch-mode.js";
import { COLOR_NAMES, describeAction, describeExplanation, describeMatch, describeObject } from "./describe.js";
import { toolPanel } from "./tools.js";
import { taskMenu } from "./taskio.js";

// The modes, in the order of their buttons. A new mode is a module exporting one object like
// these, added here (docs/arc-studio.md, "Adding a mode").
const MODES = [inspectMode, editMode, solveMode, galleryMode, labelMode, sketchMode];

const TOKEN_KEY = "z2h-arc-studio-token";
const LIST_LIMIT = 2000; // rows drawn in the task list at once; the search narrows the rest
// layout constants, the same numbers as studio.css (.pair padding, .pair-head width, gaps)
const PANE_PAD = 10;
const PAIR_PAD = 8;
const HEAD_W = 96;
const GAP = 14;
const CAPTION_H = 24;
const MIN_CELL = 4;
const MAX_CELL = 48;

const $ = (id) => document.getElementById(id);
const enc = encodeURIComponent;

const state = {
  url: null, // the page path of the task shown (to restore it when a discard is refused)
  token: null,
  sources: [],
  source: null, // the source whose list is shown
  list: [],
  filtered: [],
  current: null, // {source, id, writable} of the task on disk, or null for a new task
  task: null, // ARC JSON being shown and edited
  labels: null, // labels JSON (from the file or the generator), or null
  labelled: null, // the task JSON the labels describe (grids edited since lose their labels)
  labelsStale: false,
  labelsHeuristic: false,
  predictions: null,
  views: [], // {view, split, index, side, attempt, box, caption}
  active: null, // the view entry tools and keys act on: the one clicked or holding the selection
  clipboard: null,
  saved: null, // the task JSON as last saved or loaded, to know when there are unsaved changes
  history: [],
  future: [],
  snapshot: null,
  selected: null, // {split, index, side, id}: an object selected by a click, kept linked
  generators: [],
  mode: null, // the mode object in use
  zoom: 1, // times the size that fits the pane
  cellSize: 16,
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
    await openFirst();
  } else {
    newTask();
  }
}

async function openFirst() {
  if (state.list.length) {
    history.replaceState(null, "", taskPath(state.source, state.list[0].id));
    await route();
  } else {
    history.replaceState(null, "", "/new");
    state.url = location.pathname;
    newTask();
  }
}

function confirmDiscard() {
  return !isDirty() || confirm("This task has unsaved changes. Discard them?");
}

function go(source, id) {
  if (!confirmDiscard()) return;
  // opening a task shows it: a mode with a pane of its own (the gallery) gives way
  if ((state.mode.pane || "pairs") !== "pairs") setMode(MODES[0].name);
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

// Another source chosen at the top: its first task replaces the one shown (or a new task).
async function switchSource(name) {
  if (name === state.source) return;
  if (!confirmDiscard()) {
    $("source").value = state.source;
    return;
  }
  state.saved = state.snapshot; // discarded: do not ask again on the way
  state.history = [];
  state.list = [];
  await showSource(name);
  if (state.list.length) history.pushState(null, "", taskPath(name, state.list[0].id));
  else history.pushState(null, "", "/new");
  await route();
}

async function loadList(poll = 0) {
  const name = state.source;
  const data = await api("GET", `/api/sources/${enc(name)}/tasks`);
  if (name !== state.source) return;
  // the list comes as columns (fast for 10,000 tasks): one row object per task here
  state.list = data.ids.map((id, i) => ({
    id,
    sizes: data.sizes ? data.sizes[i] : null,
    generator: data.generator[i],
    concepts: data.concepts[data.generator[i]] || [],
  }));
  filterList();
  // folders are indexed in the background: sizes arrive a little after the ids
  if (poll < 20 && state.list.some((t) => t.sizes === null)) {
    setTimeout(() => loadList(poll + 1).catch(() => {}), 1000);
  }
}

function describeRow(t) {
  return [...(t.sizes || []), t.generator || "", ...(t.concepts || [])].join(" ").trim();
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
    const name = document.createElement("div");
    name.className = "id";
    name.textContent = t.id;
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = [(t.sizes || []).join(" "), t.generator || ""].join("  ").trim();
    li.append(name, meta);
    li.addEventListener("click", () => go(state.source, t.id));
    fragment.append(li);
  }
  ul.append(fragment);
  const more = state.filtered.length > shown.length ? ` (first ${shown.length} shown)` : "";
  $("list-count").textContent = `${state.filtered.length} of ${state.list.length} tasks${more}`;
  markCurrentInList();
  state.mode?.listChanged?.(studio);
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
  state.explanations = task.explanations; // per test pair: the reasoner's, or null
  state.labelsHeuristic = labels.heuristic;
  $("save-id").value = id;
  if (task.writable) $("save-source").value = source;
  status(labels.stale ? "labels are stale (the task changed after they were made)"
    : labels.heuristic ? "no labels file: objects and correspondences found by heuristics" : "");
  markCurrentInList();
}

function newTask() {
  state.current = null;
  const grid = () => emptyGrid(3, 3);
  setTask({ train: [{ input: grid(), output: grid() }], test: [{ input: grid(), output: grid() }] }, null, null, false);
  $("save-id").value = "new-task";
  markCurrentInList();
}

// A task that comes from outside a source (a file, pasted JSON, the generator): shown as new.
function showNewTask(task, labels, id) {
  const problem = taskProblem(task);
  if (problem) throw new Error(`not an ARC task: ${problem}`);
  state.current = null;
  history.pushState(null, "", "/new");
  state.url = location.pathname;
  setTask(task, labels, null, false);
  $("save-id").value = id;
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
  state.explanations = null;
  state.history = [];
  state.future = [];
  state.snapshot = JSON.stringify(task);
  state.saved = state.current ? state.snapshot : null;
  state.selected = null;
  // nothing said about the previous task may stay on screen
  $("hover-info").textContent = "-";
  $("happened").textContent = "-";
  for (const mode of MODES) mode.taskShown?.(studio);
  buildViews();
  updateDirty();
  showTaskInfo();
}

function isDirty() {
  if (state.task === null) return false;
  if (MODES.some((m) => m.dirty?.(studio))) return true; // label mode's unsaved labels
  return state.saved === null ? state.history.length > 0 : state.snapshot !== state.saved;
}

function updateDirty() {
  $("dirty").hidden = !isDirty();
  const where = state.current ? `${state.current.source} / ${state.current.id}` : "new task (not saved)";
  $("title").textContent = where;
}

// The generator's name and description (from the labels, or the id of a generated task).
function showTaskInfo() {
  const fromLabels = state.labels && state.labels.generator;
  const row = state.current && state.list.find((t) => t.id === state.current.id);
  const name = fromLabels || (row && row.generator);
  const generator = state.generators.find((g) => g.name === name);
  const el = $("task-info");
  el.textContent = generator ? `${generator.name}: ${generator.description}` : "";
  el.hidden = !generator;
}

// ---- labels ---------------------------------------------------------------------------------

function gridLabelsFor(split, index, side) {
  if (!state.labels || state.labelsStale || !["input", "output"].includes(side)) return null;
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

function relationsOf(gridLabels) {
  return gridLabels ? gridLabels.relations.map(([kind, a, b]) => ({ kind, a, b })) : [];
}

// ---- views and layout -----------------------------------------------------------------------

function overlays() {
  return {
    boxes: $("show-boxes").checked,
    ids: $("show-ids").checked,
    relations: $("show-relations").checked,
    gridLines: $("show-lines").checked,
  };
}

// The view specs of one pair row: `main` sit side by side, `extra` (predictions) may wrap.
function rowSpecs(split, index) {
  const pair = state.task[split][index];
  const mode = state.mode;
  const main = [{ side: "input", grid: pair.input }];
  if (!mode.hidesOutput?.(split) && pair.output) main.push({ side: "output", grid: pair.output });
  main.push(...(mode.rowViews?.(studio, split, index) || []));
  const extra = [];
  if (split === "test" && mode.showsPredictions !== false && state.predictions?.[index]) {
    state.predictions[index].attempts.forEach((grid, attempt) => {
      extra.push({ side: "prediction", grid, attempt });
    });
  }
  return { main, extra };
}

// The cell size at which every pair fits the pane: its main grids side by side across the
// width, each grid within half the height (so two pairs are in view at once).
function fitCellSize(rows) {
  const pane = $("pairs");
  const width = pane.clientWidth - 2 * PANE_PAD - 2 * PAIR_PAD - HEAD_W - GAP - 4;
  const height = (pane.clientHeight - 2 * PANE_PAD) / 2 - 2 * PAIR_PAD - CAPTION_H;
  let cell = MAX_CELL;
  for (const { main, extra } of rows) {
    const cols = main.reduce((n, s) => n + s.grid[0].length, 0);
    cell = Math.min(cell, Math.floor((width - GAP * (main.length - 1)) / cols));
    for (const s of [...main, ...extra]) {
      cell = Math.min(cell, Math.floor(width / s.grid[0].length), Math.floor(height / s.grid.length));
    }
  }
  return Math.max(MIN_CELL, cell);
}

function cellSizeNow(rows) {
  const fit = fitCellSize(rows);
  return Math.max(2, Math.min(96, Math.round(fit * state.zoom)));
}

function buildViews() {
  // the active grid stays active through a rebuild (a resize, a new pair, a mode change)
  const was = state.active;
  for (const v of state.views) v.view.remove();
  state.views = [];
  state.active = null;
  showActive();
  const main = $("pairs");
  main.textContent = "";
  const rows = [];
  for (const split of ["train", "test"]) {
    state.task[split].forEach((_, index) => rows.push({ split, index, ...rowSpecs(split, index) }));
  }
  state.cellSize = cellSizeNow(rows);
  for (const { split, index, main: specs, extra } of rows) {
    const row = document.createElement("div");
    row.className = "pair";
    row.dataset.split = split;
    row.dataset.index = index;
    row.append(pairHead(split, index));
    const grids = document.createElement("div");
    grids.className = "grids";
    row.append(grids);
    for (const spec of [...specs, ...extra]) addView(grids, { split, index, ...spec });
    if (!state.mode.hidesOutput?.(split) && !state.task[split][index].output) {
      const add = document.createElement("button");
      add.textContent = "add output";
      add.dataset.modeOnly = "edit";
      add.hidden = state.mode.name !== "edit";
      add.addEventListener("click", () => edit((t) => { t[split][index].output = cloneGrid(t[split][index].input); }));
      grids.append(add);
    }
    state.mode.decorateRow?.(studio, row, split, index);
    main.append(row);
  }
  main.append(...modeOnly((mode) => mode.paneFooter?.(studio)));
  updateMarks();
  updateChanged();
  const again = was && state.views.find((v) => v.split === was.split && v.index === was.index
    && v.side === was.side && v.attempt === was.attempt);
  if (again) setActive(again);
}

function pairHead(split, index) {
  const head = document.createElement("div");
  head.className = "pair-head";
  const name = document.createElement("div");
  name.className = "name";
  name.textContent = `${split} ${index}`;
  head.append(name);
  // a test pair's actions are its answer: not shown while the mode hides that answer
  const actions = answerHidden(split) ? [] : pairLabels(split, index)?.actions || [];
  if (actions.length) {
    const what = document.createElement("div");
    what.className = "hint";
    what.textContent = actions.map(describeAction).join("; ");
    head.append(what);
  }
  head.append(...modeOnly((mode) => mode.pairButtons?.(studio, split, index)));
  return head;
}

function captionText(entry) {
  const size = sizeText(entry.view.grid);
  if (entry.side === "prediction") {
    const expected = state.task.test[entry.index]?.output;
    const wrongSize = expected && !sameSize(entry.view.grid, expected);
    return `attempt ${entry.attempt + 1}  ${size}${wrongSize ? `, expected ${sizeText(expected)}` : ""}`;
  }
  return `${entry.label || entry.side}  ${size}`;
}

function refreshCaption(entry) {
  entry.caption.querySelector(".text").textContent = captionText(entry);
}

// spec: {split, index, side, grid, attempt?, label?, onChange?}: a mode may add views of its own
// (side "answer" in solve mode) with their own change handler.
function addView(parent, spec) {
  const { split, index, side, grid } = spec;
  const box = document.createElement("div");
  box.className = "view";
  box.dataset.side = side;
  const caption = document.createElement("div");
  caption.className = "caption";
  const text = document.createElement("span");
  text.className = "text";
  caption.append(text);
  box.append(caption);
  parent.append(box);
  const gridLabels = gridLabelsFor(split, index, side);
  const entry = {
    split, index, side, attempt: spec.attempt ?? null, label: spec.label, box, caption,
    onChange: spec.onChange, onResize: spec.onResize,
  };
  entry.view = new GridView(box, {
    grid,
    objects: gridLabels ? gridLabels.objects : null,
    background: gridLabels ? gridLabels.background : null,
    relations: relationsOf(gridLabels),
    editable: Boolean(state.mode.editable?.(entry)),
    cellSize: state.cellSize,
    overlays: overlays(),
  });
  refreshCaption(entry);
  entry.view.setTool(state.tool);
  entry.view.setColor(state.color);
  state.views.push(entry);
  entry.view.on("hover", (info) => onHover(entry, info));
  entry.view.on("select", (info) => onSelect(entry, info));
  entry.view.on("change", (info) => onChange(entry, info));
  // the grid you act on is the one you pressed, never one the pointer merely crossed
  box.addEventListener("pointerdown", () => setActive(entry));
  return entry;
}

function setActive(entry) {
  if (state.active === entry) return;
  if (state.active) state.active.box.classList.remove("active");
  state.active = entry;
  if (entry) entry.box.classList.add("active");
  showActive();
  studio.tools?.activeChanged(entry);
  state.mode.activeChanged?.(studio, entry);
}

function entryName(entry) {
  if (!entry) return "none: click a grid";
  const which = entry.attempt !== null ? ` ${entry.attempt + 1}` : "";
  return `${entry.split} ${entry.index} ${entry.label || entry.side}${which} (${sizeText(entry.view.grid)})`;
}

function showActive() {
  for (const el of document.querySelectorAll(".active-name")) el.textContent = entryName(state.active);
}

// The active view when the mode lets it be edited.
function activeEditable() {
  const entry = state.active;
  return entry && entry.view.editable ? entry : null;
}

function viewsOf(split, index) {
  return state.views.filter((v) => v.split === split && v.index === index);
}

function entryOf(split, index, side) {
  return state.views.find((v) => v.split === split && v.index === index && v.side === side) || null;
}

// Applies the mode's editability to every view (a mode change without a new layout).
function applyEditable() {
  for (const entry of state.views) entry.view.setEditable(Boolean(state.mode.editable?.(entry)));
}

function refit() {
  const rows = [];
  for (const split of ["train", "test"]) {
    state.task[split].forEach((_, index) => rows.push(rowSpecs(split, index)));
  }
  const size = cellSizeNow(rows);
  if (size === state.cellSize) return;
  state.cellSize = size;
  for (const entry of state.views) entry.view.setCellSize(size);
}

function zoom(factor) {
  state.zoom = factor === null ? 1 : Math.max(0.25, Math.min(8, state.zoom * factor));
  refit();
  $("zoom").textContent = `${Math.round(state.zoom * 100)}%`;
}

// Wrong cells of each prediction against the expected output, and exact / not exact. An attempt
// of the wrong size shows its content unmarked; its caption gives both sizes.
function updateMarks() {
  for (const entry of state.views) {
    if (entry.side !== "prediction") continue;
    const expected = state.task.test[entry.index]?.output;
    const got = entry.view.grid;
    entry.view.setMarks(expected ? diffCells(got, expected) || [] : []);
    refreshCaption(entry);
    let badge = entry.caption.querySelector(".badge");
    if (!badge) {
      badge = document.createElement("span");
      entry.caption.append(badge);
    }
    const exact = expected && gridsEqual(got, expected);
    badge.className = `badge ${exact ? "exact" : "wrong"}`;
    badge.textContent = expected ? (exact ? "exact" : "not exact") : "no answer";
    entry.box.classList.toggle("wrong-size", Boolean(expected) && !sameSize(got, expected));
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

// The changed-cells view: in each pair whose input and output are both shown, the cells where
// they differ stay bright and the rest are dimmed; a pair whose size changes says so instead.
function updateChanged() {
  const on = $("show-changed").checked;
  for (const entry of state.views) {
    if (entry.side !== "input" && entry.side !== "output") continue;
    const input = entryOf(entry.split, entry.index, "input");
    const output = entryOf(entry.split, entry.index, "output");
    const changed = on && input && output ? diffCells(input.view.grid, output.view.grid) : null;
    entry.view.setChanged(changed);
    let note = entry.caption.querySelector(".changed-note");
    const text = on && input && output && !changed ? "size changed" : on && changed ? `${changed.length} changed` : "";
    if (!text) {
      note?.remove();
      continue;
    }
    if (!note) {
      note = document.createElement("span");
      note.className = "changed-note";
      entry.caption.append(note);
    }
    note.textContent = text;
  }
}

// ---- linking and the info panels -------------------------------------------------------------

function counterpart(entry, objectId) {
  const pl = pairLabels(entry.split, entry.index);
  if (!pl || !gridLabelsFor(entry.split, entry.index, entry.side)) return null;
  const mine = entry.side === "input" ? "input_id" : "output_id";
  return pl.correspondence.find((m) => m[mine] === objectId) || null;
}

function linkHighlight(entry, objectId) {
  const match = objectId == null ? null : counterpart(entry, objectId);
  for (const other of viewsOf(entry.split, entry.index)) {
    if (other === entry || !["input", "output"].includes(other.side)) continue;
    const id = match ? (other.side === "input" ? match.input_id : match.output_id) : null;
    const labelled = gridLabelsFor(other.split, other.index, other.side);
    other.view.setHighlight(id != null && labelled ? [id] : []);
  }
  return match;
}

function onHover(entry, info) {
  if (!info) {
    $("hover-info").textContent = "-";
    restoreSelectedLink();
    return;
  }
  const which = entry.attempt !== null ? ` ${entry.attempt + 1}` : "";
  const where = `${entry.split} ${entry.index} ${entry.label || entry.side}${which}`;
  let text = `${where}\n(row ${info.row}, col ${info.col}) colour ${info.color} ${COLOR_NAMES[info.color]}`;
  if (info.object) text += `\n${describeObject(entry.view, info.object)}`;
  $("hover-info").textContent = text;
  if (info.object && ["input", "output"].includes(entry.side)) {
    const match = linkHighlight(entry, info.object.id);
    $("happened").textContent = happenedText(entry.split, entry.index, match, entry.side, info.object.id);
  } else {
    restoreSelectedLink();
  }
}

function clearHighlights() {
  for (const v of state.views) v.view.setHighlight([]);
}

function restoreSelectedLink() {
  clearHighlights();
  const sel = state.selected;
  if (!sel) {
    $("happened").textContent = "-"; // said of an object no longer pointed at or selected
    return;
  }
  const entry = entryOf(sel.split, sel.index, sel.side);
  if (!entry) return;
  const match = linkHighlight(entry, sel.id);
  $("happened").textContent = happenedText(sel.split, sel.index, match, sel.side, sel.id);
}

function answerHidden(split) {
  return Boolean(state.mode.hidesOutput?.(split));
}

function happenedText(split, index, match, side, id) {
  if (answerHidden(split)) return "hidden while solving: it would tell the answer";
  const pl = pairLabels(split, index);
  if (!pl) return "no labels for this pair";
  const entry = split === "test" ? state.explanations?.[index] : null;
  const inputId = side === "input" ? id : match?.input_id;
  const reasoner = entry && inputId != null ? describeExplanation(entry, pl, inputId) : "";
  return reasoner ? `${describeMatch(match)}\n${reasoner}` : describeMatch(match);
}

function onSelect(entry, info) {
  if (info) setActive(entry);
  for (const other of state.views) if (other !== entry) other.view.commitSelection();
  state.selected = info && info.object && ["input", "output"].includes(entry.side)
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
  if (entry.onChange) {
    entry.onChange(info, entry);
    return;
  }
  if (entry.side !== "input" && entry.side !== "output") return;
  const labelledBefore = Boolean(gridLabelsFor(entry.split, entry.index, entry.side));
  state.task[entry.split][entry.index][entry.side] = cloneGrid(info.grid);
  commitSnapshot();
  if (labelledBefore) entry.view.setRelations([]);
  // the edited grid's objects are new: what was linked or said about the old ones goes
  if (state.selected && state.selected.split === entry.split && state.selected.index === entry.index) {
    state.selected = null;
    $("happened").textContent = "-";
  }
  for (const v of viewsOf(entry.split, entry.index)) v.view.setHighlight([]);
  refreshCaption(entry);
  updateMarks();
  updateChanged();
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
    && task[split].every((p, i) => Boolean(p.output) === Boolean(state.task[split][i].output)
      && sameSize(p.input, state.task[split][i].input)
      && (!p.output || sameSize(p.output, state.task[split][i].output))));
  state.task = task;
  state.snapshot = snapshot;
  state.selected = null;
  clearHighlights();
  if (!sameShape) {
    buildViews();
  } else {
    for (const entry of state.views) {
      if (entry.side !== "input" && entry.side !== "output") continue;
      const grid = task[entry.split][entry.index][entry.side];
      if (!gridsEqual(grid, entry.view.grid)) {
        const labels = gridLabelsFor(entry.split, entry.index, entry.side);
        entry.view.setGrid(grid, labels ? labels.objects : null, labels ? labels.background : null);
        entry.view.setRelations(relationsOf(labels));
      }
    }
    updateMarks();
    updateChanged();
  }
  updateDirty();
}

function undo() {
  if (state.mode.undo) return state.mode.undo(studio);
  if (!state.history.length) return;
  state.future.push(state.snapshot);
  restore(state.history.pop());
}

function redo() {
  if (state.mode.redo) return state.mode.redo(studio);
  if (!state.future.length) return;
  state.history.push(state.snapshot);
  restore(state.future.pop());
}

// ---- modes ----------------------------------------------------------------------------------

// Elements every mode adds to the pairs (pair buttons, a footer), each shown only in its mode, so
// switching between modes with the same layout needs no rebuild.
function modeOnly(make) {
  const out = [];
  for (const mode of MODES) {
    for (const el of make(mode) || []) {
      el.dataset.modeOnly = mode.name;
      el.hidden = mode !== state.mode;
      out.push(el);
    }
  }
  return out;
}

// What decides the views a mode builds; modes that agree on it switch without a rebuild (so a
// selection made while inspecting survives entering edit mode).
function layoutOf(mode) {
  return `${Boolean(mode.hidesOutput?.("test"))} ${mode.showsPredictions !== false} ${Boolean(mode.rowViews)} ${mode.pane || "pairs"}`;
}

function setMode(name) {
  const next = MODES.find((m) => m.name === name);
  if (!next || next === state.mode) return;
  const previous = state.mode;
  previous?.leave?.(studio);
  state.mode = next;
  document.body.dataset.mode = next.name;
  for (const b of document.querySelectorAll("#modes button")) b.classList.toggle("on", b.dataset.mode === name);
  for (const section of document.querySelectorAll("#side section[data-modes]")) {
    section.hidden = !section.dataset.modes.split(" ").includes(name)
      && !(section.dataset.modes === "tools" && next.tools);
  }
  for (const el of document.querySelectorAll("[data-mode-only]")) el.hidden = el.dataset.modeOnly !== name;
  const pane = next.pane || "pairs";
  for (const el of document.querySelectorAll("#main > .pane")) el.hidden = el.id !== pane;
  if (state.task && (!previous || layoutOf(previous) !== layoutOf(next))) buildViews();
  else applyEditable();
  next.enter?.(studio);
}

function buildModes() {
  const keys = new Set();
  for (const mode of MODES) {
    // a mode's key is one character, its own (a method named `key` would shadow it)
    if (typeof mode.name !== "string" || typeof mode.key !== "string" || mode.key.length !== 1 || keys.has(mode.key)) {
      throw new Error(`mode ${mode.name}: needs a name and a one-character key of its own`);
    }
    keys.add(mode.key);
    const b = document.createElement("button");
    b.dataset.mode = mode.name;
    b.textContent = mode.label;
    b.title = `${mode.title} (${mode.key})`;
    b.addEventListener("click", () => setMode(mode.name));
    $("modes").append(b);
    const section = document.createElement("section");
    section.dataset.modes = mode.name;
    section.id = `panel-${mode.name}`;
    section.hidden = true;
    $("mode-panels").append(section);
    mode.init?.(studio, section);
  }
}

// A main pane of a mode's own (the gallery's; a sketch editor's): shown while the mode whose
// `pane` names it is on, in place of the pairs.
function addPane(id) {
  const pane = document.createElement("div");
  pane.id = id;
  pane.className = "pane";
  pane.hidden = true;
  $("main").append(pane);
  return pane;
}

// ---- keyboard --------------------------------------------------------------------------------

// Keys typed into a text box (or a select) are the box's; a focused checkbox or button keeps
// the page's keys working.
function typingIn(target) {
  if (!target) return false;
  if (target.tagName === "INPUT") return !["checkbox", "radio", "button", "submit", "range", "color", "file"].includes(target.type);
  return target.tagName === "SELECT" || target.tagName === "TEXTAREA" || target.isContentEditable;
}

// In the search box Enter opens the first match, Escape and arrow down leave the box, so j / k
// and the other keys work again.
function searchKeys(event) {
  const box = $("search");
  if (event.key === "Enter" && state.filtered.length) {
    box.blur();
    go(state.source, state.filtered[0].id);
  } else if (event.key === "Escape" || event.key === "ArrowDown") {
    box.blur();
  } else {
    return;
  }
  event.preventDefault();
}

function scrollPairs(dy) {
  const pane = state.mode.scroller?.(studio) || $("pairs");
  if (pane) pane.scrollBy({ top: dy });
}

function coreKeys(event) {
  const ctrl = event.ctrlKey || event.metaKey;
  const key = event.key;
  const pane = $("pairs");
  if (ctrl && (key === "z" || key === "Z")) (event.shiftKey ? redo : undo)();
  else if (ctrl && key === "y") redo();
  else if (ctrl && key === "s") state.mode.save ? state.mode.save(studio) : save();
  else if (ctrl && (key === "=" || key === "+")) zoom(1.25);
  else if (ctrl && key === "-") zoom(0.8);
  else if (ctrl && key === "0") zoom(null);
  else if (ctrl || event.altKey) return false;
  else if (MODES.some((m) => m.key === key)) setMode(MODES.find((m) => m.key === key).name);
  else if (key === "j") step(1);
  else if (key === "k") step(-1);
  else if (key === "+" || key === "=") zoom(1.25);
  else if (key === "-") zoom(0.8);
  else if (key === "0") zoom(null);
  else if (key === "ArrowDown") scrollPairs(40);
  else if (key === "ArrowUp") scrollPairs(-40);
  else if (key === "ArrowRight") pane.scrollBy({ left: 40 });
  else if (key === "ArrowLeft") pane.scrollBy({ left: -40 });
  else if (key === "PageDown") scrollPairs(pane.clientHeight * 0.9);
  else if (key === "PageUp") scrollPairs(-pane.clientHeight * 0.9);
  else if (key === "Escape") for (const v of state.views) v.view.commitSelection();
  else return false;
  return true;
}

function onKey(event) {
  if (typingIn(event.target)) {
    if (event.target.id === "search") searchKeys(event);
    return;
  }
  const handled = state.mode.keys?.(event, studio)
    || (state.mode.tools && studio.tools.keys(event))
    || coreKeys(event);
  if (handled) event.preventDefault();
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

async function generate(body) {
  if (!confirmDiscard()) return;
  try {
    const result = await api("POST", "/api/generate", body);
    showNewTask(result.task, result.labels, result.id);
    status(`generated ${result.id}`);
  } catch (e) {
    status(`not generated: ${e.message}`, true);
  }
}

// ---- start ----------------------------------------------------------------------------------

function wireControls() {
  for (const id of ["show-boxes", "show-ids", "show-relations", "show-lines"]) {
    $(id).addEventListener("change", () => { for (const v of state.views) v.view.setOverlays(overlays()); });
  }
  $("show-changed").addEventListener("change", updateChanged);
  $("zoom-in").addEventListener("click", () => zoom(1.25));
  $("zoom-out").addEventListener("click", () => zoom(0.8));
  $("zoom-fit").addEventListener("click", () => zoom(null));
  $("pairs").addEventListener("wheel", (event) => {
    if (!event.ctrlKey) return;
    event.preventDefault(); // the page's own zoom would scale the panels too
    zoom(event.deltaY < 0 ? 1.25 : 0.8);
  }, { passive: false });
  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => state.task && (state.mode.pane || "pairs") === "pairs" && refit(), 100);
  });
  $("new-task").addEventListener("click", () => {
    if (!confirmDiscard()) return;
    history.pushState(null, "", "/new");
    state.url = location.pathname;
    newTask();
  });
  $("source").addEventListener("change", () => {
    switchSource($("source").value).catch((e) => status(e.message, true));
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

// What a mode (or the tools, or the task menu) may use of the core.
const studio = {
  state, $, api, status, enc,
  go, route, save, generate, showNewTask, isDirty, confirmDiscard,
  edit, undo, redo, buildViews, refit, zoom, updateDirty,
  addView, setActive, activeEditable, entryOf, viewsOf, refreshCaption, showActive,
  setMode, addPane, modes: MODES, taskPath, sizeText,
  tools: null,
};

async function start() {
  readToken();
  state.mode = MODES[0];
  studio.tools = toolPanel(studio, $("panel-tools"));
  buildModes();
  taskMenu(studio, $("task-menu"));
  wireControls();
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
  for (const mode of MODES) mode.ready?.(studio);
  // the warning has a place of its own: status messages never cover it
  $("readonly").hidden = Boolean(state.token);
  state.mode = null;
  setMode(MODES[0].name);
  await route();
  await Promise.all(state.views.map((v) => v.view.ready));
  document.body.dataset.ready = "1";
}

window.studio = studio;
start().catch((e) => status(e.message, true));
