// Gallery mode: every task of the source (as the search narrows it) as a thumbnail of its first
// demonstration pair, virtualised (only the thumbnails on screen exist, so 10,000 tasks scroll
// as smoothly as 10), a filter by the model's verdict, and two tasks compared side by side.
import { PALETTE } from "./gridops.js";

const THUMB_W = 196; // one thumbnail's slot in the gallery, margins included (studio.css .thumb)
const THUMB_H = 132;
const GRID_BOX = 84; // the most pixels one thumbnail grid takes on a side
const BATCH = 100; // thumbnails asked for in one request
const CACHE = 4000; // thumbnails kept in the page

const RGB = PALETTE.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));

// One grid on a canvas of one pixel per cell, scaled up by CSS (image-rendering: pixelated):
// a thumbnail costs one putImageData, whatever its size.
// box: the most pixels on a side, or scale: pixels per cell.
export function drawGrid(canvas, grid, box, scale = null) {
  const rows = grid.length;
  const cols = grid[0].length;
  canvas.width = cols;
  canvas.height = rows;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(cols, rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const [red, green, blue] = RGB[grid[r][c]];
      const k = 4 * (r * cols + c);
      image.data[k] = red;
      image.data[k + 1] = green;
      image.data[k + 2] = blue;
      image.data[k + 3] = 255;
    }
  }
  ctx.putImageData(image, 0, 0);
  const size = scale ?? Math.max(1, Math.floor(box / Math.max(rows, cols)));
  canvas.style.width = `${cols * size}px`;
  canvas.style.height = `${rows * size}px`;
}

function sizeOf(grid) {
  return `${grid.length}x${grid[0].length}`; // as the list writes sizes
}

const PANEL = `
  <h3>Gallery</h3>
  <p class="hint">The tasks of the list (the search narrows them) as thumbnails of their first
  pair. Click two to compare them; double-click (or Enter on the picked one) opens a task.
  Esc goes back.</p>
  <label>predictions <select id="gallery-filter">
    <option value="all">all tasks</option>
    <option value="exact">exact</option>
    <option value="wrong">wrong</option>
    <option value="missing">too big (no prediction)</option>
  </select></label>
  <div id="gallery-count" class="hint"></div>
  <div>picked: <span id="gallery-picked">none</span></div>
  <button id="compare" disabled>compare side by side</button>`;

export const galleryMode = {
  name: "gallery",
  label: "gallery",
  key: "g",
  title: "the source's tasks as thumbnails: filter by the model's verdict, compare two",
  pane: "gallery",
  editable: () => false,
  items: [],
  picked: [],
  verdicts: null, // {id: "exact" | "wrong" | "missing"} for the source, once asked
  verdictsOf: null,

  init(studio, panel) {
    const { $ } = studio;
    panel.innerHTML = PANEL;
    this.cache = new Map(); // "source/id" -> thumbnail data (or null: unreadable)
    this.asked = new Set(); // "source/id" requested and not answered yet
    this.pool = new Map(); // item index -> element on screen
    this.free = [];
    studio.addPane("gallery").innerHTML = `
      <div id="gallery-scroll"><div id="gallery-spacer"></div></div>
      <div id="compare-view" hidden></div>`;
    $("gallery-scroll").addEventListener("scroll", () => this.schedule(studio));
    window.addEventListener("resize", () => this.active(studio) && this.schedule(studio, true));
    $("gallery-filter").addEventListener("change", () => this.refilter(studio));
    $("compare").addEventListener("click", () => this.compare(studio));
  },

  scroller: (studio) => studio.$("gallery-scroll"), // what arrows and PageDown scroll

  active(studio) {
    return studio.state.mode === this;
  },

  enter(studio) {
    studio.$("compare-view").hidden = true;
    studio.$("gallery-scroll").hidden = false;
    this.refilter(studio);
    this.loadVerdicts(studio);
  },

  listChanged(studio) {
    if (!this.active(studio)) return;
    this.refilter(studio);
    this.loadVerdicts(studio); // another source: its own verdicts
  },

  // two sources may hold tasks with one id
  cacheKey(studio, id) {
    return `${studio.state.source}/${id}`;
  },

  async loadVerdicts(studio) {
    const source = studio.state.source;
    if (this.verdictsOf === source || this.verdictsAsked === source) return;
    this.verdictsAsked = source;
    let data;
    try {
      data = await studio.api("GET", `/api/sources/${studio.enc(source)}/verdicts`);
    } catch (e) {
      studio.status(`no verdicts: ${e.message}`, true);
      return;
    } finally {
      this.verdictsAsked = null;
    }
    if (source !== studio.state.source) return;
    this.verdicts = data.verdicts;
    this.verdictsOf = source;
    studio.$("gallery-filter").disabled = !this.verdicts;
    this.refilter(studio);
  },

  refilter(studio) {
    const want = studio.$("gallery-filter").value;
    const verdicts = this.verdictsOf === studio.state.source ? this.verdicts : null;
    this.items = want === "all" || !verdicts
      ? studio.state.filtered
      : studio.state.filtered.filter((t) => verdicts[t.id] === want);
    const note = want !== "all" && !verdicts ? " (no predictions loaded: start with --predictions FILE)" : "";
    studio.$("gallery-count").textContent = `${this.items.length} of ${studio.state.list.length} tasks${note}`;
    this.schedule(studio, true);
  },

  // one render per frame however many scroll events arrive
  schedule(studio, reset = false) {
    if (reset) this.reset = true;
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.render(studio);
    });
  },

  render(studio) {
    const scroll = studio.$("gallery-scroll");
    const spacer = studio.$("gallery-spacer");
    const n = this.items.length;
    const perRow = Math.max(1, Math.floor(scroll.clientWidth / THUMB_W));
    spacer.style.height = `${Math.ceil(n / perRow) * THUMB_H}px`;
    const top = Math.max(0, Math.floor(scroll.scrollTop / THUMB_H) - 1);
    const bottom = Math.ceil((scroll.scrollTop + scroll.clientHeight) / THUMB_H) + 1;
    const first = top * perRow;
    const last = Math.min(n, bottom * perRow);
    for (const [i, el] of this.pool) {
      // after a new filter or search, an element still showing its slot's task stays put
      const stale = this.reset && this.items[i]?.id !== el.dataset.id;
      if (stale || i < first || i >= last) {
        el.hidden = true;
        this.free.push(el);
        this.pool.delete(i);
      } else if (this.reset) {
        this.fill(studio, el, this.items[i]); // its verdict or picked state may be new
      }
    }
    this.reset = false;
    for (let i = first; i < last; i++) {
      if (this.pool.has(i)) continue;
      const el = this.free.pop() || this.makeThumb(studio, spacer);
      el.hidden = false;
      this.fill(studio, el, this.items[i]);
      this.pool.set(i, el);
    }
    // the window's width decides the columns: every element goes to its slot
    for (const [i, el] of this.pool) {
      const slot = `translate(${(i % perRow) * THUMB_W}px, ${Math.floor(i / perRow) * THUMB_H}px)`;
      if (el.slot !== slot) el.style.transform = el.slot = slot; // unchanged: no style work
    }
    this.fetchMissing(studio);
  },

  makeThumb(studio, spacer) {
    const el = document.createElement("div");
    el.className = "thumb";
    el.innerHTML = `<div class="thumb-id"></div><div class="thumb-grids"><canvas></canvas><span>→</span><canvas></canvas></div><div class="thumb-meta"></div>`;
    el.addEventListener("click", () => this.pick(studio, el.dataset.id));
    el.addEventListener("dblclick", () => this.open(studio, el.dataset.id));
    spacer.append(el);
    return el;
  },

  fill(studio, el, item) {
    el.dataset.id = item.id;
    el.querySelector(".thumb-id").textContent = item.id;
    el.classList.toggle("picked", this.picked.includes(item.id));
    const verdict = this.verdictsOf === studio.state.source && this.verdicts ? this.verdicts[item.id] : null;
    const meta = el.querySelector(".thumb-meta");
    const data = this.cache.get(this.cacheKey(studio, item.id));
    // the caption sizes the pair drawn (input -> output), not the task's first sizes
    const sizes = data ? [data.input, data.output].filter(Boolean).map(sizeOf).join(" → ") : "";
    meta.textContent = [sizes, verdict === "missing" ? "no prediction" : verdict || ""].join("  ");
    meta.className = `thumb-meta ${verdict || ""}`;
    const [a, b] = el.querySelectorAll("canvas");
    if (data) {
      drawGrid(a, data.input, GRID_BOX);
      b.hidden = !data.output;
      if (data.output) drawGrid(b, data.output, GRID_BOX);
    } else {
      a.width = b.width = 1; // cleared until the data arrives
      a.style.width = b.style.width = "0px";
    }
  },

  fetchMissing(studio) {
    const ids = [];
    for (const el of this.pool.values()) {
      const key = this.cacheKey(studio, el.dataset.id);
      if (!this.cache.has(key) && !this.asked.has(key)) ids.push(el.dataset.id);
    }
    for (let k = 0; k < ids.length; k += BATCH) this.fetchThumbs(studio, ids.slice(k, k + BATCH));
  },

  async fetchThumbs(studio, ids) {
    const source = studio.state.source;
    const keys = ids.map((id) => `${source}/${id}`);
    for (const key of keys) this.asked.add(key);
    try {
      const query = ids.map(studio.enc).join(",");
      const data = await studio.api("GET", `/api/sources/${studio.enc(source)}/thumbs?ids=${query}`);
      for (const [id, thumb] of Object.entries(data.thumbs)) this.cache.set(`${source}/${id}`, thumb);
      while (this.cache.size > CACHE) this.cache.delete(this.cache.keys().next().value);
    } finally {
      for (const key of keys) this.asked.delete(key);
    }
    if (source !== studio.state.source) return;
    // the filter may have changed meanwhile: only elements still showing their item are redrawn
    for (const [i, el] of this.pool) {
      const item = this.items[i];
      if (item && item.id === el.dataset.id && ids.includes(item.id)) this.fill(studio, el, item);
    }
    this.loaded = (this.loaded || 0) + 1;
  },

  pick(studio, id) {
    this.picked = this.picked.includes(id) ? this.picked.filter((x) => x !== id) : [...this.picked, id].slice(-2);
    for (const el of this.pool.values()) el.classList.toggle("picked", this.picked.includes(el.dataset.id));
    studio.$("gallery-picked").textContent = this.picked.join(", ") || "none";
    studio.$("compare").disabled = this.picked.length !== 2;
  },

  open(studio, id) {
    studio.go(studio.state.source, id); // back in the first mode, inspect
  },

  // Two tasks side by side, every pair of each, at one scale that fits half the pane.
  async compare(studio) {
    const source = studio.state.source;
    const tasks = await Promise.all(this.picked.map((id) => studio.api("GET", `/api/sources/${studio.enc(source)}/tasks/${studio.enc(id)}`)));
    const view = studio.$("compare-view");
    view.textContent = "";
    const back = document.createElement("button");
    back.textContent = "back to the gallery";
    back.id = "compare-back";
    back.addEventListener("click", () => this.enter(studio));
    view.append(back);
    const columns = document.createElement("div");
    columns.className = "compare-columns";
    view.append(columns);
    studio.$("gallery-scroll").hidden = true;
    view.hidden = false;
    const half = (studio.$("gallery").clientWidth - 60) / 2;
    for (const { id, task } of tasks) {
      const col = document.createElement("div");
      col.className = "compare-col";
      col.dataset.id = id;
      const head = document.createElement("h3");
      head.textContent = id;
      const open = document.createElement("button");
      open.textContent = "open";
      open.addEventListener("click", () => this.open(studio, id));
      head.append(" ", open);
      col.append(head);
      const pairs = [...task.train.map((p, i) => [`train ${i}`, p]), ...task.test.map((p, i) => [`test ${i}`, p])];
      const widest = Math.max(...pairs.map(([, p]) => p.input[0].length + (p.output ? p.output[0].length : 0)));
      const scale = Math.max(1, Math.min(16, Math.floor((half - 90) / widest)));
      for (const [name, pair] of pairs) {
        const row = document.createElement("div");
        row.className = "compare-pair";
        const label = document.createElement("span");
        label.textContent = name;
        row.append(label);
        for (const grid of [pair.input, pair.output].filter(Boolean)) {
          const canvas = document.createElement("canvas");
          drawGrid(canvas, grid, null, scale);
          row.append(canvas);
        }
        col.append(row);
      }
      columns.append(col);
    }
  },

  keys(event, studio) {
    if (event.key === "Escape") {
      if (!studio.$("compare-view").hidden) this.enter(studio);
      else studio.setMode("inspect");
      return true;
    }
    if (event.key === "Enter" && this.picked.length) {
      this.open(studio, this.picked.at(-1));
      return true;
    }
    return false;
  },
};
