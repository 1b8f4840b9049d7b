"""The op-info table: one row per op, everything besides the kernel that the library says about it.

A row (:class:`OpInfo`) holds

``name``
    The op's name (``"sin"``, ``"mul"``, ``"pow_const"``...), unique in :data:`OPS`.
``gate``
    The gate label a node carries (``node.op``) and drawings show: ``"sin"``, ``"*"``. A gate
    with a constant operand has ``{c}`` where the constant goes: ``"**{c}"`` is ``x**2``'s
    ``"**2"``, ``"{c}/x"`` is ``2/x``'s ``"2/x"`` (:func:`lookup` finds the row and the constant).
``inputs``
    The operand names the expressions use: ``("a",)`` or ``("a", "b")``.
``forward``, ``derivatives``
    The op's value and its local derivative d out/d input (one per input) as *expressions*
    (below), over the inputs, ``out`` (the op's result) and ``c`` (the constant of a constant
    gate). ``Value``'s ``create_graph`` derivatives are built from them (:func:`value_rule`);
    the explore page's JavaScript interpreter evaluates the same data, so Python and the page
    use one set of formulas.
``local``
    The local derivative as the step texts print it, one per input (``None``: no text), with
    ``{a}``, ``{b}`` for the operands' names and ``{c}``, ``{c-1}`` for the constant:
    ``"cos({a})"`` reads ``cos(x)``.
``function``
    Whether ``viz``'s command-line expressions may call it as ``name(x)`` (:func:`functions`).
``matrix``
    The Tensor matrix-calculus form with shapes (:class:`MatrixForm`): ``dJ/da = {g} · {b}ᵀ``
    for ``matmul``, ``{g} ⊙ cos({a})`` for ``sin``; ``None`` for Value-only rows. Tensor ops
    without a scalar row (reductions, shapes, conv, pooling) have theirs in
    :data:`TENSOR_FORMS`; :func:`matrix_form` finds either.
``kinds``
    Which node kinds have the op: ``"value"`` (scalar :class:`~autograd.Value`), ``"tensor"``.

Expressions
-----------
A small JSON-ready tree a JavaScript interpreter can evaluate without ``eval``: a number; a
name (``"a"``, ``"b"``, ``"c"``, ``"out"``); or a list ``[operator, operand, ...]`` with an
operator of :data:`OPERATORS`. ``["*", "b", ["**", "a", ["-", "b", 1]]]`` is ``b a**(b-1)``.
Comparisons give 1.0 or 0.0 and ``["where", cond, x, y]`` picks ``x`` where ``cond`` is
non-zero, so kinks (ReLU, max) are expressions too. Arithmetic is IEEE float64 (``1/0`` is
``inf``), as in JavaScript.

>>> evaluate(lookup("sin")[0].derivatives[0], {"a": 0.0})
1.0
>>> row, c = lookup("**2")
>>> row.name, c, local_text(row, 0, ["x"], c)
('pow_const', '2', '2 * x**1')

Adding an elementwise op: its kernel and rule (``value.py`` and/or ``elementwise.py``) and one
row here; the step texts, the command line and the page read the row, and
``tests/autograd/test_opinfo.py`` checks the row's formulas against the kernel's derivatives.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

Expr = Union[float, int, str, list]

#: Operator -> number of operands, for expressions (the interpreter's whole instruction set).
OPERATORS: dict[str, int] = {
    "+": 2, "-": 2, "*": 2, "/": 2, "**": 2, ">": 2, "<": 2, "==": 2, "neg": 1,
    "where": 3, "exp": 1, "log": 1, "log1p": 1, "sqrt": 1, "sin": 1, "cos": 1, "tanh": 1,
    "sigmoid": 1, "abs": 1, "sign": 1,
}  # fmt: skip
NAMES = ("a", "b", "c", "out")


def check(expr: Expr) -> None:
    """Raise ValueError unless ``expr`` is a well-formed expression (iteratively)."""
    stack = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, bool):
            raise ValueError("expression: booleans are not numbers")
        if isinstance(e, (int, float)):
            continue
        if isinstance(e, str):
            if e not in NAMES:
                raise ValueError(f"expression: unknown name {e!r} (expected one of {NAMES})")
            continue
        if not isinstance(e, list) or not e or e[0] not in OPERATORS:
            raise ValueError(f"expression: expected a number, a name or [operator, ...], "
                             f"got {e!r}")
        if len(e) - 1 != OPERATORS[e[0]]:
            raise ValueError(f"expression: {e[0]!r} takes {OPERATORS[e[0]]} operand(s), "
                             f"got {len(e) - 1}")
        stack.extend(e[1:])




@dataclass(frozen=True)
class MatrixForm:
    """A Tensor op's backward step in matrix-calculus form, with shapes.

    Attributes
    ----------
    shapes : tuple of str
        Each input's shape in letters: ``("m×k", "k×n")``.
    out : str
        The output's shape: ``"m×n"``.
    grads : tuple of str
        Per input, ``dJ/d{input}`` as a formula of the upstream gradient ``{g}`` (dJ/d out)
        and the operands ``{a}``, ``{b}``: ``"{g} · {b}ᵀ"``.
    """

    shapes: tuple[str, ...]
    out: str
    grads: tuple[str, ...]


@dataclass(frozen=True)
class OpInfo:
    """One op of the table (see the module docstring for each field)."""

    name: str
    gate: str
    inputs: tuple[str, ...]
    forward: Expr
    derivatives: tuple[Expr, ...]
    local: tuple[str | None, ...]
    function: bool = False
    matrix: MatrixForm | None = None
    kinds: tuple[str, ...] = ("value", "tensor")

    def __post_init__(self) -> None:
        n = len(self.inputs)
        if len(self.derivatives) != n or len(self.local) != n:
            raise ValueError(f"op {self.name!r}: one derivative and one text per input")
        for expr in (self.forward, *self.derivatives):
            check(expr)

    @property
    def has_constant(self) -> bool:
        """Whether the gate carries a constant operand (``"+{c}"``)."""
        return "{c}" in self.gate


def _op(name: str, gate: str, forward: Expr, derivatives: Sequence[Expr],
        local: Sequence[str | None], **kw: Any) -> OpInfo:
    inputs = ("a", "b")[: len(derivatives)]
    return OpInfo(name, gate, inputs, forward, tuple(derivatives), tuple(local), **kw)


def _ew(*grads: str) -> MatrixForm:
    """An elementwise op's matrix form: every array has the output's shape (broadcasting is
    undone by summing, which the step text adds where the shapes differ)."""
    return MatrixForm(("m×n",) * len(grads), "m×n", grads)


_SCALAR = ("value",)
_MAX_D = ["where", ["==", "a", "b"], 0.5, [">", "a", "b"]]  # the larger one; half each on a tie
_MIN_D = ["where", ["==", "a", "b"], 0.5, ["<", "a", "b"]]

#: Every op with a row, Value's first. ``lookup`` finds a row by gate label.
OPS: tuple[OpInfo, ...] = (
    # binary arithmetic: d(a+b) = 1, 1; d(ab) = b, a; d(a/b) = 1/b, -a/b**2
    _op("add", "+", ["+", "a", "b"], [1, 1], ["1", "1"], matrix=_ew("{g}", "{g}")),
    _op("sub", "-", ["-", "a", "b"], [1, -1], ["1", "-1"], matrix=_ew("{g}", "−{g}")),
    _op("mul", "*", ["*", "a", "b"], ["b", "a"], ["{b}", "{a}"],
        matrix=_ew("{g} ⊙ {b}", "{g} ⊙ {a}")),
    _op("div", "/", ["/", "a", "b"], [["/", 1, "b"], ["neg", ["/", "out", "b"]]],
        ["1/{b}", "-{a}/{b}**2"], matrix=_ew("{g} ⊘ {b}", "−{g} ⊙ {out} ⊘ {b}")),
    # d(a**b) = b a**(b-1), a**b ln a
    _op("pow", "**", ["**", "a", "b"],
        [["*", "b", ["**", "a", ["-", "b", 1]]], ["*", "out", ["log", "a"]]],
        ["{b} * {a}**({b} - 1)", "{a}**{b} * log({a})"],
        matrix=_ew("{g} ⊙ {b} {a}^({b}−1)", "{g} ⊙ {out} ⊙ log {a}")),
    _op("max", "max", ["where", [">", "a", "b"], "a", "b"], [_MAX_D, ["-", 1, _MAX_D]],
        [None, None]),
    _op("min", "min", ["where", ["<", "a", "b"], "a", "b"], [_MIN_D, ["-", 1, _MIN_D]],
        [None, None]),
    # a gate with a constant operand c (x + 1 is one "+1" gate)
    _op("add_const", "+{c}", ["+", "a", "c"], [1], ["1"], kinds=_SCALAR),
    _op("sub_const", "-{c}", ["-", "a", "c"], [1], ["1"], kinds=_SCALAR),
    _op("rsub_const", "{c}-x", ["-", "c", "a"], [-1], ["-1"], kinds=_SCALAR),
    _op("mul_const", "*{c}", ["*", "a", "c"], ["c"], ["{c}"], kinds=_SCALAR),
    _op("div_const", "/{c}", ["/", "a", "c"], [["/", 1, "c"]], ["1/{c}"], kinds=_SCALAR),
    _op("rdiv_const", "{c}/x", ["/", "c", "a"], [["neg", ["/", "out", "a"]]],
        ["-{c}/{a}**2"], kinds=_SCALAR),  # d(c/a) = -c/a**2 = -(c/a)/a
    _op("pow_const", "**{c}", ["**", "a", "c"], [["*", "c", ["**", "a", ["-", "c", 1]]]],
        ["{c} * {a}**{c-1}"], matrix=_ew("{g} ⊙ {c a^(c-1)}")),  # d a**c = c a**(c-1)
    _op("rpow_const", "{c}**x", ["**", "c", "a"], [["*", "out", ["log", "c"]]],
        ["{c}**{a} * log({c})"], kinds=_SCALAR),  # d c**a = c**a ln c
    # unary functions
    _op("max_const", "max({c})", ["where", [">", "a", "c"], "a", "c"],
        [["where", ["==", "a", "c"], 0.5, [">", "a", "c"]]], [None], kinds=_SCALAR),
    _op("min_const", "min({c})", ["where", ["<", "a", "c"], "a", "c"],
        [["where", ["==", "a", "c"], 0.5, ["<", "a", "c"]]], [None], kinds=_SCALAR),
    _op("neg", "*-1", ["neg", "a"], [-1], ["-1"], kinds=_SCALAR),
    _op("abs", "abs", ["abs", "a"], [["sign", "a"]], ["sign({a})"],
        matrix=_ew("{g} ⊙ sign({a})")),
    _op("reciprocal", "1/x", ["/", 1, "a"], [["neg", ["*", "out", "out"]]], ["-1/{a}**2"],
        matrix=_ew("−{g} ⊙ {out}²")),
    # c is the slope, a parameter the gate label does not show
    _op("leaky_relu", "leaky_relu", ["where", [">", "a", 0], "a", ["*", "c", "a"]],
        [["where", [">", "a", 0], 1, "c"]], [None],
        matrix=_ew("{g} ⊙ (1 where {a} > 0, else the slope)")),
    _op("log1p", "log1p", ["log1p", "a"], [["/", 1, ["+", 1, "a"]]], ["1/(1 + {a})"],
        matrix=_ew("{g} ⊘ (1 + {a})")),
    _op("exp", "exp", ["exp", "a"], ["out"], ["exp({a})"], function=True,
        matrix=_ew("{g} ⊙ exp({a})")),
    _op("log", "log", ["log", "a"], [["/", 1, "a"]], ["1/{a}"], function=True,
        matrix=_ew("{g} ⊘ {a}")),
    _op("tanh", "tanh", ["tanh", "a"], [["-", 1, ["*", "out", "out"]]],
        ["1 - tanh({a})**2"], function=True, matrix=_ew("{g} ⊙ (1 − {out}²)")),
    _op("sigmoid", "sigmoid", ["sigmoid", "a"], [["*", "out", ["-", 1, "out"]]],
        ["σ({a}) * (1 - σ({a}))"], function=True, matrix=_ew("{g} ⊙ {out} ⊙ (1 − {out})")),
    _op("relu", "relu", ["where", [">", "a", 0], "a", 0], [[">", "a", 0]],
        ["1 if {a} > 0 else 0"], function=True, matrix=_ew("{g} ⊙ (1 where {a} > 0, else 0)")),
    _op("sin", "sin", ["sin", "a"], [["cos", "a"]], ["cos({a})"], function=True,
        matrix=_ew("{g} ⊙ cos({a})")),
    _op("cos", "cos", ["cos", "a"], [["neg", ["sin", "a"]]], ["-sin({a})"], function=True,
        matrix=_ew("−{g} ⊙ sin({a})")),
    _op("sqrt", "sqrt", ["sqrt", "a"], [["/", 0.5, "out"]], ["1/(2 sqrt({a}))"],
        function=True, matrix=_ew("{g} ⊘ (2 {out})")),
    # Tensor ops whose backward is a matrix formula: the expressions are the scalar case
    _op("matmul", "matmul", ["*", "a", "b"], ["b", "a"], ["{b}", "{a}"], kinds=("tensor",),
        matrix=MatrixForm(("m×k", "k×n"), "m×n", ("{g} · {b}ᵀ", "{a}ᵀ · {g}"))),
    OpInfo("sum", "sum", ("a",), "a", (1,), ("1",), kinds=("tensor",),
           matrix=MatrixForm(("m×n",), "1", ("{g} broadcast to {shape}",))),
)

#: Tensor ops without a scalar row: gate label -> their backward step in matrix form.
#: Besides ``{g}``, ``{a}``, ``{b}`` and ``{out}``, a formula may name ``{parent}`` (the
#: operand receiving the share), ``{shape}`` (its shape), ``{n}`` (elements reduced into one),
#: ``{k}`` and ``{s}`` (a conv or pool's kernel and stride) and ``{spread}`` (", spread out
#: by stride 2" when the stride is above 1: zeros between the upstream gradient's entries).
#: A form with fewer formulas than the op has operands uses its last one for the rest
#: (``concatenate``, ``stack``).
TENSOR_FORMS: dict[str, MatrixForm] = {
    # elementwise: the output has the operands' shape
    "neg": _ew("−{g}"),
    "maximum": _ew("{g} where {a} > {b}, else 0 (half each on a tie)",
                   "{g} where {b} > {a}, else 0 (half each on a tie)"),
    "minimum": _ew("{g} where {a} < {b}, else 0 (half each on a tie)",
                   "{g} where {b} < {a}, else 0 (half each on a tie)"),
    "where": _ew("0 (a condition)", "{g} where the condition holds, else 0",
                 "{g} where the condition does not hold, else 0"),
    "clip": _ew("{g} where {a} is inside the range, else 0"),
    "expm1": _ew("{g} ⊙ exp({a})"),
    "erf": _ew("{g} ⊙ (2/√π) exp(−{a}²)"),
    "dropout": _ew("{g} ⊙ mask (0 where dropped, 1/(1 − p) where kept)"),
    # reductions: the upstream gradient goes back to every element that was reduced
    "mean": MatrixForm(("m×n",), "1", ("{g} broadcast to {shape}, ÷ {n}",)),
    "max": MatrixForm(("m×n",), "1", ("{g} at the max of {a} (shared by ties), 0 elsewhere",)),
    "min": MatrixForm(("m×n",), "1", ("{g} at the min of {a} (shared by ties), 0 elsewhere",)),
    "var": MatrixForm(("m×n",), "1", ("{g} ⊙ 2({a} − mean {a}) ÷ (n − correction)",)),
    "prod": MatrixForm(("m×n",), "1", ("{g} ⊙ {out} ⊘ {a} (the product of the others)",)),
    "logsumexp": MatrixForm(("m×n",), "m", ("{g} ⊙ softmax({a})",)),
    "softmax": _ew("{out} ⊙ ({g} − Σ {g} ⊙ {out})"),  # Σ over the softmax axis
    "log_softmax": _ew("{g} − softmax({a}) ⊙ Σ {g}"),
    "cumsum": _ew("{g} summed from the end (a reversed cumulative sum)"),
    # shapes: the gradient is moved back to where each element came from
    "transpose": MatrixForm(("m×n",), "n×m", ("({g})ᵀ",)),
    "reshape": MatrixForm(("m×n",), "mn", ("{g} reshaped to {shape}",)),
    "expand": MatrixForm(("1×n",), "m×n", ("{g} summed over the copies to {shape}",)),
    "index": MatrixForm(("m×n",), "k×n", ("{g} added into zeros of shape {shape} at the "
                                          "indexed places",)),
    "scatter": MatrixForm(("k×n",), "m×n", ("{g} read at the scattered places",)),
    "concatenate": MatrixForm(("m×n", "k×n"), "(m+k)×n", ("the block of {g} that {parent} "
                                                          "filled",)),
    "stack": MatrixForm(("m×n", "m×n"), "2×m×n", ("the slice of {g} that {parent} filled",)),
    "pad": MatrixForm(("m×n",), "(m+2p)×(n+2p)", ("{g} without the padding",)),
    "flip": _ew("{g} flipped back"),
    # convolution and pooling (NCHW): dJ/dx and dJ/dW are correlations again
    "conv2d": MatrixForm(
        ("N×C×H×W", "O×C×kh×kw", "O"), "N×O×Ho×Wo",
        ("full convolution of {g}{spread} with the flipped kernel {b}",
         "correlation of {a} with {g}, summed over the batch",
         "{g} summed over the batch and every position")),
    "conv_transpose2d": MatrixForm(
        ("N×C×H×W", "C×O×kh×kw"), "N×O×Ho×Wo",
        ("correlation of {g} with the kernel {b} (a conv2d with stride {s})",
         "correlation of {g} with {a}, summed over the batch")),
    "max_pool2d": MatrixForm(("N×C×H×W",), "N×C×Ho×Wo",
                             ("{g} routed to the max of each {k} window, 0 elsewhere",)),
    "avg_pool2d": MatrixForm(("N×C×H×W",), "N×C×Ho×Wo",
                             ("{g} spread evenly over each {k} window (÷ {n})",)),
    # nn's fused ops (x̂ = (x − mean)/σ, the normalised input; t the target)
    "batch_norm": MatrixForm(
        ("N×C", "C", "C"), "N×C",
        ("(γ/σ) ⊙ ({g} − mean {g} − x̂ ⊙ mean({g} ⊙ x̂)), means over the batch",
         "Σ {g} ⊙ x̂ over the batch", "Σ {g} over the batch")),
    "bce": _ew("{g} ⊙ ({a} − t) ⊘ ({a} ⊙ (1 − {a}))"),
    "bce_logits": _ew("{g} ⊙ (σ({a}) − t)"),
}


def matrix_form(gate: str, n_inputs: int) -> tuple[MatrixForm, str | None] | None:
    """The matrix form of a Tensor node's backward step, and its gate constant, or ``None``.

    ``n_inputs`` (the node's number of operands) tells a reduction (``max`` of one Tensor)
    from a scalar row of the same label (``max`` of two Values).

    >>> matrix_form("matmul", 2)[0].grads
    ('{g} · {b}ᵀ', '{a}ᵀ · {g}')
    >>> matrix_form("**2", 1)
    (MatrixForm(shapes=('m×n',), out='m×n', grads=('{g} ⊙ {c a^(c-1)}',)), '2')
    >>> matrix_form("max", 1)[0].grads[0]
    '{g} at the max of {a} (shared by ties), 0 elsewhere'
    """
    form = TENSOR_FORMS.get(gate)
    if form is not None:
        return form, None
    found = lookup(gate)
    if found is None:
        return None
    row, c = found
    if row.matrix is None or "tensor" not in row.kinds or len(row.inputs) != n_inputs:
        return None
    return row.matrix, c

BY_NAME: dict[str, OpInfo] = {row.name: row for row in OPS}
if len(BY_NAME) != len(OPS):  # pragma: no cover - a table edit error
    raise RuntimeError("autograd.opinfo: two rows share a name")
_BY_GATE = {row.gate: row for row in OPS if not row.has_constant}

_NUMBER = r"(-?(?:\d+\.?\d*(?:e[+-]?\d+)?|inf|nan))"
_SYMBOL = r"(\*\*|\+|-|\*|/)"
_RIGHT_CONST = re.compile("^" + _SYMBOL + _NUMBER + "$")  # "+1", "*-1", "**2", "--3"
_LEFT_CONST = re.compile("^" + _NUMBER + _SYMBOL + "x$")  # "1/x", "2**x", "-2-x"


def constant_gate_parts(op: str) -> tuple[str, str, bool] | None:
    """Split a gate with a constant, ``"**2"`` or ``"2**x"``, into (symbol, constant, left).

    ``left``: the constant is the left operand. ``None`` for any other gate.

    >>> constant_gate_parts("**2"), constant_gate_parts("--3"), constant_gate_parts("1/x")
    (('**', '2', False), ('-', '-3', False), ('/', '1', True))
    """
    m = _RIGHT_CONST.match(op)
    if m:
        return m.group(1), m.group(2), False
    m = _LEFT_CONST.match(op)
    if m:
        return m.group(2), m.group(1), True
    return None


def _gate_pattern(gate: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(gate).replace(re.escape("{c}"), _NUMBER) + "$")


_CONST_PATTERNS = [(_gate_pattern(row.gate), row) for row in OPS if row.has_constant]


def lookup(op: str) -> tuple[OpInfo, str | None] | None:
    """The row of a gate label and its constant (as the label writes it), or ``None``.

    >>> lookup("*")[0].name, lookup("2/x")[0].name, lookup("2/x")[1], lookup("matmul")[1]
    ('mul', 'rdiv_const', '2', None)
    """
    row = _BY_GATE.get(op)
    if row is not None:
        return row, None
    for pattern, row in _CONST_PATTERNS:
        m = pattern.match(op)
        if m:
            return row, m.group(1)
    return None


def functions() -> tuple[str, ...]:
    """Names callable as ``f(x)`` in ``viz``'s command-line expressions, in table order."""
    return tuple(row.name for row in OPS if row.function)


def local_text(row: OpInfo, slot: int, names: Sequence[str], c: str | None = None,
               number: Callable[[float], str] = "{:g}".format) -> str | None:
    """The local derivative d out/d input ``slot`` as step texts print it, or ``None``.

    ``names`` are the operands' names, ``c`` the gate's constant as its label writes it;
    ``number`` formats constants the text derives from it (``{c-1}``).

    >>> local_text(BY_NAME["div"], 1, ["q", "z"])
    '-q/z**2'
    """
    template = row.local[slot]
    if template is None:
        return None
    fields = dict(zip(("a", "b"), names))
    if c is not None:
        fields["c"] = c
        fields["c-1"] = number(float(c) - 1)
    return template.format(**fields)


def page_table() -> list[dict[str, Any]]:
    """The table as JSON-ready rows for the page's interpreter (forward, derivatives, texts)."""
    return [{"name": r.name, "gate": r.gate, "inputs": list(r.inputs), "forward": r.forward,
             "derivatives": list(r.derivatives), "local": list(r.local)}
            for r in OPS if "value" in r.kinds]


# ------------------------------------------------------------------ evaluating expressions
def _method(name: str, on_float: Callable[[float], float]) -> Callable[[Any], Any]:
    """A function that calls ``x.name()`` on a node and ``on_float`` on a number."""
    def apply(x: Any) -> Any:
        return on_float(x) if isinstance(x, (int, float)) else getattr(x, name)()
    return apply


def _div(a: Any, b: Any) -> Any:
    if isinstance(b, (int, float)) and b == 0 and isinstance(a, (int, float)):
        return math.nan if a == 0 or a != a else math.copysign(math.inf, a) * math.copysign(1, b)
    return a / b


def _pow(a: Any, b: Any) -> Any:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if a < 0 and math.isfinite(b) and b != int(b):
            return math.nan
        try:
            return float(a) ** b
        except ZeroDivisionError:
            return math.copysign(math.inf, a) if b == int(b) and int(b) % 2 else math.inf
        except OverflowError:
            return -math.inf if a < 0 and b == int(b) and int(b) % 2 else math.inf
    return a**b


def _log(x: float) -> float:
    return math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)


def _log1p(x: float) -> float:
    return math.log1p(x) if x > -1 else (-math.inf if x == -1 else math.nan)


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _periodic(f: Callable[[float], float]) -> Callable[[float], float]:
    return lambda x: f(x) if math.isfinite(x) else math.nan


# IEEE float64 semantics, the same a JavaScript interpreter gets from Math.*
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": _div, "**": _pow,
    ">": lambda a, b: 1.0 if a > b else 0.0, "<": lambda a, b: 1.0 if a < b else 0.0,
    "==": lambda a, b: 1.0 if float(a) == float(b) else 0.0, "neg": operator.neg,
    "where": lambda cond, x, y: x if cond else y,
    "exp": _method("exp", _exp), "log": _method("log", _log),
    "log1p": _method("log1p", _log1p),
    "sqrt": _method("sqrt", lambda x: math.sqrt(x) if x >= 0 else math.nan),
    "sin": _method("sin", _periodic(math.sin)), "cos": _method("cos", _periodic(math.cos)),
    "tanh": _method("tanh", math.tanh), "sigmoid": _method("sigmoid", _sigmoid),
    "abs": abs, "sign": lambda x: 1.0 if x > 0 else (-1.0 if x < 0 else 0.0),
}  # fmt: skip


def compile_expr(expr: Expr) -> Callable[[Mapping[str, Any]], Any]:
    """``expr`` as a Python function of an environment (names -> numbers or Values).

    On numbers the arithmetic is IEEE float64; on :class:`~autograd.Value` operands the
    operators and methods build graph nodes (how ``create_graph`` derivatives are made).
    """
    check(expr)
    return _compile(expr)


def _compile(e: Expr) -> Callable[[Mapping[str, Any]], Any]:
    if isinstance(e, (int, float)):
        v = float(e)
        return lambda env: v
    if isinstance(e, str):
        return lambda env: env[e]
    f = _FUNCTIONS[e[0]]
    args = [_compile(x) for x in e[1:]]
    if len(args) == 1:
        (x,) = args
        return lambda env: f(x(env))
    if len(args) == 2:
        x, y = args
        return lambda env: f(x(env), y(env))
    return lambda env: f(*(x(env) for x in args))


def evaluate(expr: Expr, env: Mapping[str, Any]) -> Any:
    """The value of ``expr`` with the names bound by ``env``.

    >>> evaluate(["*", "b", ["**", "a", ["-", "b", 1]]], {"a": 3.0, "b": 2.0})
    6.0
    """
    return compile_expr(expr)(env)


def value_rule(name: str) -> Callable[..., tuple]:
    """The row's local derivatives built from a node ``n`` (``rule(n, c=None)``).

    The inputs are ``n.parents``, ``out`` is ``n`` itself and ``c`` the gate's constant, so on a
    :class:`~autograd.Value` node the result is graph nodes (``create_graph=True``).
    """
    row = BY_NAME[name]
    parts = [compile_expr(d) for d in row.derivatives]
    inputs = row.inputs

    def rule(n: Any, c: float | None = None) -> tuple:
        env: dict[str, Any] = dict(zip(inputs, n.parents))
        env["out"] = n
        if c is not None:
            env["c"] = c
        return tuple(d(env) for d in parts)

    rule.__doc__ = f"Local derivatives of {name} as graph nodes, from autograd.opinfo."
    return rule
