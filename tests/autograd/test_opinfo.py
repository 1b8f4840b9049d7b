"""The op-info table agrees with the kernels: forward values, float and graph derivatives, texts.

Each row is checked on random inputs against what ``Value`` (and ``Tensor``) compute, its
derivative expressions against central differences of its forward expression, and its step
text (read as a Python expression by a small ``ast`` walker) against the float derivative.
"""

from __future__ import annotations

import ast
import math

import numpy as np
import op_table  # tests/autograd is on sys.path (rootdir-less)
import pytest

from autograd import Tensor, Value, maximum, minimum, opinfo
from autograd.opinfo import BY_NAME, OPS, evaluate, local_text, lookup

RNG_SEED = 27
# How each Value row is built: (function of Values and the constant, domain of a, of b, c)
VALUE_OPS = {
    "add": (lambda a, b, c: a + b, "real", "real", None),
    "sub": (lambda a, b, c: a - b, "real", "real", None),
    "mul": (lambda a, b, c: a * b, "real", "real", None),
    "div": (lambda a, b, c: a / b, "real", "nonzero", None),
    "pow": (lambda a, b, c: a**b, "positive", "real", None),
    "max": (lambda a, b, c: a.max(b), "real", "real", None),
    "min": (lambda a, b, c: a.min(b), "real", "real", None),
    "add_const": (lambda a, b, c: a + c, "real", None, 1.5),
    "sub_const": (lambda a, b, c: a - c, "real", None, -3.0),
    "rsub_const": (lambda a, b, c: c - a, "real", None, 2.0),
    "mul_const": (lambda a, b, c: a * c, "real", None, -0.5),
    "div_const": (lambda a, b, c: a / c, "real", None, 4.0),
    "rdiv_const": (lambda a, b, c: c / a, "nonzero", None, 2.0),
    "pow_const": (lambda a, b, c: a**c, "positive", None, 2.5),
    "rpow_const": (lambda a, b, c: c**a, "real", None, 2.0),
    "max_const": (lambda a, b, c: a.max(c), "real", None, 0.25),
    "min_const": (lambda a, b, c: a.min(c), "real", None, 0.25),
    "leaky_relu": (lambda a, b, c: a.leaky_relu(c), "nonzero", None, 0.1),
}
# Tensor spellings of the rows both engines have (elementwise; matmul/sum on 1x1 and 1-vectors)
TENSOR_OPS = {
    "add": lambda a, b, c: a + b, "sub": lambda a, b, c: a - b, "mul": lambda a, b, c: a * b,
    "div": lambda a, b, c: a / b, "pow": lambda a, b, c: a**b,
    "max": lambda a, b, c: maximum(a, b), "min": lambda a, b, c: minimum(a, b),
    "pow_const": lambda a, b, c: a**c, "leaky_relu": lambda a, b, c: a.leaky_relu(c),
    "matmul": lambda a, b, c: a.reshape(1, 1) @ b.reshape(1, 1),
    "sum": lambda a, b, c: a.sum(),
}  # fmt: skip
DOMAINS = {"real": (-2.0, 2.0), "positive": (0.2, 3.0), "nonzero": (0.3, 2.0)}


def _unary(fn):
    return lambda a, b, c: fn(a)


# The unary ops without a constant come from the suite's op table (tests/autograd/op_table.py),
# which spells each op once for Value, Tensor and torch: a new op needs its row there only.
for _op in op_table.ELEMENTWISE:
    _row = BY_NAME.get(_op.name)
    if _row is None or _op.name in VALUE_OPS or _row.inputs != ("a",):
        continue
    if _op.value and "value" in _row.kinds:
        VALUE_OPS[_op.name] = (_unary(_op.fn), _op.domain, None, None)
    if _op.tensor and "tensor" in _row.kinds:
        TENSOR_OPS[_op.name] = _unary(_op.fn)


def _draw(rng: np.random.Generator, domain: str | None) -> float:
    lo, hi = DOMAINS[domain or "real"]
    x = float(rng.uniform(lo, hi))
    return -x if domain == "nonzero" and rng.random() < 0.5 else x


def _env(row: opinfo.OpInfo, xs: list[float], c: float | None) -> dict:
    env = dict(zip(row.inputs, xs))
    if c is not None:
        env["c"] = c
    return env


def _samples(name: str, n: int = 25):
    rng = np.random.default_rng(RNG_SEED)
    build, da, db, c = VALUE_OPS[name]
    for _ in range(n):
        xs = [_draw(rng, da)] + ([_draw(rng, db)] if db else [])
        yield build, xs, c


def test_every_value_row_is_checked_and_every_value_gate_has_a_row():
    value_rows = {r.name for r in OPS if "value" in r.kinds}
    assert value_rows == set(VALUE_OPS)
    tensor_rows = {r.name for r in OPS if "tensor" in r.kinds}
    assert tensor_rows == set(TENSOR_OPS)
    for name, (build, da, _db, c) in VALUE_OPS.items():
        a, b = Value(_draw(np.random.default_rng(0), da)), Value(0.7)
        node = build(a, b, c)
        found = lookup(node.op)
        assert found is not None, f"gate {node.op!r} has no row"
        assert found[0].name == name, (node.op, found[0].name, name)


@pytest.mark.parametrize("name", sorted(VALUE_OPS))
def test_row_matches_value_forward_float_and_graph_derivatives(name):
    row = BY_NAME[name]
    for build, xs, c in _samples(name):
        leaves = [Value(x) for x in xs]
        node = build(*leaves, *([None] * (2 - len(leaves))), c)
        env = _env(row, xs, c)
        env["out"] = node.data
        assert evaluate(row.forward, env) == pytest.approx(node.data, rel=1e-12, abs=1e-12)
        graph_locals = node.shares(1.0, create_graph=True)
        for slot, expr in enumerate(row.derivatives):
            want = node.local[slot]
            assert evaluate(expr, env) == pytest.approx(want, rel=1e-12, abs=1e-12), slot
            got = graph_locals[slot]
            assert float(got.data if isinstance(got, Value) else got) == pytest.approx(
                want, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("row", OPS, ids=lambda r: r.name)
def test_derivative_expressions_are_the_forward_expressions_slope(row):
    name = row.name
    rng = np.random.default_rng(RNG_SEED)
    if name in VALUE_OPS:
        _, da, db, c = VALUE_OPS[name]
    else:
        da, db, c = "real", "real" if len(row.inputs) == 2 else None, None
    h = 1e-6
    for _ in range(20):
        xs = [_draw(rng, da)] + ([_draw(rng, db)] if len(row.inputs) == 2 else [])
        if name in ("max", "min") and abs(xs[0] - xs[1]) < 1e-3:
            continue
        env = _env(row, xs, c)
        env["out"] = evaluate(row.forward, env)
        for slot, expr in enumerate(row.derivatives):
            up, down = list(xs), list(xs)
            up[slot] += h
            down[slot] -= h
            slope = (evaluate(row.forward, _env(row, up, c))
                     - evaluate(row.forward, _env(row, down, c))) / (2 * h)
            assert evaluate(expr, env) == pytest.approx(slope, rel=1e-6, abs=1e-6), (name, xs)


@pytest.mark.parametrize("name", sorted(TENSOR_OPS))
def test_row_matches_tensor_gradients(name):
    row = BY_NAME[name]
    _, da, db, c = VALUE_OPS.get(name, (None, "real", "real" if len(row.inputs) == 2 else None,
                                        None))
    rng = np.random.default_rng(RNG_SEED)
    xs = [np.array([_draw(rng, da) for _ in range(6)])]
    if len(row.inputs) == 2:
        xs.append(np.array([_draw(rng, db) for _ in range(6)]))
    if name in ("matmul", "sum"):
        xs = [x[:1] for x in xs]
    ts = [Tensor(x, requires_grad=True) for x in xs]
    out = TENSOR_OPS[name](*ts, *([None] * (2 - len(ts))), c)
    out.backward(np.ones_like(out.data))
    env = _env(row, xs, c)
    env["out"] = out.data.reshape(xs[0].shape)
    for slot, expr in enumerate(row.derivatives):
        want = [evaluate(expr, {k: (float(v[i]) if isinstance(v, np.ndarray) else v)
                                for k, v in env.items()}) for i in range(xs[0].size)]
        np.testing.assert_allclose(ts[slot].grad, want, rtol=1e-10, atol=1e-12)


_TEXT_CALLS = {"exp": math.exp, "log": math.log, "tanh": math.tanh, "cos": math.cos,
               "sin": math.sin, "sqrt": math.sqrt, "abs": abs,
               "σ": lambda x: 1 / (1 + math.exp(-x)),
               "sign": lambda x: float((x > 0) - (x < 0))}


def _read_text(text: str, names: dict[str, float]) -> float:
    """Evaluate a step text's formula (``"1/(2 sqrt(x))"``, ``"1 if x > 0 else 0"``)."""
    source = text.replace(" sqrt(", " * sqrt(").replace("σ(", "sigma(")
    return _walk(ast.parse(source, mode="eval").body, names)


def _walk(node: ast.AST, names: dict[str, float]) -> float:
    ops = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
           ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
           ast.Pow: lambda a, b: a**b}
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return names[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_walk(node.operand, names)
    if isinstance(node, ast.BinOp):
        return ops[type(node.op)](_walk(node.left, names), _walk(node.right, names))
    if isinstance(node, ast.Call):
        f = _TEXT_CALLS["σ" if node.func.id == "sigma" else node.func.id]
        return f(_walk(node.args[0], names))
    if isinstance(node, ast.IfExp):
        test = node.test
        assert isinstance(test, ast.Compare) and isinstance(test.ops[0], ast.Gt)
        hit = _walk(test.left, names) > _walk(test.comparators[0], names)
        return _walk(node.body if hit else node.orelse, names)
    raise AssertionError(f"unexpected syntax in a step text: {ast.dump(node)}")


@pytest.mark.parametrize("name", sorted(n for n in VALUE_OPS if any(BY_NAME[n].local)))
def test_step_texts_give_the_local_derivative(name):
    row = BY_NAME[name]
    for build, xs, c in _samples(name, 10):
        leaves = [Value(x) for x in xs]
        node = build(*leaves, *([None] * (2 - len(leaves))), c)
        found = lookup(node.op)
        assert found is not None and found[0] is row
        names = ["p", "q"][: len(xs)]
        for slot in range(len(xs)):
            text = local_text(row, slot, names, found[1])
            if text is None:
                continue
            got = _read_text(text, dict(zip(names, xs)))
            assert got == pytest.approx(node.local[slot], rel=1e-9, abs=1e-12), text


def test_texts_read_as_the_lectures_write_them():
    row, c = lookup("**2")
    assert local_text(row, 0, ["x"], c) == "2 * x**1"
    row, c = lookup("1/x")
    assert local_text(row, 0, ["n11"], c) == "-1/n11**2"
    assert local_text(BY_NAME["mul"], 0, ["q", "z"]) == "z"
    assert local_text(BY_NAME["sigmoid"], 0, ["x"]) == "σ(x) * (1 - σ(x))"


def test_expressions_are_checked():
    with pytest.raises(ValueError, match="unknown name"):
        opinfo.check(["sin", "x"])
    with pytest.raises(ValueError, match="takes 1 operand"):
        opinfo.check(["sin", "a", "b"])
    with pytest.raises(ValueError, match="expected a number"):
        opinfo.check(["eval", "a"])
    with pytest.raises(ValueError, match="booleans"):
        opinfo.check(True)


def test_page_table_is_json_and_functions_come_from_the_table():
    import json

    rows = json.loads(json.dumps(opinfo.page_table()))
    assert {r["name"] for r in rows} == set(VALUE_OPS)
    from viz.expr import FUNCTIONS

    assert FUNCTIONS == tuple(r.name for r in OPS if r.function)
    assert {"sin", "exp", "relu"} <= set(FUNCTIONS)
