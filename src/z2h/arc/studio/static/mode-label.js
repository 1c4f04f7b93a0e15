// Label mode: correct a task's labels by hand. Pick objects (click; Shift+click adds), merge
// them, split one with a brush, link an input object to its output counterpart by clicking one
// then the other, give each row its actions from the vocabulary (GET /api/actions) with fields
// filled in from the geometry, see each row replayed true or false by the server's checker,
// mark the task checked by a person and save (provenance "human"). One undo history for the
// mode's edits. The grids themselves never change here.
import { describeAction, describeMatch } from "./describe.js";
import {
  fillAction, link, mergeObjects, paint, splitObject, turn, unlink,
} from "./labelops.js";

const PANEL = `
  <h3>Label</h3>
  <p class="hint">Click an object to pick it, Shift+click to add one (same grid). Click an
  object, then one in the other grid of the pair: they are linked (Shift: as a further row).
  <b>m</b> merge the picked objects, <b>b</b> brush: paint cells of the picked object,
  Enter splits them off. <b>u</b> unlink, <b>d</b> deleted, <b>c</b> created, Esc drops the
  pick. Ctrl+Z / Ctrl+Y undo and redo, Ctrl+S saves.</p>
  <div id="label-picked" class="info">-</div>
  <div class="buttons">
    <button id="label-merge" title="merge the picked objects into one (m)">merge</button>
    <button id="label-brush" title="paint cells of the picked object into a new one (b)">brush</button>
    <button id="label-split" title="the brushed cells become a new object (Enter)">split off</button>
    <button id="label-unlink" title="remove the rows of the picked objects (u)">unlink</button>
    <button id="label-deleted" title="the picked input objects are deleted (d)">deleted</button>
    <button id="label-created" title="the picked output objects are created (c)">created</button>
  </div>
  <h3>Rows of <span id="label-pair">-</span></h3>
  <div id="label-verdict" class="info">-</div>
  <ul id="label-rows" class="label-rows"></ul>
  <h3>Actions of the row</h3>
  <div id="label-row-name" class="info">click a row or an object</div>
  <div id="label-actions"></div>
  <div class="buttons">
    <select id="label-op"></select>
    <button id="label-add" title="add this action to the row, its fields from the geometry">add action</button>
  </div>
  <p id="label-about" class="hint"></p>
  <h3>Save</h3>
  <div id="label-provenance" class="info">-</div>
  <label><input type="checkbox" id="label-checked"> checked by a person (every row looked at)</label>
  <label>folder <select id="label-folder"></select></label>
  <div class="buttons">
    <button id="label-save" title="Ctrl+S">save labels</button>
    <button id="label-undo" title="Ctrl+Z">undo</button>
    <button id="label-redo" title="Ctrl+Y">redo</button>
  </div>`;

const CHECK_DELAY_MS = 120; // edits in quick succession are checked once

// Whether x ({split, index, side}: a pick, the brush) is about the grid of view entry e.
const onGrid = (x, e) => Boolean(x) && x.split === e.split && x.index === e.index && x.side === e.side;
const replayText = (ok) => (ok ? "every row replays true" : "some rows replay false");

function rowText(m) {
  if (!m.grid) return describeMatch(m);
  return `whole grid: ${m.actions.length ? m.actions.map(describeAction).join(", then ") : "no actions"}`;
}

// The input grid's cells as [row, col, colour] (a whole-grid turn is the cells' turn: the
// grid's box is the cells' box).
function gridCells(gl) {
  return paint(gl).flatMap((row, r) => row.map((k, c) => [r, c, k]));
}

const sameCells = (a, b) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

// A whole-grid action with the fields the two grids give: a scale's factor and a tiling's
// reps from their sizes, a flip's axis and a rotation's turns where one gives the output.
function gridAction(op, pair) {
  const action = { op };
  const out = pair.output;
  if (op === "flip") action.axis = "h";
  if (op === "rotate") action.k = 1;
  if (!out) return action;
  const [down, across] = [out.height / pair.input.height, out.width / pair.input.width];
  if (op === "scale" && down === across && Number.isInteger(down)) action.factor = down;
  if (op === "tile" && Number.isInteger(down) && Number.isInteger(across)) action.reps = [down, across];
  const [a, b] = [gridCells(pair.input), gridCells(out)];
  if (op === "flip" && sameCells(turn(a, "flip_v"), b)) action.axis = "v";
  if (op === "rotate") action.k = [1, 2, 3].find((k) => sameCells(turn(a, "rotate", k), b)) ?? 1;
  return action;
}

export const labelMode = {
  name: "label",
  label: "label",
  key: "l",
  title: "correct the labels: merge, split, link objects, set actions, save",
  editable: () => false,
  vocab: [],
  labels: null, // the labels being edited (state.labels points at them)
  saved: null, // their JSON when loaded or last saved
  history: [],
  future: [],
  picks: null, // {split, index, side, ids}
  brush: null, // {split, index, side, id, cells: [[r, c]]}
  row: null, // {split, index, k}: the row whose actions are shown
  pair: { split: "train", index: 0 },
  result: null, // the server's last check
  checkSeq: 0,

  init(studio, panel) {
    const { $ } = studio;
    panel.innerHTML = PANEL;
    const on = (id, fn) => $(id).addEventListener("click", () => fn.call(this, studio));
    on("label-merge", this.merge);
    on("label-brush", this.toggleBrush);
    on("label-split", this.splitOff);
    on("label-unlink", (s) => this.unlinkPicked(s, null));
    on("label-deleted", (s) => this.unlinkPicked(s, "deleted"));
    on("label-created", (s) => this.unlinkPicked(s, "created"));
    on("label-add", this.addAction);
    on("label-save", this.save);
    on("label-undo", this.undo);
    on("label-redo", this.redo);
    $("label-op").addEventListener("change", () => this.describeOp(studio));
    $("label-folder").addEventListener("change", () => { $("label-folder").dataset.chosen = "1"; });
    $("label-checked").addEventListener("change", () => {
      const checked = $("label-checked").checked;
      this.commit(studio, (labels) => { labels.person_checked = checked; });
    });
    // picking happens before the grid sees the press: in this mode a click picks, never selects
    const pairs = $("pairs");
    pairs.addEventListener("pointerdown", (event) => this.press(studio, event), true);
    pairs.addEventListener("pointermove", (event) => this.drag(studio, event), true);
    window.addEventListener("pointerup", () => { if (this.brush) this.brush.painting = false; });
  },

  async ready(studio) {
    const { $, state } = studio;
    for (const s of state.sources) if (s.writable) $("label-folder").append(new Option(s.name, s.name));
    try {
      this.vocab = (await studio.api("GET", "/api/actions")).actions;
    } catch (e) {
      studio.status(`no action vocabulary: ${e.message}`, true);
    }
    for (const a of this.vocab) $("label-op").append(new Option(a.op, a.op));
    this.describeOp(studio);
  },

  taskShown(studio) {
    this.reset();
    // the core sets the task's labels (and whether they are heuristic) after telling the modes
    if (studio.state.mode === this) setTimeout(() => this.prepare(studio), 0);
  },

  reset() {
    this.labels = null;
    this.saved = null;
    this.history = [];
    this.future = [];
    this.picks = null;
    this.brush = null;
    this.row = null;
    this.result = null;
    this.pair = { split: "train", index: 0 };
  },

  enter(studio) {
    this.prepare(studio);
  },

  leave(studio) {
    this.brush = null;
    this.picks = null;
    this.row = null;
    this.showPicked(studio);
  },

  dirty() {
    return this.labels !== null && JSON.stringify(this.labels) !== this.saved;
  },

  // ---- the labels being edited ---------------------------------------------------------------

  // The task's labels as the core holds them when they describe the grids shown, otherwise the
  // heuristic labeller's (asked of the server); from then on the mode edits them.
  async prepare(studio) {
    const { state } = studio;
    if (this.labels && state.labels === this.labels && state.labelled === JSON.stringify(state.task)) {
      return this.refresh(studio);
    }
    if (this.labels) {
      // the grids were edited (edit mode) since: these labels describe other grids
      studio.status("the grids changed since these labels were made: labels found anew", true);
      this.reset();
    }
    const current = state.labels && !state.labelsStale && state.labelled === JSON.stringify(state.task);
    let labels = current ? structuredClone(state.labels) : null;
    const task = state.task;
    const mine = await this.savedElsewhere(studio);
    if (state.task !== task) return; // another task was opened meanwhile
    if (mine) labels = mine;
    if (!labels) {
      const id = state.current ? state.current.id : studio.$("save-id").value || "new-task";
      try {
        labels = (await studio.api("POST", "/api/labels/check", { task, labels: null, id })).labels;
      } catch (e) {
        studio.status(`no labels to start from: ${e.message}`, true);
        return;
      }
      if (state.task !== task) return; // another task was opened meanwhile
    }
    this.labels = labels;
    this.saved = JSON.stringify(labels); // nothing edited yet: only edits are unsaved
    this.adopt(studio, !current || Boolean(mine));
    this.refresh(studio);
  },

  // A task of a read-only collection whose labels a person saved into the folder chosen: those
  // labels (when the folder's copy of the task is this task), so labelling a collection can be
  // picked up where it was left.
  async savedElsewhere(studio) {
    const { state, $ } = studio;
    const folder = $("label-folder").value;
    if (!state.current || state.current.writable || !folder) return null;
    const base = `/api/sources/${studio.enc(folder)}`;
    const id = studio.enc(state.current.id);
    try {
      const task = await studio.api("GET", `${base}/tasks/${id}`);
      if (JSON.stringify(task.task) !== JSON.stringify(state.task)) return null;
      const labels = await studio.api("GET", `${base}/labels/${id}`);
      if (labels.heuristic || labels.stale) return null;
      studio.status(`labels from ${folder} / ${state.current.id} (saved by hand)`);
      return labels.labels;
    } catch {
      return null; // not saved there yet
    }
  },

  // The core shows these labels (hover, "What happened", the objects of each view).
  adopt(studio, rebuild) {
    const { state } = studio;
    state.labels = this.labels;
    state.labelsStale = false;
    state.labelled = JSON.stringify(state.task);
    state.labelledTask = JSON.parse(state.labelled);
    if (rebuild) {
      studio.buildViews();
      return;
    }
    for (const entry of state.views) {
      if (entry.side !== "input" && entry.side !== "output") continue;
      const gl = this.labels[entry.split]?.[entry.index]?.[entry.side];
      if (!gl) continue;
      entry.view.setObjects(gl.objects);
      entry.view.setRelations(gl.relations.map(([kind, a, b]) => ({ kind, a, b })));
    }
  },

  // One edit of the labels: a history step, the views and panel updated, a check asked for.
  commit(studio, fn) {
    if (!this.labels) return;
    const before = JSON.stringify(this.labels);
    const labels = structuredClone(this.labels);
    try {
      fn(labels);
    } catch (e) {
      studio.status(e.message, true);
      return;
    }
    if (JSON.stringify(labels) === before) return;
    this.history.push(before);
    this.future = [];
    this.labels = labels;
    this.adopt(studio, false);
    this.refresh(studio);
  },

  undo(studio) {
    if (!this.history.length) return;
    this.future.push(JSON.stringify(this.labels));
    this.restore(studio, this.history.pop());
  },

  redo(studio) {
    if (!this.future.length) return;
    this.history.push(JSON.stringify(this.labels));
    this.restore(studio, this.future.pop());
  },

  restore(studio, json) {
    this.labels = JSON.parse(json);
    this.brush = null;
    this.adopt(studio, false);
    this.refresh(studio);
  },

  refresh(studio) {
    studio.updateDirty();
    this.showPicked(studio);
    this.showRows(studio);
    this.showSaveState(studio);
    this.scheduleCheck(studio);
  },

  scheduleCheck(studio) {
    clearTimeout(this.checkTimer);
    this.checkTimer = setTimeout(() => this.check(studio), CHECK_DELAY_MS);
  },

  async check(studio) {
    const seq = ++this.checkSeq;
    const labels = this.labels;
    try {
      const result = await studio.api("POST", "/api/labels/check", { task: studio.state.task, labels });
      if (seq !== this.checkSeq || labels !== this.labels) return; // a later edit wins
      this.result = result;
    } catch (e) {
      this.result = { error: e.message };
    }
    this.showRows(studio);
    this.showSaveState(studio);
    document.body.dataset.labelChecked = String(this.checkSeq);
  },

  // ---- picking -------------------------------------------------------------------------------

  entryAt(studio, event) {
    const entry = studio.state.views.find((v) => v.view.canvas === event.target);
    if (!entry || (entry.side !== "input" && entry.side !== "output")) return null;
    const rect = entry.view.canvas.getBoundingClientRect();
    const cell = entry.view.xyToCell(event.clientX - rect.left, event.clientY - rect.top);
    return entry.view.inside(cell.row, cell.col) ? { entry, cell } : null;
  },

  press(studio, event) {
    if (studio.state.mode !== this || event.button !== 0 || !this.labels) return;
    const hit = this.entryAt(studio, event);
    if (!hit) return;
    event.stopPropagation(); // the grid would start a selection of its own
    const { entry, cell } = hit;
    studio.setActive(entry);
    if (!this.pairLabels(entry.split, entry.index)[entry.side]) {
      studio.status("this grid has no labels (a hidden output): nothing to pick", true);
      return;
    }
    this.pair = { split: entry.split, index: entry.index };
    const b = this.brush;
    if (b && b.split === entry.split && b.index === entry.index && b.side === entry.side) {
      b.painting = true;
      b.erase = event.shiftKey;
      this.paintCell(studio, entry, cell);
      return;
    }
    const object = entry.view.objectAt(cell.row, cell.col);
    const p = this.picks;
    const samePair = p && p.split === entry.split && p.index === entry.index;
    if (!object) {
      this.picks = null;
    } else if (samePair && p.side !== entry.side && p.ids.length === 1 && p.linkable) {
      const [inputId, outputId] = entry.side === "output" ? [p.ids[0], object.id] : [object.id, p.ids[0]];
      this.linkObjects(studio, entry, inputId, outputId, event.shiftKey);
      return;
    } else if (samePair && p.side === entry.side && (event.shiftKey || event.ctrlKey || event.metaKey)) {
      const ids = p.ids.includes(object.id) ? p.ids.filter((i) => i !== object.id) : [...p.ids, object.id];
      this.picks = ids.length ? { ...p, ids, linkable: false } : null;
    } else {
      // a plain click on one object is what a click in the other grid links to
      const { split, index, side } = entry;
      this.picks = { split, index, side, ids: [object.id], linkable: true };
      const rows = this.pairLabels(entry.split, entry.index).correspondence;
      const k = rows.findIndex((m) => m[`${entry.side}_id`] === object.id);
      this.row = k >= 0 ? { split: entry.split, index: entry.index, k } : null;
    }
    this.brush = null;
    this.showPicked(studio);
    this.showRows(studio);
  },

  drag(studio, event) {
    const b = this.brush;
    if (studio.state.mode !== this || !b || !b.painting) return;
    const hit = this.entryAt(studio, event);
    if (hit && hit.entry.split === b.split && hit.entry.index === b.index && hit.entry.side === b.side) {
      this.paintCell(studio, hit.entry, hit.cell);
    }
  },

  // The brush takes only the picked object's own cells (covered ones included).
  paintCell(studio, entry, cell) {
    const b = this.brush;
    const object = entry.view.objectById(b.id);
    if (!object || !object.cells.some(([r, c]) => r === cell.row && c === cell.col)) return;
    const at = b.cells.findIndex(([r, c]) => r === cell.row && c === cell.col);
    if (b.erase && at >= 0) b.cells.splice(at, 1);
    else if (!b.erase && at < 0) b.cells.push([cell.row, cell.col]);
    else return;
    this.showPicked(studio);
  },

  pairLabels(split, index) {
    return this.labels?.[split]?.[index] || { correspondence: [] };
  },

  // Picked objects (and the selected row's objects) and brushed cells, drawn in cyan.
  showPicked(studio) {
    const { state, $ } = studio;
    const m = this.row && this.pairLabels(this.row.split, this.row.index).correspondence[this.row.k];
    for (const entry of state.views) {
      const ids = [];
      const p = this.picks;
      if (state.mode === this && onGrid(p, entry)) ids.push(...p.ids);
      if (state.mode === this && m && this.row.split === entry.split && this.row.index === entry.index) {
        const id = entry.side === "input" ? m.input_id : entry.side === "output" ? m.output_id : null;
        if (id != null && !ids.includes(id)) ids.push(id);
      }
      const b = this.brush;
      const cells = onGrid(b, entry) ? b.cells : [];
      entry.view.setPicked(ids, cells);
    }
    const p = this.picks;
    const objects = p && `object${p.ids.length > 1 ? "s" : ""} ${p.ids.join(", ")}`;
    let text = p ? `picked: ${p.split} ${p.index} ${p.side} ${objects}` : "-";
    const b = this.brush;
    if (b) text += `\nbrush on object ${b.id}: ${b.cells.length} cell(s) (Shift erases); Enter splits them off`;
    $("label-picked").textContent = text;
    $("label-brush").classList.toggle("on", Boolean(this.brush));
  },

  // ---- edits ---------------------------------------------------------------------------------

  editPair(studio, split, index, fn) {
    this.commit(studio, (labels) => { labels[split][index] = fn(labels[split][index]); });
  },

  merge(studio) {
    const p = this.picks;
    if (!p || p.ids.length < 2) {
      studio.status("pick two or more objects of one grid to merge (Shift+click)", true);
      return;
    }
    const keep = Math.min(...p.ids);
    this.editPair(studio, p.split, p.index, (pair) => mergeObjects(pair, p.side, p.ids));
    if (this.labels[p.split][p.index][p.side].objects.filter((o) => p.ids.includes(o.id)).length === 1) {
      this.picks = { ...p, ids: [keep], linkable: false };
      this.row = null;
      this.showPicked(studio);
      this.showRows(studio);
      studio.status(`merged objects ${p.ids.join(", ")} into object ${keep}`);
    }
  },

  toggleBrush(studio) {
    if (this.brush) {
      this.brush = null;
    } else {
      const p = this.picks;
      if (!p || p.ids.length !== 1) {
        studio.status("pick the one object to split first", true);
        return;
      }
      this.brush = { split: p.split, index: p.index, side: p.side, id: p.ids[0], cells: [], painting: false };
    }
    this.showPicked(studio);
  },

  splitOff(studio) {
    const b = this.brush;
    if (!b) {
      studio.status("turn the brush on (b) and paint cells of the picked object first", true);
      return;
    }
    let made = null;
    this.editPair(studio, b.split, b.index, (pair) => {
      const out = splitObject(pair, b.side, b.id, b.cells);
      made = out.newId;
      return out.pair;
    });
    if (made !== null) {
      this.brush = null;
      this.picks = { split: b.split, index: b.index, side: b.side, ids: [made], linkable: false };
      this.row = null;
      this.showPicked(studio);
      this.showRows(studio);
      studio.status(`split ${b.cells.length} cell(s) off object ${b.id} as object ${made}`);
    }
  },

  linkObjects(studio, entry, inputId, outputId, add) {
    const { split, index } = entry;
    this.editPair(studio, split, index, (pair) => link(pair, inputId, outputId, add));
    const rows = this.pairLabels(split, index).correspondence;
    const k = rows.findIndex((m) => m.input_id === inputId && m.output_id === outputId);
    this.picks = null;
    this.row = k >= 0 ? { split, index, k } : null;
    this.showPicked(studio);
    this.showRows(studio);
    studio.status(`linked input object ${inputId} to output object ${outputId}`);
  },

  unlinkPicked(studio, as) {
    const p = this.picks;
    if (!p) {
      studio.status("pick an object first", true);
      return;
    }
    if ((as === "deleted" && p.side !== "input") || (as === "created" && p.side !== "output")) {
      studio.status(`${as} is said of ${as === "deleted" ? "input" : "output"} objects`, true);
      return;
    }
    this.editPair(studio, p.split, p.index, (pair) => unlink(pair, p.side, p.ids, as));
    this.picks = { ...p, linkable: false }; // a click in the other grid picks, not links
    this.row = null;
    this.showRows(studio);
  },

  // The selected row: a correspondence row, or (k "grid") the pair's whole-grid actions.
  selectedRow() {
    if (!this.row) return null;
    const pair = this.pairLabels(this.row.split, this.row.index);
    if (this.row.k === "grid") return { grid: true, actions: pair.actions || [] };
    return pair.correspondence[this.row.k] || null;
  },

  // The action list of the selected row, in `labels` (a copy being edited).
  actionsIn(labels) {
    const { split, index, k } = this.row;
    const pair = labels[split][index];
    if (k === "grid") {
      pair.actions = pair.actions || [];
      return pair.actions;
    }
    return pair.correspondence[k].actions;
  },

  addAction(studio) {
    const m = this.selectedRow();
    if (!m) {
      studio.status("click a row (or a linked object) first", true);
      return;
    }
    const op = studio.$("label-op").value;
    const about = this.vocab.find((a) => a.op === op);
    const { split, index } = this.row;
    const pair = this.pairLabels(split, index);
    const action = m.grid
      ? gridAction(op, pair)
      : fillAction(op, about ? about.fields : [], pair.input.objects.find((o) => o.id === m.input_id),
        pair.output?.objects.find((o) => o.id === m.output_id), pair, m);
    this.commit(studio, (labels) => { this.actionsIn(labels).push(action); });
  },

  setField(studio, i, field, text) {
    let value = null;
    if (text.trim() !== "") {
      try {
        value = JSON.parse(text);
      } catch {
        value = text.trim(); // a bare word ("h", "edge") is a string
      }
    }
    this.commit(studio, (labels) => {
      const action = this.actionsIn(labels)[i];
      if (value === null) delete action[field];
      else action[field] = value;
    });
  },

  removeAction(studio, i) {
    this.commit(studio, (labels) => { this.actionsIn(labels).splice(i, 1); });
  },

  // ---- the panel -----------------------------------------------------------------------------

  describeOp(studio) {
    const a = this.vocab.find((x) => x.op === studio.$("label-op").value);
    studio.$("label-about").textContent = a ? a.about : "";
  },

  verdictOf(split, index, k) {
    const r = this.result;
    if (k === "grid") return r && !r.error && r.grid[split] ? r.grid[split][index] : undefined;
    const rows = r && !r.error ? r.rows[split]?.[index] : undefined;
    return rows && k < rows.length ? rows[k] : undefined;
  },

  showRows(studio) {
    const { $ } = studio;
    const { split, index } = this.pair;
    $("label-pair").textContent = `${split} ${index}`;
    const ol = $("label-rows");
    ol.textContent = "";
    const pair = this.pairLabels(split, index);
    // the pair's whole-grid actions first (a crop, a scale, a flip of the whole grid), then a
    // row per correspondence
    const grid = { grid: true, actions: pair.actions || [] };
    [["grid", grid], ...pair.correspondence.map((m, k) => [k, m])].forEach(([k, m]) => {
      const li = document.createElement("li");
      // no whole-grid actions claim nothing: no verdict to show
      const verdict = m.grid && !m.actions.length ? undefined : this.verdictOf(split, index, k);
      const badge = document.createElement("span");
      badge.className = `badge ${verdict === null ? "exact" : verdict === undefined ? "" : "wrong"}`;
      badge.textContent = verdict === null ? "true" : verdict === undefined ? (m.grid ? "" : "...") : "false";
      // numbered as the correspondence's rows (the actions' heading says "row k")
      li.append(`${k === "grid" ? "" : `${k}.`} `, badge, ` ${rowText(m)}`);
      if (verdict) li.title = verdict;
      li.dataset.k = k;
      const row = this.row;
      li.classList.toggle("on", Boolean(row && row.split === split && row.index === index && row.k === k));
      li.addEventListener("click", () => {
        this.row = { split, index, k };
        this.picks = null;
        this.showPicked(studio);
        this.showRows(studio);
      });
      ol.append(li);
    });
    const r = this.result;
    let text = "checking ...";
    if (r && r.error) text = `not checked: ${r.error}`;
    else if (r) {
      const all = Object.values(r.rows).flat(2);
      const falseRows = all.filter((w) => w !== null).length;
      const grid = r.grid[split]?.[index];
      text = `${all.length - falseRows} of ${all.length} rows of the task replay true`
        + (r.problems.length ? `\n${r.problems[0]}` : "")
        + (grid ? `\nwhole grid: ${grid}` : "");
    }
    $("label-verdict").textContent = text;
    this.showActions(studio);
  },

  showActions(studio) {
    const { $ } = studio;
    const box = $("label-actions");
    box.textContent = "";
    const m = this.selectedRow();
    if (!m) {
      $("label-row-name").textContent = "click a row or an object";
      return;
    }
    const { split, index, k } = this.row;
    const verdict = this.verdictOf(split, index, k);
    $("label-row-name").textContent = `${split} ${index} ${k === "grid" ? "" : `row ${k}: `}${rowText(m)}`
      + (verdict ? `\nfalse: ${verdict}` : verdict === null ? "\ntrue" : "");
    m.actions.forEach((action, i) => {
      const div = document.createElement("div");
      div.className = "label-action";
      const name = document.createElement("b");
      name.textContent = action.op;
      div.append(name);
      const fields = this.vocab.find((a) => a.op === action.op)?.fields || [];
      for (const field of new Set([...fields, ...Object.keys(action).filter((f) => f !== "op")])) {
        const label = document.createElement("label");
        label.textContent = `${field} `;
        const input = document.createElement("input");
        input.size = 8;
        input.dataset.field = field;
        input.value = field in action ? JSON.stringify(action[field]) : "";
        input.addEventListener("change", () => this.setField(studio, i, field, input.value));
        label.append(input);
        div.append(label);
      }
      const remove = document.createElement("button");
      remove.textContent = "remove";
      remove.addEventListener("click", () => this.removeAction(studio, i));
      div.append(remove);
      box.append(div);
    });
  },

  showSaveState(studio) {
    const { $, state } = studio;
    if (!this.labels) return;
    $("label-checked").checked = Boolean(this.labels.person_checked);
    const r = this.result;
    const replay = r && !r.error ? replayText(r.replay_ok) : "not checked yet";
    const human = this.dirty() ? " (saved as human)" : "";
    $("label-provenance").textContent = `provenance ${this.labels.provenance || "?"}${human}; ${replay}`;
    const folder = $("label-folder");
    const own = state.current && [...folder.options].some((o) => o.value === state.current.source);
    if (own && !folder.dataset.chosen) {
      folder.value = state.current.source;
    }
  },

  // ---- saving --------------------------------------------------------------------------------

  async save(studio) {
    const { state, $ } = studio;
    if (!this.labels) return;
    const folder = $("label-folder").value;
    const id = state.current ? state.current.id : $("save-id").value.trim();
    if (!folder) {
      studio.status("no folder to save into: start the studio with a folder (z2h arc studio DIR)", true);
      return;
    }
    const labels = { ...structuredClone(this.labels), task_id: id, provenance: "human" };
    try {
      const path = `/api/sources/${studio.enc(folder)}/labels/${studio.enc(id)}`;
      const result = await studio.api("PUT", path, { labels, task: state.task });
      this.labels.provenance = "human";
      this.labels.task_id = id;
      this.labels.replay_ok = result.replay_ok;
      this.saved = JSON.stringify(this.labels);
      if (state.current && state.current.source === folder) state.labelsHeuristic = false;
      studio.updateDirty();
      this.showSaveState(studio);
      studio.status(`labels saved to ${folder} / ${id} (${replayText(result.replay_ok)})`);
    } catch (e) {
      studio.status(`labels not saved: ${e.message}`, true);
    }
  },

  keys(event, studio) {
    const ctrl = event.ctrlKey || event.metaKey || event.altKey;
    if (ctrl) return false;
    const key = event.key;
    if (key === "m") this.merge(studio);
    else if (key === "b") this.toggleBrush(studio);
    else if (key === "Enter" && this.brush) this.splitOff(studio);
    else if (key === "u") this.unlinkPicked(studio, null);
    else if (key === "d") this.unlinkPicked(studio, "deleted");
    else if (key === "c") this.unlinkPicked(studio, "created");
    else if (key === "Escape") {
      this.picks = null;
      this.brush = null;
      this.showPicked(studio);
    } else return false;
    return true;
  },
};
