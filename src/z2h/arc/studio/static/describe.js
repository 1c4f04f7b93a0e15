// Words for what the labels say: an object, an action, a correspondence. Pure functions.
import { boxEdges } from "./gridops.js";

const RELATIONS_SHOWN = 6; // relations listed for the hovered object

export const COLOR_NAMES = [
  "black", "blue", "red", "green", "yellow", "grey", "magenta", "orange", "sky", "maroon",
];

export function describeAction(a) {
  const name = (c) => `${c} ${COLOR_NAMES[c] ?? ""}`.trim();
  switch (a.op) {
    case "move": return `moved by (${a.by[0]}, ${a.by[1]})`;
    case "recolor": return `recoloured ${name(a.from)} -> ${name(a.to)}`;
    case "rotate": return `rotated ${a.k} quarter turn${a.k === 1 ? "" : "s"}`;
    case "flip": return `flipped ${a.axis === "h" ? "left-right" : "up-down"}`;
    case "transpose": return "transposed";
    case "scale": return `scaled x${a.factor}`;
    case "tile": return `tiled ${a.reps[0]} x ${a.reps[1]}`;
    case "crop": return `cropped to box ${JSON.stringify(a.box)}`;
    case "stop_at_contact": return a.with === "edge" ? "stopped at the edge" : `stopped at contact with object ${a.with}`;
    case "push": return `pushed by (${a.by[0]}, ${a.by[1]})${a.with != null ? ` by object ${a.with}` : ""}`;
    case "keep": return `kept${a.reason ? ` (${a.reason})` : ""}`;
    case "delete": return `deleted${a.reason ? ` (${a.reason}${a.with != null ? ` with object ${a.with}` : ""})` : ""}`;
    case "copy": return `copied${a.at != null ? ` onto marker ${a.at}` : ""}`;
    case "raise": return "brought to the front";
    case "lower": return "sent to the back";
    case "fill": return `filled in${a.inside != null ? ` inside object ${a.inside}` : ""}`;
    case "outline": return `outline drawn${a.around != null ? ` around object ${a.around}` : ""}`;
    case "connect": return `line drawn${a.between ? ` between objects ${a.between.join(" and ")}` : ""}`;
    case "grow": return `grown ${String(a.direction).replace("_", "-")}${a.by != null ? ` by ${a.by}` : ""}`;
    case "align": return `lined up${a.side ? ` (${a.side})` : ""}${a.with != null ? ` with object ${a.with}` : ""}`;
    case "reveal": return `revealed${a.by != null ? ` once object ${a.by} went` : ""}`;
    case "count": return a.n != null ? `counted: ${a.n} of colour ${name(a.color)}` : "counted";
    case "histogram": return "a bar per colour, as long as its count";
    case "continue": return `pattern continued${a.period ? ` (period ${a.period.join(" x ")})` : ""}`;
    case "restore": return `symmetry restored${a.symmetry ? ` (${a.symmetry})` : ""}`;
    case "reshape": return "reshaped (other cells: no op says how)";
    case "merge": return `merged${a.with ? ` with objects ${[].concat(a.with).join(", ")}` : ""}`;
    case "split": return `split${a.into ? ` into objects ${[].concat(a.into).join(", ")}` : ""}`;
    case "replaced": return `replaced${a.by != null ? ` by a copy of object ${a.by}` : ""}`;
    case "hidden": return `hidden${a.by ? ` behind objects ${[].concat(a.by).join(", ")}` : ""}`;
    case "hit": return `hit object ${a.with}, which moved on`;
    case "mark": return `marks the ${a.where ?? "place"}${a.of != null ? ` of ${[].concat(a.of).join(", ")}` : ""}`;
    case "sort": return `sorted by ${a.key}${a.rank != null ? `, place ${a.rank}` : ""}`;
    case "swap": return `colours swapped: ${name(a.colors[0])} <-> ${name(a.colors[1])}`;
    case "combine": return `panels combined (${a.how})`;
    default: {
      const { op, ...rest } = a;
      return `${op} ${JSON.stringify(rest)}`;
    }
  }
}

export function describeMatch(match) {
  if (!match) return "no correspondence for this object";
  if (match.change === "deleted") return `object ${match.input_id}: deleted`;
  if (match.change === "created") return `object ${match.output_id}: created`;
  const actions = match.actions.length ? match.actions.map(describeAction).join(", then ") : "unchanged";
  return `object ${match.input_id} -> ${match.output_id}: ${actions}`;
}

// An object of a GridView (labels' format: box [top, left, height, width]).
export function describeObject(view, object) {
  const [top, left, bottom, right] = boxEdges(object.box);
  const lines = [
    `object ${object.id}${view.objectsSource === "labels" ? "" : " (connected component)"}`,
    `colours ${object.colors.map((c) => `${c} ${COLOR_NAMES[c]}`).join(", ")}`,
    `box rows ${top}-${bottom}, cols ${left}-${right} (${object.cells.length} cells)`,
  ];
  if (object.tags && object.tags.length) lines.push(`tags ${object.tags.join(", ")}`);
  // a few relations, then how many more: an object among hundreds has hundreds of them, and
  // listing them all pushed the side panel's buttons off screen
  const rels = view.relations.filter((r) => r.a === object.id || r.b === object.id);
  const shown = rels.slice(0, RELATIONS_SHOWN).map((r) => `${r.kind}(${r.a}, ${r.b})`);
  if (rels.length > RELATIONS_SHOWN) shown.push(`... ${rels.length - RELATIONS_SHOWN} more`);
  if (rels.length) lines.push(`relations (${rels.length}) ${shown.join(", ")}`);
  return lines.join("\n");
}

// The object reasoner's semantic actions (z2h.arc.models.reasoner_actions), in the labels'
// words where an op is one of theirs: "moved by (2, 0)" reads the same in both lines.
export function describeReasonerAction(a) {
  const name = (c) => `${c} ${COLOR_NAMES[c] ?? ""}`.trim();
  const op = {
    none: () => "unchanged",
    delete: () => describeAction({ op: "delete" }),
    recolor: () => `recoloured -> ${name(a.color)}`,
    recolor_as_touching: () => "recoloured as the object it touches",
    recolor_as_container: () => "recoloured as the object around it",
    move_until_contact: () => `moved ${a.direction} until contact`,
    pushed_until_contact: () => `pushed ${a.direction} until contact`,
    move_by: () => describeAction({ op: "move", by: a.by }),
    grow_until_contact: () => `grown ${a.direction} until contact`,
    raise: () => describeAction({ op: "raise" }),
    lower: () => describeAction({ op: "lower" }),
    other: () => "something the action space cannot say",
  }[a.op];
  const words = op ? op() : `${a.op} ${JSON.stringify(a)}`;
  if (!a.spawn || a.spawn === "none") return words;
  const made = { outline: "an outline drawn around it", outline_own: "an outline of its own colour drawn around it",
    fill: "its holes filled", center: "a mark made at its centre",
    other: "an object made that the action space cannot say" }[a.spawn] ?? a.spawn;
  return `${words}, and ${made}${a.spawn_color != null ? ` in ${name(a.spawn_color)}` : ""}`;
}

// The reasoner's explanation of one input object (by id) of a labelled test pair, beside the
// labelled one: entry is one item of the metrics file's `explanations` (objects in label order).
export function describeExplanation(entry, pair, inputId) {
  const i = pair.input.objects.findIndex((o) => o.id === inputId);
  if (i < 0 || i >= entry.labelled.length) return "";
  const outputs = pair.output?.objects ?? [];
  const became = (m) => (m == null ? "" : ` (becomes object ${outputs[m]?.id ?? `#${m}`})`);
  const said = (actions, matches) => `${describeReasonerAction(actions[i])}${became(matches[i])}`;
  // key order may differ in a hand-written file: compare the actions as sorted entries
  const canon = (a) => JSON.stringify(Object.entries(a).sort());
  const same = canon(entry.inferred[i]) === canon(entry.labelled[i])
    && entry.matches[i] === entry.labelled_matches[i];
  return [
    `object ${inputId}, the reasoner's words:`,
    `labelled: ${said(entry.labelled, entry.labelled_matches)}`,
    `inferred: ${said(entry.inferred, entry.matches)}`,
    same ? "they agree" : "they disagree",
  ].join("\n");
}
