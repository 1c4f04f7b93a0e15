// Pure operations on ARC grids (arrays of rows of colours 0-9), shared by the GridView
// component and the studio page. Nothing here draws or touches the DOM; every function
// returns new arrays and leaves its arguments alone. Coordinates are (row, col) throughout.

// The ARC-1/2 palette, colours 0-9 (the same order as z2h.arc.grid.PALETTE).
export const PALETTE = [
  "#000000", "#0074D9", "#FF4136", "#2ECC40", "#FFDC00",
  "#AAAAAA", "#F012BE", "#FF851B", "#7FDBFF", "#870C25",
];

export const MAX_SIZE = 30;

export function cloneGrid(grid) {
  return grid.map((row) => row.slice());
}

export function gridsEqual(a, b) {
  if (!a || !b || a.length !== b.length) return false;
  for (let r = 0; r < a.length; r++) {
    if (a[r].length !== b[r].length) return false;
    for (let c = 0; c < a[r].length; c++) if (a[r][c] !== b[r][c]) return false;
  }
  return true;
}

export function emptyGrid(rows, cols, fill = 0) {
  return Array.from({ length: rows }, () => new Array(cols).fill(fill));
}

// The most common colour, ties to the smaller colour (the same rule as find_objects in Python).
export function mostCommonColor(grid) {
  const counts = new Array(10).fill(0);
  for (const row of grid) for (const v of row) counts[v]++;
  let best = 0;
  for (let v = 1; v < 10; v++) if (counts[v] > counts[best]) best = v;
  return best;
}

export function floodFill(grid, row, col, color) {
  const out = cloneGrid(grid);
  const from = out[row][col];
  if (from === color) return out;
  const stack = [[row, col]];
  while (stack.length) {
    const [r, c] = stack.pop();
    if (r < 0 || c < 0 || r >= out.length || c >= out[0].length || out[r][c] !== from) continue;
    out[r][c] = color;
    stack.push([r + 1, c], [r - 1, c], [r, c + 1], [r, c - 1]);
  }
  return out;
}

// Same-colour connected components that are not background, in row-major order of their first
// cell, ids from 0: the objects z2h.arc.objects.find_objects finds in Python (tested against it).
// Each object, in the labels' format: {id, colors, cells: [[r, c], ...], box: [top, left, height,
// width]}.
export function components(grid, { connectivity = 4, background = null } = {}) {
  const bg = background ?? mostCommonColor(grid);
  const rows = grid.length;
  const cols = grid[0].length;
  const seen = new Uint8Array(rows * cols);
  const steps = connectivity === 8
    ? [[1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [1, -1], [-1, 1], [-1, -1]]
    : [[1, 0], [-1, 0], [0, 1], [0, -1]];
  const objects = [];
  // scanning row-major meets each component first at its first cell: no sort needed
  for (let r0 = 0; r0 < rows; r0++) {
    for (let c0 = 0; c0 < cols; c0++) {
      const color = grid[r0][c0];
      if (color === bg || seen[r0 * cols + c0]) continue;
      const cells = [];
      const stack = [[r0, c0]];
      seen[r0 * cols + c0] = 1;
      while (stack.length) {
        const [r, c] = stack.pop();
        cells.push([r, c]);
        for (const [dr, dc] of steps) {
          const rr = r + dr;
          const cc = c + dc;
          if (rr < 0 || cc < 0 || rr >= rows || cc >= cols) continue;
          if (seen[rr * cols + cc] || grid[rr][cc] !== color) continue;
          seen[rr * cols + cc] = 1;
          stack.push([rr, cc]);
        }
      }
      objects.push({ id: objects.length, colors: [color], cells, box: labelBox(cells) });
    }
  }
  return objects;
}

// [top, left, bottom, right] of a set of cells (inclusive): what drawing and transforms need.
export function boxOf(cells) {
  let top = Infinity, left = Infinity, bottom = -Infinity, right = -Infinity;
  for (const [r, c] of cells) {
    if (r < top) top = r;
    if (r > bottom) bottom = r;
    if (c < left) left = c;
    if (c > right) right = c;
  }
  return [top, left, bottom, right];
}

// [top, left, height, width]: the box format of the labels files (z2h.arc.labels).
export function labelBox(cells) {
  const [top, left, bottom, right] = boxOf(cells);
  return [top, left, bottom - top + 1, right - left + 1];
}

// A labels-format box [top, left, height, width] -> [top, left, bottom, right].
export function boxEdges(box) {
  return [box[0], box[1], box[0] + box[2] - 1, box[1] + box[3] - 1];
}

// A new grid of rows x cols keeping the overlapping top-left part and filling the rest.
export function resizeGrid(grid, rows, cols, fill = 0) {
  const out = emptyGrid(rows, cols, fill);
  for (let r = 0; r < Math.min(rows, grid.length); r++) {
    for (let c = 0; c < Math.min(cols, grid[0].length); c++) out[r][c] = grid[r][c];
  }
  return out;
}

// Transforms of a set of coloured cells [[r, c, colour], ...] inside their own bounding box,
// so a rotated or flipped selection stays anchored at its top-left corner.
export function rotateCells(cells) {
  const [top, left, bottom] = boxOf(cells);
  const h = bottom - top + 1;
  return cells.map(([r, c, v]) => [top + (c - left), left + (h - 1 - (r - top)), v]);
}

export function flipCells(cells, axis) {
  const [top, left, bottom, right] = boxOf(cells);
  return axis === "horizontal"
    ? cells.map(([r, c, v]) => [r, left + (right - c), v])
    : cells.map(([r, c, v]) => [top + (bottom - r), c, v]);
}

// Paints coloured cells onto a copy of the grid, dropping those that fall outside it.
export function paintCells(grid, cells) {
  const out = cloneGrid(grid);
  for (const [r, c, v] of cells) {
    if (r >= 0 && c >= 0 && r < out.length && c < out[0].length) out[r][c] = v;
  }
  return out;
}

export function sameSize(a, b) {
  return Boolean(a && b) && a.length === b.length && a[0].length === b[0].length;
}

export function sizeText(grid) {
  return `${grid.length} x ${grid[0].length}`;
}

// Cells where two grids of one size differ, or null when their sizes differ (nothing to compare
// cell by cell: the caller says so in words instead).
export function diffCells(got, want) {
  if (!sameSize(got, want)) return null;
  const wrong = [];
  for (let r = 0; r < got.length; r++) {
    for (let c = 0; c < got[0].length; c++) if (got[r][c] !== want[r][c]) wrong.push([r, c]);
  }
  return wrong;
}

// Checks an ARC task (JSON already parsed) as z2h.arc.task does; returns a message, or null.
export function taskProblem(task) {
  if (!task || typeof task !== "object" || Array.isArray(task)) return 'not {"train": [...], "test": [...]}';
  if (!Array.isArray(task.train) || !task.train.length) return '"train" must be a non-empty list of pairs';
  if (!Array.isArray(task.test)) return '"test" must be a list of pairs';
  for (const split of ["train", "test"]) {
    for (const [i, pair] of task[split].entries()) {
      if (!pair || typeof pair !== "object") return `${split} ${i} is not {"input", "output"}`;
      for (const side of ["input", "output"]) {
        if (side === "output" && split === "test" && pair.output == null) continue;
        const problem = gridProblem(pair[side]);
        if (problem) return `${split} ${i} ${side}: ${problem}`;
      }
    }
  }
  return null;
}

function gridProblem(grid) {
  if (!Array.isArray(grid) || !grid.length || grid.length > MAX_SIZE) return `1 to ${MAX_SIZE} rows expected`;
  const cols = Array.isArray(grid[0]) ? grid[0].length : 0;
  if (cols < 1 || cols > MAX_SIZE) return `1 to ${MAX_SIZE} columns expected`;
  for (const [r, row] of grid.entries()) {
    if (!Array.isArray(row) || row.length !== cols) return `row ${r} has a different length`;
    if (!row.every((v) => Number.isInteger(v) && v >= 0 && v <= 9)) return `row ${r}: colours are whole numbers 0-9`;
  }
  return null;
}
