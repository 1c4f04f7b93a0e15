"""``z2h micrograd ...``: the lecture-1 commands."""

from __future__ import annotations

import argparse
import json

from z2h.cli import add_output_flags, print_result
from z2h.defaults import DEFAULT_SEED

# what `demo` writes into its folder: an --out holding any of them is refused without --force
DEMO_FILES = ("decision_boundary.png", "graph.svg", "metrics.json")


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser(
        "demo",
        help="train an MLP on two moons and draw its decision boundary",
        description="The lecture's demo: MLP(2, [16, 16, 1]) on 100 two-moons points, hinge loss "
        "+ 1e-4 L2, SGD with lr 1.0 - 0.9*k/100. Writes decision_boundary.png, graph.svg (one "
        "neuron's graph with its gradients) and metrics.json into --out.",
    )
    p.add_argument("--steps", type=int, default=100, help="SGD steps (default: 100)")
    p.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"seed for data and weights ({DEFAULT_SEED})"
    )
    p.add_argument("--out", help="run folder (default: a new runs/micrograd/demo-TIME-ID)")
    p.add_argument(
        "--force", action="store_true", help="write over an earlier demo's files in --out"
    )
    add_output_flags(p)
    p.set_defaults(func=_demo)


def _demo(args: argparse.Namespace) -> int:
    from z2h.autograd.demo import DemoConfig, neuron_graph_svg, plot_decision_boundary, run_demo
    from z2h.errors import Z2HError
    from z2h.run import default_run_dir, make_run_dir, write_metrics, write_text_atomic

    if args.steps < 1:
        raise Z2HError(f"--steps must be at least 1, got {args.steps}")
    out = make_run_dir(args.out or default_run_dir("micrograd", "demo"))
    held = [name for name in DEMO_FILES if (out / name).exists()]
    if held and not args.force:
        raise Z2HError(
            f"--out {out} already holds a demo ({', '.join(held)}); choose another --out or "
            "pass --force to write over it"
        )
    talk = not (args.quiet or args.json)

    def report(k: int, loss: float, accuracy: float) -> None:
        if talk and (k % 10 == 0 or k == args.steps - 1):
            print(f"step {k:3d} loss {loss:.6f} accuracy {accuracy:.0%}")

    result = run_demo(DemoConfig(steps=args.steps, seed=args.seed), on_step=report)
    loss, accuracy = result.history[-1]
    plot_decision_boundary(result.model, result.X, result.y, out / "decision_boundary.png")
    write_text_atomic(out / "graph.svg", neuron_graph_svg(result.model, result.X[0]))
    metrics = {
        "steps": args.steps,
        "seconds": result.seconds,
        "loss": loss,  # at the last step, before its update (as the lecture prints it)
        "accuracy": accuracy,
        "seed": args.seed,
        "out": str(out),
        "loss_curve": [h[0] for h in result.history],
        "accuracy_curve": [h[1] for h in result.history],
    }
    write_metrics(out, metrics)
    summary = f"{args.steps} steps in {result.seconds:.2f} s; wrote {out}/"
    if args.json:  # the curves stay in metrics.json; the line holds the numbers
        print(json.dumps({k: v for k, v in metrics.items() if not k.endswith("_curve")}))
    else:
        print_result(args, metrics, summary)
    return 0
