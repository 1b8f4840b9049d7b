"""Number formatting under its first import path; the functions live in :mod:`viz.texts.numbers`."""

from __future__ import annotations

from .texts.numbers import (
    binary,
    constant_gate,
    fmt,
    fmt_any,
    fmt_array,
    is_array,
    operand,
    parse_constant_gate,
    shape_text,
)

__all__ = ["binary", "constant_gate", "fmt", "fmt_any", "fmt_array", "is_array", "operand",
           "parse_constant_gate", "shape_text"]
