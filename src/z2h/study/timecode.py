"""Times in a video: lenient parsing of what people write, one canonical form for what we write.

Read: ``1:02:03``, ``01:02:03``, ``62:03`` (minutes may exceed 59 without hours), ``45`` (seconds),
``1h2m3s``, ``2m``, ``671s``, a YouTube link or fragment (``https://youtu.be/ID?t=671``, ``?t=671``,
``#t=671``, ``&t=1h2m3s``) and a fraction of a second (``00:11:10.5``, dropped: notes are to the
second). Written: ``HH:MM:SS`` always (``format_time``). Offsets carry a sign: ``-10s``, ``+1:30``.
"""

from __future__ import annotations

import re

from z2h.errors import Z2HError


class TimeFormatError(Z2HError):
    """A text that is not a time we can read."""


_CLOCK = re.compile(r"(?:(?P<h>\d+):)?(?P<m>\d+):(?P<s>\d+)(?:[.,]\d+)?")
_UNITS = re.compile(r"(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)(?:[.,]\d+)?s?)?")
# the value of a t= parameter in a URL query or fragment
_URL_T = re.compile(r"(?:^|[?#&])t=(?P<t>[0-9hms:.]+)")

EXAMPLES = "00:11:10, 11:10, 671, 671s, 11m10s or ?t=671"


def parse_time(text: str) -> int:
    """Seconds from the start of the video for ``text`` in any form the module docstring lists."""
    raw = text
    text = text.strip()
    m = _URL_T.search(text)
    if m:
        text = m.group("t")
    seconds = _parse_bare(text.lower())
    if seconds is None:
        raise TimeFormatError(f"cannot read {raw!r} as a time; write it like {EXAMPLES}")
    return seconds


def _parse_bare(text: str) -> int | None:
    m = _CLOCK.fullmatch(text)
    if m:
        h, mi, s = int(m.group("h") or 0), int(m.group("m")), int(m.group("s"))
        # subtle: "62:03" is a fine way to say 1:02:03, but "1:62:03" and "1:02:63" are typos
        if s > 59 or (m.group("h") is not None and mi > 59):
            return None
        return h * 3600 + mi * 60 + s
    m = _UNITS.fullmatch(text)
    if m and text and any(m.group(k) for k in "hms"):
        # a bare number is seconds; units, once used, must come in h, m, s order
        h, mi, s = (int(m.group(k) or 0) for k in "hms")
        return h * 3600 + mi * 60 + s
    return None


def format_time(seconds: int) -> str:
    """``HH:MM:SS``, the one form z2h writes (hours grow past 99 rather than wrap)."""
    if seconds < 0:
        raise TimeFormatError(f"a time in a video cannot be negative ({seconds} s)")
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"


def parse_offset(text: str) -> int:
    """A signed shift in seconds: ``-10s``, ``+5``, ``-1:30``, ``-1m``; no sign means later."""
    stripped = text.strip()
    sign = -1 if stripped.startswith("-") else 1
    body = stripped[1:] if stripped[:1] in "+-" else stripped
    if not body:
        raise TimeFormatError(f"cannot read {text!r} as an offset; write it like -10s or +1:30")
    try:
        return sign * parse_time(body)
    except TimeFormatError:
        raise TimeFormatError(
            f"cannot read {text!r} as an offset; write it like -10s or +1:30"
        ) from None
