"""The vendored CodeMirror bundle: the versions the lock file pins, every bundled package's
licence beside it, and the exports sketch mode imports."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

VENDOR = Path(str(resources.files("z2h.arc.studio"))) / "static" / "vendor" / "codemirror"


def test_lock_pins_the_packages_and_every_licence_is_shipped() -> None:
    lock = json.loads((VENDOR / "rebuild" / "package-lock.json").read_text())
    packages = {k.removeprefix("node_modules/"): v for k, v in lock["packages"].items() if k}
    assert packages["codemirror"]["version"] == "6.0.2"
    assert packages["@codemirror/lang-javascript"]["version"] == "6.2.5"
    licences = (VENDOR / "LICENSES.txt").read_text()
    for name, info in packages.items():
        if not info.get("dev"):
            assert f"==== {name} {info['version']} (MIT) ====" in licences


def test_the_bundle_exports_what_sketch_mode_imports() -> None:
    bundle = (VENDOR / "codemirror.js").read_text()
    mode = (VENDOR.parent.parent / "sketch-mode.js").read_text()
    imported = re.search(r"import \{([^}]*)\} from \"\./vendor/codemirror", mode).group(1)
    exported = re.search(r"export\{([^}]*)\};?\s*$", bundle).group(1)
    names = {part.split(" as ")[-1].strip() for part in exported.split(",")}
    assert {n.strip() for n in imported.split(",") if n.strip()} <= names
