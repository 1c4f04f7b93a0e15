"""The session prompt: a text the learner pastes into a chat to start a study session.

A template (``data/prompt_template.md`` by default, or the learner's own copy) holds the prose:
preface, rules of the conversation, goals. ``$placeholders`` in it are filled from the catalog,
the chapter map, the position and the notes (see the template's header comment for the list).
Text between ``<!--`` and ``-->`` is left out, so the template can explain itself.

With ``max_chars`` the prompt is shortened by leaving out notes, oldest first (series order:
lecture, then time), until it fits; the prompt says how many were left out. Connections only
ever quote notes that were kept.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from z2h.errors import Z2HError
from z2h.study.catalog import Catalog, Chapter, Lecture
from z2h.study.mapping import ChapterMap, Implementation
from z2h.study.notes import Note
from z2h.study.timecode import format_time

TEMPLATE_FILE = "prompt-template.md"  # the learner's copy, beside the notes
PLACEHOLDERS = (
    "date",
    "lecture",
    "title",
    "position",
    "link",
    "chapters",
    "exercises",
    "connections",
    "notes",
)
_COMMENT = re.compile(r"<!--.*?-->\n?", re.DOTALL)


class TemplateError(Z2HError):
    """A prompt template with a placeholder we do not know, or one that is malformed."""


@dataclass(frozen=True)
class PromptOptions:
    next_chapters: int = 3  # chapters listed after the current one ("the next few")
    max_connections: int = 5  # earlier notes quoted per coming chapter, the most recent ones
    excerpt_chars: int = 80  # a connection quotes this much of a note's first line
    max_chars: int | None = None  # leave out the oldest notes until the prompt fits


@dataclass(frozen=True)
class Prompt:
    text: str
    notes_kept: int
    notes_dropped: int  # left out to fit max_chars, oldest first


def default_template() -> str:
    return resources.files("z2h.study").joinpath("data/prompt_template.md").read_text("utf-8")


def read_template(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise TemplateError(f"cannot read the prompt template {path}: {e}") from None


# ---- the blocks the placeholders stand for ----------------------------------------------------


def _code_line(impl: Implementation | None, indent: str = "  ") -> list[str]:
    if impl is None:
        return []
    parts = []
    if impl.modules:
        parts.append(", ".join(impl.modules))
    if impl.commands:
        parts.append("run: " + " | ".join(impl.commands))
    if impl.note:
        parts.append(impl.note)
    return [f"{indent}in z2h: " + "; ".join(parts)] if parts else []


def coming_chapters(lecture: Lecture, seconds: int, n_next: int) -> list[Chapter]:
    """The chapter playing at ``seconds`` and the ``n_next`` after it."""
    current = lecture.chapter_at(seconds)
    return list(lecture.chapters[current.index - 1 : current.index + n_next])


def chapters_block(
    lecture: Lecture, seconds: int, chapter_map: ChapterMap, options: PromptOptions
) -> str:
    current, *following = coming_chapters(lecture, seconds, options.next_chapters)
    left = format_time(lecture.duration - seconds)
    lines = [f"Current chapter: {current.time} {current.title} ({left} left in the video)"]
    lines += _code_line(chapter_map.for_chapter(current))
    if following:
        lines.append("Coming up:")
        for ch in following:
            lines.append(f"- {ch.time} {ch.title}")
            lines += _code_line(chapter_map.for_chapter(ch))
    else:
        lines.append("Coming up: the end of the lecture.")
    return "\n".join(lines)


def exercises_block(lecture: Lecture, done: Iterable[str], chapter_map: ChapterMap) -> str:
    done = set(done)
    if not lecture.exercises:
        return "(none listed for this lecture)"
    lines = []
    previous = None
    for ex in lecture.exercises:
        mark = " (done)" if ex.id in done else ""
        lines.append(f"- {ex.id}{mark}: {ex.text}")
        impl = chapter_map.for_exercise(lecture.number, ex)
        if impl is not None and impl == previous:
            lines.append("  in z2h: as above")
        else:
            lines += _code_line(impl)
        previous = impl
    return "\n".join(lines)


def _excerpt(text: str, limit: int) -> str:
    """The note's first line, cut at ``limit`` characters; "..." marks that there is more."""
    first, *rest = text.splitlines()
    if len(first) > limit:
        return first[: limit - 3].rstrip() + "..."
    return first + (" ..." if rest else "")


def connections(
    coming: Sequence[Chapter], notes: Sequence[Note], chapter_map: ChapterMap
) -> list[tuple[Chapter, list[tuple[Note, str]]]]:
    """For each coming chapter, the notes on the same chapter or on a chapter that shares a z2h
    module with it, each with the reason (``"same chapter"``, ``"same module z2h.x"``)."""
    out = []
    for chapter in coming:
        impl = chapter_map.for_chapter(chapter)
        modules = impl.module_names if impl else frozenset()
        found = []
        for note in notes:
            if note.chapter == chapter:
                found.append((note, "same chapter"))
                continue
            other = chapter_map.for_chapter(note.chapter)
            shared = sorted(modules & other.module_names) if other else []
            if shared:
                found.append((note, "same module " + ", ".join(shared)))
        if found:
            out.append((chapter, found))
    return out


def connections_block(
    lecture: Lecture,
    seconds: int,
    notes: Sequence[Note],
    chapter_map: ChapterMap,
    options: PromptOptions,
) -> str:
    coming = coming_chapters(lecture, seconds, options.next_chapters)
    found = connections(coming, notes, chapter_map)
    if not found:
        return "(none of my notes touch the coming chapters yet)"
    lines = []
    for chapter, links in found:
        lines.append(f"- {chapter.time} {chapter.title}")
        shown = links[-options.max_connections :]  # the most recent in series order
        if len(links) > len(shown):
            lines.append(f"  ({len(links) - len(shown)} earlier ones not shown)")
        for note, why in shown:
            excerpt = _excerpt(note.text, options.excerpt_chars)
            lines.append(f"  - Lecture {note.lecture} at {note.time} ({why}): {excerpt}")
    return "\n".join(lines)


def notes_block(
    notes: Sequence[Note], catalog: Catalog, dropped: int, max_chars: int | None
) -> str:
    lines = []
    if dropped:
        plural = "note is" if dropped == 1 else "notes are"
        lines += [f"(My {dropped} oldest {plural} left out to keep this within {max_chars} "
                  "characters.)", ""]  # fmt: skip
    if not notes:
        lines.append("(no notes yet)")
    lecture = None
    for note in notes:
        if note.lecture != lecture:
            if lecture is not None:
                lines.append("")
            lecture = note.lecture
            lines.append(catalog.lecture(lecture).label)
        first, *rest = note.text.splitlines()
        lines.append(f"- {note.time} ({note.chapter.title}): {first}")
        lines += [f"  {line}" if line else "" for line in rest]
    return "\n".join(lines)


# ---- putting it together ----------------------------------------------------------------------


def render_template(template: str, values: dict[str, str]) -> str:
    """Fill ``template``'s placeholders; unknown or malformed ones are a ``TemplateError``."""
    text = _COMMENT.sub("", template)
    try:
        filled = string.Template(text).substitute(values)
    except KeyError as e:
        name = e.args[0]
        lineno = next(
            (i for i, line in enumerate(text.splitlines(), 1) if f"${name}" in line or
             f"${{{name}}}" in line),
            None,
        )  # fmt: skip
        where = f" (line {lineno} of the template without its comments)" if lineno else ""
        known = ", ".join("$" + p for p in PLACEHOLDERS)
        raise TemplateError(f"unknown placeholder ${name}{where}; known: {known}") from None
    except ValueError as e:
        raise TemplateError(f"prompt template: {e}; write $$ for a literal dollar sign") from None
    return re.sub(r"\n{3,}", "\n\n", filled).strip() + "\n"


def build_prompt(
    template: str,
    catalog: Catalog,
    chapter_map: ChapterMap,
    lecture: Lecture,
    seconds: int,
    date: str,
    notes: Sequence[Note],
    done: Iterable[str] = (),
    options: PromptOptions | None = None,
) -> Prompt:
    """The prompt for a session that starts at ``seconds`` into ``lecture`` on ``date``."""
    options = options or PromptOptions()
    lecture.check_time(seconds)
    notes = sorted(notes, key=lambda n: (n.lecture, n.seconds))
    fixed = {
        "date": date,
        "lecture": str(lecture.number),
        "title": lecture.title,
        "position": format_time(seconds),
        "link": lecture.link(seconds),
        "chapters": chapters_block(lecture, seconds, chapter_map, options),
        "exercises": exercises_block(lecture, done, chapter_map),
    }

    def render(dropped: int) -> str:
        kept = notes[dropped:]
        values = dict(fixed)
        values["connections"] = connections_block(lecture, seconds, kept, chapter_map, options)
        values["notes"] = notes_block(kept, catalog, dropped, options.max_chars)
        return render_template(template, values)

    text = render(0)
    limit = options.max_chars
    if limit is None or len(text) <= limit:
        return Prompt(text, len(notes), 0)
    if len(render(len(notes))) > limit:
        raise Z2HError(
            f"the prompt is {len(render(len(notes)))} characters even without any notes; "
            f"raise --max-chars above {limit} or shorten the template"
        )
    # subtle: the length falls (almost) monotonically as notes go, so bisect on how many to drop;
    # `hi` always renders within the limit, so the answer is never over it.
    lo, hi = 0, len(notes)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if len(render(mid)) <= limit:
            hi = mid
        else:
            lo = mid
    return Prompt(render(hi), len(notes) - hi, hi)
