// GridView: one ARC grid on its own p5.js canvas (instance mode), with object overlays,
// hover and selection events, and optional editing tools.
//
//   <script src="vendor/p5/p5.min.js"></script>          (defines the global p5)
//   import { GridView } from "./sketch.js";
//   const view = new GridView(element, { grid, objects, editable: true });
//   view.on("hover", (info) => ...);   // {row, col, color, object} or null when the pointer leaves
//   view.on("select", (info) => ...);  // {object, cells} or null
//   view.on("change", (info) => ...);  // {grid} after each finished edit
//   view.setGrid(grid);
//   view.off("hover", handler);        // remove a listener
//
// Objects come in the labels' format (z2h.arc.labels): {id, colors, cells: [[r, c, colour?]],
// box: [top, left, height, width], tags}. The view keeps its own copies of the grid, objects and
// relations it is given, so the caller's data is never changed.
//
// Drawing happens only when something changed: the sketch calls noLoop() and every state change
// asks for one redraw(). The grid itself is painted once per change into an off-screen layer;
// a hover redraw only copies that layer and draws the overlays.
import {
  PALETTE, boxEdges, boxOf, cloneGrid, components, floodFill, flipCells, gridsEqual, labelBox,
  mostCommonColor, paintCells, rotateCells,
} from "./gridops.js";

export { PALETTE };

const OVERLAY_DEFAULTS = { boxes: false, ids: false, relations: false, gridLines: true };
const GRID_LINE = 80; // grey of the lines between cells

// A copy of a labelled object the view can own; a missing box is computed from the cells.
function copyObject(object) {
  const copy = structuredClone(object);
  if (!copy.box) copy.box = labelBox(copy.cells);
  copy.colors = copy.colors || [];
  return copy;
}

export class GridView {
  // options: grid (rows of colours), objects (labelled objects, or null to find connected
  // components here), background (the labels' background colour; default the most common
  // colour), relations ([{kind, a, b}] drawn as lines between object centres), editable,
  // cellSize (pixels; default fits maxPixels), maxPixels (default 300),
  // overlays ({boxes, ids, relations, gridLines}), p5 (the p5 constructor; default the global).
  constructor(element, options = {}) {
    this.element = element;
    this.editable = Boolean(options.editable);
    this.maxPixels = options.maxPixels ?? 300;
    this.fixedCellSize = options.cellSize ?? null;
    this.overlays = { ...OVERLAY_DEFAULTS, ...(options.overlays || {}) };
    this.relations = structuredClone(options.relations || []);
    this.tool = "select";
    this.color = 1;
    this.highlighted = new Set();
    this.picked = { ids: new Set(), cells: [] };
    this.marks = [];
    this.changed = null; // cells drawn as changed (the rest dimmed), or null
    this.hoverCell = null;
    this.hoverObject = null;
    this.selection = null; // {cells: [[r, c]], object, lifted: {base, content} | null}
    this.handlers = { hover: [], select: [], change: [] };
    this.drawCount = 0;
    this.lastDrawMs = 0;
    this._setGridState(options.grid || [[0]], options.objects ?? null, options.background);
    const P5 = options.p5 || globalThis.p5;
    if (!P5) throw new Error("GridView needs p5.js: load vendor/p5/p5.min.js first");
    // resolved after the first frame is drawn; `idle` follows the latest redraw from then on
    this.ready = new Promise((resolve) => {
      this.p = new P5((p) => this._sketch(p, resolve), element);
    });
    this.idle = this.ready;
  }

  // ---- public API ---------------------------------------------------------------------------

  on(event, handler) {
    if (!this.handlers[event]) throw new Error(`GridView has no event "${event}"`);
    this.handlers[event].push(handler);
    return this;
  }

  off(event, handler) {
    const list = this.handlers[event] || [];
    const at = list.indexOf(handler);
    if (at >= 0) list.splice(at, 1);
    return this;
  }

  // A new grid; objects and background as in the constructor's options.
  setGrid(grid, objects = null, background = null) {
    this._setGridState(grid, objects, background);
    this.selection = null;
    this._resize();
    this.redraw();
  }

  setObjects(objects) {
    this._setObjects(objects);
    this.redraw();
  }

  setRelations(relations) {
    this.relations = structuredClone(relations || []);
    this.redraw();
  }

  setOverlays(overlays) {
    const gridLinesChanged = "gridLines" in overlays && overlays.gridLines !== this.overlays.gridLines;
    Object.assign(this.overlays, overlays);
    if (gridLinesChanged) this.layerDirty = true;
    this.redraw();
  }

  // Objects (ids) and loose cells ([[r, c], ...]) a mode has picked, drawn in cyan (label mode:
  // the objects to merge or link, the cells a brush paints into a new object).
  setPicked(ids, cells) {
    this.picked = { ids: new Set(ids || []), cells: structuredClone(cells || []) };
    this.redraw();
  }

  // Object ids drawn with a highlight (the counterpart of an object hovered in another view).
  setHighlight(ids) {
    const next = new Set(ids || []);
    if (next.size === this.highlighted.size && [...next].every((id) => this.highlighted.has(id))) {
      return;
    }
    this.highlighted = next;
    this.redraw();
  }

  // Cells marked as wrong (a prediction against the expected output): [[r, c], ...].
  setMarks(cells) {
    this.marks = structuredClone(cells || []);
    this.redraw();
  }

  // Cells that differ from another grid (input against output): they stay bright, the others
  // are dimmed; null turns the view off.
  setChanged(cells) {
    this.changed = cells ? new Set(cells.map(([r, c]) => r * this.cols + c)) : null;
    this.redraw();
  }

  setEditable(editable) {
    this.editable = Boolean(editable);
    if (!this.editable) this.commitSelection();
  }

  // Cell size in pixels (zoom); null goes back to fitting maxPixels.
  setCellSize(size) {
    this.fixedCellSize = size;
    this._resize();
    this.redraw();
  }

  setTool(tool) {
    this.commitSelection();
    this.tool = tool;
  }

  setColor(color) {
    this.color = color;
  }

  objectAt(row, col) {
    if (!this.inside(row, col)) return null;
    const index = this.owner[row * this.cols + col];
    return index >= 0 ? this.objects[index] : null;
  }

  objectById(id) {
    return this.objects.find((o) => o.id === id) || null;
  }

  inside(row, col) {
    return row >= 0 && col >= 0 && row < this.rows && col < this.cols;
  }

  // subtle: the only place where (row, col) meets p5's (x, y): x runs along columns and y down
  // rows. Every pixel position on this canvas goes through cellToXY or xyToCell.
  cellToXY(row, col) {
    return { x: col * this.cellSize, y: row * this.cellSize };
  }

  xyToCell(x, y) {
    return { row: Math.floor(y / this.cellSize), col: Math.floor(x / this.cellSize) };
  }

  // The centre of a cell in page coordinates (for tests and for pointing at a cell).
  cellCenterOnPage(row, col) {
    const rect = this.canvas.getBoundingClientRect();
    const { x, y } = this.cellToXY(row, col);
    return { x: rect.left + x + this.cellSize / 2, y: rect.top + y + this.cellSize / 2 };
  }

  // Select a whole object (by id) as if it had been clicked.
  selectObject(id) {
    const object = this.objectById(id);
    this._select(object ? { cells: object.cells.map(([r, c]) => [r, c]), object } : null);
  }

  selectRect(r0, c0, r1, c1) {
    const cells = [];
    for (let r = Math.max(0, Math.min(r0, r1)); r <= Math.min(this.rows - 1, Math.max(r0, r1)); r++) {
      for (let c = Math.max(0, Math.min(c0, c1)); c <= Math.min(this.cols - 1, Math.max(c0, c1)); c++) {
        cells.push([r, c]);
      }
    }
    this._select(cells.length ? { cells, object: null } : null);
  }

  // Drops the selection; moved content stays where it is.
  commitSelection() {
    if (this.selection) this._select(null);
  }

  // Edits of the selection. Each lifts the selected cells off the grid (leaving background),
  // transforms them, and paints them back over the untouched rest, so moving a selection across
  // other cells does not erase them.
  moveSelection(dr, dc) {
    this._transformSelection((cells) => cells.map(([r, c, v]) => [r + dr, c + dc, v]));
  }

  rotateSelection() {
    this._transformSelection(rotateCells);
  }

  flipSelection(axis) {
    this._transformSelection((cells) => flipCells(cells, axis));
  }

  recolorSelection(color) {
    this._transformSelection((cells) => cells.map(([r, c]) => [r, c, color]));
  }

  deleteSelection() {
    this._transformSelection(() => []);
    this._select(null);
  }

  // The selected cells as a clip ({cells: [[dr, dc, colour]]} relative to their top-left).
  copySelection() {
    if (!this.selection || !this.selection.cells.length) return null;
    const [top, left] = boxOf(this.selection.cells);
    return { cells: this.selection.cells.map(([r, c]) => [r - top, c - left, this.grid[r][c]]) };
  }

  // Pastes a clip with its top-left at (row, col); it stays selected, so arrows move it.
  paste(clip, row, col) {
    if (!clip || !clip.cells.length) return;
    const content = clip.cells.map(([dr, dc, v]) => [row + dr, col + dc, v]);
    this.selection = { cells: [], object: null, lifted: { base: cloneGrid(this.grid), content } };
    this._applyLifted();
  }

  redraw() {
    // p5 2.x redraw() is async and ignores calls made while it draws: coalesce requests.
    this.dirty = true;
    if (this.drawing || !this.setupDone) return;
    this.drawing = true;
    const run = async () => {
      while (this.dirty) {
        this.dirty = false;
        await this.p.redraw();
      }
      this.drawing = false;
    };
    this.idle = run();
  }

  remove() {
    this.p.remove();
  }

  // ---- state --------------------------------------------------------------------------------

  _setGridState(grid, objects, background = this.givenBackground) {
    this.grid = cloneGrid(grid);
    this.rows = this.grid.length;
    this.cols = this.grid[0].length;
    this.givenBackground = background ?? null;
    this.layerDirty = true;
    this.changed = null;
    this._setObjects(objects);
  }

  _setObjects(objects) {
    this.objectsSource = objects ? "labels" : "components";
    this.background = this.givenBackground ?? mostCommonColor(this.grid);
    this.objects = objects
      ? objects.map(copyObject)
      : components(this.grid, { background: this.background });
    // owner[cell] = index of the last object listed on that cell (later objects paint over)
    this.owner = new Int16Array(this.rows * this.cols).fill(-1);
    this.objects.forEach((o, i) => {
      for (const [r, c] of o.cells) if (this.inside(r, c)) this.owner[r * this.cols + c] = i;
    });
    if (this.hoverCell) this.hoverObject = this.objectAt(this.hoverCell.row, this.hoverCell.col);
  }

  _emit(event, payload) {
    for (const handler of this.handlers[event]) handler(payload, this);
  }

  _select(selection) {
    this.selection = selection;
    this.redraw();
    this._emit("select", selection ? { object: selection.object, cells: selection.cells } : null);
  }

  _edited(grid) {
    if (gridsEqual(grid, this.grid)) return false;
    const keep = this.selection;
    // an edited grid no longer matches its labels: objects become connected components
    this._setGridState(grid, null);
    this.selection = keep;
    this.redraw();
    // a drag that moves a selection is one change (one undo step), sent when it ends
    if (this.pressed && this.pressed.moving) this.pressed.changed = true;
    else this._emit("change", { grid: cloneGrid(this.grid) });
    return true;
  }

  _transformSelection(transform) {
    if (!this.editable || !this.selection) return;
    if (!this.selection.lifted) {
      const base = paintCells(this.grid, this.selection.cells.map(([r, c]) => [r, c, this.background]));
      const content = this.selection.cells.map(([r, c]) => [r, c, this.grid[r][c]]);
      this.selection.lifted = { base, content };
    }
    this.selection.lifted.content = transform(this.selection.lifted.content);
    this._applyLifted();
  }

  _applyLifted() {
    const { base, content } = this.selection.lifted;
    this.selection.cells = content.filter(([r, c]) => this.inside(r, c)).map(([r, c]) => [r, c]);
    this.selection.object = null;
    if (!this._edited(paintCells(base, content))) this.redraw();
  }

  _resize() {
    if (!this.setupDone) return;
    this.cellSize = this._cellSizeFor(this.rows, this.cols);
    const { x, y } = this.cellToXY(this.rows, this.cols);
    if (this.p.width !== x || this.p.height !== y) {
      this.p.resizeCanvas(x, y);
      this.layer.remove();
      this.layer = this.p.createGraphics(x, y);
      this.layerDirty = true;
    }
  }

  _cellSizeFor(rows, cols) {
    if (this.fixedCellSize) return this.fixedCellSize;
    return Math.max(4, Math.min(40, Math.floor(this.maxPixels / Math.max(rows, cols))));
  }

  // ---- p5 sketch ----------------------------------------------------------------------------

  _sketch(p, resolve) {
    p.setup = () => {
      this.cellSize = this._cellSizeFor(this.rows, this.cols);
      const { x, y } = this.cellToXY(this.rows, this.cols);
      const canvas = p.createCanvas(x, y);
      this.canvas = canvas.elt;
      this.canvas.classList.add("gridview");
      this.layer = p.createGraphics(x, y);
      this.colors = PALETTE.map((hex) => p.color(hex));
      p.noLoop();
      this._listen();
      this.setupDone = true;
    };
    p.draw = () => {
      const t0 = performance.now();
      if (this.layerDirty) this._paintLayer();
      p.clear();
      p.image(this.layer, 0, 0);
      this._drawOverlays(p);
      this.drawCount += 1;
      this.lastDrawMs = performance.now() - t0;
      if (this.drawCount === 1) {
        // p5 draws once by itself after setup; changes asked for before that are in this frame
        this.dirty = false;
        // subtle: p5 ignores redraw() calls made before this draw has finished, so `ready`
        // resolves on a later task, when a redraw asked for at once is honoured
        setTimeout(() => resolve(this), 0);
      }
    };
  }

  _paintLayer() {
    const g = this.layer;
    const s = this.cellSize;
    g.clear();
    g.noStroke();
    for (let r = 0; r < this.rows; r++) {
      for (let c = 0; c < this.cols; c++) {
        const { x, y } = this.cellToXY(r, c);
        g.fill(this.colors[this.grid[r][c]]);
        g.rect(x, y, s, s);
      }
    }
    if (this.overlays.gridLines && s >= 6) {
      // subtle: a 1-pixel stroke centred on a whole-pixel coordinate covers half of two pixel
      // rows (a blurred 2-pixel grey at device scale 1); a 1 x n filled rect on whole pixels
      // covers exactly one, at any device scale
      g.fill(GRID_LINE);
      const end = this.cellToXY(this.rows, this.cols);
      for (let r = 0; r <= this.rows; r++) {
        const { y } = this.cellToXY(r, 0);
        g.rect(0, Math.min(y, end.y - 1), end.x, 1);
      }
      for (let c = 0; c <= this.cols; c++) {
        const { x } = this.cellToXY(0, c);
        g.rect(Math.min(x, end.x - 1), 0, 1, end.y);
      }
    }
    this.layerDirty = false;
  }

  // edges: [top, left, bottom, right] (inclusive), as boxOf and boxEdges give them
  _boxRect(edges, inset = 0) {
    const [top, left, bottom, right] = edges;
    const a = this.cellToXY(top, left);
    const b = this.cellToXY(bottom + 1, right + 1);
    return [a.x + inset, a.y + inset, b.x - a.x - 2 * inset, b.y - a.y - 2 * inset];
  }

  _centre(object) {
    const [x, y, w, h] = this._boxRect(boxEdges(object.box));
    return [x + w / 2, y + h / 2];
  }

  _drawOverlays(p) {
    const s = this.cellSize;
    if (this.overlays.relations && this.hoverObject) {
      // only the hovered object's relations: a grid of many objects has thousands of them,
      // and drawing them all makes a mesh that hides the grid
      const focus = this.hoverObject.id;
      p.stroke(255, 220, 0, 230);
      p.strokeWeight(2);
      for (const rel of this.relations) {
        if (rel.a !== focus && rel.b !== focus) continue;
        const a = this.objectById(rel.a);
        const b = this.objectById(rel.b);
        if (a && b) p.line(...this._centre(a), ...this._centre(b));
      }
    }
    if (this.overlays.boxes || this.overlays.ids) {
      p.textSize(Math.max(8, Math.min(14, s)));
      for (const o of this.objects) {
        const [x, y, w, h] = this._boxRect(boxEdges(o.box), 1);
        if (this.overlays.boxes) {
          // half-pixel offsets keep a 1-pixel line on one pixel row instead of two faint ones
          p.noFill();
          p.stroke(255, 255, 255, 220);
          p.strokeWeight(1);
          p.rect(x + 0.5, y + 0.5, w - 1, h - 1);
        }
        if (this.overlays.ids) {
          p.noStroke();
          p.fill(255);
          p.text(String(o.id), x + 2, y + Math.max(8, Math.min(14, s)));
        }
      }
    }
    if (this.changed) {
      p.noStroke();
      p.fill(0, 0, 0, 170);
      for (let r = 0; r < this.rows; r++) {
        for (let c = 0; c < this.cols; c++) {
          if (this.changed.has(r * this.cols + c)) continue;
          const { x, y } = this.cellToXY(r, c);
          p.rect(x, y, s, s);
        }
      }
    }
    for (const [r, c] of this.marks) {
      const { x, y } = this.cellToXY(r, c);
      p.stroke(255);
      p.strokeWeight(Math.max(1, s / 8));
      p.line(x + 2, y + 2, x + s - 2, y + s - 2);
      p.line(x + s - 2, y + 2, x + 2, y + s - 2);
    }
    for (const o of this.objects) {
      if (this.highlighted.has(o.id)) this._outlineObject(p, o, [255, 220, 0], 3);
    }
    for (const o of this.objects) {
      if (this.picked.ids.has(o.id)) this._outlineObject(p, o, [0, 230, 230], 3);
    }
    for (const [r, c] of this.picked.cells) {
      const { x, y } = this.cellToXY(r, c);
      p.noFill();
      p.stroke(0, 230, 230);
      p.strokeWeight(Math.max(2, s / 6));
      p.rect(x + 2, y + 2, s - 4, s - 4);
    }
    if (this.hoverObject) this._outlineObject(p, this.hoverObject, [255, 255, 255], 2);
    if (this.selection && this.selection.cells.length) {
      p.noStroke();
      p.fill(255, 255, 255, 70);
      for (const [r, c] of this.selection.cells) {
        const { x, y } = this.cellToXY(r, c);
        p.rect(x, y, s, s);
      }
      p.noFill();
      p.stroke(0, 200, 255);
      p.strokeWeight(2);
      p.rect(...this._boxRect(boxOf(this.selection.cells), 1));
    }
    if (this.hoverCell) {
      const { x, y } = this.cellToXY(this.hoverCell.row, this.hoverCell.col);
      p.noFill();
      p.stroke(255);
      p.strokeWeight(1);
      p.rect(x + 0.5, y + 0.5, s - 1, s - 1);
    }
  }

  _outlineObject(p, object, rgb, weight) {
    p.noStroke();
    p.fill(...rgb, 60);
    const s = this.cellSize;
    for (const [r, c] of object.cells) {
      const { x, y } = this.cellToXY(r, c);
      p.rect(x, y, s, s);
    }
    p.noFill();
    p.stroke(...rgb);
    p.strokeWeight(weight);
    p.rect(...this._boxRect(boxEdges(object.box), weight / 2));
  }

  // ---- pointer ------------------------------------------------------------------------------

  _listen() {
    const canvas = this.canvas;
    const cellOf = (event) => {
      const rect = canvas.getBoundingClientRect();
      return this.xyToCell(event.clientX - rect.left, event.clientY - rect.top);
    };
    canvas.addEventListener("pointermove", (event) => {
      const cell = cellOf(event);
      if (!this.inside(cell.row, cell.col)) return;
      if (this.pressed) this._drag(cell);
      this._hover(cell);
    });
    canvas.addEventListener("pointerleave", () => {
      this.hoverCell = null;
      this.hoverObject = null;
      this.redraw();
      this._emit("hover", null);
    });
    canvas.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      const cell = cellOf(event);
      if (!this.inside(cell.row, cell.col)) return;
      canvas.setPointerCapture?.(event.pointerId);
      this._press(cell);
    });
    const release = (event) => {
      if (!this.pressed) return;
      canvas.releasePointerCapture?.(event.pointerId);
      this._release(cellOf(event), event);
    };
    canvas.addEventListener("pointerup", release);
    canvas.addEventListener("pointercancel", release);
  }

  _hover(cell) {
    if (this.hoverCell && this.hoverCell.row === cell.row && this.hoverCell.col === cell.col) return;
    this.hoverCell = cell;
    this.hoverObject = this.objectAt(cell.row, cell.col);
    this.redraw();
    this._emit("hover", {
      row: cell.row, col: cell.col, color: this.grid[cell.row][cell.col], object: this.hoverObject,
    });
  }

  _press(cell) {
    this.pressed = { start: cell, last: cell, moved: false, before: cloneGrid(this.grid) };
    const tool = this.editable ? this.tool : "select";
    if (tool === "select" && this.editable && this._selected(cell)) {
      this.pressed.moving = true; // a drag that starts on the selection moves it
    } else if (tool === "paint") {
      this.commitSelection();
      this._paintCell(cell);
    } else if (tool === "fill") {
      this.commitSelection();
      this._edited(floodFill(this.grid, cell.row, cell.col, this.color));
    }
  }

  _drag(cell) {
    const press = this.pressed;
    const last = press.last;
    if (last.row === cell.row && last.col === cell.col) return;
    press.last = cell;
    press.moved = true;
    const tool = this.editable ? this.tool : "select";
    if (press.moving) this.moveSelection(cell.row - last.row, cell.col - last.col);
    else if (tool === "paint") this._paintCell(cell);
    else if (tool === "select") this.selectRect(press.start.row, press.start.col, cell.row, cell.col);
  }

  _selected(cell) {
    return Boolean(this.selection)
      && this.selection.cells.some(([r, c]) => r === cell.row && c === cell.col);
  }

  _release(cell, event = {}) {
    const press = this.pressed;
    this.pressed = null;
    const tool = this.editable ? this.tool : "select";
    if (press.moving) {
      if (press.changed) this._emit("change", { grid: cloneGrid(this.grid) });
    } else if (tool === "paint") {
      // one stroke is one change (one undo step)
      const after = this.grid;
      this.grid = press.before;
      this._edited(after);
    } else if (tool === "select" && !press.moved) {
      // a click selects the whole object under it (labelled, or its connected component); a
      // click on the background, or with Shift, selects that one cell
      const inside = this.inside(cell.row, cell.col);
      const object = inside ? this.objectAt(cell.row, cell.col) : null;
      if (object && !event.shiftKey) {
        this._select({ cells: object.cells.map(([r, c]) => [r, c]), object });
      } else {
        this._select(inside ? { cells: [[cell.row, cell.col]], object: null } : null);
      }
    }
  }

  _paintCell(cell) {
    if (this.grid[cell.row][cell.col] === this.color) return;
    // during a stroke the grid changes in place; _release turns the stroke into one change
    this.grid[cell.row][cell.col] = this.color;
    this.layerDirty = true;
    this.redraw();
  }
}
