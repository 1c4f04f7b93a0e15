"""Sketches: task families written in p5's drawing vocabulary (see docs/arc-sketches.md).

``runtime.js`` is the language (run in the studio page and, through ``host``, headless);
``z2h/arc/sketches/*.js`` are the shipped families. This module finds sketches and makes sets
of their tasks with the generators' own set writing (``z2h.arc.generate.make_set``).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

from z2h.arc.sketch.host import NAME, SketchError, SketchGenerator

_VERIFIERS: dict[str, SketchGenerator] = {}  # shipped sketches loaded by verifier()


def sketches_dir() -> Path:
    return Path(str(resources.files("z2h.arc.sketches")))


def shipped() -> list[Path]:
    """The shipped sketch files, by name."""
    return sorted(sketches_dir().glob("*.js"))


def load(spec: str | os.PathLike[str]) -> SketchGenerator:
    """A sketch from a file path, or a shipped sketch's name."""
    path = Path(spec)
    if not path.suffix and not path.exists():
        path = sketches_dir() / f"{spec}.js"
        if not path.is_file():
            names = ", ".join(p.stem for p in shipped())
            raise SketchError(f"no shipped sketch {str(spec)!r}; choose one of: {names}")
    return SketchGenerator.from_path(path)


def activate(gen: SketchGenerator) -> None:
    """Make ``gen`` known by name to ``registry.generator_named`` (and so to make_set)."""
    from z2h.arc.generators.registry import names, use

    if gen.name in names():
        raise SketchError(
            f"sketch {gen.name!r} has a generator's name; rename the file (task ids must differ)"
        )
    use(gen)


def verifier(name: str) -> tuple[bool, SketchGenerator | None]:
    """(whether ``name`` is a shipped sketch, the sketch if it has a solve() to verify its
    pairs with)."""
    path = sketches_dir() / f"{name}.js"
    if not NAME.match(name) or not path.is_file():
        return False, None
    gen = _VERIFIERS.get(name) or SketchGenerator.from_path(path)
    _VERIFIERS[name] = gen
    return True, gen if gen.verified else None


def make_sketch_set(
    spec: str | os.PathLike[str] | SketchGenerator,
    out: str | os.PathLike[str],
    tasks: int,
    seed: int,
    difficulty: tuple[float, float],
    shard: tuple[int, int] = (0, 1),
    workers: int = 1,
    max_attempts: int = 200,
    show_progress: bool = True,
    force: bool = False,
) -> dict[str, Any]:
    """``make_set`` for one sketch; the manifest also says where the sketch came from and
    whether its pairs were verified (by the sketch's solve()) or not."""
    from z2h.arc.dataset import set_paths
    from z2h.arc.generate import make_set
    from z2h.arc.generators.registry import release
    from z2h.run import write_json_atomic

    if workers != 1:
        # subtle: V8 runs threads of its own, and a forked child inherits it without them
        # (it crashes); make shards side by side instead
        raise SketchError(
            "--workers with --sketch: V8 does not survive a fork; run shards in parallel "
            "instead (--shard 0/2 and --shard 1/2 in two processes)"
        )
    gen = spec if isinstance(spec, SketchGenerator) else load(spec)
    activate(gen)
    root = Path(out)
    existed = root.exists()
    try:
        manifest = make_set(
            root,
            [gen.name],
            tasks,
            seed,
            difficulty,
            shard=shard,
            workers=workers,
            max_attempts=max_attempts,
            show_progress=show_progress,
            force=force,
        )
    except SketchError:
        _remove_shard(root, gen.name, tasks, seed, shard, existed)
        raise
    finally:
        release(gen.name)
    manifest["sketch"] = {
        "name": gen.name,
        "path": gen.path,
        "verified": gen.verified,
        "note": "every pair reproduced by the sketch's solve() from the other pairs"
        if gen.verified
        else "unverified: the sketch defines no solve()",
    }
    write_json_atomic(set_paths(Path(out), shard)["manifest"], manifest)
    return manifest


def _remove_shard(
    root: Path, name: str, tasks: int, seed: int, shard: tuple[int, int], existed: bool
) -> None:
    """Remove what a run stopped by a broken sketch wrote: its tasks' files, its shard, and
    the folders it made (a broken sketch leaves nothing behind)."""
    from z2h.arc.dataset import set_paths, task_id
    from z2h.arc.generate import plan

    paths = set_paths(root, shard)
    ids = {task_id(name, seed, i) for _, i in plan([name], tasks, shard)}
    for folder in (paths["tasks"], paths["labels"]):
        if folder.is_dir():
            for p in folder.iterdir():
                if p.name.lstrip(".").split(".json", 1)[0] in ids:
                    p.unlink(missing_ok=True)
    paths["shard"].unlink(missing_ok=True)
    for folder in (paths["tasks"], paths["labels"], paths["shard"].parent, root):
        if folder == root and existed:
            break
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
