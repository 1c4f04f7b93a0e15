"""Texts shared by the bpe tests."""

SAMPLE = (
    "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
    "It's 1,234,567 o'clock; you'LL see they've   gone!!  \r\n\tTabs\u00a0and nbsp. "
    "héllo wörld, naïve café — 日本語のテキスト, 😀😀🎉 emoji 👩‍👩‍👧 family.\n"
)

INPUTS = {
    "empty": "",
    "one character": "a",
    "one multibyte character": "é",
    "unicode and emoji": "héllo wörld — 日本語 😀🎉 👩‍👩‍👧\n\ttabs  and\r\nlines  ",
    "sample": SAMPLE,
}
