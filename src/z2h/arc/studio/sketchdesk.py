"""The studio's sketch mode, server side: the shipped and saved sketches, saving one (token,
atomic), and generating a set from one into the sketch folder (token).

Routes (JSON; the page itself runs sketches for its preview, with the same runtime.js):

    GET  /api/sketch-runtime               runtime.js's text and the labels' action ops
    GET  /api/sketches                     shipped and saved sketches: name, description, ...
    GET  /api/sketches/<name>              one sketch's source (saved first, else shipped)
    PUT  /api/sketches/<name>              save {"source"} as <folder>/<name>.js     (token)
    POST /api/sketches/<name>/generate     {"source", "tasks", "seed", "difficulty"}  (token)
                                           -> a set in <folder>/sets/<name>-<seed>, served
                                           as a new source

No request's code runs in Python: a sketch runs only inside V8 (mini-racer), which has no file,
network or clock access; the server alone chooses every path it writes (the folder given at
launch, the name checked against ``NAME``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from z2h.arc.sketch import make_sketch_set, shipped, sketches_dir
from z2h.arc.sketch.host import NAME, SketchError, SketchGenerator, runtime_source
from z2h.arc.studio.sources import FolderSource, StudioError

MAX_TASKS = 1000  # tasks one generate request may make
MAX_SOURCE = 200_000  # characters of one sketch


class SketchDesk:
    def __init__(self, studio: Any, folder: str | Path | None = None) -> None:
        self.studio = studio
        self.folder = None if folder is None else Path(folder)

    def route(self, method: str, parts: list[str], read_body: Any, check_token: Any) -> Any:
        """The answer to one request under /api/sketch-runtime or /api/sketches."""
        if parts == ["sketch-runtime"] and method == "GET":
            from z2h.arc.labels import ACTIONS

            return {"source": runtime_source(), "actions": sorted(ACTIONS)}
        if parts == ["sketches"] and method == "GET":
            return self.list()
        if len(parts) == 2 and method == "GET":
            return self.get(parts[1])
        if len(parts) == 2 and method == "PUT":
            check_token()
            return self.save(parts[1], read_body())
        if len(parts) == 3 and parts[2] == "generate" and method == "POST":
            check_token()
            return self.generate(parts[1], read_body())
        return None

    def _name(self, name: str) -> str:
        if not NAME.match(name):
            raise StudioError(f"a sketch's name is letters, digits, _ and - only, got {name!r}")
        return name

    def _need_folder(self) -> Path:
        if self.folder is None:
            raise StudioError(
                "saving and generating need a sketch folder: launch with --sketches DIR"
            )
        return self.folder

    def _saved(self) -> list[Path]:
        return sorted(self.folder.glob("*.js")) if self.folder and self.folder.is_dir() else []

    def list(self) -> dict[str, Any]:
        rows = []
        for path in shipped():
            gen = SketchGenerator.from_path(path)
            rows.append({"name": gen.name, "description": gen.description,
                         "verified": gen.verified, "shipped": True})  # fmt: skip
            gen.close()
        shipped_names = {r["name"] for r in rows}
        for path in self._saved():
            if path.stem not in shipped_names and NAME.match(path.stem):
                rows.append({"name": path.stem, "description": "", "verified": None,
                             "shipped": False})  # fmt: skip
        return {"sketches": rows, "folder": None if self.folder is None else str(self.folder)}

    def get(self, name: str) -> dict[str, Any]:
        name = self._name(name)
        for path, is_shipped in ((self.folder and self.folder / f"{name}.js", False),
                                 (sketches_dir() / f"{name}.js", True)):  # fmt: skip
            if path and path.is_file():
                return {"name": name, "source": path.read_text(encoding="utf-8"),
                        "shipped": is_shipped}  # fmt: skip
        raise StudioError(f"no sketch {name!r}")

    def _source(self, body: Any) -> str:
        source = body.get("source") if isinstance(body, dict) else None
        if not isinstance(source, str) or len(source) > MAX_SOURCE:
            raise StudioError(f'the body is {{"source": text of at most {MAX_SOURCE} characters}}')
        return source

    def save(self, name: str, body: Any) -> dict[str, Any]:
        from z2h.run import write_text_atomic

        name, source = self._name(name), self._source(body)
        path = self._need_folder() / f"{name}.js"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, source)
        return {"saved": str(path)}

    def generate(self, name: str, body: Any) -> dict[str, Any]:
        name, source = self._name(name), self._source(body)
        tasks, seed = body.get("tasks", 10), body.get("seed", 0)
        for what, v, hi in (("tasks", tasks, MAX_TASKS), ("seed", seed, 2**31)):
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= hi:
                raise StudioError(f"{what} must be a whole number from 0 to {hi}, got {v!r}")
        lo, hi_ = body.get("difficulty", [0.0, 1.0])
        out = self._need_folder() / "sets" / f"{name}-{seed}"
        try:
            gen = SketchGenerator(source, name, f"{name}.js")
            manifest = make_sketch_set(
                gen, out, max(tasks, 1), seed, (float(lo), float(hi_)), show_progress=False,
                force=True,
            )  # fmt: skip
        except SketchError as e:
            raise StudioError(str(e)) from None
        source_name = f"sketch {name}-{seed}"
        if source_name not in self.studio.sources:
            self.studio.sources[source_name] = FolderSource(source_name, out)
        return {"source": source_name, "folder": str(out), "tasks": manifest["tasks"],
                "pairs": manifest["pairs"], "verified": manifest["sketch"]["verified"]}  # fmt: skip


def route(handler: Any, method: str, parts: list[str]) -> Any:
    """The server's hook: a sketch route's answer, or None when the path is not one."""
    if not parts or parts[0] not in ("sketch-runtime", "sketches"):
        return None
    studio = handler.server.studio
    desk = getattr(studio, "sketch_desk", None) or SketchDesk(studio)
    return desk.route(method, parts, handler._read_json, handler._check_token)
