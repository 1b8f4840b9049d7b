"""The scalar gates as the live page evaluates them, read from the one op-info table.

:mod:`autograd.opinfo` gives every op's forward value and local derivatives as small
expression trees (JSON data, no code); the page's interpreter (``viz/html/live.js``) walks
those trees in float64 and :func:`autograd.opinfo.evaluate` walks them in Python. This module
only finds a node's row and constant (:func:`gate_of`, which raises for a gate without a row,
so a new op cannot be missing from the page) and writes the rows the page needs
(:func:`table`).

>>> from autograd import Value
>>> x = Value(2.0)
>>> gate_of(x * 3), gate_of(2 ** x), gate_of(x.max(0.5)), gate_of(x.leaky_relu(0.2))
(('mul_const', 3.0), ('rpow_const', 2.0), ('max_const', 0.5), ('leaky_relu', 0.2))
"""

from __future__ import annotations

from typing import Any

from autograd import opinfo
from autograd.value import exact_text, hidden_constant

#: The operators the page's interpreter implements (``live.js``'s ``FN`` and ``where``); a
#: test holds this against :data:`autograd.opinfo.OPERATORS` and the script itself.
PAGE_OPERATORS = frozenset(opinfo.OPERATORS)


def rows() -> dict[str, opinfo.OpInfo]:
    """The rows of the ops a scalar ``Value`` graph can hold, by name."""
    return {r.name: r for r in opinfo.OPS if "value" in r.kinds}


#: Python's ``sum()`` of Values records one n-ary gate (``autograd.value``): the page folds the
#: ``add`` row over its operands left to right, as ``Value`` adds them, each local derivative 1.
SUM_GATE = "Σ"


def gate_of(node: Any) -> tuple[str, float]:
    """The row name and the constant of a scalar ``Value`` gate.

    The constant is the one its label writes (``"+1"``: 1; labels keep it exactly), or for
    ``leaky_relu`` the slope (which the label does not show); 0 for gates without one.

    Raises
    ------
    ValueError
        For a gate no row describes (add the op's row to :mod:`autograd.opinfo`).
    """
    if node.op == SUM_GATE:
        return SUM_GATE, 0.0
    found = opinfo.lookup(node.op)
    n = len(node.parents)
    if found is None or "value" not in found[0].kinds or len(found[0].inputs) != n:
        raise ValueError(
            f"the live page has no row for the gate {node.op!r} with {n} operand(s); "
            "add the op's row to autograd/opinfo.py")
    row, text = found
    c = 0.0
    if text is not None:
        c = float(text)
    elif row.name == "leaky_relu":
        slope = hidden_constant(node)  # Value keeps it with the gate's rule
        if slope is None:
            raise ValueError(f"the leaky_relu gate {node!r} does not keep its slope")
        c = slope
    return row.name, c


def formula(name: str, slot: int, names: list[str], c: float) -> str | None:
    """The local derivative as the hints print it (``"cos(x)"``), or None without a text."""
    if name == SUM_GATE:
        return opinfo.local_text(opinfo.BY_NAME["add"], 0, ["a", "b"])  # every term's: 1
    return opinfo.local_text(opinfo.BY_NAME[name], slot, names, exact_text(c),
                             number="{:g}".format)


def table() -> dict[str, dict[str, Any]]:
    """The rows as the page reads them (from :func:`autograd.opinfo.page_table`): name ->
    ``{"f": forward, "d": [derivatives]}``; the n-ary sum gate folds ``add``
    (``"fold": true``: ``f`` of the running total ``a`` and the next operand ``b``)."""
    rows = {r["name"]: {"f": r["forward"], "d": r["derivatives"]} for r in opinfo.page_table()}
    add = rows["add"]
    rows[SUM_GATE] = {"f": add["f"], "d": add["d"][:1], "fold": True}
    return rows
