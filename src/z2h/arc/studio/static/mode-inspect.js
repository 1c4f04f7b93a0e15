// Inspect mode, the default: look without changing anything. Hover or click an object to see
// it and its counterpart; a click selects (an object, or one cell) but keys never edit.
export const inspectMode = {
  name: "inspect",
  label: "inspect",
  key: "i",
  title: "look at tasks: hover and click objects, nothing changes",
  editable: () => false,
  init(studio, panel) {
    panel.innerHTML = `
      <h3>Inspect</h3>
      <p class="hint">Hover or click an object: its counterpart is outlined and "What happened"
      says what became of it. Click the background (or Shift+click) for one cell.
      <b>e</b> edit, <b>S</b> solve, <b>g</b> gallery; <b>j</b> / <b>k</b> next / previous task;
      <b>+</b> / <b>-</b> / Ctrl+wheel zoom, Ctrl+0 fit.</p>`;
  },
};
