"""Times in a video: every form we read, the one form we write, and round trips between them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from z2h.errors import Z2HError
from z2h.study.timecode import TimeFormatError, format_time, parse_offset, parse_time


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:11:10", 670),
        ("0:11:10", 670),
        ("1:02:03", 3723),
        ("11:10", 670),
        ("62:03", 3723),  # minutes past 59 without hours
        ("0:05", 5),
        ("45", 45),
        ("671s", 671),
        ("11m10s", 670),
        ("1h2m3s", 3723),
        ("2m", 120),
        ("1h", 3600),
        ("00:11:10.5", 670),  # fractions are dropped: notes are to the second
        ("00:11:10,9", 670),
        ("  00:11:10 ", 670),
        ("?t=671", 671),
        ("#t=671", 671),
        ("&t=1h2m3s", 3723),
        ("t=671", 671),
        ("https://youtu.be/PaCmpygFfXo?t=671", 671),
        ("https://www.youtube.com/watch?v=PaCmpygFfXo&t=671s", 671),
        ("https://youtu.be/PaCmpygFfXo?si=x&t=11:10", 670),
        ("1H2M3S", 3723),
    ],
)
def test_parse_time_forms(text, seconds):
    assert parse_time(text) == seconds


@pytest.mark.parametrize(
    "text",
    ["", "soon", "1:62:03", "1:02:63", "00:61", "12:", ":12", "1:2:3:4", "-5", "3s2m", "1.5h",
     "https://youtu.be/PaCmpygFfXo", "?t=", "1 h"],
)  # fmt: skip
def test_malformed_times_raise_a_user_error(text):
    with pytest.raises(TimeFormatError, match="cannot read") as info:
        parse_time(text)
    assert isinstance(info.value, Z2HError)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "00:00:00"), (59, "00:00:59"), (60, "00:01:00"), (3723, "01:02:03"),
     (14460, "04:01:00"), (100 * 3600, "100:00:00")],
)  # fmt: skip
def test_format_time(seconds, text):
    assert format_time(seconds) == text


def test_format_time_refuses_negative():
    with pytest.raises(TimeFormatError):
        format_time(-1)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("-10s", -10), ("+10s", 10), ("10", 10), ("-1:30", -90), ("-1m", -60), ("0", 0),
     ("-0:00:05", -5)],
)  # fmt: skip
def test_parse_offset(text, seconds):
    assert parse_offset(text) == seconds


@pytest.mark.parametrize("text", ["-", "", "-ten", "--10s", "+-5"])
def test_malformed_offsets_raise(text):
    with pytest.raises(TimeFormatError, match="offset"):
        parse_offset(text)


seconds_in_a_video = st.integers(min_value=0, max_value=10 * 3600)


@given(seconds_in_a_video)
def test_format_then_parse_is_identity(seconds):
    assert parse_time(format_time(seconds)) == seconds


@given(seconds_in_a_video)
def test_every_written_form_reads_back(seconds):
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    forms = [
        f"{h}:{m:02d}:{s:02d}",
        f"{h * 60 + m}:{s:02d}",
        f"{seconds}",
        f"{seconds}s",
        f"?t={seconds}",
        f"#t={seconds}",
        f"https://youtu.be/abc?t={seconds}",
        "".join(f"{v}{u}" for v, u in ((h, "h"), (m, "m"), (s, "s")) if v) or "0s",
    ]
    for form in forms:
        assert parse_time(form) == seconds, form


@given(st.text(max_size=12))
def test_parse_time_never_crashes_on_junk(text):
    try:
        seconds = parse_time(text)
    except TimeFormatError:
        return
    assert seconds >= 0
    assert parse_time(format_time(seconds)) == seconds


@given(st.integers(min_value=-3 * 3600, max_value=3 * 3600))
def test_offset_round_trip(offset):
    sign = "-" if offset < 0 else "+"
    assert parse_offset(sign + format_time(abs(offset))) == offset
