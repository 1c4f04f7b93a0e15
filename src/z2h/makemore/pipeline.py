"""What ``z2h makemore train|sample|eval`` do, for every model in the registry.

``train`` builds the model named on the command line from its registry entry, generically:

- a counted model (``trainable=False``) is fit by counting: ``model.fit(X, Y)`` on the training
  examples; if its config asks for it (``--smoothing auto``) ``model.tune(train, dev)`` picks its
  smoothing on dev and returns the sweep rows, which are saved;
- a trainable model goes through the one training loop, ``z2h.train.Trainer``, with random
  batches of fixed contexts or of padded words, chosen by the entry's ``input_kind``.

Defaults come in layers, each overriding the one before: the dataclass defaults, the entry's
preset, the entry's ``recipe(time_budget, max_steps)`` (``{"model": {...}, "train": {...}}``; the
``train`` part may carry ``batch_size``, 0 meaning the whole training set, and ``pack``, the row
length to pack words into for a packable model), and the flags the user gave. Every run directory
holds ``best.pt`` (model name, config, vocabulary, data source and seed, weights), so ``sample``
and ``eval`` rebuild the model from the directory alone, and ``metrics.json``.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn

from z2h.checkpoint import save_checkpoint
from z2h.errors import CheckpointError, Z2HError
from z2h.makemore import registry
from z2h.makemore.cli import DEFAULT_DATA, DEFAULT_MODEL, DEFAULT_SEED
from z2h.makemore.data import Vocab, WordData, examples, prepare
from z2h.makemore.evaluate import evaluate_loss
from z2h.makemore.sample import sample_words
from z2h.run import (
    make_run_dir,
    seed_everything,
    write_json_atomic,
    write_metrics,
    write_text_atomic,
)
from z2h.train import BEST_CHECKPOINT, LAST_CHECKPOINT, TrainConfig, Trainer, load_model_state

KIND = "makemore"  # checkpoint kind of every makemore run
DEFAULT_BATCH_SIZE = 32  # when neither the recipe nor --batch-size says


@dataclass
class TrainOptions:
    """Everything ``z2h makemore train`` takes; ``None`` means "use the layered default"."""

    model: str = DEFAULT_MODEL
    out: str | os.PathLike[str] = "runs/makemore"
    data: str | os.PathLike[str] = DEFAULT_DATA
    seed: int = DEFAULT_SEED
    preset: str | None = None
    smoothing: str | None = None  # "auto", a number k, or "kneser-ney" (counted n-grams)
    model_fields: dict[str, Any] = field(default_factory=dict)  # config overrides (--n, --set)
    train_fields: dict[str, Any] = field(default_factory=dict)  # TrainConfig overrides
    batch_size: int | None = None  # 0: whole training set each step
    pack: int | None = None  # row length to pack words into (packable models); 0: one word a row
    resume: bool = False
    bigram_picture: bool = True  # write bigram_counts.png when training a counted bigram


@dataclass
class Run:
    """A model rebuilt from a run directory."""

    name: str
    entry: registry.ModelEntry
    model: nn.Module
    config: Any
    vocab: Vocab
    data: str
    seed: int
    checkpoint: dict[str, Any]


def num_params(model: nn.Module) -> int:
    """Parameters of a trainable model; a counted model reports its own table size."""
    if hasattr(model, "num_params"):
        return int(model.num_params())
    return sum(p.numel() for p in model.parameters())


def _smoothing_fields(spec: str, config_cls: type, model: str) -> tuple[dict[str, Any], bool]:
    """--smoothing -> (config fields, whether to tune on dev)."""
    if "smoothing" not in {f.name for f in dataclasses.fields(config_cls)}:
        raise Z2HError(f"--smoothing applies to counted n-grams, not to model {model!r}")
    if spec == "auto":
        return {"smoothing": "add-k"}, True
    if spec == "kneser-ney":
        return {"smoothing": "kneser-ney"}, False
    try:
        k = float(spec)
    except ValueError:
        raise Z2HError(
            f"--smoothing must be auto, kneser-ney or a number k >= 0, got {spec!r}"
        ) from None
    return {"smoothing": "add-k", "k": k}, False


def build_config(
    entry: registry.ModelEntry, preset: str | None, fields: dict[str, Any], data: WordData
) -> Any:
    """The model config: preset, then ``fields``; sequence models default to the longest word."""
    config = registry.make_config(entry.name, preset, vocab_size=len(data.vocab), **fields)
    if entry.input_kind == "sequence" and config.block_size is None:
        config = dataclasses.replace(config, block_size=data.max_word_length + 1)
    return config


def preset_in_effect(entry: registry.ModelEntry, named: str | None, config: Any) -> str | None:
    """The preset that ``config`` actually is: the named (or default) one if no field overrode
    it, else any preset it matches (``--n 3`` is the trigram), else ``None``."""
    fields = dataclasses.asdict(config)

    def matches(preset: str) -> bool:
        return all(fields.get(k) == v for k, v in entry.presets.get(preset, {}).items())

    first = named or entry.default_preset
    candidates = ([first] if first is not None else []) + list(entry.presets)
    return next((p for p in candidates if p in entry.presets and matches(p)), None)


def _check_fresh(run_dir: Path, resume: bool) -> None:
    if resume:
        return
    for name in (BEST_CHECKPOINT, LAST_CHECKPOINT):
        if (run_dir / name).exists():
            raise CheckpointError(
                f"{run_dir} already holds a run; pass --resume to continue it "
                "or choose another --out"
            )


def train(opts: TrainOptions) -> dict[str, Any]:
    """Train (or count) ``opts.model`` into ``opts.out``; returns the metrics it wrote."""
    entry = registry.get(opts.model)
    data = prepare(opts.data, opts.seed)
    recipe = (
        entry.recipe(opts.train_fields.get("time_budget"), opts.train_fields.get("max_steps"))
        if entry.recipe
        else {}
    )
    # an explicitly named preset wins over the recipe's model sizes; explicit fields win over both
    recipe_model = {} if opts.preset is not None else recipe.get("model", {})
    model_fields = {**recipe_model, **opts.model_fields}
    tune = False
    if opts.smoothing is not None:
        extra_fields, tune = _smoothing_fields(opts.smoothing, entry.config_cls, entry.name)
        model_fields.update(extra_fields)
    config = build_config(entry, opts.preset, model_fields, data)
    run_dir = make_run_dir(opts.out)
    _check_fresh(run_dir, opts.resume or entry.trainable)  # the Trainer checks trainable runs
    seed_everything(opts.seed)
    bs = config.block_size
    Xtr, Ytr = examples(data.train, data.vocab, entry.input_kind, bs)
    Xdev, Ydev = examples(data.dev, data.vocab, entry.input_kind, bs)
    payload = {
        "model": entry.name,
        "preset": preset_in_effect(entry, opts.preset, config),
        "model_config": dataclasses.asdict(config),
        "vocab": data.vocab.to_list(),
        "input_kind": entry.input_kind,
        "data": data.source,
        "seed": opts.seed,
    }
    extra_metrics: dict[str, Any] = {}
    if not entry.trainable:
        t0 = time.perf_counter()
        model = registry.build(entry.name, config)
        model.fit(Xtr, Ytr)
        if tune:
            sweep = model.tune((Xtr, Ytr), (Xdev, Ydev))
            extra_metrics["smoothing_sweep"] = sweep
            extra_metrics["chosen_k"] = model.config.k
            write_sweep(run_dir, sweep, model.config.k)
            payload["model_config"] = dataclasses.asdict(model.config)
            payload["preset"] = preset_in_effect(entry, opts.preset, model.config)
        seconds = time.perf_counter() - t0
        save_checkpoint(
            run_dir / BEST_CHECKPOINT, {**payload, "model_state": model.state_dict()}, kind=KIND
        )
        steps, train_cfg = 0, None
        if opts.bigram_picture and getattr(model.config, "n", None) == 2:
            from z2h.makemore.plots import plot_bigram_counts

            keys, counts = model.count_table()
            plot_bigram_counts(keys, counts, data.vocab, run_dir / "bigram_counts.png")
    else:
        train_fields = {k: v for k, v in recipe.get("train", {}).items() if v is not None}
        batch_size = train_fields.pop("batch_size", DEFAULT_BATCH_SIZE)
        if opts.batch_size is not None:
            batch_size = opts.batch_size
        if batch_size < 0:
            raise Z2HError(f"--batch-size must be >= 0 (0: whole training set), got {batch_size}")
        recipe_pack = train_fields.pop("pack", 0)
        if opts.pack is not None:
            pack = opts.pack
        elif recipe_pack and batch_size > 0:
            # the recipe's rows stretch to hold the longest word of the data (a --pack does not)
            pack = max(recipe_pack, config.block_size)
        else:
            pack = 0
        check_pack(entry, pack, config.block_size, batch_size)
        train_fields.update({k: v for k, v in opts.train_fields.items() if v is not None})
        train_fields["seed"] = opts.seed
        unknown = sorted(set(train_fields) - {f.name for f in dataclasses.fields(TrainConfig)})
        if unknown:
            raise Z2HError(f"unknown training setting(s): {', '.join(unknown)}")
        train_cfg = TrainConfig(**train_fields)
        model = registry.build(entry.name, config)
        sub = torch.randperm(len(Xtr), generator=torch.Generator().manual_seed(opts.seed))
        Xsub, Ysub = Xtr[sub[: len(Xdev)]], Ytr[sub[: len(Xdev)]]
        trainer = Trainer(
            model,
            train_cfg,
            train_batch=(
                pack_fn(Xtr, Ytr, batch_size, pack)
                if pack
                else batch_fn(Xtr, Ytr, batch_size, entry.input_kind)
            ),
            evaluate=lambda m: {
                "dev": evaluate_loss(m, Xdev, Ydev),
                "train": evaluate_loss(m, Xsub, Ysub),
            },
            run_dir=run_dir,
            kind=KIND,
            extra=payload,
            desc=f"train {entry.name}",
        )
        result = trainer.fit(resume=opts.resume)
        model.load_state_dict(load_model_state(run_dir, KIND)["model_state"])
        steps, seconds = result.steps, result.seconds
        extra_metrics.update(
            best_step=result.best_step,
            batch_size=batch_size,
            pack=pack,
            steps_per_second=result.steps_per_second,
            last_train_batch_loss=result.train_loss,
        )
    # test is evaluated once, here, from the best-dev model
    Xte, Yte = examples(data.test, data.vocab, entry.input_kind, bs)
    metrics = {
        "model": entry.name,
        "preset": payload["preset"],
        "data": data.source,
        "seed": opts.seed,
        "params": num_params(model),
        "train_loss": evaluate_loss(model, Xtr, Ytr),
        "dev_loss": evaluate_loss(model, Xdev, Ydev),
        "test_loss": evaluate_loss(model, Xte, Yte),
        "seconds": seconds,
        "steps": steps,
        "words": {"train": len(data.train), "dev": len(data.dev), "test": len(data.test)},
        "config": payload["model_config"] if entry.trainable else dataclasses.asdict(model.config),
        "train_config": dataclasses.asdict(train_cfg) if train_cfg else None,
        **extra_metrics,
    }
    write_metrics(run_dir, metrics)
    return metrics


def batch_fn(X: torch.Tensor, Y: torch.Tensor, batch_size: int, input_kind: str) -> Any:
    """A ``train_batch(gen)`` drawing ``batch_size`` random examples (0: all of them)."""

    def draw(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        if batch_size == 0 or batch_size >= len(X):
            return X, Y
        ix = torch.randint(0, len(X), (batch_size,), generator=gen)
        x, y = X[ix], Y[ix]
        if input_kind == "sequence":
            # trailing columns that are padding in every row change no loss: drop them
            width = int((y != -1).any(0).nonzero().max()) + 1
            x, y = x[:, :width], y[:, :width]
        return x, y

    return draw


def check_pack(entry: registry.ModelEntry, pack: int, block_size: int, batch_size: int) -> None:
    """Refuse a packing length the model or the words cannot take, with the reason."""
    if pack == 0:
        return
    if pack < 0:
        raise Z2HError(f"--pack must be >= 0 (0: one word a row), got {pack}")
    if not entry.packable:
        packable = [n for n in registry.names() if registry.get(n).packable]
        raise Z2HError(
            f"model {entry.name!r} cannot read several words in one row; --pack works for: "
            f"{', '.join(packable)}"
        )
    if pack < block_size:
        raise Z2HError(
            f"--pack {pack} is shorter than the longest word + 1 ({block_size}): "
            f"every row must hold at least one whole word"
        )
    if batch_size == 0:
        raise Z2HError("--pack needs a --batch-size (rows per step) above 0")


def pack_fn(X: torch.Tensor, Y: torch.Tensor, rows: int, length: int) -> Any:
    """A ``train_batch(gen)`` packing random words back to back into ``rows`` rows of ``length``.

    ``X``, ``Y`` hold one padded word a row (``sequence_examples``). Words are drawn at random
    and placed one after another; a word that does not fit in what is left of a row starts the
    next row, and the rest of the row is padding. A packable model restarts attention and
    positions at each word's boundary token, so each word is read as if alone, while the rows
    carry several times fewer padding positions than one word a row (names: ~9 of 16).
    """
    import numpy as np

    lengths = (Y != -1).sum(1).numpy()  # tokens of each word: boundary + characters
    if len(lengths) == 0 or int(lengths.max()) > length:
        longest = int(lengths.max()) if len(lengths) else 0
        raise Z2HError(f"rows of {length} tokens cannot hold a word of {longest} tokens (or none)")
    width = X.size(1)
    per_row = max(1, length // max(1, int(lengths.mean())))
    Xf, Yf = X.reshape(-1), Y.reshape(-1)

    def draw(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        words: list[int] = []
        starts: list[int] = []
        row = col = 0
        pool = torch.randint(0, len(X), (rows * (per_row + 2),), generator=gen).tolist()
        k = 0
        while row < rows:
            if k == len(pool):
                pool += torch.randint(0, len(X), (rows,), generator=gen).tolist()
            i = pool[k]
            n = int(lengths[i])
            if col + n > length:
                row, col = row + 1, 0
                continue
            words.append(i)
            starts.append(row * length + col)
            col += n
            k += 1
        n_tok = lengths[words]
        # flat source and destination index of every token placed
        offsets = np.arange(int(n_tok.sum())) - np.repeat(np.cumsum(n_tok) - n_tok, n_tok)
        src = torch.from_numpy(np.repeat(np.asarray(words) * width, n_tok) + offsets)
        dst = torch.from_numpy(np.repeat(np.asarray(starts), n_tok) + offsets)
        x = torch.zeros(rows * length, dtype=X.dtype)
        y = torch.full((rows * length,), -1, dtype=Y.dtype)
        x[dst], y[dst] = Xf[src], Yf[src]
        return x.view(rows, length), y.view(rows, length)

    return draw


def write_sweep(run_dir: Path, rows: list[dict[str, float]], chosen: float) -> None:
    """smoothing_sweep.{json,md,png}: train and dev loss against add-k's k."""
    from z2h.makemore.plots import plot_smoothing_sweep

    write_json_atomic(run_dir / "smoothing_sweep.json", {"chosen_k": chosen, "rows": rows})
    lines = ["| k | train loss | dev loss |", "|---:|---:|---:|"]
    for r in rows:
        mark = " (chosen)" if r["k"] == chosen else ""
        lines.append(f"| {r['k']:g}{mark} | {r['train_loss']:.4f} | {r['dev_loss']:.4f} |")
    write_text_atomic(run_dir / "smoothing_sweep.md", "\n".join(lines) + "\n")
    plot_smoothing_sweep(rows, chosen, run_dir / "smoothing_sweep.png")


def load_run(run_dir: str | os.PathLike[str]) -> Run:
    """Rebuild the model of a run directory from its checkpoint alone (best, else last)."""
    ckpt = load_model_state(run_dir, KIND)
    missing = [k for k in ("model", "model_config", "vocab", "model_state") if k not in ckpt]
    if missing:
        raise CheckpointError(f"{run_dir}: checkpoint lacks {', '.join(missing)}")
    entry = registry.get(ckpt["model"])
    try:
        config = entry.config_cls(**ckpt["model_config"])
        vocab = Vocab.from_list(ckpt["vocab"])
        if len(vocab) != config.vocab_size:
            raise CheckpointError(
                f"vocabulary of {len(vocab)} characters but a model for {config.vocab_size}"
            )
        model = entry.model_cls(config)
        model.load_state_dict(ckpt["model_state"])
    except (TypeError, RuntimeError, KeyError, Z2HError) as e:
        raise CheckpointError(
            f"{run_dir}: the checkpoint does not fit model {entry.name!r} ({e})"
        ) from e
    model.eval()
    return Run(
        entry.name,
        entry,
        model,
        config,
        vocab,
        str(ckpt.get("data", DEFAULT_DATA)),
        int(ckpt.get("seed", DEFAULT_SEED)),
        ckpt,
    )


def evaluate_run(
    run_dir: str | os.PathLike[str], split: str = "test", data: str | None = None
) -> float:
    """Loss of a saved run on ``split`` of its data (or of ``data``, split by the run's seed)."""
    run = load_run(run_dir)
    words = prepare(data or run.data, run.seed, vocab=run.vocab)
    X, Y = examples(words.split(split), run.vocab, run.entry.input_kind, run.config.block_size)
    return evaluate_loss(run.model, X, Y)


def sample_run(
    run_dir: str | os.PathLike[str],
    n: int = 20,
    seed: int | None = None,
    temperature: float = 1.0,
    top_k: int | None = None,
) -> list[str]:
    run = load_run(run_dir)
    return sample_words(
        run.model,
        run.vocab,
        n,
        input_kind=run.entry.input_kind,
        block_size=run.config.block_size,
        temperature=temperature,
        top_k=top_k,
        seed=seed,
    )


def format_summary(metrics: dict[str, Any]) -> str:
    def f(x: Any) -> str:
        return f"{x:.4f}" if isinstance(x, float) and math.isfinite(x) else str(x)

    return (
        f"{metrics['model']}: {metrics['params']:,} params, {metrics['steps']} steps in "
        f"{metrics['seconds']:.2f}s | loss train {f(metrics['train_loss'])}  "
        f"dev {f(metrics['dev_loss'])}  test {f(metrics['test_loss'])}"
    )
