"""``z2h gpt train`` and ``z2h gpt sample``; torch is imported only inside the handlers."""

from __future__ import annotations

import argparse
import sys

from z2h.cli import add_output_flags, add_run_flag, check_resume_has_out, print_result, run_arg
from z2h.defaults import DEFAULT_SEED

# what a bare `z2h gpt train` runs (z2h.gpt.recipe.DEFAULT_TIME_BUDGET and budget_recipe; a test
# checks that these words agree with them)
DEFAULT_BUDGET_HELP = "48"
DEFAULT_MODEL_HELP = (
    "for a budget up to 300 s: block 64, 4 layers, 4 heads, width 128, RoPE, RMSNorm, SwiGLU, "
    "QK-norm; batch 16, lr 0.003"
)


def _bool(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "train",
        help="train a GPT on text (or on the addition task)",
        description="Train a GPT with the shared trainer. Unset sizes and learning rate come from "
        f"a recipe that suits --time-budget (a bare 'z2h gpt train' trains "
        f"{DEFAULT_BUDGET_HELP} s on tiny shakespeare). Data-parallel: torchrun --nproc_per_node N "
        "-m z2h gpt train ...",
    )
    p.add_argument(
        "--out",
        help="run folder for checkpoints and metrics.json (default: a new runs/gpt/NAME-TIME-ID)",
    )
    p.add_argument("--data", default="shakespeare", help="data set name or UTF-8 text file")
    p.add_argument("--tokenizer", help="z2h bpe model file PREFIX.model (default: characters)")
    p.add_argument("--vocab-text", help="add this text's characters to the char vocabulary")
    p.add_argument("--task", choices=["addition"], help="train on a+b=c instead of text (EX2)")
    p.add_argument("--digits", type=int, default=3, help="operand digits for --task addition")
    p.add_argument("--init-from", help="start from the weights of this run directory (finetune)")
    p.add_argument(
        "--special",
        choices=["raise", "all", "none"],
        default="raise",
        help="special-token strings such as <|endoftext|> in the text (--tokenizer with special "
        "tokens): raise an error (default), encode them as the special token (all) or as "
        "ordinary text (none)",
    )
    m = p.add_argument_group(f"model (default: the budget recipe; {DEFAULT_MODEL_HELP})")
    m.add_argument("--preset", help="tiny, nano-cpu, lecture or gpt2")
    m.add_argument("--block-size", type=int, help="context length")
    m.add_argument("--n-layer", type=int, help="Transformer blocks")
    m.add_argument("--n-head", type=int, help="attention heads")
    m.add_argument("--n-embd", type=int, help="residual width")
    m.add_argument("--dropout", type=float, help="dropout probability")
    m.add_argument("--bias", type=_bool, help="biases in Linear and LayerNorm (true/false)")
    m.add_argument("--norm", choices=["layernorm", "rmsnorm"], help="normalization layer")
    m.add_argument("--mlp", choices=["gelu", "swiglu"], help="feed-forward type")
    m.add_argument("--pos", choices=["learned", "rope"], help="position encoding")
    m.add_argument("--qk-norm", type=_bool, help="normalize queries and keys (true/false)")
    o = p.add_argument_group("optimisation (default: the budget recipe)")
    o.add_argument(
        "--time-budget",
        type=float,
        help="seconds to train, evaluations included (default: "
        f"{DEFAULT_BUDGET_HELP} when --max-steps is not given either)",
    )
    o.add_argument("--max-steps", type=int, help="optimizer steps to take")
    o.add_argument("--batch-size", type=int, help="global batch (sequences per step, all ranks)")
    o.add_argument("--lr", type=float, help="peak learning rate (AdamW)")
    o.add_argument("--warmup-frac", type=float, help="fraction of the run in linear warmup")
    o.add_argument("--min-lr-frac", type=float, help="cosine floor as a fraction of --lr")
    o.add_argument("--weight-decay", type=float, help="AdamW decay on matrices")
    o.add_argument("--grad-clip", type=float, default=1.0, help="max gradient norm (0: off)")
    o.add_argument("--grad-accum", type=int, default=1, help="micro-batches per step")
    o.add_argument("--eval-interval", type=int, help="steps between evaluations")
    o.add_argument("--eval-tokens", type=int, help="cap on val tokens per evaluation")
    o.add_argument(
        "--autocast",
        choices=["fp32", "bf16", "auto"],
        help="matmul precision (default auto: bf16 where the CPU or GPU computes it natively)",
    )
    o.add_argument(
        "--compile",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="torch.compile the model",
    )
    o.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed for init and batches")
    o.add_argument("--resume", action="store_true", help="continue the run in --out")
    o.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="device")
    o.add_argument("--threads", type=int, help="torch CPU threads (default: the idle cores)")
    add_output_flags(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser(
        "sample",
        help="sample text from a trained run",
        description="Rebuild the model and tokenizer from --run and print samples.",
    )
    add_run_flag(p, "run folder written by 'z2h gpt train'")
    p.add_argument("--prompt", default="", help="text to continue (default: start of a line)")
    p.add_argument("--max-new-tokens", type=int, default=500, help="tokens to generate")
    p.add_argument("--temperature", type=float, default=1.0, help="softmax temperature (0: argmax)")
    p.add_argument("--top-k", type=int, help="sample only from the k most likely tokens")
    p.add_argument("-n", "--num-samples", type=int, default=1, help="independent samples")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="sampling seed")
    p.add_argument(
        "--device",
        default="cpu",
        choices=["auto", "cpu", "cuda"],
        help="device (auto: cuda when there is one)",
    )
    p.add_argument(
        "--special",
        choices=["raise", "all", "none"],
        default="raise",
        help="special-token strings in --prompt: an error, the special token or ordinary text",
    )
    p.set_defaults(func=cmd_sample)


def cmd_train(args: argparse.Namespace) -> int:
    import dataclasses

    from z2h.gpt.recipe import TrainSettings, run_training

    check_resume_has_out(args)
    names = {f.name for f in dataclasses.fields(TrainSettings)}
    settings = TrainSettings(**{k: v for k, v in vars(args).items() if k in names})
    settings.quiet = args.quiet
    try:
        metrics = run_training(settings)
    finally:
        args.out = settings.out  # the folder chosen for a default --out (for the resume hint)
    if _is_rank0():
        print_result(args, metrics, _summary(metrics))
    return 0


def _summary(m: dict) -> str:
    from z2h.run import format_duration, format_summary

    title = (
        f"gpt: {m['steps']:,} steps in {format_duration(m['seconds'])}"
        f" ({m['steps'] / max(m['seconds'], 1e-9):.1f} steps/s), {m['params']:,} parameters"
    )
    if m.get("resumed_from") is not None:
        title += f", resumed from step {m['resumed_from']:,}"
    rows = [
        ("val loss", m["val_loss"]),
        ("at step", m["best_step"]),
        ("accuracy", m.get("accuracy")),
        ("train loss", m["train_loss"]),
        ("tokens/s", f"{m['tokens_per_s']:,.0f}"),
        ("precision", m["autocast"]),
        ("run folder", m["out"]),
        ("sample", f"z2h gpt sample --run {m['out']}"),
    ]
    return format_summary(title, rows)


def _is_rank0() -> bool:
    import os

    return os.environ.get("RANK", "0") == "0"


def cmd_sample(args: argparse.Namespace) -> int:
    from z2h.gpt.dist import pick_device
    from z2h.gpt.sample import load_run, sample

    device = str(pick_device(args.device))
    run = load_run(run_arg(args), device=device, special=args.special)
    texts = sample(
        run,
        prompt=args.prompt,
        max_new_tokens=args.max_new_tokens,
        temperature=args.temperature,
        top_k=args.top_k,
        seed=args.seed,
        num_samples=args.num_samples,
    )
    for i, text in enumerate(texts):
        if i:
            sys.stdout.write("\n---\n")
        sys.stdout.write(text + "\n")
    return 0
