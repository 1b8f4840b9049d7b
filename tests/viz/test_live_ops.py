"""The live page's gates against ``Value`` itself, and the page model (no browser).

The page evaluates the op-info table's expressions (:mod:`autograd.opinfo`). Every
elementwise op of the project's op table (tests/autograd/op_table.py, which a test keeps
complete for ``Value``) and every two-operand gate must find its row through
:func:`viz.live_ops.gate_of`, with the row giving ``Value``'s own forward value and local
derivatives; and the page's script must implement every operator the table uses.
"""

from __future__ import annotations

import importlib.util
import math
import random
import re
import sys
from pathlib import Path

import pytest

import viz
from autograd import Value, opinfo
from viz.demo import sigmoid_circuit, xyz_circuit
from viz.live import graph_model, judge, parse_answer, questions, tolerance
from viz.live_ops import PAGE_OPERATORS, SUM_GATE, gate_of, rows, table
from viz.nodes import GraphInfo

LIVE_JS = Path(viz.__file__).parent / "html" / "live.js"


def _op_table():
    path = Path(__file__).resolve().parents[1] / "autograd" / "op_table.py"
    spec = importlib.util.spec_from_file_location("chainrule_op_table", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


#: the gates with two Value operands (op_table's rows are one-operand)
BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / b, "pow": lambda a, b: a ** b,
          "max": lambda a, b: a.max(b), "min": lambda a, b: a.min(b)}
#: one-operand gates with a constant beyond op_table's (constants no 6-digit label keeps)
EXTRA = {"add_const": lambda a: a + 0.1234567891, "sub_const": lambda a: a - 2.25,
         "mul_const": lambda a: a * -0.7071067811865476, "div_const": lambda a: a / 3.0,
         "rdiv_const": lambda a: 2.0 / a, "rpow_const": lambda a: 1.7 ** a,
         "max_const": lambda a: a.max(0.3), "min_const": lambda a: a.min(-0.3),
         "leaky_relu": lambda a: a.leaky_relu()}


def _same(x: float, y: float) -> bool:
    return x == y or (math.isnan(x) and math.isnan(y)) or math.isclose(x, y, rel_tol=1e-15)


def _check(out: Value) -> str:
    name, c = gate_of(out)
    row = opinfo.BY_NAME[name]
    env = {"a": out.parents[0].data, "b": out.parents[1].data if len(out.parents) == 2 else 0.0,
           "c": c}
    env["out"] = opinfo.evaluate(row.forward, env)
    assert _same(env["out"], out.data), (out.op, env, out.data)
    for tree, local in zip(row.derivatives, out.local, strict=True):
        assert _same(opinfo.evaluate(tree, env), local), (out.op, env, out.local)
    return name


def test_every_value_op_of_the_op_table_finds_its_row_with_values_own_numbers():
    table_ = _op_table()
    ops = table_.rows("value")
    assert len(ops) > 20
    rng = random.Random(0)
    seen = set()
    for op in ops:
        low, high, avoid_zero = table_.DOMAINS[op.domain]
        for _ in range(5):
            x = rng.uniform(low, high) * (rng.choice((-1, 1)) if avoid_zero else 1)
            seen.add(_check(op.fn(Value(x))))
    for fn in EXTRA.values():
        for x in (0.7, -1.3, 0.3, 2.0):
            seen.add(_check(fn(Value(x))))
    for name, fn in BINARY.items():
        for _ in range(5):
            a, b = rng.uniform(0.2, 2.0), rng.uniform(-2.0, 2.0)
            assert _check(fn(Value(a), Value(b))) == name
        assert _check(fn(Value(1.5), Value(1.5))) == name  # ties of max/min: half each
    # the page has every row, and the n-ary sum gate sum() records (a fold of add)
    assert seen | set(BINARY) == set(rows()) == set(table()) - {SUM_GATE}
    assert table()[SUM_GATE]["fold"] and table()[SUM_GATE]["f"] == opinfo.BY_NAME["add"].forward


def test_the_leaky_slope_is_kept_for_the_page():
    for slope, x in ((0.2, 1.5), (0.2, -1.5), (0.01, 2.0)):
        assert gate_of(Value(x).leaky_relu(slope)) == ("leaky_relu", slope)
    y = Value(1.5)
    z = y.leaky_relu(0.2)
    z.backward(create_graph=True)  # the kept rule still serves create_graph
    assert float(getattr(y.grad, "data", y.grad)) == 1.0


def test_the_page_script_implements_every_operator_of_the_table():
    script = LIVE_JS.read_text(encoding="utf-8")
    block = script[script.index("var FN = {"): script.index("function ev(")]
    implemented = set(re.findall(r'"([^"]+)":', block)) | {"where"}
    assert PAGE_OPERATORS == set(opinfo.OPERATORS) == implemented
    for word in ("eval(", "new Function", "fetch(", "XMLHttpRequest", "innerHTML = D.title"):
        assert word not in script


def test_an_op_without_a_row_fails_clearly():
    v = Value(1.0)
    out = v.exp()
    out.op = "softplus"  # a gate the page does not know
    with pytest.raises(ValueError, match="no row for the gate 'softplus'"):
        gate_of(out)


def test_gate_labels_keep_the_exact_constant():
    x = Value(2.0)
    for c in (0.1, 1 / 3, 0.123456789, -2.5e-7, 3.0):
        assert gate_of(x + c) == ("add_const", c)
        assert gate_of(c - x)[1] == c
    assert (x + 1).op == "+1" and (x * 0.5).op == "*0.5"  # the lecture's labels unchanged
    assert x.max(1 / 3).op == f"max({1 / 3!r})"


def test_graph_model_is_data():
    f = xyz_circuit()
    model = graph_model(GraphInfo(f))
    names = [n["n"] for n in model["nodes"]]
    assert names == ["x", "y", "q", "z", "f"] and model["root"] == 4
    q = model["nodes"][2]
    assert q["k"] == "add" and q["p"] == [0, 1] and not q["leaf"] and q["fm"] == ["1", "1"]
    assert all(n["leaf"] == (not n["p"]) for n in model["nodes"])
    nan = Value(float("nan"), label="bad") * 2
    assert graph_model(GraphInfo(nan))["nodes"][0]["v"] == "NaN"  # JSON has no NaN literal


def test_tensor_graphs_are_refused():
    from autograd import Tensor

    t = (Tensor([1.0, 2.0], requires_grad=True) * 2).sum()
    with pytest.raises(TypeError, match="scalar Value graphs"):
        viz.explore(t)


def test_answers_are_parsed_and_judged_within_the_shown_precision():
    assert parse_answer("-4") == -4.0 and parse_answer("3/8") == 0.375
    assert parse_answer("−0.5") == -0.5  # a typographic minus
    assert parse_answer("1/0") is None and parse_answer("2**3") is None
    assert parse_answer("") is None and parse_answer("1/2/3") is None
    assert judge("-0.20", -0.19661193, 2) and not judge("-0.19", -0.19661193, 2)
    assert judge("-0.197", -0.19661193, 2)
    assert judge("0.39", 0.39322386, 2) and judge("0.393", 0.39322386, 3)
    assert not judge("0.39", 0.39322386, 3)


def test_the_shown_number_is_right_and_one_digit_off_is_wrong():
    rng = random.Random(3)
    for _ in range(2000):
        x = rng.uniform(-3, 3) * 10.0 ** rng.randint(-8, 6)
        p = rng.randint(0, 4)
        shown = viz.format.fmt(x, p)
        assert judge(shown, x, p), (x, p, shown)
        step = 2 * tolerance(x, p)  # one last shown digit
        assert not judge(repr(x + 1.5 * step), x, p) and not judge(repr(x - 1.5 * step), x, p)


def test_quiz_break_asks_only_the_named_node_once():
    s = viz.step(sigmoid_circuit())
    qs = questions(s, ask="w1")
    assert len(qs) == 1 and qs[0]["x"] == pytest.approx(-0.3932, abs=1e-4)
    assert qs[0]["q"].startswith("df/dw1 = df/d")
    assert qs[0]["hints"][0].startswith("local derivative: d") and "= x1" in qs[0]["hints"][0]
    assert qs[0]["hints"][1].startswith("upstream: df/d")
    every = questions(s)
    assert len(every) == s.n_steps
    with pytest.raises(ValueError, match="not in the graph"):
        questions(s, ask=["w9"])


def test_choices_hold_the_answer_and_common_mistakes():
    s = viz.step(xyz_circuit())
    qs = questions(s, ask="x", choices=4)
    (q,) = qs
    assert len(q["choices"]) == 4 and "-4" in q["choices"]
    assert "1" in q["choices"]  # the local derivative alone (no upstream factor)
    assert "4" in q["choices"]  # the sign
    assert sum(judge(c, q["x"], 2) for c in q["choices"]) == 1
    with pytest.raises(ValueError, match="choices must be 2..8"):
        questions(s, choices=12)


def test_network_explore_names_inputs_target_and_weights():
    import nn

    net = nn.scalar.MLP.from_weights([[[0.1, 0.8], [0.4, 0.6]], [[0.3, 0.9]]])
    page = viz.step_network(net, [0.35, 0.9], [0.5], lr=1.0).explore()
    nodes = page.model["nodes"]
    edit = [nodes[k]["n"] for k in page.model["edit"]]
    assert edit[:3] == ["x1", "x2", "t"]
    assert sorted(edit[3:]) == sorted(p.label for p in net.parameters())
    assert page.lr == 1.0
    with pytest.raises(TypeError, match="nn.scalar.MLP"):
        viz.live.network_loss(object(), [1.0], [1.0])
