// Tasks in and out of the page: open a task from a JSON file or pasted JSON (checked here as
// z2h.arc.task checks it; it opens as a new, unsaved task), and download the task shown.
const MENU = `
  <button id="open-file" title="open an ARC task from a JSON file">open file</button>
  <input id="open-input" type="file" accept=".json,application/json" hidden>
  <button id="open-paste" title="open an ARC task from pasted JSON">paste</button>
  <button id="download" title="download the task shown as ARC JSON">download</button>
  <dialog id="paste-dialog">
    <form method="dialog">
      <p>Paste an ARC task: <code>{"train": [{"input": ..., "output": ...}], "test": [...]}</code></p>
      <textarea id="paste-text" rows="12" cols="70" spellcheck="false"></textarea>
      <p id="paste-error" class="error"></p>
      <button id="paste-open" value="open">open</button>
      <button value="cancel">cancel</button>
    </form>
  </dialog>`;

// A file name made into a task id: letters, digits, '.', '_', '-'.
function idFrom(name) {
  const stem = name.replace(/\.json$/i, "").replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[.-]+/, "");
  return stem || "opened-task";
}

export function taskMenu(studio, element) {
  const { $ } = studio;
  element.innerHTML = MENU;

  // throws with the reason when the text is not an ARC task
  const open = (text, id) => {
    let task;
    try {
      task = JSON.parse(text);
    } catch (e) {
      throw new Error(`not JSON: ${e.message}`);
    }
    if (!studio.confirmDiscard()) return false;
    const parts = task && typeof task === "object" ? { train: task.train, test: task.test } : task;
    studio.showNewTask(parts, null, id);
    studio.status(`opened ${id} (not saved yet)`);
    return true;
  };

  $("open-file").addEventListener("click", () => $("open-input").click());
  $("open-input").addEventListener("change", async () => {
    const file = $("open-input").files[0];
    $("open-input").value = ""; // the same file can be opened again
    if (!file) return;
    try {
      open(await file.text(), idFrom(file.name));
    } catch (e) {
      studio.status(`${file.name}: ${e.message}`, true);
    }
  });
  $("open-paste").addEventListener("click", () => {
    $("paste-error").textContent = "";
    $("paste-dialog").showModal();
    $("paste-text").focus();
  });
  $("paste-open").addEventListener("click", (event) => {
    try {
      open($("paste-text").value, "pasted-task");
    } catch (e) {
      event.preventDefault(); // keep the dialog open, with the reason
      $("paste-error").textContent = e.message;
    }
  });
  $("download").addEventListener("click", () => {
    const state = studio.state;
    const id = state.current ? state.current.id : $("save-id").value.trim() || "task";
    const blob = new Blob([JSON.stringify(state.task)], { type: "application/json" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = `${id}.json`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  });
}
