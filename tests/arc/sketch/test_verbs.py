"""Every drawing verb against a grid drawn by hand (headless; test_browser.py repeats them in
Chromium and checks the two agree)."""

from __future__ import annotations

import numpy as np
import pytest
from sketch_helpers import cells, drawn, fnv1a32, grid, mulberry32, sketch

# (verb, the sketch lines, the 5 x 5 grid they must draw)
VERBS = [
    ("rect", "rect(1, 1, 3, 2);", [".....", ".111.", ".111.", ".....", "....."]),
    (
        "p5's default modes accepted",
        "rectMode(CORNER); ellipseMode(CENTER); strokeWeight(1); rect(0, 0, 1, 1);",
        ["1....", ".....", ".....", ".....", "....."],
    ),
    ("square", 'fill("red"); square(0, 0, 2);', ["22...", "22...", ".....", ".....", "....."]),
    (
        "stroke and fill",
        "stroke(3); fill(4); rect(0, 0, 4, 3);",
        ["3333.", "3443.", "3333.", ".....", "....."],
    ),
    (
        "noFill",
        "noFill(); stroke(2); rect(0, 0, 3, 3);",
        ["222..", "2.2..", "222..", ".....", "....."],
    ),
    ("point", "fill(5); point(4, 2);", [".....", ".....", "....5", ".....", "....."]),
    # the cells nearest the segment y = x / 2 (Bresenham: ties step both ways)
    ("line", "line(0, 0, 4, 2);", ["1....", ".11..", "...11", ".....", "....."]),
    ("line steep", "line(1, 0, 1, 3);", [".1...", ".1...", ".1...", ".1...", "....."]),
    # centres within 2.5 cells of the middle cell: the 5 x 5 square less its corners
    ("ellipse", "ellipse(2, 2, 5, 5);", [".111.", "11111", "11111", "11111", ".111."]),
    # diameter 3: the corner centres lie 1.41 < 1.5 from the middle
    ("circle", "circle(2, 2, 3);", [".....", ".111.", ".111.", ".111.", "....."]),
    # an even size is centred on the corner of cell (x, y): columns 0-3, rows 0-1
    ("ellipse even", "ellipse(2, 1, 4, 2);", ["1111.", "1111.", ".....", ".....", "....."]),
    (
        "closed shape",
        "beginShape(); vertex(0, 0); vertex(4, 0); vertex(0, 4); endShape(CLOSE);",
        ["11111", "1111.", "111..", "11...", "1...."],
    ),
    (
        "open shape",
        "beginShape(); vertex(0, 0); vertex(2, 0); vertex(2, 2); endShape();",
        ["111..", "..1..", "..1..", ".....", "....."],
    ),
    (
        "push translate pop",
        "push(); translate(2, 1); rect(0, 0, 1, 1); pop(); rect(0, 0, 1, 1);",
        ["1....", "..1..", ".....", ".....", "....."],
    ),
    # p5 turns clockwise on screen: the 2 x 1 rect at the origin turns to hang below it,
    # left of the origin's column (cells x in [-1, 0), y in [0, 2), then moved by (2, 2))
    (
        "rotate",
        "translate(2, 2); rotate(HALF_PI); rect(0, 0, 2, 1);",
        [".....", ".....", ".1...", ".1...", "....."],
    ),
    ("scale", "scale(2); rect(1, 0, 1, 1);", ["..11.", "..11.", ".....", ".....", "....."]),
    (
        "mirror scale",
        "translate(5, 0); scale(-1, 1); rect(0, 0, 2, 1);",
        ["...11", ".....", ".....", ".....", "....."],
    ),
    (
        "background and names",
        'background("green"); fill("maroon"); point(0, 0);',
        ["93333", "33333", "33333", "33333", "33333"],
    ),
]


@pytest.mark.parametrize("verb, body, expected", VERBS, ids=[v[0] for v in VERBS])
def test_verb_draws_the_hand_made_grid(verb: str, body: str, expected: list[str]) -> None:
    np.testing.assert_array_equal(grid(body), cells(expected))


def test_canvas_is_width_by_height() -> None:
    assert grid("rect(0, 0, 1, 1);", w=7, h=3).shape == (3, 7)


def test_group_is_one_object_of_two_colours() -> None:
    got = drawn("group(() => { fill(1); rect(0, 0, 2, 1); fill(2); point(0, 1); });")
    objs = got["labels"]["input"]["objects"]
    assert len(objs) == 1
    assert objs[0]["cells"] == [[0, 0, 1], [0, 1, 1], [1, 0, 2]]


def test_every_call_is_its_own_object_in_paint_order() -> None:
    got = drawn("fill(1); rect(0, 0, 2, 2); fill(2); point(1, 1);")
    objs = got["labels"]["input"]["objects"]
    assert [o["id"] for o in objs] == [0, 1]
    assert got["input"][1][1] == 2  # the later object paints over the earlier


def test_random_is_the_seeded_stream() -> None:
    g = sketch(
        "function params() { return { r: [random(), random(), random()] }; }\n"
        "function pair() { createCanvas(1, 1); output(); }"
    )
    nxt = mulberry32(fnv1a32("t:preview:0"))
    assert g.preview(0)["params"]["r"] == [nxt(), nxt(), nxt()]


def test_random_seed_random_forms_and_shuffle() -> None:
    source = """function params() {
  randomSeed(42);
  const a = [random(), random(10), random(5, 7), random([7, 8, 9])];
  const xs = [1, 2, 3, 4];
  const ys = shuffle(xs);
  return { a, xs, ys };
}
function pair() { createCanvas(1, 1); output(); }"""
    p = sketch(source).preview(0)["params"]
    nxt = mulberry32(fnv1a32("seed:42"))
    u = [nxt() for _ in range(4)]
    assert p["a"] == [u[0], u[1] * 10, 5 + u[2] * 2, [7, 8, 9][int(u[3] * 3)]]
    assert p["xs"] == [1, 2, 3, 4] and sorted(p["ys"]) == [1, 2, 3, 4]  # a copy, shuffled


def test_floor_constrain_and_level() -> None:
    source = """function params() {
  return { f: floor(2.7), c: [constrain(5, 0, 3), constrain(-1, 0, 3)], l: level(4, 9) };
}
function pair() { createCanvas(1, 1); output(); }"""
    g = sketch(source)
    p = g.preview(0, (0.0, 0.0))["params"]
    assert p == {"f": 2, "c": [3, 0], "l": 4}  # difficulty 0: level gives its low end
    assert g.preview(0, (1.0, 1.0))["params"]["l"] == 9


def test_same_seed_same_pair_and_other_seed_other_pair() -> None:
    g = sketch(
        "function pair() { createCanvas(9, 9); fill(random([1, 2, 3]));\n"
        "rect(randomInt(0, 5), randomInt(0, 5), 3, 3); output(); }"
    )
    assert g.preview(3) == g.preview(3)
    assert any(g.preview(3)["input"] != g.preview(s)["input"] for s in range(4, 9))
