"""The README is a short door, the docs name no machine's paths, and every relative link lands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
MAX_README_LINES = 260

# [text](target) and ![alt](target); the target ends at whitespace or the closing parenthesis.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
MACHINE_PATH = re.compile(r"(?<![\w.~])/(?:work|tmp)/")


def doc_pages() -> list[Path]:
    return [README, *sorted((ROOT / "docs").rglob("*.md"))]


def relative_links(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    return [t for t in LINK.findall(text) if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def test_docs_exist():
    names = {p.relative_to(ROOT).as_posix() for p in doc_pages()}
    for name in ("docs/micrograd.md", "docs/makemore.md", "docs/gpt.md", "docs/bpe.md"):
        assert name in names


def test_every_system_of_the_cli_has_its_readme_row_and_page():
    """A system the ``z2h`` command runs is no longer "coming": its row links its docs page."""
    from z2h.cli import SYSTEMS

    rows = [r for r in README.read_text(encoding="utf-8").splitlines() if r.startswith("|")]
    for system in SYSTEMS:
        page = f"docs/{system}.md"
        assert (ROOT / page).is_file(), f"{page} is missing"
        row = next((r for r in rows if f"z2h {system} " in r and f"]({page})" in r), None)
        assert row is not None and "coming" not in row, f"README's systems table: {system}"


def test_readme_is_short():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_README_LINES, f"README.md has {lines} lines; detail goes in docs/"


def test_readme_starts_with_the_two_setup_commands():
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    assert "pip install torch==2.13.0 -e . && .venv/bin/z2h makemore train" in blocks[0]
    assert 'pip install torch==2.13.0 -e ".[dev]" && .venv/bin/python -m pytest -q' in blocks[1]


@pytest.mark.parametrize("page", doc_pages(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_machine_paths(page: Path):
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        assert not MACHINE_PATH.search(line), f"{page.name}:{number} names a machine path: {line}"


@pytest.mark.parametrize("page", doc_pages(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_point_to_files(page: Path):
    missing = []
    for target in relative_links(page):
        path = target.split("#", 1)[0]
        if path and not (page.parent / path).exists():
            missing.append(target)
    assert not missing, f"{page.name} links to files that do not exist: {missing}"


@pytest.mark.parametrize("page", doc_pages(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_to_sections_exist(page: Path):
    """A link's #anchor names a heading of the page it points to (GitHub's slugs)."""
    missing = []
    for target in relative_links(page):
        path, _, anchor = target.partition("#")
        dest = (page.parent / path) if path else page
        if anchor and dest.suffix == ".md" and dest.is_file() and anchor not in anchors(dest):
            missing.append(target)
    assert not missing, f"{page.name} links to sections that do not exist: {missing}"


def anchors(page: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens, -1 for repeats."""
    seen: dict[str, int] = {}
    out = set()
    in_code = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if in_code or not line.startswith("#"):
            continue
        heading = line.lstrip("#").strip()
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def test_anchor_slugs_follow_github():
    page = ROOT / "docs" / "micrograd.md"
    assert "micrograd-z2hautograd-lecture-1" in anchors(page)


def test_machine_path_pattern():
    for root in ("work", "tmp"):  # spelled in parts so that this file names no such path
        assert MACHINE_PATH.search(f"Z2H_DATA_DIR=/{root}/data z2h makemore train")
    assert not MACHINE_PATH.search("export Z2H_DATA_DIR=~/data")


def test_data_skip_reason_names_no_path(tmp_path: Path, monkeypatch, request):
    monkeypatch.setenv("Z2H_DATA_DIR", str(tmp_path))
    with pytest.raises(pytest.skip.Exception) as skipped:
        request.getfixturevalue("data_dir")
    reason = str(skipped.value)
    assert "Z2H_DATA_DIR" in reason and "names.txt" in reason
    assert "/" not in reason and str(tmp_path) not in reason
