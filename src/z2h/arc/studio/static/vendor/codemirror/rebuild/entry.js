// What the studio's sketch mode uses from CodeMirror 6, re-exported unchanged; esbuild bundles
// it (and what it imports) into ../codemirror.js. See build.sh.
export { basicSetup, EditorView } from "codemirror";
export { javascript } from "@codemirror/lang-javascript";
export { setDiagnostics, lintGutter } from "@codemirror/lint";
export { EditorState } from "@codemirror/state";
export { keymap } from "@codemirror/view";
