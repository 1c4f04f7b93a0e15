"""A lecture's chapters as WebVTT, for video players (``<track kind="chapters" src=...>``).

Each chapter is one cue from its start to the next chapter's start (the last to the end of the
video); the cue text is the chapter's title with ``&``, ``<`` and ``>`` escaped as WebVTT asks.
"""

from __future__ import annotations

from z2h.study.catalog import Lecture


def vtt_time(seconds: int) -> str:
    """WebVTT's ``hh:mm:ss.ttt``."""
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}:{s:02d}.000"


def escape(text: str) -> str:
    # subtle: "-->" would end a cue's timing line; escaping ">" also breaks it up
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def chapters_vtt(lecture: Lecture) -> str:
    """The WebVTT text of ``lecture``'s chapters."""
    lines = [
        "WEBVTT",
        "",
        "NOTE",
        f"Chapters of {escape(lecture.label)}",
        f"{lecture.link(0)}",
        'Use as <track kind="chapters"> of the video.',
        "",
    ]
    for ch in lecture.chapters:
        if ch.end <= ch.start:
            continue  # a chapter that starts at the very end has no time to show
        timing = f"{vtt_time(ch.start)} --> {vtt_time(ch.end)}"
        lines += [str(ch.index), timing, escape(ch.title), ""]
    return "\n".join(lines)
