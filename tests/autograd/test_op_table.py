"""The op table covers every elementwise op of both engines (adding one without its row fails)."""

from __future__ import annotations

import inspect

import op_table  # tests/autograd is on sys.path (rootdir-less)
import pytest
from tensor_cases import CASES
from test_value import UNARY

from autograd import Tensor, Value, elementwise

NAMES = {op.name for op in op_table.ELEMENTWISE}


def test_rows_are_unique_and_fed_to_every_test():
    assert len(NAMES) == len(op_table.ELEMENTWISE)
    case_names = {c.name for c in CASES}
    assert {op.name for op in op_table.rows("tensor")} <= case_names
    assert {u[0] for u in UNARY} == {op.name for op in op_table.rows("value")}


@pytest.mark.parametrize("engine,cls", [("value", Value), ("tensor", Tensor)])
def test_every_unary_method_has_a_row(engine, cls):
    have = {op.name for op in op_table.rows(engine)}
    for method, row in op_table.METHOD_ROWS.items():
        if hasattr(cls, method):
            assert row in have, f"{cls.__name__}.{method} has no row {row!r} in op_table"
    # a new differentiable unary method must be added to METHOD_ROWS (and get a row)
    public = {name for name, _ in inspect.getmembers(cls, inspect.isfunction)
              if not name.startswith("_")}
    unary = {name for name in public
             if list(inspect.signature(getattr(cls, name)).parameters) in (["self"],
                                                                           ["self", "slope"])}
    not_ops = {"item", "numpy", "detach", "retain_grad", "backward", "zero_grad", "argmax",
               "argmin", "sum", "mean", "var", "max", "min", "logsumexp", "softmax",
               "log_softmax", "squeeze", "flatten", "transpose", "permute", "reshape",
               "expand", "unsqueeze", "zero_"}  # zero_: an in-place fill (test_inplace.py)
    missing = unary - not_ops - set(op_table.METHOD_ROWS)
    assert not missing, f"{cls.__name__} methods without an op-table row: {sorted(missing)}"


def test_every_elementwise_function_is_exercised():
    functions = {name for name, f in inspect.getmembers(elementwise, inspect.isfunction)
                 if f.__module__ == elementwise.__name__ and not name.startswith("_")}
    binary = {"add", "sub", "mul", "div", "power", "maximum", "minimum", "where", "compare",
              "masked_fill"}  # masked_fill is a where (catalogue case "masked_fill")
    via_methods = {"neg", "absolute"} | {row for row in op_table.METHOD_ROWS.values()}
    assert functions - binary - via_methods == set()
