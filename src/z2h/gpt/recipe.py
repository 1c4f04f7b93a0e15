"""One GPT training run, from settings to ``metrics.json``: data, tokenizer, model, shared Trainer.

``TrainSettings`` holds everything ``z2h gpt train`` accepts; fields left ``None`` are filled by
``budget_recipe``, which picks sizes and a learning rate that suit the time (or steps) given, so
``z2h gpt train --time-budget 48`` is a good run without further flags (and a bare
``z2h gpt train`` is that run). The learning-rate schedule itself (warmup + cosine) spans the
budget inside ``z2h.train``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from z2h.checkpoint import load_checkpoint
from z2h.config import check_fields
from z2h.defaults import DEFAULT_SEED
from z2h.errors import CheckpointError, DataError, Z2HError
from z2h.gpt import dist
from z2h.gpt.data import TextData, fixed_windows, mean_loss, random_windows
from z2h.gpt.model import GPT, GPTConfig, make_config
from z2h.gpt.tasks import TASKS
from z2h.gpt.tokenizer import BPETokenizer, CharTokenizer, TextTokenizer, same_tokenizer
from z2h.run import Reporter, default_run_dir, set_threads
from z2h.train import (
    LAST_CHECKPOINT,
    TrainConfig,
    Trainer,
    check_run_dir,
    describe_difference,
    dist_info,
)

KIND = "gpt"  # checkpoint kind written by every GPT run
DEFAULT_TIME_BUDGET = 48.0  # seconds, when neither --time-budget nor --max-steps is given
SPECIAL = ("raise", "all", "none")  # how a BPE tokenizer treats special-token strings in text


@dataclass
class TrainSettings:
    out: str | None = None  # run directory (None: a new one under runs/gpt/)
    data: str = "shakespeare"  # data set name or path to a UTF-8 text file
    tokenizer: str | None = None  # path to a z2h.bpe PREFIX.model (None: characters)
    vocab_text: str | None = None  # extra text whose characters join the char vocabulary
    task: str | None = None  # "addition" trains on a+b=c instead of text (EX2)
    digits: int = 3  # operand digits for the addition task
    init_from: str | None = None  # run directory whose best weights start this run (finetuning)
    special: str = "raise"  # special-token strings in the text (BPE): "raise" an error, encode
    # them as the special tokens ("all") or as ordinary text ("none")
    # model (None: from the preset, then the budget recipe)
    preset: str | None = None
    block_size: int | None = None
    n_layer: int | None = None
    n_head: int | None = None
    n_embd: int | None = None
    dropout: float | None = None
    bias: bool | None = None
    norm: str | None = None
    mlp: str | None = None
    pos: str | None = None
    qk_norm: bool | None = None
    # optimisation (None: from the budget recipe)
    batch_size: int | None = None
    lr: float | None = None
    warmup_frac: float | None = None
    min_lr_frac: float | None = None
    weight_decay: float | None = None
    grad_clip: float = 1.0
    grad_accum: int = 1
    max_steps: int | None = None
    time_budget: float | None = None
    eval_interval: int | None = None
    eval_tokens: int | None = None  # cap on val tokens scored per evaluation (None: all)
    autocast: str | None = None
    compile: bool = False
    seed: int = field(default=DEFAULT_SEED, metadata={"min": 0})
    resume: bool = False
    device: str = "auto"
    threads: int | None = None  # torch intra-op threads (None: torch's default)
    quiet: bool = False  # no progress output


# settings whose range the generic check does not know (names, choices, structured values)
_UNCHECKED = ("out", "data", "tokenizer", "vocab_text", "task", "init_from", "preset", "special")


def check_settings(s: TrainSettings) -> None:
    """Refuse a value out of range (``--batch-size 0``) before any folder or model is made."""
    values = {f.name: getattr(s, f.name) for f in dataclasses.fields(s)}
    check_fields(
        TrainSettings, {k: v for k, v in values.items() if k not in _UNCHECKED}, flags=True
    )
    if s.special not in SPECIAL:
        raise Z2HError(f"unknown --special {s.special!r}: choose {', '.join(SPECIAL)}")


def budget_recipe(time_budget: float | None, max_steps: int | None, task: bool) -> dict[str, Any]:
    """Defaults that suit a run of ``time_budget`` seconds (or ``max_steps`` steps) on a CPU.

    Chosen from runs on a shared 2-core machine (the runs and their commands are in docs/gpt.md):
    bf16 autocast was faster per token than fp32 at width 128 on a CPU with native bf16 ("auto"
    picks fp32 on one without, where bf16 is emulated and slower; matmuls are a small part of
    such a thin model's step), batch 16 trains about as many tokens per second as batch 32 but
    reached a lower val loss at equal tokens, and a peak learning rate of 3e-3 to 4e-3 beat
    nanoGPT's 1e-3 and 7e-3.
    """
    if task:  # EX2: a+b=c needs little width but many examples a step (docs/gpt.md, EX2)
        return dict(
            preset=None, n_layer=2, n_head=4, n_embd=64, dropout=0.0, batch_size=128, lr=5e-3,
            warmup_frac=0.05, min_lr_frac=0.1, weight_decay=0.1, autocast="auto",
            eval_interval=250,
        )  # fmt: skip
    seconds = time_budget if time_budget is not None else math.inf
    if max_steps is not None and time_budget is None:
        seconds = max_steps * 0.05  # rough cost of one default step on 2 cores
    # subtle: at ~20k tokens/s a few minutes buy a few million tokens, less than 20 tokens per
    # parameter of even the nano-cpu model, so the model stays small until the budget is long
    if seconds <= 300:
        model = dict(block_size=64, n_layer=4, n_head=4, n_embd=128)
        batch, lr = 16, 3e-3  # batch 16 beat 32 at equal tokens, at about equal speed
    elif seconds <= 1800:
        model = dict(block_size=128, n_layer=4, n_head=4, n_embd=192)
        batch, lr = 32, 2e-3
    else:
        model = dict(block_size=256, n_layer=6, n_head=6, n_embd=384)
        batch, lr = 64, 1e-3
    # a LLaMA-style block (EX4, benchmarks/gpt_ablation.py): RoPE, then RMSNorm + SwiGLU +
    # QK-norm, each lowered the val loss at equal steps for somewhat fewer tokens/s; at equal
    # wall time it won every A/B measured (docs/gpt.md)
    modern = dict(pos="rope", norm="rmsnorm", bias=False, mlp="swiglu", qk_norm=True)
    return dict(
        preset=None, **model, **modern, dropout=0.0, batch_size=batch, lr=lr, warmup_frac=0.03,
        min_lr_frac=0.1, weight_decay=0.1, autocast="auto",
        # a timed run evaluates by the clock (see train_config), not every N steps
        eval_interval=1000 if time_budget is None else 10**9,
    )  # fmt: skip


def resolve_settings(s: TrainSettings) -> TrainSettings:
    """Fill every ``None`` model/optimisation field: explicit flag > preset > budget recipe."""
    filled = dataclasses.replace(s)
    if s.time_budget is None and s.max_steps is None:
        filled.time_budget = DEFAULT_TIME_BUDGET
    recipe = budget_recipe(filled.time_budget, filled.max_steps, task=s.task is not None)
    preset_fields = make_config(s.preset, vocab_size=1).to_dict() if s.preset else {}
    for key, value in recipe.items():
        if getattr(filled, key) is None:
            if key in preset_fields and s.preset:
                setattr(filled, key, preset_fields[key])
            else:
                setattr(filled, key, value)
    # model fields the recipe does not name come from the preset or GPTConfig's defaults
    base = dataclasses.asdict(GPTConfig())
    for key in ("bias", "norm", "mlp", "pos", "qk_norm", "dropout"):
        if getattr(filled, key) is None:
            setattr(filled, key, preset_fields.get(key, base[key]))
    return filled


def build_tokenizer(s: TrainSettings, text: str, init: dict[str, Any] | None) -> TextTokenizer:
    from z2h.gpt.tokenizer import from_dict

    if init is not None:
        return from_dict(init["tokenizer"], special=s.special)
    if s.tokenizer is not None:
        return BPETokenizer.from_file(s.tokenizer, special=s.special)
    if s.vocab_text is not None:
        from z2h.data import read_text

        text = text + read_text(s.vocab_text)
    return CharTokenizer.from_text(text)


def model_config(s: TrainSettings, vocab_size: int) -> GPTConfig:
    fields = {f.name for f in dataclasses.fields(GPTConfig)} - {"vocab_size", "tie_weights"}
    return make_config(vocab_size=vocab_size, **{k: getattr(s, k) for k in fields})


def _eval_seconds(time_budget: float | None) -> float | None:
    # subtle: evaluations count against the budget (a full val pass is a visible share of a
    # short one), so a short timed run evaluates only at the end; a longer one also mid-way, to
    # resume from
    if time_budget is None or time_budget <= 120:
        return None
    return time_budget / 2


def train_config(s: TrainSettings) -> TrainConfig:
    return TrainConfig(
        max_steps=s.max_steps, time_budget=s.time_budget, lr=s.lr, min_lr_frac=s.min_lr_frac,
        weight_decay=s.weight_decay, betas=(0.9, 0.99), warmup_frac=s.warmup_frac,
        grad_clip=s.grad_clip, grad_accum=s.grad_accum, eval_interval=s.eval_interval,
        eval_interval_seconds=_eval_seconds(s.time_budget),
        log_interval=10, autocast=s.autocast, compile=s.compile, seed=s.seed,
    )  # fmt: skip


def load_init(path: str) -> dict[str, Any]:
    run = Path(path)
    if not run.exists():
        raise CheckpointError(f"--init-from {path}: no such run folder or checkpoint file")
    for name in ("best.pt", LAST_CHECKPOINT):
        if (run / name).is_file():
            return load_checkpoint(run / name, kind=KIND)
    if run.is_file():
        return load_checkpoint(run, kind=KIND)
    raise CheckpointError(f"--init-from {path}: no GPT checkpoint (best.pt or last.pt) there")


def check_resume(run_dir: Path, tokenizer: TextTokenizer, data_id: dict[str, Any]) -> None:
    """Refuse to resume with other data or another tokenizer, saying which (data first: a char
    vocabulary built from other text differs only because the text does)."""
    last = run_dir / LAST_CHECKPOINT
    if not last.exists():
        return
    ckpt = load_checkpoint(last, kind=KIND)
    if "data" in ckpt and ckpt["data"] != data_id:
        diff = "; ".join(describe_difference(ckpt["data"], data_id, "data"))
        raise CheckpointError(
            f"cannot resume: {last} was trained on different data ({diff}); use a new --out"
        )
    if not same_tokenizer(ckpt.get("tokenizer", {}), tokenizer.to_dict()):
        raise CheckpointError(
            f"cannot resume: {last} was trained with a different tokenizer; use a new --out"
        )


def run_training(settings: TrainSettings) -> dict[str, Any]:
    """Train a GPT as ``settings`` say; returns (and on rank 0 writes) the run's metrics.

    ``settings.out`` is filled in when it was None (the new run folder's name)."""
    s = resolve_settings(settings)
    check_settings(s)
    train_config(s).validate()  # the loop's ranges too, before the text is read
    set_threads(s.threads, who="z2h gpt", quiet=s.quiet)
    device = dist.pick_device(s.device)
    joined, finished = dist.init_from_env(device), False
    try:
        if s.out is None:
            s.out = settings.out = _shared_run_dir(s)
        check_run_dir(s.out, resume=s.resume)  # before the text is read and tokenized
        result = _run(s, device)
        finished = True
        return result
    finally:
        if joined:
            dist.shutdown(finished)


def _shared_run_dir(s: TrainSettings) -> str:
    """A new run folder name, the same on every rank (rank 0 picks it)."""
    name = str(default_run_dir("gpt", s.task or s.preset or "gpt"))
    if dist_info()[1] > 1:
        box = [name]
        torch.distributed.broadcast_object_list(box, src=0)
        name = box[0]
    return name


def _run(s: TrainSettings, device: torch.device) -> dict[str, Any]:
    from z2h.data import read_text
    from z2h.run import write_metrics

    rank, world = dist_info()
    if s.batch_size % world:
        raise Z2HError(f"--batch-size {s.batch_size} must be divisible by the {world} ranks")
    init = load_init(s.init_from) if s.init_from else None
    run_dir = Path(s.out)

    if s.task is not None:
        if s.task not in TASKS:
            raise Z2HError(f"unknown task {s.task!r}; choose one of: {', '.join(TASKS)}")
        task = TASKS[s.task](digits=s.digits)
        tokenizer: TextTokenizer = task.tokenizer
        s.block_size = task.block_size
        data_id: dict[str, Any] = task.to_dict()

        def train_batch(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
            x, y = task.train_batch(gen, s.batch_size)
            return x.to(device), y.to(device)

        def evaluate(model: torch.nn.Module) -> dict[str, float]:
            return task.evaluate(model)

    else:
        text = read_text(s.data)
        if not text:
            raise DataError(f"{s.data}: the training text is empty")
        tokenizer = build_tokenizer(s, text, init)
        data = TextData.from_text(text, tokenizer)
        data.check_block_size(s.block_size)
        data_id = {
            "data": str(s.data),
            "train_tokens": len(data.train),
            "val_tokens": len(data.val),
        }
        val_x, val_y = fixed_windows(data.val, s.block_size, s.eval_tokens)

        def train_batch(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
            x, y = random_windows(data.train, s.batch_size, s.block_size, gen)
            return x.to(device), y.to(device)

        def evaluate(model: torch.nn.Module) -> dict[str, float]:
            return {"val": mean_loss(model, val_x, val_y)}

    config = model_config(s, tokenizer.vocab_size)
    settings_record = {
        k: v for k, v in dataclasses.asdict(s).items() if k not in ("resume", "quiet")
    }
    dist.check_same_settings({**settings_record, **data_id, "tokenizer": tokenizer.to_dict()})
    if s.resume:
        check_resume(run_dir, tokenizer, data_id)

    torch.manual_seed(s.seed)
    model = GPT(config)
    if init is not None:
        if init["model_config"] != config.to_dict():
            raise CheckpointError(
                f"--init-from {s.init_from} has model {init['model_config']}, this run asks for "
                f"{config.to_dict()}; give the same model settings"
            )
        model.load_state_dict(init["model_state"])
    model.to(device)

    trainer = Trainer(
        model, train_config(s), train_batch=train_batch, evaluate=evaluate, run_dir=run_dir,
        kind=KIND, select="val", desc="gpt", reporter=Reporter("gpt", quiet=s.quiet),
        extra={
            "model": "gpt", "model_config": config.to_dict(), "tokenizer": tokenizer.to_dict(),
            "task": data_id if s.task else None, "data": data_id, "settings": settings_record,
        },
    )  # fmt: skip
    result = trainer.fit(resume=s.resume)
    params = model.num_params()
    tokens = result.samples * s.block_size  # input tokens processed (all ranks)
    flops = model.flops_per_token(s.block_size) * tokens
    metrics = {
        "model": "gpt",
        "params": params,
        "model_config": config.to_dict(),
        "tokenizer": tokenizer.kind,
        "vocab_size": tokenizer.vocab_size,
        "train_loss": result.train_loss,
        "val_loss": result.best.get("val"),
        "last_val_loss": result.last_eval.get("val"),
        "best_step": result.best_step,
        "seconds": result.seconds,
        "steps": result.steps,
        "tokens": tokens,
        "tokens_per_s": tokens / max(result.seconds, 1e-9),
        "gflops_per_s": flops / max(result.seconds, 1e-9) / 1e9,
        "world_size": world,
        "device": str(device),
        "autocast": result.autocast,
        "resumed_from": result.resumed_from,
        "out": str(run_dir),
        "threads": torch.get_num_threads(),
        "history": result.history,
        "settings": settings_record,
    }
    if s.task:
        metrics["accuracy"] = result.best.get("acc")
        metrics["last_accuracy"] = result.last_eval.get("acc")
        metrics["task"] = data_id
    if rank == 0:
        write_metrics(run_dir, metrics)
    return metrics
