"""Timestamped notes: one Markdown file per lecture, read leniently, written in one form.

A notes file (``lecture-02.md``) is front matter, a title, then the notes in time order under the
heading of the chapter each falls in::

    ---
    lecture: 2
    title: The spelled-out intro to language modeling: building makemore
    video: https://youtu.be/PaCmpygFfXo
    position: 00:41:40
    ---

    # Lecture 2 - The spelled-out intro to language modeling: building makemore

    ## 00:36:17 efficiency! vectorized normalization of the rows, tensor broadcasting

    **00:41:30** - broadcasting aligns shapes from the right

A note starts at a line that begins (after an optional list marker) with a time in any of these
forms: ``**00:11:10**``, ``00:11:10``, ``11:10``, ``[00:11:10](url)``, ``[11:10]``, a link with
``?t=671`` or ``#t=671``, or ``?t=671`` alone, followed by an optional ``-``/``:`` and the text.
Lines after it, up to the next note or chapter heading, continue it. Headings z2h writes (the title
and ``## HH:MM:SS chapter``) are regenerated on every write; any other text before the first note
is kept as it is. Nothing a reader accepted is dropped by a rewrite.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from z2h.errors import Z2HError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; each write is still atomic
    fcntl = None  # type: ignore[assignment]
from z2h.run import write_text_atomic
from z2h.study.catalog import Catalog, Chapter, Lecture, TimeOutOfRange
from z2h.study.timecode import TimeFormatError, format_time, parse_time

ENV_VAR = "Z2H_STUDY_NOTES"  # where notes live when --notes is not given
OWN_KEYS = ("lecture", "title", "video", "position")  # front matter z2h writes; the rest is kept


class NotesError(Z2HError):
    """A notes file that cannot be read (the message names the line) or written."""


@dataclass(frozen=True)
class Note:
    lecture: int
    seconds: int  # from the start of the video
    text: str  # may span lines
    chapter: Chapter  # the chapter playing at ``seconds``

    @property
    def time(self) -> str:
        return format_time(self.seconds)

    def line(self) -> str:
        """The canonical form: ``**00:11:10** - text``, later lines of the text below it."""
        return f"**{self.time}** - {self.text}"


@dataclass
class LectureNotes:
    lecture: Lecture
    notes: list[Note] = field(default_factory=list)  # in time order
    position: int | None = None  # where the learner last was, in seconds
    preamble: str = ""  # the learner's own text before the first note, kept verbatim
    extra: dict[str, str] = field(default_factory=dict)  # unknown front-matter keys, kept

    def add(self, seconds: int, text: str) -> Note:
        """Insert a note in time order (after notes at the same second) and return it."""
        text = _clean_text(text)
        if not text:
            raise NotesError("a note needs some text")
        self.lecture.check_time(seconds)
        note = Note(self.lecture.number, seconds, text, self.lecture.chapter_at(seconds))
        i = sum(1 for n in self.notes if n.seconds <= seconds)
        self.notes.insert(i, note)
        return note


def notes_dir(explicit: str | os.PathLike[str] | None, environ: Mapping[str, str]) -> Path:
    """The notes folder: ``explicit`` (``--notes``), else ``$Z2H_STUDY_NOTES``, else
    ``$XDG_DATA_HOME/z2h/study``, else ``~/.local/share/z2h/study``."""
    if explicit:
        return Path(explicit).expanduser()
    if environ.get(ENV_VAR):
        return Path(environ[ENV_VAR]).expanduser()
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "z2h" / "study"


def notes_path(folder: Path, lecture: int) -> Path:
    return folder / f"lecture-{lecture:02d}.md"


# ---- reading ----------------------------------------------------------------------------------

_LIST_MARKER = re.compile(r"\s*(?:[-*+]|\d+[.)])\s+")
# what a time inside ** ** or [ ] looks like: a clock or units (a lone number is just bold text)
_TIMEISH = re.compile(r"\d+(?::\d+)+(?:[.,]\d+)?|(?:\d+[hms])+")
_NOTE_HEAD = re.compile(
    r"""(?:
        \*\*(?P<bold>[^*]+)\*\*
      | \[(?P<label>[^\]]*)\]\((?P<url>[^)\s]*)\)
      | \[(?P<bracket>[^\]]+)\](?!\()
      | (?P<link>https?://\S*?[?#&]t=[0-9hms:.]+\S*)
      | (?P<frag>[?#&]t=[0-9hms:.]+)
      | (?P<clock>\d{1,3}:\d{2}(?::\d{2})?(?:[.,]\d+)?)(?=[\s\-–—:,|]|$)
    )""",
    re.VERBOSE,
)
_KEY = re.compile(r"[A-Za-z_][\w-]*")
_SEPARATOR = re.compile(r"\s*(?:[-–—:|]\s*)?")
_TITLE_HEADING = re.compile(r"#\s+Lecture\s+\d+\b.*")
_CHAPTER_HEADING = re.compile(r"##\s+\d+:\d{2}(?::\d{2})?\s.*")


def _clean_text(text: str) -> str:
    lines = [ln.rstrip() for ln in text.strip().splitlines()]
    return "\n".join(lines).strip()


def _note_start(line: str, lineno: int, where: str) -> tuple[int, str] | None:
    """(seconds, rest of the line) if ``line`` starts a note; None for any other line."""
    marker = _LIST_MARKER.match(line)
    body = line[marker.end() :] if marker else line
    m = _NOTE_HEAD.match(body)
    if not m:
        return None
    if m.group("bold") is not None or m.group("bracket") is not None:
        token = (m.group("bold") or m.group("bracket")).strip()
        if not _TIMEISH.fullmatch(token):
            return None  # bold or bracketed text, not a time
    elif m.group("url") is not None:
        label, url = m.group("label").strip(), m.group("url")
        if _TIMEISH.fullmatch(label):
            token = label
        elif re.search(r"[?#&]t=", url):
            token = url
        else:
            return None  # an ordinary link
    else:
        token = next(g for g in m.group("link", "frag", "clock") if g is not None)
    try:
        seconds = parse_time(token)
    except TimeFormatError as e:
        raise NotesError(f"{where} line {lineno}: {e}") from None
    rest = body[m.end() :]
    rest = rest[_SEPARATOR.match(rest).end() :]
    return seconds, rest


def _front_matter(lines: list[str], where: str) -> tuple[dict[str, tuple[str, int]], int]:
    """Front-matter keys -> (value, line number), and the index of the first line after it."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise NotesError(f"{where} line 1: the front matter opened here is never closed with '---'")
    values: dict[str, tuple[str, int]] = {}
    for i in range(1, end):
        line = lines[i].strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep or not _KEY.fullmatch(key.strip()):
            raise NotesError(f"{where} line {i + 1}: expected 'key: value' in the front matter")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip().lower()] = (value, i + 1)
    return values, end + 1


def parse_notes(text: str, lecture: Lecture, where: str = "notes") -> LectureNotes:
    """Read a notes file's text; ``where`` names it in error messages."""
    lines = text.splitlines()
    meta, start = _front_matter(lines, where)
    if "lecture" in meta:
        value, lineno = meta["lecture"]
        if value.strip() != str(lecture.number):
            raise NotesError(
                f"{where} line {lineno}: says lecture {value!r} but holds lecture "
                f"{lecture.number}'s notes"
            )
    position = None
    if meta.get("position", ("", 0))[0]:
        value, lineno = meta["position"]
        try:
            position = lecture.check_time(parse_time(value))
        except (TimeFormatError, TimeOutOfRange) as e:
            raise NotesError(f"{where} line {lineno}: position: {e}") from None
    extra = {k: v for k, (v, _) in meta.items() if k not in OWN_KEYS}

    result = LectureNotes(lecture, position=position, extra=extra)
    preamble: list[str] = []
    current: tuple[int, int, list[str]] | None = None  # (seconds, first line number, lines)

    def finish() -> None:
        if current is None:
            return
        seconds, lineno, body = current
        text = _clean_text("\n".join(body))
        if not text:
            raise NotesError(f"{where} line {lineno}: a note with a time but no text")
        try:
            result.add(seconds, text)
        except TimeOutOfRange as e:
            raise NotesError(f"{where} line {lineno}: {e}") from None

    for i in range(start, len(lines)):
        line, lineno = lines[i].rstrip(), i + 1
        stripped = line.strip()
        if _TITLE_HEADING.fullmatch(stripped) or _CHAPTER_HEADING.fullmatch(stripped):
            finish()
            current = None
            continue
        head = _note_start(line, lineno, where)
        if head is not None:
            finish()
            current = (head[0], lineno, [head[1]])
        elif current is not None:
            current[2].append(line)
        else:
            preamble.append(line)
    finish()
    result.preamble = "\n".join(preamble).strip("\n")
    return result


def read_notes(folder: Path, lecture: Lecture) -> LectureNotes:
    """The notes of ``lecture`` in ``folder`` (empty if it has no file yet)."""
    path = notes_path(folder, lecture.number)
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return LectureNotes(lecture)  # nothing yet; writing will say if the folder is unusable
    except OSError as e:
        raise NotesError(f"cannot read {path}: {e.strerror or e}") from None
    try:
        text = data.decode("utf-8-sig")  # editors on Windows may start the file with a BOM
    except UnicodeDecodeError as e:
        lineno = data[: e.start].count(b"\n") + 1
        raise NotesError(f"{path} line {lineno}: not UTF-8 text") from None
    return parse_notes(text, lecture, where=str(path))


def read_all(
    folder: Path, catalog: Catalog, problems: list[str] | None = None
) -> list[LectureNotes]:
    """Every lecture's notes in ``folder``, in lecture order (lectures without notes left out).

    A file that cannot be read raises ``NotesError``; given a ``problems`` list, its message is
    added there instead and the other lectures are still read (one bad line in one lecture's
    notes does not hide the rest).
    """
    out = []
    for lecture in catalog.lectures:
        if notes_path(folder, lecture.number).exists():
            try:
                notes = read_notes(folder, lecture)
            except NotesError as e:
                if problems is None:
                    raise
                problems.append(str(e))
                continue
            if notes.notes or notes.position is not None:
                out.append(notes)
    return out


# ---- writing ----------------------------------------------------------------------------------


def render_notes(notes: LectureNotes) -> str:
    """The canonical text of a notes file."""
    lec = notes.lecture
    out = ["---", f"lecture: {lec.number}", f"title: {lec.title}", f"video: {lec.link(0)}"]
    if notes.position is not None:
        out.append(f"position: {format_time(notes.position)}")
    out += [f"{k}: {v}" for k, v in notes.extra.items()]
    out += ["---", "", f"# {lec.label}", ""]
    if notes.preamble:
        out += [notes.preamble, ""]
    chapter = None
    for note in notes.notes:
        if note.chapter != chapter:
            chapter = note.chapter
            out += [f"## {chapter.time} {chapter.title}", ""]
        out += [note.line(), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def write_notes(folder: Path, notes: LectureNotes) -> Path:
    """Write ``notes`` atomically into ``folder`` (created if needed)."""
    path = notes_path(folder, notes.lecture.number)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return write_text_atomic(path, render_notes(notes))
    except OSError as e:
        raise NotesError(f"cannot write to the notes folder {folder}: {e.strerror or e}") from None


def append_note(
    folder: Path, lecture: Lecture, seconds: int, text: str, position: int | None = None
) -> tuple[Note, Path]:
    """Add one note to the lecture's file and rewrite it atomically; ``position`` (default: the
    note's time) becomes the file's last position."""
    with _locked(folder):
        notes = read_notes(folder, lecture)
        note = notes.add(seconds, text)
        notes.position = lecture.check_time(seconds if position is None else position)
        return note, write_notes(folder, notes)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on the notes folder while a file is read, changed and rewritten.

    subtle: each rewrite is atomic, but two ``z2h study note`` commands that read the same file
    before either writes would each drop the other's note; the lock makes them take turns. It
    locks the folder itself (files are replaced by rename, so their inodes change), which leaves
    no lock file behind.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY)
    except OSError as e:
        raise NotesError(f"cannot write to the notes folder {folder}: {e.strerror or e}") from None
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
