// The sketch runtime: p5's drawing vocabulary on an ARC canvas of cells, and the task maker.
//
// One plain script (no import/export) so that the same file runs in a browser page and inside
// V8 embedded in Python (mini-racer). It defines one global, Z2HSketch:
//
//   const sketch = Z2HSketch.load(sourceText, "falling");   // or Z2HSketch.fromFactory(...)
//   const result = sketch.makeTask(seed, index, [lo, hi], maxAttempts);   // plain JSON data
//
// A sketch draws an input with p5's calls, calls output(), then changes the same objects
// (move, recolor, delete, draw new ones). Every drawing call returns a handle; the runtime
// records what happened to each handle, so the labels come from construction, not pixels.
// Randomness comes only from the seeded generator here (Math.random and Date are hidden).
(function (root) {
  "use strict";

  const MAX_SIZE = 30;
  // calls of the vocabulary one pair (or params(), or solve()) may make: past it the sketch is
  // stopped with the line it is on, an endless loop that draws or draws numbers caught before
  // the host's time limit (which stops any loop, but without a line)
  const MAX_CALLS = 1000000;
  const COLOR_NAMES = {
    black: 0, blue: 1, red: 2, green: 3, yellow: 4, grey: 5, gray: 5, magenta: 6,
    pink: 6, fuchsia: 6, orange: 7, sky: 8, azure: 8, teal: 8, maroon: 9, brown: 9,
  };
  const HALF_PI = Math.PI / 2;
  // the names a sketch sees: p5's, plus the few ARC needs (see docs/arc-sketches.md)
  const API_NAMES = [
    "createCanvas", "resizeCanvas", "background", "fill", "noFill", "stroke", "noStroke",
    "point", "line", "rect", "square", "ellipse", "circle", "beginShape", "vertex",
    "endShape", "push", "pop", "translate", "rotate", "scale", "random", "randomSeed",
    "shuffle", "floor", "ceil", "round", "abs", "min", "max", "constrain", "CLOSE",
    "CORNER", "CENTER", "rectMode", "ellipseMode", "strokeWeight",
    "HALF_PI", "PI", "TWO_PI", "group", "output", "reject", "act", "level", "randomInt",
    "free", "blob", "colors", "objects", "objectsOf", "blank", "copyGrid", "cellAt",
    "mostCommon", "sameGrid", "fromGrid", "toGrid", "spot", "turnGrid", "flipGrid",
    "transposeGrid", "shapeKey",
  ];

  // A sketch's own mistake, named with the line of the sketch that made it.
  class SketchError extends Error {}
  // Thrown by reject(): this draw is dropped and another made (counted by reason).
  class Rejection {
    constructor(reason) { this.reason = reason; }
  }

  // Seeded randomness: FNV-1a turns the seed text into 32 bits, mulberry32 makes the
  // stream. Only 32-bit integer arithmetic (Math.imul), so every JS engine gives the same
  // numbers.
  function hash32(text) {
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h;
  }

  function mulberry32(seed) {
    let a = seed >>> 0;
    return function next() {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  // The ops of z2h.arc.labels.ACTIONS, set by the host (null: not checked).
  let knownOps = null;
  function checkOp(op) {
    if (knownOps !== null && !knownOps.includes(String(op))) {
      const known = knownOps.join(", ");
      throw new SketchError(
        `action ${JSON.stringify(op)} is not in the labels' vocabulary (${known})`);
    }
  }

  function isInt(v) {
    return typeof v === "number" && Number.isInteger(v);
  }

  function toColor(value, what) {
    const c = typeof value === "string" ? COLOR_NAMES[value.toLowerCase()] : value;
    if (!isInt(c) || c < 0 || c > 9) {
      throw new SketchError(`${what}: colour ${JSON.stringify(value)} is not 0-9 or a colour name`);
    }
    return c;
  }

  function needInt(value, what) {
    if (!isInt(value)) {
      throw new SketchError(`${what} takes whole cells, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  // Cells are kept in a Map from an integer key to a colour; coordinates may leave the
  // canvas while a sketch moves things (clipped when the grid is made).
  const SPAN = 1024;
  const key = (x, y) => (y + SPAN) * 4 * SPAN + (x + SPAN);
  const keyX = (k) => (k % (4 * SPAN)) - SPAN;
  const keyY = (k) => Math.floor(k / (4 * SPAN)) - SPAN;

  function checkCoord(x, y) {
    if (Math.abs(x) >= SPAN || Math.abs(y) >= SPAN) {
      throw new SketchError(`cell (${x}, ${y}) lies too far off the canvas`);
    }
  }

  // The cells between two cells, both included (Bresenham's line).
  function segment(x0, y0, x1, y1) {
    const out = [];
    const dx = Math.abs(x1 - x0), dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    for (;;) {
      out.push([x0, y0]);
      if (x0 === x1 && y0 === y1) return out;
      const e2 = 2 * err;
      if (e2 >= dy) { err += dy; x0 += sx; }
      if (e2 <= dx) { err += dx; y0 += sy; }
    }
  }

  // Which cells of a filled region touch the outside (a side neighbour not in it): the ones
  // p5's stroke would outline on a grid.
  function outlineOf(cells) {
    const inside = new Set(cells.map(([x, y]) => key(x, y)));
    const edge = new Set();
    for (const [x, y] of cells) {
      if (!inside.has(key(x + 1, y)) || !inside.has(key(x - 1, y))
          || !inside.has(key(x, y + 1)) || !inside.has(key(x, y - 1))) edge.add(key(x, y));
    }
    return edge;
  }

  // Even-odd test of a cell against a polygon whose vertices are cells.
  function insidePolygon(px, py, pts) {
    let inside = false;
    for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
      const [xi, yi] = pts[i], [xj, yj] = pts[j];
      if ((yi > py) !== (yj > py) && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) {
        inside = !inside;
      }
    }
    return inside;
  }

  // One object: cells (key -> colour), its paint order z, tags, and, in the output, the
  // input object it came from and what was done to it.
  class Item {
    constructor(id, cells, tags) {
      this.id = id;
      this.cells = cells;
      this.z = 0;
      this.tags = tags;
      this.source = null; // input id (output side only)
      this.actions = [];
      this.deleted = false;
    }

    clone() {
      const it = new Item(this.id, new Map(this.cells), this.tags.slice());
      it.z = this.z;
      return it;
    }

    box() {
      let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (const k of this.cells.keys()) {
        const x = keyX(k), y = keyY(k);
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
      return { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
    }

    shifted(dx, dy) {
      const cells = new Map();
      for (const [k, c] of this.cells) {
        const x = keyX(k) + dx, y = keyY(k) + dy;
        checkCoord(x, y);
        cells.set(key(x, y), c);
      }
      return cells;
    }
  }

  // The state of one pair being drawn.
  class Scene {
    constructor() {
      this.phase = "input";
      this.canvas = { input: null, output: null }; // {w, h, background}
      this.items = { input: [], output: [] };
      this.nextId = 0;
      this.actions = []; // on the whole grid
    }

    get current() { return this.items[this.phase]; }
    get size() { return this.canvas[this.phase]; }
  }

  function makeRuntime() {
    const rt = {};
    let scene = null;
    let pen = null;
    let stack = [];
    let shape = null; // vertices between beginShape and endShape
    let collecting = null; // cells of the group being drawn
    let rand = mulberry32(0);
    let difficulty = [0, 1];
    let sync = () => {}; // updates the sketch's width and height
    let calls = 0;

    function tick() {
      if (++calls > MAX_CALLS) {
        throw new SketchError(`more than ${MAX_CALLS} calls in one pair: an endless loop?`);
      }
    }

    function freshPen() {
      // subtle: p5 strokes shapes black by default; black is ARC's background, so here shapes
      // have no stroke until stroke() is called, and fill starts blue (p5: white)
      return { fill: 1, stroke: null, m: [1, 0, 0, 1, 0, 0] };
    }

    function need(what) {
      tick();
      if (scene === null) throw new SketchError(`${what}() is for pair(), params() or solve()`);
      if (scene.size === null) throw new SketchError(`${what}() before createCanvas(w, h)`);
    }

    // Local cell (x, y) -> the canvas cells it covers after translate/rotate/scale: the cell
    // is a unit square whose corners go through the matrix.
    function place(x, y) {
      const [a, b, c, d, e, f] = pen.m;
      const xs = [], ys = [];
      for (const [px, py] of [[x, y], [x + 1, y], [x, y + 1], [x + 1, y + 1]]) {
        xs.push(a * px + c * py + e);
        ys.push(b * px + d * py + f);
      }
      const x0 = Math.min(...xs), x1 = Math.max(...xs);
      const y0 = Math.min(...ys), y1 = Math.max(...ys);
      const out = [];
      for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) out.push([xx, yy]);
      return out;
    }

    // Local cells, each with "fill" or "stroke" -> an object (or cells of the open group).
    function emit(local, tag) {
      const cells = new Map();
      for (const [x, y, part] of local) {
        const color = part === "stroke" ? pen.stroke : pen.fill;
        if (color === null) continue;
        for (const [cx, cy] of place(x, y)) {
          checkCoord(cx, cy);
          cells.set(key(cx, cy), color);
        }
      }
      if (collecting !== null) {
        for (const [k, c] of cells) collecting.set(k, c);
        return null;
      }
      return addItem(cells, [tag]);
    }

    function addItem(cells, tags) {
      if (cells.size === 0) {
        throw new SketchError("this call draws no cells (noFill and noStroke?)");
      }
      const it = new Item(scene.nextId++, cells, tags);
      if (scene.phase === "output") it.actions = null; // created: labelled by the sketch
      scene.current.push(it);
      return new Handle(it, scene.phase);
    }

    // A filled region: its outline cells take the stroke, the rest the fill (p5's stroke and
    // fill on a grid).
    function region(cells, tag) {
      const edge = pen.stroke === null ? null : outlineOf(cells);
      return emit(
        cells.map(([x, y]) => [x, y, edge !== null && edge.has(key(x, y)) ? "stroke" : "fill"]),
        tag,
      );
    }

    // Marks one cell wide: the stroke colour, else the fill (p5 needs a stroke for them).
    function mark(cells, tag) {
      const part = pen.stroke !== null ? "stroke" : "fill";
      return emit(cells.map(([x, y]) => [x, y, part]), tag);
    }

    // A handle: what a sketch holds for one object. In the input phase it edits the input
    // object; after output(), the output object made from it (recording each change).
    class Handle {
      constructor(item, phase) {
        this._item = item;
        this._phase = phase;
      }

      get _live() {
        if (scene === null) throw new SketchError("a handle from another pair");
        if (this._phase === "output" || scene.phase === "input") return this._item;
        const out = scene.items.output.find((o) => o.source === this._item.id);
        if (out === undefined) throw new SketchError(`object ${this._item.id} was deleted`);
        return out;
      }

      _record(action) {
        const it = this._live;
        if (scene.phase === "output" && it.actions !== null) it.actions.push(action);
      }

      get id() { return this._live.id; }
      get x() { return this._live.box().x; }
      get y() { return this._live.box().y; }
      get w() { return this._live.box().w; }
      get h() { return this._live.box().h; }
      get right() { const b = this._live.box(); return b.x + b.w - 1; }
      get bottom() { const b = this._live.box(); return b.y + b.h - 1; }
      get size() { return this._live.cells.size; }
      get cells() {
        return [...this._live.cells].map(([k, c]) => [keyX(k), keyY(k), c]);
      }
      get colors() { return [...new Set(this._live.cells.values())].sort((a, b) => a - b); }
      get color() {
        const n = new Array(10).fill(0);
        for (const c of this._live.cells.values()) n[c]++;
        return n.indexOf(Math.max(...n));
      }

      tag(...names) {
        this._live.tags.push(...names.map(String));
        return this;
      }

      // Adds an action from z2h.arc.labels.ACTIONS to this object's row of the labels.
      label(op, fields) {
        checkOp(op);
        const it = this._live;
        if (it.actions === null) it.actions = [];
        it.actions.push(Object.assign({ op: String(op) }, fields || {}));
        return this;
      }

      move(dx, dy) {
        needInt(dx, "move"), needInt(dy, "move");
        const it = this._live;
        it.cells = it.shifted(dx, dy);
        if (dx !== 0 || dy !== 0) this._record({ op: "move", by: [dy, dx] });
        return this;
      }

      moveTo(x, y) {
        const b = this._live.box();
        return this.move(needInt(x, "moveTo") - b.x, needInt(y, "moveTo") - b.y);
      }

      recolor(from, to) {
        const it = this._live;
        if (to === undefined) {
          to = toColor(from, "recolor");
          from = this.color;
          if (this.colors.length > 1) {
            throw new SketchError("recolor(c) of a many-coloured object: use recolor(from, to)");
          }
        } else {
          from = toColor(from, "recolor");
          to = toColor(to, "recolor");
        }
        for (const [k, c] of it.cells) if (c === from) it.cells.set(k, to);
        if (from !== to) this._record({ op: "recolor", from, to });
        return this;
      }

      delete(reason, fields) {
        if (scene.phase !== "output") {
          throw new SketchError("delete() is for the output (after output())");
        }
        const it = this._live;
        const list = scene.items.output;
        list.splice(list.indexOf(it), 1);
        if (it.source !== null) {
          const gone = new Item(it.id, it.cells, it.tags);
          gone.source = it.source;
          gone.deleted = true;
          gone.actions = it.actions.concat([
            Object.assign({ op: "delete" }, reason ? { reason } : {}, fields || {}),
          ]);
          scene.deletedRows.push(gone);
        }
        return this;
      }

      // Slides one cell at a time by (dx, dy) until the next step would leave the canvas or
      // overlap another object; records the move and what stopped it.
      slide(dx, dy) {
        needInt(dx, "slide"), needInt(dy, "slide");
        if (Math.abs(dx) + Math.abs(dy) === 0) return this;
        const it = this._live;
        const { w, h } = scene.size;
        const others = new Map();
        for (const o of scene.current) {
          if (o !== it) for (const k of o.cells.keys()) others.set(k, o.id);
        }
        let sx = 0, sy = 0, stop = "edge";
        for (;;) {
          let blocked = false;
          for (const k of it.cells.keys()) {
            const x = keyX(k) + sx + dx, y = keyY(k) + sy + dy;
            if (x < 0 || y < 0 || x >= w || y >= h) { blocked = true; stop = "edge"; break; }
            const hit = others.get(key(x, y));
            if (hit !== undefined) { blocked = true; stop = hit; break; }
          }
          if (blocked) break;
          sx += dx;
          sy += dy;
        }
        if (sx !== 0 || sy !== 0) {
          this.move(sx, sy);
          this._record({ op: "stop_at_contact", with: stop });
        }
        return this;
      }

      // Quarter turns (p5's sense: clockwise on the screen) or a mirror, about its own box.
      rotate(angle) {
        const k = quarterTurns(angle);
        const it = this._live;
        const b = it.box();
        const cells = new Map();
        for (const [kk, c] of it.cells) {
          let x = keyX(kk) - b.x, y = keyY(kk) - b.y;
          for (let i = 0; i < k; i++) [x, y] = [(i % 2 === 0 ? b.h : b.w) - 1 - y, x];
          cells.set(key(b.x + x, b.y + y), c);
        }
        it.cells = cells;
        // ACTIONS counts anticlockwise quarter turns
        if (k !== 0) this._record({ op: "rotate", k: (4 - k) % 4 });
        return this;
      }

      flip(axis) {
        if (axis !== "h" && axis !== "v") throw new SketchError("flip takes 'h' or 'v'");
        const it = this._live;
        const b = it.box();
        const cells = new Map();
        for (const [kk, c] of it.cells) {
          const x = keyX(kk), y = keyY(kk);
          const to = axis === "h" ? key(2 * b.x + b.w - 1 - x, y) : key(x, 2 * b.y + b.h - 1 - y);
          cells.set(to, c);
        }
        it.cells = cells;
        this._record({ op: "flip", axis });
        return this;
      }

      // ARC's scale: each cell becomes an f x f block, positions scaled from the canvas's
      // top-left corner (the whole-grid scale-up, object by object).
      scale(f) {
        if (!isInt(f) || f < 1) throw new SketchError(`scale takes a whole factor >= 1, got ${f}`);
        const it = this._live;
        const before = it.box();
        const cells = new Map();
        for (const [k, c] of it.cells) {
          const x = keyX(k) * f, y = keyY(k) * f;
          for (let i = 0; i < f; i++) for (let j = 0; j < f; j++) {
            checkCoord(x + j, y + i);
            cells.set(key(x + j, y + i), c);
          }
        }
        it.cells = cells;
        if (f !== 1) {
          this._record({ op: "scale", factor: f });
          const after = it.box();
          if (after.x !== before.x || after.y !== before.y) {
            this._record({ op: "move", by: [after.y - before.y, after.x - before.x] });
          }
        }
        return this;
      }

      toFront() {
        const it = this._live;
        it.z = Math.max(...scene.current.map((o) => o.z)) + 1;
        this._record({ op: "raise" });
        return this;
      }

      // Another object with the same cells, moved by (dx, dy); in the output, a further copy
      // of its input object (labelled "copy").
      copy(dx, dy) {
        const it = this._live;
        const dup = new Item(scene.nextId++, it.shifted(needInt(dx, "copy"), needInt(dy, "copy")),
          it.tags.slice());
        scene.current.push(dup);
        if (scene.phase === "output") {
          dup.source = it.source;
          dup.actions = [{ op: "copy" }].concat(dx || dy ? [{ op: "move", by: [dy, dx] }] : []);
        }
        return new Handle(dup, scene.phase);
      }

      touches(other) {
        const mine = this._live.cells;
        for (const k of other._live.cells.keys()) {
          const x = keyX(k), y = keyY(k);
          if (mine.has(key(x + 1, y)) || mine.has(key(x - 1, y)) || mine.has(key(x, y + 1))
              || mine.has(key(x, y - 1))) return true;
        }
        return false;
      }
    }

    function quarterTurns(angle) {
      const k = Math.round(angle / HALF_PI);
      if (Math.abs(angle - k * HALF_PI) > 1e-9) {
        throw new SketchError(`rotate takes quarter turns (multiples of HALF_PI), got ${angle}`);
      }
      return ((k % 4) + 4) % 4;
    }

    const api = {
      CLOSE: "close", HALF_PI, PI: Math.PI, TWO_PI: 2 * Math.PI, CORNER: "corner", CENTER: "center",

      // p5's modes and weight, kept only at the values a grid of cells gives them
      rectMode(m) {
        if (m !== "corner") {
          throw new SketchError("rectMode: only CORNER (rect(x, y, w, h) from its corner)");
        }
      },
      ellipseMode(m) {
        if (m !== "center") {
          throw new SketchError("ellipseMode: only CENTER (ellipse(x, y, w, h) about (x, y))");
        }
      },
      strokeWeight(w) {
        if (w !== 1) throw new SketchError(`strokeWeight: outlines are one cell, got ${w}`);
      },

      createCanvas(w, h) {
        if (scene === null) throw new SketchError("createCanvas() is for pair()");
        for (const v of [w, h]) {
          if (!isInt(v) || v < 1 || v > MAX_SIZE) {
            throw new SketchError(
              `createCanvas(${w}, ${h}): a grid is 1 to ${MAX_SIZE} cells each way`);
          }
        }
        const old = scene.canvas[scene.phase];
        scene.canvas[scene.phase] = { w, h, background: old ? old.background : 0 };
        sync(w, h);
      },
      resizeCanvas(w, h) { api.createCanvas(w, h); },
      background(c) {
        need("background");
        scene.size.background = toColor(c, "background");
      },
      fill(c) { pen.fill = toColor(c, "fill"); },
      noFill() { pen.fill = null; },
      stroke(c) { pen.stroke = toColor(c, "stroke"); },
      noStroke() { pen.stroke = null; },

      point(x, y) {
        need("point");
        return mark([[needInt(x, "point"), needInt(y, "point")]], "point");
      },
      line(x1, y1, x2, y2) {
        need("line");
        for (const v of [x1, y1, x2, y2]) needInt(v, "line");
        return mark(segment(x1, y1, x2, y2), "line");
      },
      rect(x, y, w, h) {
        need("rect");
        if (h === undefined) h = w;
        for (const v of [x, y, w, h]) needInt(v, "rect");
        if (w < 1 || h < 1) throw new SketchError(`rect needs a size of at least 1, got ${w}x${h}`);
        const cells = [];
        for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) cells.push([x + c, y + r]);
        return region(cells, "rectangle");
      },
      square(x, y, s) { return api.rect(x, y, s, s); },
      // Centred on cell (x, y) for odd sizes (on its top-left corner for even ones): the cells
      // whose centres lie in the ellipse inscribed in the w x h box, boundary included.
      ellipse(x, y, w, h) {
        need("ellipse");
        if (h === undefined) h = w;
        for (const v of [x, y, w, h]) needInt(v, "ellipse");
        if (w < 1 || h < 1) throw new SketchError(`ellipse needs a size of at least 1`);
        const left = x - Math.floor(w / 2), top = y - Math.floor(h / 2);
        const cells = [];
        for (let r = 0; r < h; r++) {
          for (let c = 0; c < w; c++) {
            // integer form of ((2c+1-w)/w)^2 + ((2r+1-h)/h)^2 <= 1
            const u = (2 * c + 1 - w) * h, v = (2 * r + 1 - h) * w;
            if (u * u + v * v <= w * w * h * h) cells.push([left + c, top + r]);
          }
        }
        return region(cells, "ellipse");
      },
      circle(x, y, d) { return api.ellipse(x, y, d, d); },
      beginShape() {
        need("beginShape");
        shape = [];
      },
      vertex(x, y) {
        if (shape === null) throw new SketchError("vertex() outside beginShape()/endShape()");
        shape.push([needInt(x, "vertex"), needInt(y, "vertex")]);
      },
      endShape(mode) {
        if (shape === null) throw new SketchError("endShape() without beginShape()");
        const pts = shape;
        shape = null;
        if (pts.length === 0) throw new SketchError("endShape() with no vertex()");
        const edges = new Map();
        const n = pts.length;
        const last = mode === "close" ? n : n - 1;
        if (n === 1) edges.set(key(pts[0][0], pts[0][1]), pts[0]);
        for (let i = 0; i < last; i++) {
          const [a, b] = [pts[i], pts[(i + 1) % n]];
          for (const p of segment(a[0], a[1], b[0], b[1])) edges.set(key(p[0], p[1]), p);
        }
        if (mode !== "close") return mark([...edges.values()], "shape");
        const cells = [...edges.values()];
        const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
        for (let y = Math.min(...ys); y <= Math.max(...ys); y++) {
          for (let x = Math.min(...xs); x <= Math.max(...xs); x++) {
            if (!edges.has(key(x, y)) && insidePolygon(x, y, pts)) cells.push([x, y]);
          }
        }
        return region(cells, "shape");
      },

      push() { stack.push({ fill: pen.fill, stroke: pen.stroke, m: pen.m.slice() }); },
      pop() {
        if (stack.length === 0) throw new SketchError("pop() without push()");
        pen = stack.pop();
      },
      translate(x, y) {
        needInt(x, "translate"), needInt(y, "translate");
        const [a, b, c, d, e, f] = pen.m;
        pen.m = [a, b, c, d, a * x + c * y + e, b * x + d * y + f];
      },
      rotate(angle) {
        const k = quarterTurns(angle);
        for (let i = 0; i < k; i++) {
          // one clockwise quarter turn on screen (y down): (x, y) -> (-y, x)
          const [a, b, c, d, e, f] = pen.m;
          pen.m = [c, d, -a, -b, e, f];
        }
      },
      scale(sx, sy) {
        if (sy === undefined) sy = sx;
        for (const v of [sx, sy]) {
          if (!isInt(v) || v === 0) {
            throw new SketchError(`scale takes whole non-zero factors, got ${v}`);
          }
        }
        const [a, b, c, d, e, f] = pen.m;
        pen.m = [a * sx, b * sx, c * sy, d * sy, e, f];
      },

      random(a, b) {
        tick();
        const u = rand();
        if (Array.isArray(a)) {
          if (a.length === 0) throw new SketchError("random([]) of an empty array");
          return a[Math.floor(u * a.length)];
        }
        if (a === undefined) return u;
        if (b === undefined) return u * a;
        return a + u * (b - a);
      },
      randomSeed(n) { rand = mulberry32(hash32(`seed:${n}`)); },
      randomInt(lo, hi) {
        tick();
        return lo + Math.floor(rand() * (hi - lo + 1));
      },
      // re-arc's unifint: an integer in [lo, hi] that grows with the task's difficulty
      level(lo, hi) {
        tick();
        const d = difficulty[0] + (difficulty[1] - difficulty[0]) * rand();
        return Math.min(hi, Math.max(lo, Math.round(lo + (hi - lo) * d)));
      },
      shuffle(array) {
        const out = array.slice();
        for (let i = out.length - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          [out[i], out[j]] = [out[j], out[i]];
        }
        return out;
      },
      colors(k, exclude) {
        const skip = (exclude === undefined ? [0] : exclude).map((c) => toColor(c, "colors"));
        const pool = api.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter((c) => !skip.includes(c)));
        if (k > pool.length) throw new SketchError(`colors(${k}): only ${pool.length} left`);
        return pool.slice(0, k);
      },
      floor: Math.floor, ceil: Math.ceil, round: Math.round, abs: Math.abs,
      min: Math.min, max: Math.max,
      constrain(n, lo, hi) { return Math.max(Math.min(n, hi), lo); },

      // Everything drawn inside fn becomes one object.
      group(fn) {
        need("group");
        if (collecting !== null) throw new SketchError("group() inside group()");
        const cells = new Map();
        collecting = cells;
        try {
          fn();
        } finally {
          collecting = null;
        }
        return addItem(cells, ["group"]);
      },

      // Ends the input: the output starts as the input's objects, on a canvas of its size.
      output() {
        need("output");
        if (scene.phase === "output") throw new SketchError("output() called twice");
        scene.phase = "output";
        const c = scene.canvas.input;
        scene.canvas.output = { w: c.w, h: c.h, background: c.background };
        scene.items.output = scene.items.input.map((it) => {
          const o = it.clone();
          o.source = it.id;
          return o;
        });
        sync(c.w, c.h);
      },

      reject(reason) { throw new Rejection(String(reason || "sketch")); },
      act(op, fields) {
        need("act");
        checkOp(op);
        scene.actions.push(Object.assign({ op: String(op) }, fields || {}));
      },

      // A random top-left (x, y) where a w x h box fits on the canvas with `gap` empty cells
      // between it and every object drawn so far; reject("placement") after 30 tries.
      free(w, h, gap) {
        const at = api.spot(w, h, gap);
        if (at === null) throw new Rejection("placement");
        return at;
      },
      // free(), but null when no place is found.
      spot(w, h, gap) {
        need("spot");
        if (gap === undefined) gap = 1;
        const { w: cw, h: ch } = scene.size;
        const taken = new Set();
        for (const o of scene.current) for (const k of o.cells.keys()) taken.add(k);
        for (let t = 0; t < 30 && w <= cw && h <= ch; t++) {
          const x = Math.floor(rand() * (cw - w + 1)), y = Math.floor(rand() * (ch - h + 1));
          let ok = true;
          for (let yy = y - gap; ok && yy < y + h + gap; yy++) {
            for (let xx = x - gap; xx < x + w + gap; xx++) {
              if (taken.has(key(xx, yy))) { ok = false; break; }
            }
          }
          if (ok) return { x, y };
        }
        return null;
      },

      // A random side-connected shape of up to n cells within a w x h box whose top-left is
      // (x, y), in the fill colour.
      blob(x, y, w, h, n) {
        need("blob");
        const cells = new Map([[key(0, 0), [0, 0]]]);
        const frontier = [[1, 0], [-1, 0], [0, 1], [0, -1]];
        let x0 = 0, x1 = 0, y0 = 0, y1 = 0;
        n = Math.max(1, Math.min(n === undefined ? w * h : n, w * h));
        while (cells.size < n && frontier.length > 0) {
          const i = Math.floor(rand() * frontier.length);
          const [cx, cy] = frontier[i];
          frontier[i] = frontier[frontier.length - 1];
          frontier.pop();
          if (cells.has(key(cx, cy))) continue;
          const wide = Math.max(x1, cx) - Math.min(x0, cx);
          const tall = Math.max(y1, cy) - Math.min(y0, cy);
          if (wide >= w || tall >= h) {
            continue;
          }
          cells.set(key(cx, cy), [cx, cy]);
          frontier.push([cx + 1, cy], [cx - 1, cy], [cx, cy + 1], [cx, cy - 1]);
          [x0, x1] = [Math.min(x0, cx), Math.max(x1, cx)];
          [y0, y1] = [Math.min(y0, cy), Math.max(y1, cy)];
        }
        const local = [...cells.values()].map(([cx, cy]) => [x + cx - x0, y + cy - y0]);
        return region(local, "shape");
      },

      // For solve(): a grid as an input canvas whose objects are its connected pieces
      // (options as objectsOf); returns their handles.
      fromGrid(g, options) {
        rtBegin();
        const bg = options && options.background != null ? options.background : api.mostCommon(g);
        scene.canvas.input = { w: g[0].length, h: g.length, background: bg };
        const handles = [];
        for (const o of api.objectsOf(g, Object.assign({}, options, { background: bg }))) {
          const cells = new Map(o.cells.map(([x, y, c]) => [key(x, y), c]));
          handles.push(addItem(cells, ["object"]));
        }
        sync(g[0].length, g.length);
        return handles;
      },
      // The grid of the current side (the output after output()).
      toGrid() {
        need("toGrid");
        return gridOf(scene.size, scene.current).grid;
      },

      // The handles of the objects on the current side (input, or output after output()).
      objects() {
        need("objects");
        return scene.current.map((it) => new Handle(it, scene.phase));
      },

      // Helpers for solve(input, demonstrations): grids are arrays of rows.
      objectsOf(grid, options) {
        const o = Object.assign({ background: null, diagonal: true, multicolor: false }, options);
        const bg = o.background === null ? api.mostCommon(grid) : o.background;
        const h = grid.length, w = grid[0].length;
        const seen = grid.map((row) => row.map(() => false));
        const found = [];
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            if (seen[y][x] || grid[y][x] === bg) continue;
            const cells = [];
            const todo = [[x, y]];
            seen[y][x] = true;
            while (todo.length > 0) {
              const [cx, cy] = todo.pop();
              cells.push([cx, cy, grid[cy][cx]]);
              for (let dy = -1; dy <= 1; dy++) {
                for (let dx = -1; dx <= 1; dx++) {
                  if ((dx === 0 && dy === 0) || (!o.diagonal && dx !== 0 && dy !== 0)) continue;
                  const nx = cx + dx, ny = cy + dy;
                  if (nx < 0 || ny < 0 || nx >= w || ny >= h || seen[ny][nx]) continue;
                  const v = grid[ny][nx];
                  if (v === bg || (!o.multicolor && v !== grid[cy][cx])) continue;
                  seen[ny][nx] = true;
                  todo.push([nx, ny]);
                }
              }
            }
            cells.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
            const xs = cells.map((c) => c[0]), ys = cells.map((c) => c[1]);
            const bx = Math.min(...xs), by = Math.min(...ys);
            found.push({
              cells, x: bx, y: by, w: Math.max(...xs) - bx + 1, h: Math.max(...ys) - by + 1,
              color: cells[0][2], size: cells.length,
            });
          }
        }
        return found;
      },
      blank(w, h, c) {
        const v = c === undefined ? 0 : toColor(c, "blank");
        return Array.from({ length: h }, () => new Array(w).fill(v));
      },
      copyGrid(g) { return g.map((row) => row.slice()); },
      cellAt(g, x, y) {
        return y >= 0 && y < g.length && x >= 0 && x < g[0].length ? g[y][x] : null;
      },
      mostCommon(g) {
        const n = new Array(10).fill(0);
        for (const row of g) for (const v of row) n[v]++;
        return n.indexOf(Math.max(...n));
      },
      sameGrid(a, b) { return api_sameGrid(a, b); },
      // k quarter turns anticlockwise (numpy's rot90, ARC's "rotate" action)
      turnGrid(g, k) {
        let out = g;
        for (let t = 0; t < (((k % 4) + 4) % 4); t++) {
          const h = out.length, w = out[0].length, src = out;
          out = Array.from({ length: w },
            (_, i) => Array.from({ length: h }, (_, j) => src[j][w - 1 - i]));
        }
        return out === g ? api.copyGrid(g) : out;
      },
      flipGrid(g, axis) {
        if (axis === "h") return g.map((row) => row.slice().reverse());
        return g.slice().reverse().map((row) => row.slice());
      },
      transposeGrid(g) { return g[0].map((_, x) => g.map((row) => row[x])); },
      // An objectsOf() object's cells relative to its box, as text: equal for equal shapes.
      shapeKey(o) { return o.cells.map(([x, y]) => `${x - o.x},${y - o.y}`).sort().join(" "); },
    };

    function rtBegin() {
      calls = 0;
      scene = new Scene();
      scene.deletedRows = [];
      pen = freshPen();
      stack = [];
      shape = null;
      collecting = null;
      sync(0, 0);
    }

    rt.api = api;
    rt.setSync = (fn) => { sync = fn; };
    rt.begin = (difficultyRange) => {
      rtBegin();
      if (difficultyRange) difficulty = difficultyRange;
    };
    rt.end = () => {
      const s = scene;
      scene = null;
      return s;
    };
    rt.seed = (text) => { rand = mulberry32(hash32(text)); calls = 0; };
    rt.setDifficulty = (d) => { difficulty = d; };
    rt.rand = () => rand();
    rt.inSolve = () => { scene = null; pen = freshPen(); calls = 0; };
    return rt;
  }

  // One grid of a drawn pair: the pixels and the objects (cells clipped to the canvas,
  // row-major, in paint order).
  function gridOf(canvas, items) {
    const { w, h, background } = canvas;
    const grid = Array.from({ length: h }, () => new Array(w).fill(background));
    const painted = items.map((it, i) => [it, i]).sort((a, b) => a[0].z - b[0].z || a[1] - b[1]);
    const objects = [];
    for (const [it] of painted) {
      const cells = [];
      for (const [k, c] of it.cells) {
        const x = keyX(k), y = keyY(k);
        if (x >= 0 && y >= 0 && x < w && y < h) cells.push([y, x, c]);
      }
      if (cells.length === 0) throw new Rejection("off_canvas");
      cells.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      for (const [y, x, c] of cells) grid[y][x] = c;
      objects.push({ id: it.id, cells, z: it.z, tags: it.tags });
    }
    return { grid, labels: { height: h, width: w, background, objects } };
  }

  function pairOf(scene) {
    if (scene.phase !== "output") throw new SketchError("pair() must call output()");
    const inp = gridOf(scene.canvas.input, scene.items.input);
    const out = gridOf(scene.canvas.output, scene.items.output);
    const rows = [];
    const kept = scene.items.output.filter((o) => o.source !== null);
    for (const it of scene.items.input) {
      for (const o of kept.filter((k) => k.source === it.id)) {
        rows.push({ input_id: it.id, output_id: o.id, actions: o.actions });
      }
      for (const d of scene.deletedRows.filter((k) => k.source === it.id)) {
        rows.push({ input_id: it.id, output_id: null, actions: d.actions });
      }
    }
    for (const o of scene.items.output.filter((k) => k.source === null)) {
      rows.push({ input_id: null, output_id: o.id, actions: o.actions || [] });
    }
    return {
      input: inp.grid, output: out.grid,
      labels: {
        input: inp.labels, output: out.labels, actions: scene.actions, correspondence: rows,
      },
    };
  }

  // Where in the sketch an error happened: the innermost stack frame in the sketch's file.
  function lineOf(error, file) {
    const stack = error && typeof error.stack === "string" ? error.stack : "";
    const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const m = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(stack);
    return m ? Number(m[1]) : null;
  }

  // The text that turns a sketch into a factory. The sketch starts on the first line, so its
  // line numbers are the file's; `export` is dropped (a sketch may be written as a module).
  function wrap(source, name) {
    const names = API_NAMES.join(", ");
    const exported = /^(\s*)export\s+(?=(async\s+)?function|const|let|var|class)/gm;
    const body = source.replace(exported, "$1");
    // subtle: the sketch runs in a function nested inside the one that declares the API, so
    // its own top-level names may shadow the API's instead of clashing with them
    return (
      `(function (__rt, __safeMath) { const { ${names} } = __rt.api; `
      + "let width = 0, height = 0; __rt.setSync((w, h) => { width = w; height = h; }); "
      + "const Math = __safeMath, Date = undefined, performance = undefined, crypto = undefined; "
      + "return (function () { "
      + body
      + "\n;return { params: typeof params === 'function' ? params : null,"
      + " pair: typeof pair === 'function' ? pair : null,"
      + " solve: typeof solve === 'function' ? solve : null,"
      + " about: typeof about === 'object' && about !== null ? about : {} };\n})(); })"
      + `\n//# sourceURL=${name}.js\n`
    );
  }

  const safeMath = Object.freeze(Object.assign(
    Object.create(null),
    Object.fromEntries(Object.getOwnPropertyNames(Math).map((k) => [k, Math[k]])),
    { random() { throw new SketchError("Math.random is not available: use random()"); } },
  ));

  class Sketch {
    constructor(factory, name) {
      this.name = name;
      this.file = `${name}.js`;
      this.rt = makeRuntime();
      const parts = this._guard("loading the sketch", () => factory(this.rt, safeMath));
      if (parts.error) throw new Error(parts.error.message);
      Object.assign(this, parts.value);
      if (this.pair === null) this._fail("the sketch defines no pair(params) function", null);
      const about = this.about;
      this.train = about.train === undefined ? [3, 4] : about.train;
      this.test = about.test === undefined ? 1 : about.test;
      const [lo, hi] = Array.isArray(this.train) ? this.train : [];
      if (!isInt(lo) || !isInt(hi) || lo < 1 || hi < lo || hi > 10) {
        const got = JSON.stringify(this.train);
        this._fail(`about.train is [lo, hi] demonstrations (1 <= lo <= hi <= 10), got ${got}`,
          null);
      }
      if (!isInt(this.test) || this.test < 1 || this.test > 5) {
        this._fail(`about.test is 1 to 5 test pairs, got ${JSON.stringify(this.test)}`, null);
      }
    }

    _fail(message, line) {
      const where = line === null ? this.file : `${this.file} line ${line}`;
      throw new Error(`${where}: ${message}`);
    }

    // Runs fn; a sketch's error comes back as {error: {message, line}}.
    _guard(what, fn) {
      try {
        return { value: fn() };
      } catch (e) {
        if (e instanceof Rejection) throw e;
        const line = lineOf(e, this.file);
        const kind = e instanceof SketchError ? "" : `${(e && e.name) || "Error"}: `;
        const where = line === null ? this.file : `${this.file} line ${line}`;
        const text = `${where}: ${kind}${(e && e.message) || String(e)} (${what})`;
        return { error: { message: text, line } };
      }
    }

    // The task's parameters as plain data ({} without params()), or an error.
    _taskParams() {
      if (this.params === null) return {};
      const got = this._guard("in params()", () => this.params());
      return got.error ? got : plainParams(got.value);
    }

    // One pair as plain data, or a rejection reason, or an error.
    drawPair(params, difficulty) {
      this.rt.begin(difficulty);
      try {
        const got = this._guard("in pair()", () => {
          this.pair(params);
          return pairOf(this.rt.end());
        });
        return got;
      } catch (e) {
        if (e instanceof Rejection) return { rejected: e.reason };
        throw e;
      } finally {
        this.rt.end();
      }
    }

    solveGrid(grid, demos) {
      this.rt.inSolve();
      let got;
      try {
        got = this._guard("in solve()", () => this.solve(grid, demos));
      } catch (e) {
        if (e instanceof Rejection) return { value: null }; // (an object left the canvas)
        throw e;
      }
      if (got.error) return got;
      const g = got.value;
      if (!Array.isArray(g) || g.length === 0 || !Array.isArray(g[0])) {
        return { value: null };
      }
      return got;
    }

    // A whole task, as generate.make_task makes one: the pairs drawn with the task's
    // seeded stream, inputs kept distinct, outputs different from inputs, and, where the
    // sketch has solve(), every pair reproduced from the others (leave one out).
    makeTask(seed, index, difficulty, maxAttempts) {
      const rt = this.rt;
      rt.seed(`${this.name}:${seed}:${index}`);
      rt.setDifficulty(difficulty);
      const rejected = {};
      const count = (reason) => { rejected[reason] = (rejected[reason] || 0) + 1; };
      const params = this._taskParams();
      if (params.error) return params;
      const [lo, hi] = this.train;
      const nTrain = rt.api.randomInt(lo, hi);
      const n = nTrain + this.test;
      let cands = [];
      const seen = new Set();
      let attempts = 0;
      for (;;) {
        while (cands.length < n) {
          if (attempts >= maxAttempts) {
            const reasons = Object.entries(rejected).sort((a, b) => b[1] - a[1])
              .map(([k, v]) => `${k} ${v}`).join(", ") || "none";
            const failed = `sketch ${this.name} made no valid task in ${maxAttempts} attempts `
              + `(rejected pairs: ${reasons})`;
            return { failed, rejected };
          }
          attempts++;
          const got = this.drawPair(params, difficulty);
          if (got.error) return got;
          if (got.rejected) { count(`sketch:${got.rejected}`); continue; }
          const p = got.value;
          const k = JSON.stringify(p.input);
          if (api_sameGrid(p.input, p.output)) { count("identity"); continue; }
          if (seen.has(k)) { count("duplicate_input"); continue; }
          seen.add(k);
          cands.push(p);
        }
        if (this.solve === null) break;
        const drop = new Set();
        for (let i = 0; i < n; i++) {
          const demos = cands.slice(0, nTrain).filter((_, j) => j !== i)
            .map((p) => ({ input: p.input, output: p.output }));
          const got = this.solveGrid(cands[i].input, demos);
          if (got.error) return got;
          if (got.value === null || !api_sameGrid(got.value, cands[i].output)) drop.add(i);
        }
        if (drop.size === 0) break;
        for (const i of drop) seen.delete(JSON.stringify(cands[i].input));
        rejected.solver = (rejected.solver || 0) + drop.size;
        cands = cands.filter((_, i) => !drop.has(i));
      }
      const strip = (p) => p.labels;
      return {
        value: {
          params,
          verified: this.solve !== null,
          train: cands.slice(0, nTrain).map((p) => ({ input: p.input, output: p.output })),
          test: cands.slice(nTrain).map((p) => ({ input: p.input, output: p.output })),
          labels: {
            train: cands.slice(0, nTrain).map(strip), test: cands.slice(nTrain).map(strip),
          },
          rejected,
        },
      };
    }

    // One pair for a quick look (the studio's preview, the tests): the params and the first
    // pair drawn from the preview stream of `seed` that is not rejected.
    preview(seed, difficulty, attempts) {
      const rt = this.rt;
      rt.seed(`${this.name}:preview:${seed}`);
      rt.setDifficulty(difficulty);
      const params = this._taskParams();
      if (params.error) return params;
      const rejected = {};
      for (let i = 0; i < (attempts || 50); i++) {
        const got = this.drawPair(params, difficulty);
        if (got.error) return got;
        if (got.rejected) {
          rejected[got.rejected] = (rejected[got.rejected] || 0) + 1;
          continue;
        }
        return { value: Object.assign({ params }, got.value) };
      }
      return { failed: `every draw was rejected (${JSON.stringify(rejected)})`, rejected };
    }

    // The output solve() gives for `grid` from `demos` (for z2h arc validate).
    solveFor(grid, demos) {
      const got = this.solveGrid(grid, demos);
      return got.error ? got : { value: got.value };
    }
  }

  // params()'s value as plain JSON data: an object (the labels' "params"), or an error.
  function plainParams(value) {
    const v = value === undefined ? {} : JSON.parse(JSON.stringify(value));
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      const message = `params() returns an object, got ${JSON.stringify(value)}`;
      return { error: { message, line: null } };
    }
    return v;
  }

  function api_sameGrid(a, b) {
    return a.length === b.length && a.every((row, y) => row.length === b[y].length
      && row.every((v, x) => v === b[y][x]));
  }

  root.Z2HSketch = {
    wrap,
    setActions(ops) { knownOps = ops === null ? null : ops.map(String); },
    fromFactory(factory, name) { return new Sketch(factory, name); },
    // eslint-disable-next-line no-eval
    load(source, name) { return new Sketch((0, eval)(wrap(source, name)), name); },
    hash32,
    mulberry32,
    API_NAMES,
    COLOR_NAMES,
  };
})(typeof globalThis !== "undefined" ? globalThis : this);
