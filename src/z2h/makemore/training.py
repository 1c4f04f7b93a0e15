"""What ``z2h makemore train`` does, for every model in the registry.

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
holds ``best.pt`` (what ``z2h.makemore.runs`` needs to rebuild the model, and the batch size and
packing it trained with) and ``metrics.json``.
"""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from z2h.checkpoint import save_checkpoint
from z2h.defaults import DEFAULT_SEED
from z2h.errors import Z2HError
from z2h.makemore import registry
from z2h.makemore.batches import batch_fn, check_pack, pack_fn
from z2h.makemore.data import WordData, examples, prepare
from z2h.makemore.defaults import DEFAULT_BATCH_SIZE, DEFAULT_DATA, DEFAULT_MODEL
from z2h.makemore.evaluate import evaluate_loss
from z2h.makemore.runs import KIND
from z2h.run import (
    Reporter,
    default_run_dir,
    format_duration,
    format_summary,
    make_run_dir,
    seed_everything,
    write_json_atomic,
    write_metrics,
    write_text_atomic,
)
from z2h.train import BEST_CHECKPOINT, TrainConfig, Trainer, check_run_dir, load_model_state


@dataclass
class TrainOptions:
    """Everything ``z2h makemore train`` takes; ``None`` means "use the layered default"."""

    model: str = DEFAULT_MODEL
    out: str | os.PathLike[str] | None = None  # run folder (None: a new one under runs/makemore/)
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
    quiet: bool = False  # no progress output


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


def _check_counted(entry: registry.ModelEntry, opts: TrainOptions) -> None:
    """A counted model is fit in one go: the step-by-step flags are refused, not ignored."""
    if opts.resume:
        raise Z2HError(
            f"model {entry.name!r} is counted, not trained step by step: there is nothing to "
            "resume; drop --resume"
        )
    given = [k for k, v in opts.train_fields.items() if v is not None]
    given += [k for k in ("batch_size", "pack") if getattr(opts, k) is not None]
    if given:
        flags = ", ".join("--" + k.replace("_", "-") for k in sorted(given))
        raise Z2HError(
            f"model {entry.name!r} is counted, not trained step by step: {flags} does not apply"
        )


def _train_setup(
    entry: registry.ModelEntry, recipe: dict[str, Any], opts: TrainOptions, config: Any
) -> tuple[int, int, TrainConfig]:
    """(batch size, pack length, checked TrainConfig) of a trainable model's run."""
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
    train_cfg.validate()
    return batch_size, pack, train_cfg


def train(opts: TrainOptions) -> dict[str, Any]:
    """Train (or count) ``opts.model`` into ``opts.out``; returns the metrics it wrote.

    ``opts.out`` is filled in when it was None (the new run folder's name). Every setting is
    checked before the run folder is made, so a refused run leaves nothing behind.
    """
    entry = registry.get(opts.model)
    if opts.out is None:
        opts.out = default_run_dir("makemore", entry.name)
    if not entry.trainable:
        _check_counted(entry, opts)
    check_run_dir(opts.out, resume=opts.resume)  # before the data is read or a folder made
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
    if entry.trainable:
        batch_size, pack, train_cfg = _train_setup(entry, recipe, opts, config)
        run_dir = Path(opts.out)  # the Trainer makes it
    else:
        run_dir = make_run_dir(opts.out)
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
    if entry.trainable:
        # stored beside the weights so that tools reading the run (diagnostics) draw its batches
        payload.update(batch_size=batch_size, pack=pack)
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
            reporter=Reporter(f"makemore {entry.name}", quiet=opts.quiet),
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
            autocast=result.autocast,
            resumed_from=result.resumed_from,
        )
    # test is evaluated once, here, from the best-dev model
    Xte, Yte = examples(data.test, data.vocab, entry.input_kind, bs)
    metrics = {
        "model": entry.name,
        "preset": payload["preset"],
        "data": data.source,
        "seed": opts.seed,
        "out": str(run_dir),
        "params": registry.num_params(model),
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


def summary(metrics: dict[str, Any]) -> str:
    """The few lines ``z2h makemore train`` ends with."""
    m = metrics
    if m["steps"]:
        title = (
            f"makemore {m['model']}: {m['steps']:,} steps in {format_duration(m['seconds'])} "
            f"({m['steps'] / max(m['seconds'], 1e-9):.1f} steps/s), {m['params']:,} parameters"
        )
    else:
        title = f"makemore {m['model']}: counted in {m['seconds']:.2f} s, {m['params']:,} numbers"
    if m.get("resumed_from") is not None:
        title += f", resumed from step {m['resumed_from']:,}"
    rows = [
        ("loss train", m["train_loss"]),
        ("loss dev", m["dev_loss"]),
        ("loss test", m["test_loss"]),
        ("best step", m.get("best_step")),
        ("precision", m.get("autocast")),
        ("run folder", m["out"]),
    ]
    return format_summary(title, rows)
