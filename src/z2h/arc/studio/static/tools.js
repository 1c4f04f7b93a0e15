// The drawing tools shared by the modes that edit grids (edit, solve): tools, palette, selection
// operations, copy / paste and resizing. They always act on the active grid: the one last
// clicked, or holding the selection (the side panel names it).
import { PALETTE, resizeGrid } from "./gridops.js";
import { COLOR_NAMES } from "./describe.js";

const PANEL = `
  <h3>Tools</h3>
  <div class="acting">acting on: <span class="active-name"></span></div>
  <div id="tools">
    <button data-tool="select" title="click an object to select it whole, Shift+click or the background for one cell, drag a rectangle; drag a selection to move it (S)">select</button>
    <button data-tool="paint" title="paint cells (P)">paint</button>
    <button data-tool="fill" title="flood fill (F)">fill</button>
  </div>
  <div id="palette"></div>
  <div class="buttons">
    <button id="undo" title="Ctrl+Z">undo</button>
    <button id="redo" title="Ctrl+Shift+Z or Ctrl+Y">redo</button>
    <button id="copy" title="Ctrl+C">copy</button>
    <button id="paste" title="Ctrl+V (at the cell under the pointer)">paste</button>
    <button id="rotate" title="R">rotate</button>
    <button id="flip-h" title="H">flip ↔</button>
    <button id="flip-v" title="V">flip ↕</button>
    <button id="delete" title="Delete">delete</button>
  </div>
  <div class="buttons">
    <label>rows <input id="rows" type="number" min="1" max="30" value="3"></label>
    <label>cols <input id="cols" type="number" min="1" max="30" value="3"></label>
    <button id="resize" title="resize the active grid (keeps the top-left part)">resize</button>
    <button id="like-partner" title="resize the active grid to the size of the grid it pairs with">like its partner</button>
  </div>
  <p class="hint">Arrows or a drag move the selection; a digit or swatch picks a colour (and recolours a selection); Esc drops it.</p>`;

export function toolPanel(studio, section) {
  const { state, $ } = studio;
  section.innerHTML = PANEL;
  state.tool = "select";
  state.color = 1;

  const withEditable = (fn) => {
    const entry = studio.activeEditable();
    if (entry) fn(entry.view, entry);
    else studio.status("click a grid you can edit first", true);
  };
  const setTool = (tool) => {
    state.tool = tool;
    for (const b of section.querySelectorAll("#tools button")) b.classList.toggle("on", b.dataset.tool === tool);
    for (const v of state.views) v.view.setTool(tool);
  };
  const setColor = (color) => {
    state.color = color;
    for (const [i, sw] of [...$("palette").children].entries()) sw.classList.toggle("on", i === color);
    for (const v of state.views) v.view.setColor(color);
    const entry = studio.activeEditable();
    if (entry && entry.view.selection) entry.view.recolorSelection(color);
  };
  const copy = () => {
    const entry = state.active;
    if (entry) state.clipboard = entry.view.copySelection() || state.clipboard;
  };
  const paste = () => withEditable((view) => {
    if (!state.clipboard) return;
    const at = view.hoverCell || { row: 0, col: 0 };
    view.paste(state.clipboard, at.row, at.col);
  });
  const resizeTo = (rows, cols) => {
    if (!(rows >= 1 && rows <= 30 && cols >= 1 && cols <= 30)) {
      studio.status("rows and cols must be 1 to 30", true);
      return;
    }
    withEditable((view, entry) => {
      if (entry.onResize) entry.onResize(rows, cols, entry);
      else {
        const { split, index, side } = entry;
        studio.edit((t) => { t[split][index][side] = resizeGrid(t[split][index][side], rows, cols); });
      }
    });
  };
  // the grid an active grid pairs with: input <-> output, a solve answer <-> its test input
  const partner = (entry) => {
    const side = entry.side === "input" ? "output" : "input";
    const pair = state.task[entry.split][entry.index];
    return pair[side] || pair.input;
  };

  for (const b of section.querySelectorAll("#tools button")) b.addEventListener("click", () => setTool(b.dataset.tool));
  PALETTE.forEach((hex, i) => {
    const sw = document.createElement("div");
    sw.style.background = hex;
    sw.title = `${i} ${COLOR_NAMES[i]}`;
    sw.addEventListener("click", () => setColor(i));
    $("palette").append(sw);
  });
  $("undo").addEventListener("click", () => studio.undo());
  $("redo").addEventListener("click", () => studio.redo());
  $("copy").addEventListener("click", copy);
  $("paste").addEventListener("click", paste);
  $("rotate").addEventListener("click", () => withEditable((view) => view.rotateSelection()));
  $("flip-h").addEventListener("click", () => withEditable((view) => view.flipSelection("horizontal")));
  $("flip-v").addEventListener("click", () => withEditable((view) => view.flipSelection("vertical")));
  $("delete").addEventListener("click", () => withEditable((view) => view.deleteSelection()));
  $("resize").addEventListener("click", () => resizeTo(Number($("rows").value), Number($("cols").value)));
  $("like-partner").addEventListener("click", () => withEditable((view, entry) => {
    const other = partner(entry);
    resizeTo(other.length, other[0].length);
  }));
  setTool("select");
  setColor(1);

  // Keys of the tools; true when the key was theirs.
  function keys(event) {
    const ctrl = event.ctrlKey || event.metaKey;
    const key = event.key;
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const selected = studio.activeEditable()?.view.selection;
    if (ctrl && key === "c") copy();
    else if (ctrl && key === "v") paste();
    else if (ctrl || event.altKey) return false;
    else if (moves[key] && selected) studio.activeEditable().view.moveSelection(...moves[key]);
    else if (key === "r") withEditable((view) => view.rotateSelection());
    else if (key === "h") withEditable((view) => view.flipSelection("horizontal"));
    else if (key === "v") withEditable((view) => view.flipSelection("vertical"));
    else if (key === "Delete" || key === "Backspace") withEditable((view) => view.deleteSelection());
    else if (key === "s") setTool("select");
    else if (key === "p") setTool("paint");
    else if (key === "f") setTool("fill");
    else if (/^[0-9]$/.test(key)) setColor(Number(key));
    else return false;
    return true;
  }

  // the rows / cols boxes follow the active grid
  function activeChanged(entry) {
    if (!entry) return;
    $("rows").value = entry.view.rows;
    $("cols").value = entry.view.cols;
  }

  return { keys, setTool, setColor, activeChanged, copy };
}
