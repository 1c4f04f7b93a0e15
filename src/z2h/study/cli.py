"""``z2h study``: the lectures, their chapters mapped to z2h, notes, progress and session prompts.

Only argument parsing and printing live here; nothing imports torch.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import sys
from pathlib import Path

from z2h.errors import Z2HError
from z2h.run import write_text_atomic
from z2h.study import catalog as catalog_mod
from z2h.study import mapping, notes, prompt, state, timecode, vtt

NOTES_HELP = (
    f"notes folder (default: ${notes.ENV_VAR}, else $XDG_DATA_HOME/z2h/study, "
    "else ~/.local/share/z2h/study)"
)


def configure(parser: argparse.ArgumentParser) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--notes", metavar="DIR", help=NOTES_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "lectures",
        parents=[common],
        help="list the lectures with their length, chapters, exercises and your progress",
        description="List the nine lectures: duration, chapters, exercises and your progress.",
    )
    p.set_defaults(func=_lectures)

    p = sub.add_parser(
        "chapters",
        parents=[common],
        help="a lecture's chapters with deep links and the z2h code of each",
        description="Print a lecture's chapters, each with a link that starts the video there "
        "and the z2h command or module that implements it; --vtt writes WebVTT chapters.",
    )
    p.add_argument("lecture", help="lecture number (1-9)")
    p.add_argument(
        "--out",
        dest="vtt",
        metavar="FILE",
        help="write the chapters as WebVTT (kind=chapters) to FILE ('-': standard output)",
    )
    p.add_argument(
        "--vtt",
        nargs="?",
        const="-",
        metavar="FILE",
        help="the same as --out FILE; alone: WebVTT on standard output",
    )
    p.set_defaults(func=_chapters)

    p = sub.add_parser(
        "note",
        parents=[common],
        help="add a timestamped note to a lecture's notes file",
        description="Append a note at TIME (00:11:10, 11:10, 671s, ?t=671 ...) to the lecture's "
        "notes file, written atomically; the lecture's position moves to TIME.",
    )
    p.add_argument("lecture", help="lecture number (1-9)")
    p.add_argument("time", help="time in the video: 00:11:10, 11:10, 671s, 11m10s, ?t=671")
    p.add_argument("text", nargs="+", help="the note (words are joined with spaces)")
    p.add_argument(
        "--offset",
        default="0",
        help="shift the note's time, e.g. -10s for a moment you noted a little late",
    )
    # subtle: argparse reads "-10s" as an unknown option unless it looks like a negative number
    p._negative_number_matcher = re.compile(r"^-\d\S*$")
    p.set_defaults(func=_note)

    p = sub.add_parser(
        "prompt",
        parents=[common],
        help="the prompt that starts a study session in a chat",
        description="Build the session prompt from the template (your copy in the notes folder, "
        "else the default): preface, rules, goals, the session's chapters and exercises, "
        "connections and your notes.",
    )
    p.add_argument("--lecture", help="lecture number (default: the lecture of your latest note)")
    p.add_argument("--at", help="where you start, e.g. 00:41:40 (default: your last position)")
    p.add_argument("--date", help="session date, YYYY-MM-DD (default: today)")
    p.add_argument("--max-chars", type=int, help="leave out the oldest notes until the prompt fits")
    p.add_argument("--template", metavar="FILE", help="template file (default: see above)")
    p.add_argument("--out", metavar="FILE", help="write the prompt to FILE instead of printing")
    p.set_defaults(func=_prompt)

    p = sub.add_parser(
        "template",
        parents=[common],
        help="write the default prompt template for you to edit",
        description=f"Write the default prompt template to NOTES/{prompt.TEMPLATE_FILE} (or "
        "--out FILE; '-' prints it), where 'z2h study prompt' picks it up.",
    )
    p.add_argument("--out", metavar="FILE", help="where to write it ('-': standard output)")
    p.add_argument("--force", action="store_true", help="replace an existing template")
    p.set_defaults(func=_template)

    p = sub.add_parser(
        "status",
        parents=[common],
        help="your position, chapters passed and exercises done, per lecture",
        description="Per lecture: last position (share of the video), chapters passed, "
        "exercises marked done and notes taken.",
    )
    p.set_defaults(func=_status)

    p = sub.add_parser(
        "done",
        parents=[common],
        help="mark a lecture's exercise done (or not, with --undo)",
        description="Mark an exercise done, e.g. 'z2h study done 2 E01'.",
    )
    p.add_argument("lecture", help="lecture number (1-9)")
    p.add_argument("exercise", help="exercise id as listed (E01, EX1) or its number")
    p.add_argument("--undo", action="store_true", help="mark it not done")
    p.set_defaults(func=_done)


def _folder(args: argparse.Namespace) -> Path:
    return notes.notes_dir(args.notes, os.environ)


def _percent(seconds: int | None, lecture: catalog_mod.Lecture) -> str:
    if seconds is None:
        return "-"
    return f"{100 * seconds / lecture.duration:.0f}%"


def _lectures(args: argparse.Namespace) -> int:
    cat = catalog_mod.load_catalog()
    st = state.read_state(_folder(args))
    print(f"{'#':>2}  {'length':<8}  {'chapters':>8}  {'exercises':>9}  {'seen':>4}  title")
    for lec in cat.lectures:
        p = st.lectures.get(lec.number, state.LectureProgress())
        done = f"{len(p.done)}/{len(lec.exercises)}" if p.done else str(len(lec.exercises))
        print(
            f"{lec.number:>2}  {lec.duration_text:<8}  {len(lec.chapters):>8}  {done:>9}  "
            f"{_percent(p.position, lec):>4}  {lec.title}"
        )
    return 0


def _chapters(args: argparse.Namespace) -> int:
    cat = catalog_mod.load_catalog()
    lec = cat.lecture(args.lecture)
    if args.vtt is not None:
        text = vtt.chapters_vtt(lec)
        if args.vtt == "-":
            sys.stdout.write(text)
        else:
            try:
                write_text_atomic(args.vtt, text)
            except OSError as e:
                raise Z2HError(f"cannot write {args.vtt}: {e.strerror or e}") from None
            print(f"wrote {len(lec.chapters)} chapters to {args.vtt}", file=sys.stderr)
        return 0
    cmap = mapping.load_map()
    print(f"{lec.label} ({lec.duration_text}, {len(lec.chapters)} chapters)")
    section = None
    for ch in lec.chapters:
        if ch.section and ch.section != section:
            section = ch.section
            print(f"\n[{section}]")
        print(f"{ch.time}  {ch.title}")
        print(f"          {lec.link(ch.start)}")
        impl = cmap.for_chapter(ch)
        if impl:
            for m in impl.modules:
                print(f"          module:  {m}")
            for c in impl.commands:
                print(f"          command: {c}")
            if impl.note:
                print(f"          note:    {impl.note}")
    for seconds, text in lec.corrections:
        print(f"correction at {timecode.format_time(seconds)}: {text}")
    return 0


def _note(args: argparse.Namespace) -> int:
    cat = catalog_mod.load_catalog()
    lec = cat.lecture(args.lecture)
    text = " ".join(args.text)
    at = lec.check_time(timecode.parse_time(args.time))
    seconds = at + timecode.parse_offset(args.offset)
    if seconds < 0:
        seconds = 0  # "-10s" at 00:00:05 means the very start
    lec.check_time(seconds)
    folder = _folder(args)
    try:
        note, path = notes.append_note(folder, lec, seconds, text, position=at)
    except Z2HError as e:
        # the note is in no file: give it back so it can be pasted in once the cause is fixed
        lost = f"**{timecode.format_time(seconds)}** - {' / '.join(text.splitlines())}"
        raise Z2HError(f"{e}; note NOT saved: {lost}") from None
    st = state.read_state(folder)
    st.progress(lec.number).position = at
    st.last_lecture = lec.number
    state.write_state(folder, st)
    print(f"{path}: {note.line()}  [{note.chapter.time} {note.chapter.title}]")
    return 0


def _session_defaults(
    args: argparse.Namespace, cat: catalog_mod.Catalog, st: state.StudyState
) -> tuple[catalog_mod.Lecture, int]:
    lecture = args.lecture if args.lecture is not None else st.last_lecture or 1
    lec = cat.lecture(lecture)
    if args.at is not None:
        seconds = timecode.parse_time(args.at)
    else:
        seconds = st.lectures.get(lec.number, state.LectureProgress()).position or 0
    return lec, lec.check_time(seconds)


def _prompt(args: argparse.Namespace) -> int:
    cat = catalog_mod.load_catalog()
    folder = _folder(args)
    st = state.read_state(folder)
    lec, seconds = _session_defaults(args, cat, st)
    date = args.date or datetime.date.today().isoformat()
    try:
        datetime.date.fromisoformat(date)
    except ValueError:
        raise Z2HError(f"--date {date!r} is not a date; write it as YYYY-MM-DD") from None
    if args.max_chars is not None and args.max_chars < 1:
        raise Z2HError("--max-chars must be a positive number of characters")
    if args.template:
        template = prompt.read_template(Path(args.template))
    elif (folder / prompt.TEMPLATE_FILE).exists():
        template = prompt.read_template(folder / prompt.TEMPLATE_FILE)
    else:
        template = prompt.default_template()
    all_notes = [n for ln in _read_all(folder, cat) for n in ln.notes]
    done = st.lectures.get(lec.number, state.LectureProgress()).done
    result = prompt.build_prompt(
        template,
        cat,
        mapping.load_map(),
        lec,
        seconds,
        date,
        all_notes,
        done,
        prompt.PromptOptions(max_chars=args.max_chars),
    )
    if result.notes_dropped:
        print(
            f"z2h study: left out the {result.notes_dropped} oldest of {len(all_notes)} notes "
            f"to fit --max-chars {args.max_chars}",
            file=sys.stderr,
        )
    if args.out:
        try:
            write_text_atomic(args.out, result.text)
        except OSError as e:
            raise Z2HError(f"cannot write {args.out}: {e.strerror or e}") from None
        print(f"wrote {len(result.text)} characters to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(result.text)
    return 0


def _template(args: argparse.Namespace) -> int:
    text = prompt.default_template()
    if args.out == "-":
        sys.stdout.write(text)
        return 0
    path = Path(args.out) if args.out else _folder(args) / prompt.TEMPLATE_FILE
    if path.exists() and not args.force:
        raise Z2HError(f"{path} exists; edit it, or pass --force to replace it with the default")
    try:
        write_text_atomic(path, text)
    except OSError as e:
        raise Z2HError(f"cannot write {path}: {e.strerror or e}") from None
    print(f"wrote the default prompt template to {path}; edit it, 'z2h study prompt' uses it")
    return 0


def _read_all(folder: Path, cat: catalog_mod.Catalog) -> list[notes.LectureNotes]:
    """Every lecture's notes; a file with a problem is named on stderr and left out."""
    problems: list[str] = []
    found = notes.read_all(folder, cat, problems)
    for problem in problems:
        print(f"z2h study: warning: notes file left out: {problem}", file=sys.stderr)
    return found


def _status(args: argparse.Namespace) -> int:
    cat = catalog_mod.load_catalog()
    folder = _folder(args)
    st = state.read_state(folder)
    by_lecture = {ln.lecture.number: ln for ln in _read_all(folder, cat)}
    print(f"notes folder: {folder}")
    shown = 0
    for lec in cat.lectures:
        p = st.lectures.get(lec.number, state.LectureProgress())
        ln = by_lecture.get(lec.number)
        position = p.position if p.position is not None else (ln.position if ln else None)
        if position is None and not p.done and ln is None:
            continue
        shown += 1
        passed = sum(1 for ch in lec.chapters if position is not None and ch.end <= position)
        where = (
            f"at {timecode.format_time(position)} of {lec.duration_text} "
            f"({_percent(position, lec)})"
            if position is not None
            else "not started"
        )
        done = ", ".join(p.done) if p.done else "none"
        n_notes = len(ln.notes) if ln else 0
        noted = f"{n_notes} note" + ("" if n_notes == 1 else "s")
        print(f"{lec.label}")
        print(
            f"  {where}; {passed} of {len(lec.chapters)} chapters passed; "
            f"exercises done: {done} ({len(p.done)} of {len(lec.exercises)}); {noted}"
        )
    if not shown:
        print('no progress yet; start with: z2h study note 1 00:08:08 "your first note"')
    return 0


def _done(args: argparse.Namespace) -> int:
    cat = catalog_mod.load_catalog()
    lec = cat.lecture(args.lecture)
    ex = lec.exercise(args.exercise)
    folder = _folder(args)
    st = state.read_state(folder)
    p = st.progress(lec.number)
    if args.undo:
        p.done = [x for x in p.done if x != ex.id]
    elif ex.id not in p.done:
        p.done.append(ex.id)
    state.write_state(folder, st)
    verb = "not done" if args.undo else "done"
    print(f"lecture {lec.number} {ex.id} marked {verb} ({len(p.done)} of {len(lec.exercises)})")
    return 0
