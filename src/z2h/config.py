"""Check values given for the fields of a config dataclass against the fields' declared types.

Every system fills typed dataclasses (``GPTConfig``, a makemore model's config, ``TrainSettings``)
from the command line, where a value can be anything (``--set n_hidden=abc``). ``check_fields``
refuses a value of the wrong type or out of range with a message naming the field, before any
model is built, so a bad value is an error message and never a traceback from deep inside torch.

Ranges come from the type: an ``int`` field must be at least 1 (sizes, counts, orders), a
``float`` field finite and at least 0 (rates, scales, probabilities). A field that allows other
values says so in its metadata: ``field(default=..., metadata={"min": 0})`` (``None``: no bound).
"""

from __future__ import annotations

import ast
import dataclasses
import math
import types
import typing
from typing import Any

from z2h.errors import Z2HError

INT_MIN = 1  # sizes and counts: 0 or less builds no model
FLOAT_MIN = 0.0  # rates, scales and probabilities


def _allowed_types(hint: Any) -> tuple[set[type], bool]:
    """The plain types a hint allows and whether it allows None (``int | None`` -> {int}, True)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        return {a for a in args if a is not type(None)}, type(None) in args
    if typing.get_origin(hint) is not None:  # tuple[float, ...] and the like: not checked here
        return set(), False
    return {hint}, False


def check_value(
    cls: type, name: str, value: Any, *, what: str = "setting", flags: bool = False
) -> Any:
    """``value`` for field ``name`` of dataclass ``cls``, converted (int -> float) and checked.

    Messages call the field ``WHAT NAME`` (``setting n_hidden``), or by its command-line flag
    (``--batch-size``) when ``flags``.
    """
    fields = {f.name: f for f in dataclasses.fields(cls)}
    if name not in fields:
        raise Z2HError(f"unknown {what} {name!r}; choose one of: {', '.join(fields)}")
    label = "--" + name.replace("_", "-") if flags else f"{what} {name}"
    types_, optional = _allowed_types(typing.get_type_hints(cls)[name])
    if value is None:
        if optional:
            return None
        raise Z2HError(f"{label} needs a value")
    if not types_ or not types_ <= {int, float, bool, str}:
        return value  # a structured field: its own code checks it
    minimum = fields[name].metadata.get("min", INT_MIN if int in types_ else FLOAT_MIN)
    if bool in types_:
        if isinstance(value, str) and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        if not isinstance(value, bool):
            raise Z2HError(f"{label} must be true or false, got {value!r}")
        return value
    if int in types_ and isinstance(value, int) and not isinstance(value, bool):
        pass
    elif float in types_ and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = float(value)
        if not math.isfinite(value):
            raise Z2HError(f"{label} must be a finite number, got {value!r}")
    elif str in types_ and isinstance(value, str):
        return value
    else:
        kind = "an integer" if int in types_ else "a number" if float in types_ else "text"
        raise Z2HError(f"{label} must be {kind}, got {value!r}")
    if minimum is not None and value < minimum:
        raise Z2HError(f"{label} must be at least {minimum}, got {value!r}")
    return value


def check_fields(
    cls: type, values: dict[str, Any], *, what: str = "setting", flags: bool = False
) -> dict[str, Any]:
    """``check_value`` for every item of ``values``; returns the converted values."""
    return {name: check_value(cls, name, v, what=what, flags=flags) for name, v in values.items()}


def parse_assignments(items: list[str], flag: str = "--set") -> dict[str, Any]:
    """``["n_layer=2", "norm=layernorm"]`` -> ``{"n_layer": 2, "norm": "layernorm"}``: each value
    read as a Python literal where it is one, else kept as text (``check_fields`` then checks
    it against the field's type); dashes in keys become underscores."""
    fields: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise Z2HError(f"{flag} takes KEY=VALUE, got {item!r}")
        try:
            fields[key] = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            fields[key] = raw
    return fields
