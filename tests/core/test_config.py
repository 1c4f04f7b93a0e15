"""z2h.config: values for a config dataclass checked against the fields' types and ranges."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from z2h.config import check_fields, check_value
from z2h.errors import Z2HError


@dataclass
class Config:
    n_hidden: int = 200
    block_size: int | None = None
    dropout: float = 0.0
    bias: bool = True
    norm: str = "layernorm"
    seed: int = field(default=1337, metadata={"min": 0})
    shift: float = field(default=0.0, metadata={"min": None})
    betas: tuple[float, float] = (0.9, 0.99)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("n_hidden", 64, 64),
        ("block_size", None, None),
        ("block_size", 8, 8),
        ("dropout", 0, 0.0),  # an int where a float goes: converted
        ("bias", "false", False),
        ("norm", "rmsnorm", "rmsnorm"),
        ("seed", 0, 0),  # the field's metadata allows 0
        ("shift", -3.5, -3.5),  # no lower bound
        ("betas", (0.8, 0.9), (0.8, 0.9)),  # structured: left to its own checks
    ],
)
def test_good_values(name, value, expected):
    assert check_value(Config, name, value) == expected


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("n_hidden", "abc", "n_hidden must be an integer, got 'abc'"),
        ("n_hidden", -5, "n_hidden must be at least 1, got -5"),
        ("n_hidden", 0, "at least 1"),
        ("n_hidden", 2.5, "must be an integer"),
        ("n_hidden", True, "must be an integer"),
        ("n_hidden", None, "needs a value"),
        ("dropout", -0.1, "at least 0"),
        ("dropout", float("nan"), "finite"),
        ("dropout", "high", "must be a number"),
        ("bias", 3, "true or false"),
        ("norm", 3, "must be text"),
        ("seed", -1, "at least 0"),
        ("nope", 1, "unknown setting 'nope'"),
    ],
)
def test_bad_values(name, value, message):
    with pytest.raises(Z2HError, match=message):
        check_value(Config, name, value)


def test_flag_names_in_messages():
    with pytest.raises(Z2HError, match=r"^--n-hidden must be at least 1, got 0$"):
        check_value(Config, "n_hidden", 0, flags=True)


def test_check_fields_converts_all():
    assert check_fields(Config, {"n_hidden": 3, "dropout": 1}) == {"n_hidden": 3, "dropout": 1.0}


def test_parse_assignments_reads_literals_and_keeps_text():
    from z2h.config import parse_assignments

    got = parse_assignments(["n-layer=2", "lr=3e-3", "norm=layernorm", "local=False"])
    assert got == {"n_layer": 2, "lr": 0.003, "norm": "layernorm", "local": False}
    for bad in ("n_layer", "=3", " =3"):
        with pytest.raises(Z2HError, match="--set takes KEY=VALUE"):
            parse_assignments([bad])
