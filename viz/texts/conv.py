"""What a conv or pooling gate says: its kernel, stride and padding, and its output size.

Lecture 000's conv slides are about exactly these numbers: a gate reads ``k=3×3 s=2 p=1``
(and ``d=2``, ``groups=2`` when not 1), and the forward step works out the output size with
the slide's formula, floor((n + 2p − k)/s) + 1. The arguments come from the node's
``op_args``, which the conv and pooling ops of :mod:`autograd` record.

>>> args = {"kernel": (3, 3), "stride": (2, 2), "padding": (1, 1), "dilation": (1, 1),
...         "groups": 1, "in": (5, 5), "out": (3, 3)}
>>> op_args_text(args)
'k=3×3 s=2 p=1'
>>> output_size_text("conv2d", args)
'output size floor((n + 2p − k)/s) + 1 = floor((5 + 2·1 − 3)/2) + 1 = 3'
"""

from __future__ import annotations

from typing import Any


def _pair(v: Any) -> str:
    """``(2, 2)`` -> ``"2"``, ``(1, 2)`` -> ``"1×2"``."""
    v = tuple(v)
    return str(v[0]) if len(set(v)) == 1 else "×".join(map(str, v))


def node_args(node: Any) -> dict | None:
    """The ``op_args`` a conv or pooling node recorded (``None`` for any other node)."""
    args = getattr(node, "op_args", None)
    return args if isinstance(args, dict) and "kernel" in args else None


def op_args_text(args: dict) -> str:
    """``k=3×3 s=2 p=1``, with ``d=`` and ``groups=`` only when they are not 1; uneven
    padding as (before,after) per axis.

    >>> op_args_text({"kernel": (2, 2), "stride": (1, 1), "padding": (0, 1, 0, 1),
    ...               "dilation": (2, 1), "groups": 3})
    'k=2×2 s=1 p=(0,1) d=2×1 groups=3'
    """
    kh, kw = args["kernel"]
    pad = tuple(args["padding"])
    if len(pad) == 2:
        p = _pair(pad)
    else:  # (top, bottom, left, right): "(0,1)" on both axes, else "(0,1)×(1,1)"
        p = _pair((f"({pad[0]},{pad[1]})", f"({pad[2]},{pad[3]})"))
    parts = [f"k={kh}×{kw}", f"s={_pair(args['stride'])}", f"p={p}"]
    if tuple(args.get("dilation", (1, 1))) != (1, 1):
        parts.append(f"d={_pair(args['dilation'])}")
    if args.get("groups", 1) != 1:
        parts.append(f"groups={args['groups']}")
    return " ".join(parts)


def _one_side(op: str, n: int, k: int, s: int, p_lo: int, p_hi: int, d: int, out: int,
              args: dict, axis: int) -> tuple[str, str]:
    """(the formula in letters, the formula with this axis' numbers and its result)."""
    if op == "conv_transpose2d":  # the size a conv2d of these arguments would map back from
        op_pad = tuple(args.get("output_padding", (0, 0)))[axis]
        kd, kd_sym = (f"{d}·({k} − 1)", "d(k − 1)") if d != 1 else (f"({k} − 1)", "(k − 1)")
        extra, extra_sym = (f" + {op_pad}", " + output_padding") if op_pad else ("", "")
        return (f"(n − 1)·s − 2p + {kd_sym}{extra_sym} + 1",
                f"({n} − 1)·{s} − 2·{p_lo} + {kd}{extra} + 1 = {out}")
    pad, pad_sym = (f"2·{p_lo}", "2p") if p_lo == p_hi else (f"{p_lo} + {p_hi}", "p₁ + p₂")
    reach, reach_sym = (f"{k}", "k") if d == 1 else (f"{d}·({k} − 1) − 1", "d(k − 1) − 1")
    rnd = "ceil" if args.get("ceil_mode") else "floor"
    return (f"{rnd}((n + {pad_sym} − {reach_sym})/s) + 1",
            f"{rnd}(({n} + {pad} − {reach})/{s}) + 1 = {out}")


def output_size_text(op: str, args: dict) -> str:
    """The output size by the slide's formula, in letters and then with the numbers (once
    when rows and columns agree, else for each).

    >>> args = {"kernel": (3, 2), "stride": (1, 2), "padding": (0, 0), "in": (5, 6),
    ...         "out": (3, 3)}
    >>> for part in output_size_text("max_pool2d", args).split(", "):
    ...     print(part)
    output size floor((n + 2p − k)/s) + 1: rows floor((5 + 2·0 − 3)/1) + 1 = 3
    columns floor((6 + 2·0 − 2)/2) + 1 = 3
    """
    pad = tuple(args["padding"])
    pads = (pad[0], pad[0], pad[1], pad[1]) if len(pad) == 2 else pad
    sides = []
    for axis in (0, 1):
        sides.append(_one_side(op, args["in"][axis], args["kernel"][axis], args["stride"][axis],
                               pads[2 * axis], pads[2 * axis + 1],
                               tuple(args.get("dilation", (1, 1)))[axis], args["out"][axis],
                               args, axis))
    (sym_rows, rows), (sym_cols, cols) = sides
    if sides[0] == sides[1]:
        return f"output size {sym_rows} = {rows}"
    sym = sym_rows if sym_rows == sym_cols else f"{sym_rows} (rows), {sym_cols} (columns)"
    return f"output size {sym}: rows {rows}, columns {cols}"
