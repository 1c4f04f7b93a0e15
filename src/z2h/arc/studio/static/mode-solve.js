// Solve mode: the test outputs are hidden; build each answer with the tools, submit it, and see
// exact / not exact. Every submission is kept in a per-task record (this browser's storage).
import { cloneGrid, emptyGrid, gridsEqual, resizeGrid, sizeText } from "./gridops.js";

const RECORD_KEY = "z2h-arc-studio-solve";

function readRecord() {
  try {
    return JSON.parse(localStorage.getItem(RECORD_KEY)) || {};
  } catch {
    return {}; // a damaged record starts again rather than breaking the page
  }
}

function taskKey(studio) {
  const current = studio.state.current;
  return current ? `${current.source}/${current.id}` : "(new task)";
}

export const solveMode = {
  name: "solve",
  label: "solve",
  key: "S",
  title: "hide the test outputs, build them with the tools, submit: exact or not",
  tools: true,
  showsPredictions: false,
  editable: (entry) => entry.side === "answer",
  hidesOutput: (split) => split === "test",
  answers: {}, // test index -> the answer grid being built
  history: [], // [index, grid before] per change, for undo
  future: [],

  init(studio, panel) {
    panel.innerHTML = `
      <h3>Solve</h3>
      <p class="hint">The test outputs are hidden. Build each answer in "your answer" with the
      tools (it starts empty at the test input's size; "copy input" starts from the input),
      then submit (or Enter). Attempts are recorded per task in this browser.</p>
      <h3>Attempts on this task</h3>
      <div id="solve-record" class="info">-</div>
      <button id="solve-clear" title="forget this task's attempts">clear the record</button>`;
    studio.$("solve-clear").addEventListener("click", () => {
      const record = readRecord();
      delete record[taskKey(studio)];
      localStorage.setItem(RECORD_KEY, JSON.stringify(record));
      this.showRecord(studio);
    });
  },

  taskShown(studio) {
    this.answers = {};
    this.history = [];
    this.future = [];
    this.showRecord(studio);
  },

  enter(studio) {
    this.showRecord(studio);
  },

  answer(studio, index) {
    if (!this.answers[index]) {
      const input = studio.state.task.test[index].input;
      this.answers[index] = emptyGrid(input.length, input[0].length);
    }
    return this.answers[index];
  },

  rowViews(studio, split, index) {
    if (split !== "test") return [];
    return [{
      side: "answer",
      label: "your answer",
      grid: this.answer(studio, index),
      onChange: (info) => this.changed(studio, index, info.grid),
      onResize: (rows, cols) => this.set(studio, index, resizeGrid(this.answer(studio, index), rows, cols)),
    }];
  },

  decorateRow(studio, row, split, index) {
    if (split !== "test") return;
    const bar = document.createElement("div");
    bar.className = "solve-bar";
    const button = (text, title, fn) => {
      const b = document.createElement("button");
      b.textContent = text;
      b.title = title;
      b.addEventListener("click", fn);
      bar.append(b);
    };
    button("copy input", "start from the test input", () => this.set(studio, index, cloneGrid(studio.state.task.test[index].input)));
    button("reset", "an empty grid the size of the test input", () => {
      const input = studio.state.task.test[index].input;
      this.set(studio, index, emptyGrid(input.length, input[0].length));
    });
    button("submit", "check the answer (Enter)", () => this.submit(studio, index));
    const verdict = document.createElement("span");
    verdict.className = "solve-verdict";
    bar.append(verdict);
    row.querySelector(".pair-head").append(bar);
  },

  entry(studio, index) {
    return studio.entryOf("test", index, "answer");
  },

  changed(studio, index, grid) {
    this.history.push([index, this.answers[index]]);
    this.future = [];
    this.answers[index] = cloneGrid(grid);
    this.verdict(studio, index, "", "");
  },

  // a change made here rather than by drawing: the view follows
  set(studio, index, grid) {
    this.changed(studio, index, grid);
    const entry = this.entry(studio, index);
    entry.view.setGrid(grid);
    studio.refreshCaption(entry);
    studio.showActive();
  },

  undo(studio) {
    const last = this.history.pop();
    if (!last) return;
    const [index, grid] = last;
    this.future.push([index, this.answers[index]]);
    this.answers[index] = grid;
    const entry = this.entry(studio, index);
    entry.view.setGrid(grid);
    studio.refreshCaption(entry);
  },

  redo(studio) {
    const next = this.future.pop();
    if (!next) return;
    const [index, grid] = next;
    this.history.push([index, this.answers[index]]);
    this.answers[index] = grid;
    this.entry(studio, index).view.setGrid(grid);
  },

  verdict(studio, index, text, kind) {
    const row = document.querySelector(`.pair[data-split=test][data-index="${index}"]`);
    const el = row && row.querySelector(".solve-verdict");
    if (!el) return;
    el.textContent = text;
    el.className = `solve-verdict ${kind ? `badge ${kind}` : ""}`;
  },

  submit(studio, index) {
    const expected = studio.state.task.test[index].output;
    if (!expected) {
      this.verdict(studio, index, "this task has no answer to check against", "wrong");
      return;
    }
    const got = this.answer(studio, index);
    const exact = gridsEqual(got, expected);
    this.verdict(studio, index, exact ? "exact" : "not exact", exact ? "exact" : "wrong");
    const record = readRecord();
    const key = taskKey(studio);
    record[key] = [...(record[key] || []), { test: index, exact, size: sizeText(got), at: new Date().toISOString() }];
    localStorage.setItem(RECORD_KEY, JSON.stringify(record));
    this.showRecord(studio);
  },

  showRecord(studio) {
    const el = studio.$("solve-record");
    const attempts = readRecord()[taskKey(studio)] || [];
    if (!attempts.length) {
      el.textContent = "none yet";
      return;
    }
    const solved = new Set(attempts.filter((a) => a.exact).map((a) => a.test));
    const lines = attempts.map((a, i) => `#${i + 1} test ${a.test}: ${a.exact ? "exact" : "not exact"} (${a.size}) ${a.at.slice(0, 16).replace("T", " ")}`);
    el.textContent = `${attempts.length} attempt${attempts.length === 1 ? "" : "s"}, ${solved.size} of ${studio.state.task.test.length} test input(s) solved\n${lines.join("\n")}`;
  },

  keys(event, studio) {
    const entry = studio.state.active;
    if (event.key === "Enter" && entry && entry.side === "answer") {
      this.submit(studio, entry.index);
      return true;
    }
    return false;
  },
};
