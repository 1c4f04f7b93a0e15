// Edit mode: the drawing tools act on the active grid of the task; pairs are added, moved and
// removed; the task is saved, or a new one generated.
import { cloneGrid, emptyGrid } from "./gridops.js";

const PANEL = `
  <h3>Edit</h3>
  <section class="sub">
    <h3>Save</h3>
    <label>folder <select id="save-source"></select></label>
    <label>id <input id="save-id" size="18"></label>
    <button id="save">save</button>
  </section>
  <section class="sub">
    <h3>Generate</h3>
    <label>generator <select id="generator"></select></label>
    <p id="generator-about" class="hint"></p>
    <label>difficulty <input id="diff-lo" type="number" min="0" max="1" step="0.1" value="0">
      to <input id="diff-hi" type="number" min="0" max="1" step="0.1" value="0.5"></label>
    <label>seed <input id="seed" type="number" min="0" value="0"></label>
    <button id="generate">generate</button>
    <button id="next-seed">next seed</button>
  </section>`;

function swap(list, i, j) {
  [list[i], list[j]] = [list[j], list[i]];
}

// A new pair for `split` with empty grids the sizes of the last pair's (of that split, else of
// the other): authoring a task repeats its sizes far more often than it changes them.
function pairLike(task, split) {
  const last = task[split].at(-1) || task[split === "train" ? "test" : "train"].at(-1);
  const like = (g) => emptyGrid(g.length, g[0].length);
  return { input: like(last.input), output: like(last.output || last.input) };
}

export const editMode = {
  name: "edit",
  label: "edit",
  key: "e",
  title: "change the task: tools act on the grid you clicked",
  tools: true,
  editable: (entry) => entry.side === "input" || entry.side === "output",

  init(studio, panel) {
    const { $ } = studio;
    panel.innerHTML = PANEL;
    $("save").addEventListener("click", () => studio.save());
    const run = () => studio.generate({
      generator: $("generator").value,
      difficulty: [Number($("diff-lo").value), Number($("diff-hi").value)],
      seed: Number($("seed").value),
    });
    $("generate").addEventListener("click", run);
    $("next-seed").addEventListener("click", () => {
      $("seed").value = Number($("seed").value) + 1;
      run();
    });
    $("generator").addEventListener("change", () => this.describeGenerator(studio));
  },

  ready(studio) {
    for (const g of studio.state.generators) studio.$("generator").append(new Option(g.name, g.name));
    this.describeGenerator(studio);
  },

  describeGenerator(studio) {
    const g = studio.state.generators.find((x) => x.name === studio.$("generator").value);
    studio.$("generator-about").textContent = g ? g.description : "";
  },

  // a generated task: the generate panel starts from its generator and seed
  taskShown(studio) {
    const { $, state } = studio;
    const made = state.labels;
    if (made && made.generator && state.generators.some((g) => g.name === made.generator)) {
      $("generator").value = made.generator;
      if (made.seed != null) $("seed").value = made.seed;
      if (made.difficulty) [$("diff-lo").value, $("diff-hi").value] = made.difficulty;
      this.describeGenerator(studio);
    }
  },

  pairButtons(studio, split, index) {
    const button = (text, title, fn) => {
      const b = document.createElement("button");
      b.textContent = text;
      b.title = title;
      
      b.addEventListener("click", () => studio.edit(fn));
      return b;
    };
    return [
      button("input → output", "copy the input grid to the output", (t) => { t[split][index].output = cloneGrid(t[split][index].input); }),
      button("up", "move this pair up", (t) => { if (index > 0) swap(t[split], index, index - 1); }),
      button("down", "move this pair down", (t) => { if (index + 1 < t[split].length) swap(t[split], index, index + 1); }),
      button("remove", "remove this pair", (t) => { t[split].splice(index, 1); }),
    ];
  },

  paneFooter(studio) {
    const adders = document.createElement("div");
    adders.className = "add-pairs";
    for (const split of ["train", "test"]) {
      const b = document.createElement("button");
      b.textContent = `+ ${split} pair like the last`;
      b.id = `add-${split}`;
      b.title = "a new pair with empty grids the sizes of the last pair's";
      b.addEventListener("click", () => studio.edit((t) => { t[split].push(pairLike(t, split)); }));
      adders.append(b);
    }
    return [adders];
  },
};
