"""``Value``: a scalar node of the computation graph (micrograd-style, float64).

Every operation computes its result *and* its local derivatives in the forward pass and
stores them next to the parents they belong to. Backward then needs nothing but the
chain rule along each edge::

    parent.grad += local * upstream        # dJ/dx += dJ/dy * dy/dx

Undefined math follows IEEE and PyTorch instead of raising: ``log`` of a negative number,
``sqrt`` of a negative number and a negative base to a non-integer power give ``nan``;
``log(0)``, ``1/0`` and overflowing ``exp`` give ``inf`` with the matching sign. No
operation raises ``ValueError``, ``ZeroDivisionError`` or ``OverflowError`` on a float.
"""

from __future__ import annotations

import math
import sys
from numbers import Real
from typing import Any, Union

from . import grad_mode
from .engine import backpropagate, no_grad_error, pause_for, topological_order
from .opinfo import value_rule

Number = Union[int, float]
_INF = math.inf
_NAN = math.nan
_grad_enabled = grad_mode.GRAD_ENABLED.get


class Value:
    """A scalar that remembers how it was computed, so its gradient can flow back.

    Parameters
    ----------
    data : float
        The value. Converted to a Python ``float`` (float64).
    label : str, optional
        A name shown by ``repr`` and by ``viz`` drawings.
    requires_grad : bool, optional
        ``True`` (default) for inputs and parameters; ``False`` marks a constant leaf
        (``viz`` colours it as one). Python numbers mixed into expressions are not nodes:
        they are folded into the gate, as in the lectures (``x + 1`` is one ``"+1"`` gate).

    Attributes
    ----------
    grad : float
        d(root)/d(self) after ``root.backward()``; starts at ``0.0``. A Value (a graph
        node, differentiable again) after ``root.backward(create_graph=True)``.
    op : str
        The gate that produced this value (``"+"``, ``"*"``, ``"exp"``, ``"1/x"``, and with
        a constant operand ``"+1"``, ``"*-1"``, ``"**2"``, ``"2/x"``...), ``""`` for a leaf.
    parents : tuple of Value
        The Value operands in argument order, duplicates kept (``a * a`` has two).
    local : tuple of float
        d(self)/d(parent) for each parent, computed in the forward pass.

    Examples
    --------
    >>> x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    >>> q = x + y
    >>> f = q * z
    >>> f.backward()
    >>> f.data, x.grad, y.grad, z.grad
    (-12.0, -4.0, -4.0, 3.0)
    """

    __slots__ = (
        "data", "grad", "label", "op", "parents", "local", "requires_grad", "_d", "__weakref__",
    )  # fmt: skip
    _ZERO_GRAD = 0.0
    data: float
    grad: float
    label: str
    op: str
    requires_grad: bool

    def __init__(self, data: float, label: str = "", requires_grad: bool = True) -> None:
        if isinstance(data, Value):
            raise TypeError("Value(data): data is already a Value; use it directly or .data")
        if not isinstance(data, Real):
            raise TypeError(f"Value(data): expected a real number, got {type(data).__name__}")
        self.data = float(data)
        self.grad = 0.0
        self.label = str(label)
        self.op = ""
        self.parents: tuple[Value, ...] = ()
        self.local: tuple[float, ...] = ()
        self.requires_grad = bool(requires_grad)
        self._d: Any = None

    # ------------------------------------------------------------------ helpers
    def item(self) -> float:
        """Return ``data`` as a Python float (PyTorch's name)."""
        return self.data

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        text = f"Value(data={self.data!r}, grad={self.grad!r}"
        if self.label:
            text += f", label={self.label!r}"
        elif self.op:
            text += f", op={self.op!r}"
        return text + ")"

    # -------------------------------------------------------- binary operators
    # A Python number operand is folded into the gate, as the lecture draws it: ``x + 1``
    # is one "+1" gate with one parent, ``2 / x`` a "2/x" gate. Only Values are parents.
    def __add__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            if self.op == "Σ" and _is_running_total(self):  # the next term of Python's sum()
                return self._add_term(other)
            return _result(self.data + other.data, "+", (self, other), (1.0, 1.0))  # d(a+b) = 1, 1
        c = other if type(other) is float else _constant(other)
        if c is None:
            return NotImplemented
        return _result(self.data + c, _gate("+", c), (self,), (1.0,))

    def __radd__(self, other: Number) -> Value:
        if type(other) is int and other == 0 and _RUNNING_TOTAL_REFS:  # sum() starts from 0: Σ
            return _result(self.data + 0.0, "Σ", (self,), (1.0,))
        return self.__add__(other)  # c + x == x + c

    def _add_term(self, term: Value) -> Value:
        """Add ``term`` to this running total of ``sum()`` as one more input of its Σ gate
        (d(a + b + ... + t)/dt = 1), in place: nothing else refers to the total, so no one
        sees it change (:func:`_is_running_total`). Summed left to right, as ``+`` would.
        A full gate (``SUM_WIDTH`` inputs) becomes the first input of a new one."""
        if len(self.parents) >= SUM_WIDTH:
            return _result(self.data + term.data, "Σ", (self, term), (1.0, 1.0))
        self.data += term.data
        self.parents += (term,)
        self.local += (1.0,)
        return self

    def __sub__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return _result(self.data - other.data, "-", (self, other), (1.0, -1.0))  # 1, -1
        c = _constant(other)
        if c is None:
            return NotImplemented
        return _result(self.data - c, _gate("-", c), (self,), (1.0,))

    def __rsub__(self, other: Number) -> Value:
        c = _constant(other)
        if c is None:
            return NotImplemented
        return _result(c - self.data, _gate("-", c, left=True), (self,), (-1.0,))

    def __mul__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            a, b = self.data, other.data
            return _result(a * b, "*", (self, other), (b, a), _d_mul)  # d(ab) = b, a: "mul swaps"
        c = other if type(other) is float else _constant(other)
        if c is None:
            return NotImplemented
        return _result(self.data * c, _gate("*", c), (self,), (c,))

    __rmul__ = __mul__  # c * x == x * c

    def __truediv__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            a, b = self.data, other.data
            q = _safe_div(a, b)
            # d(a/b) = 1/b, -a/b**2, the latter as -(a/b)/b: b*b underflows for |b| < 1e-154
            return _result(q, "/", (self, other), (_safe_div(1.0, b), -_safe_div(q, b)), _d_div)
        c = _constant(other)
        if c is None:
            return NotImplemented
        return _result(_safe_div(self.data, c), _gate("/", c), (self,), (_safe_div(1.0, c),))

    def __rtruediv__(self, other: Number) -> Value:
        c = _constant(other)
        if c is None:
            return NotImplemented
        a = self.data
        q = _safe_div(c, a)
        # d(c/a) = -c/a**2, computed as -(c/a)/a (no underflow of a*a)
        return _result(q, _gate("/", c, left=True), (self,), (-_safe_div(q, a),), _d_rdiv)

    def __pow__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return _power(self, other)
        c = _constant(other)
        if c is None:
            return NotImplemented
        a = self.data
        # d(a**n) = n a**(n-1); exactly 0 for n = 0 (a**0 is constant, even at a = 0)
        d = c * _pow(a, c - 1.0) if c != 0 else 0.0
        out = _result(_pow(a, c), _gate("**", c), (self,), (d,))
        if c != 0:  # as a Value (create_graph): c a**(c-1); a**0 is constant
            out._d = lambda n: _d_pow_const(n, c)
        return out

    def __rpow__(self, other: Number) -> Value:
        c = _constant(other)
        if c is None:
            return NotImplemented
        out = _pow(c, self.data)
        # d(c**a) = c**a ln c
        d = out * math.log(c) if c > 0 else (0.0 if c == 0 else _NAN)
        node = _result(out, _gate("**", c, left=True), (self,), (d,))
        if c > 0:  # as a Value (create_graph): c**a ln c
            node._d = lambda n: _d_rpow_const(n, c)
        return node

    # --------------------------------------------------------- unary operators
    def __neg__(self) -> Value:
        return _result(-self.data, "*-1", (self,), (-1.0,))  # the lecture's "*-1" gate

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        a = self.data
        sign = 1.0 if a > 0 else (-1.0 if a < 0 else 0.0)  # d|a| = sign(a), 0 at the kink
        return _result(abs(a), "abs", (self,), (sign,))

    def exp(self) -> Value:
        """e**x; d/dx = e**x. Overflow gives ``inf``."""
        try:
            e = math.exp(self.data)
        except OverflowError:
            e = _INF
        return _result(e, "exp", (self,), (e,), _d_exp)

    def log(self) -> Value:
        """Natural log; d/dx = 1/x. ``log(0) = -inf``, negative input gives ``nan``."""
        a = self.data
        if a > 0:
            return _result(math.log(a), "log", (self,), (1.0 / a,), _d_log)
        out = -_INF if a == 0 else _NAN
        return _result(out, "log", (self,), (_INF if a == 0 else 1.0 / a,))

    def reciprocal(self) -> Value:
        """1/x, the lecture's ``1/x`` gate; d/dx = -1/x**2."""
        a = self.data
        if a == 0:
            r = math.copysign(_INF, a)
            return _result(r, "1/x", (self,), (-_INF,))
        r = 1.0 / a
        return _result(r, "1/x", (self,), (-r * r,), _d_reciprocal)

    def sqrt(self) -> Value:
        """Square root; d/dx = 1/(2 sqrt x). Negative input gives ``nan``."""
        a = self.data
        if a < 0 or a != a:
            return _result(_NAN, "sqrt", (self,), (_NAN,))
        s = math.sqrt(a)
        return _result(s, "sqrt", (self,), (0.5 / s if s > 0 else _INF,), _d_sqrt)

    def relu(self) -> Value:
        """max(0, x); d/dx = 1 for x > 0 else 0 (0 at the kink, as PyTorch)."""
        a = self.data
        if a > 0:
            return _result(a, "relu", (self,), (1.0,))
        # NaN stays NaN (as the Tensor engine and PyTorch): a diverged network shows it
        return _result(0.0 if a == a else a, "relu", (self,), (0.0,))

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x for x > 0 else slope*x; d/dx = 1 or slope (slope at the kink, as PyTorch)."""
        a = self.data
        slope = float(slope)
        if a > 0:
            return _result(a, "leaky_relu", (self,), (1.0,), _Slope(slope))
        return _result(slope * a, "leaky_relu", (self,), (slope,), _Slope(slope))

    def tanh(self) -> Value:
        """Hyperbolic tangent; d/dx = 1 - tanh(x)**2. Stable for any input."""
        t = math.tanh(self.data)
        return _result(t, "tanh", (self,), (1.0 - t * t,), _d_tanh)

    def sigmoid(self) -> Value:
        """Logistic sigma(x) = 1/(1+e^-x) as one gate; d/dx = sigma(x)(1 - sigma(x)).

        Stable: only ``exp`` of a non-positive number is ever taken.
        """
        a = self.data
        if a >= 0:
            s = 1.0 / (1.0 + math.exp(-a))
        else:
            e = math.exp(a)
            s = e / (1.0 + e)
        return _result(s, "sigmoid", (self,), (s * (1.0 - s),), _d_sigmoid)

    def sin(self) -> Value:
        """sin x; d/dx = cos x. ``sin(inf)`` is ``nan`` (as PyTorch), not an exception."""
        a = self.data
        if not math.isfinite(a):
            return _result(_NAN, "sin", (self,), (_NAN,))
        return _result(math.sin(a), "sin", (self,), (math.cos(a),), _d_sin)

    def cos(self) -> Value:
        """cos x; d/dx = -sin x. ``cos(inf)`` is ``nan`` (as PyTorch), not an exception."""
        a = self.data
        if not math.isfinite(a):
            return _result(_NAN, "cos", (self,), (_NAN,))
        return _result(math.cos(a), "cos", (self,), (-math.sin(a),), _d_cos)

    def log1p(self) -> Value:
        """log(1 + x), accurate for tiny x; d/dx = 1/(1 + x). ``log1p(-1) = -inf``."""
        a = self.data
        if a > -1:
            return _result(math.log1p(a), "log1p", (self,), (1.0 / (1.0 + a),), _d_log1p)
        out = -_INF if a == -1 else _NAN
        return _result(out, "log1p", (self,), (_INF if a == -1 else 1.0 / (1.0 + a),))

    def max(self, other: Value | Number) -> Value:
        """The larger of two values (``torch.maximum``): the gradient goes to the larger one,
        half to each on a tie. (With the comparisons, Python's ``max(a, b)`` also works: it
        returns one of the two nodes itself.)"""
        return _pick(self, other, "max", 1.0)

    def min(self, other: Value | Number) -> Value:
        """The smaller of two values; the gradient goes to the smaller one, half each on a tie."""
        return _pick(self, other, "min", -1.0)

    # ------------------------------------------------------ comparisons (plain bools)
    # ``==`` is left as identity: Values are graph nodes, kept in sets and dicts by the
    # engine. Compare ``a.data == b.data`` for numbers.
    def __lt__(self, other: Value | Number) -> bool:
        return self.data < _compared(other, "<")

    def __le__(self, other: Value | Number) -> bool:
        return self.data <= _compared(other, "<=")

    def __gt__(self, other: Value | Number) -> bool:
        return self.data > _compared(other, ">")

    def __ge__(self, other: Value | Number) -> bool:
        return self.data >= _compared(other, ">=")

    # ----------------------------------------------------------------- backward
    def shares(self, upstream: Any, create_graph: bool = False) -> tuple:
        """The engine's node interface: ``local * upstream`` for each parent.

        With ``create_graph`` the local derivatives are Values built from this node and its
        parents, so the shares are graph nodes that can be differentiated again.
        """
        local = self.local
        if create_graph and self._d is not None:
            local = self._d(self)
        return tuple(_times(d, upstream) for d in local)

    def backward(self, create_graph: bool = False) -> None:
        """Fill ``grad`` of every node reachable from this one with d(self)/d(node).

        Seeds ``self`` with 1, then walks the graph in reverse topological order applying
        ``parent.grad += local * upstream`` on every edge, so a node used twice collects
        both contributions (:func:`autograd.engine.backpropagate`). Intermediate nodes get
        fresh gradients on every call; leaves *accumulate* across calls, as in PyTorch:
        call :func:`autograd.zero_grad` (or set ``grad = 0.0``) between independent passes.

        With ``create_graph=True`` the gradients are Values (graph nodes), so they can be
        differentiated again. If the pass raises, the leaves' gradients are left as they
        were before the call.
        """
        if not self.requires_grad:
            raise no_grad_error("backward()", self)
        if create_graph:
            with grad_mode.set_grad_enabled(True):
                grads = backpropagate(self, Value(1.0, requires_grad=False), create_graph=True)
                for node in topological_order(self):
                    if node.parents:
                        node.grad = grads.get(node, 0.0)
                    elif node in grads:
                        g = grads[node]
                        node.grad = g if _is_zero(node.grad) else node.grad + g
            return
        # The fast path of engine.backpropagate for floats: the same walk and the same
        # "parent.grad += local * upstream", summed in the nodes' grad fields instead of a
        # dictionary and unrolled for one and two parents (3x faster; tests/autograd check
        # that both give identical gradients).
        order = topological_order(self)
        with pause_for(len(order)):
            leaves = []
            for node in order:
                if node.parents:
                    node.grad = 0.0
                else:
                    leaves.append(node)
            before = [leaf.grad for leaf in leaves]
            try:
                self.grad += 1.0
                for node in reversed(order):
                    parents = node.parents
                    if not parents:
                        continue
                    upstream = node.grad
                    if len(parents) == 2:
                        a, b = parents
                        local_a, local_b = node.local
                        a.grad += local_a * upstream
                        b.grad += local_b * upstream
                    elif len(parents) == 1:
                        parents[0].grad += node.local[0] * upstream
                    else:
                        for parent, local in zip(parents, node.local):
                            parent.grad += local * upstream
            except BaseException:
                for leaf, g in zip(leaves, before):  # no partial gradients on the leaves
                    leaf.grad = g
                raise


# ---------------------------------------------------------------- construction
_new = object.__new__

#: Most inputs of one Σ gate: ``sum()`` of more terms chains Σ gates of this many inputs
#: (extending a gate copies its tuple of inputs, so a wider one would cost more per term).
SUM_WIDTH = 64


def _running_total_refs() -> int:
    """The reference count :func:`_is_running_total` sees for ``sum()``'s running total
    (sum's own reference and the calls' ones; it depends on the interpreter), or 0 if a
    value held in a variable shows no more references than that (interpreters that lend
    references), which turns the Σ gates' extension off. Measured once, at import."""
    seen = []

    def refs(x: object) -> int:  # called as deep as _is_running_total is
        return sys.getrefcount(x)

    class Probe:
        def __add__(self, other: object) -> Probe:
            seen.append(refs(self))
            return Probe()

    sum([1, 2], Probe())  # the second call gets sum()'s running total
    held = Probe()
    held + 1  # noqa: B018 (a value in a variable)
    running, in_variable = seen[1], seen[2]
    return running if running < in_variable else 0


_RUNNING_TOTAL_REFS = _running_total_refs()


def _is_running_total(x: Value) -> bool:
    """True if ``x`` (a Σ gate) is a temporary only the current addition refers to: the
    running total inside ``sum()``, or ``sum(...)`` in an expression such as
    ``sum(xs) + y``. Then adding a term to it in place is invisible to everyone, and the
    sum stays one Σ gate, as the lectures draw it, instead of a chain of ``+`` gates."""
    return sys.getrefcount(x) <= _RUNNING_TOTAL_REFS and _grad_enabled()


def _result(data: float, op: str, parents: tuple, local: tuple, d: Any = None) -> Value:
    """Create the output node of an operation (no parents when recording is off).

    ``local`` holds d(out)/d(parent) as floats (the fast path); ``d(node)`` gives the same
    derivatives as Values built from the node and its parents, for ``create_graph=True``
    (``None``: the local derivatives are constants, so the floats serve both).
    """
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if _grad_enabled():
        out.op = op
        out.parents = parents
        out.local = local
        out.requires_grad = True
        out._d = d
    else:
        out.op = ""
        out.parents = ()
        out.local = ()
        out.requires_grad = False
        out._d = None
    return out


# ------------------------------------ local derivatives as Values (create_graph=True)
# Each gives, for a node n = f(parents), the same numbers as the floats in ``n.local``,
# but built from n and its parents, so the backward pass itself can be differentiated.
# They are the op-info table's derivative expressions (autograd/opinfo.py), evaluated on
# Values; tests/autograd/test_opinfo.py checks them against the floats above.
_d_mul = value_rule("mul")  # d(ab) = b, a
_d_div = value_rule("div")  # d(a/b) = 1/b, -(a/b)/b
_d_rdiv = value_rule("rdiv_const")  # d(c/a) = -(c/a)/a
_d_pow_const = value_rule("pow_const")  # d a**c = c a**(c-1)
_d_rpow_const = value_rule("rpow_const")  # d c**a = c**a ln c
_d_exp = value_rule("exp")  # d e**x = e**x
_d_log = value_rule("log")  # d ln x = 1/x
_d_reciprocal = value_rule("reciprocal")  # d(1/x) = -1/x**2
_d_sqrt = value_rule("sqrt")  # d sqrt x = 1/(2 sqrt x)
_d_tanh = value_rule("tanh")  # d tanh = 1 - tanh**2
_d_sigmoid = value_rule("sigmoid")  # d sigma = sigma (1 - sigma)
_d_log1p = value_rule("log1p")  # d ln(1 + x) = 1/(1 + x)
_d_sin = value_rule("sin")  # d sin = cos
_d_cos = value_rule("cos")  # d cos = -sin


def _d_power(n: Value) -> tuple:
    """a**b with two Values: the table's row, plus the domain's constant cases."""
    a, b = n.parents
    d_base = b * a ** (b - 1.0) if b.data != 0 else 0.0  # b a**(b-1); a**0 is flat
    if a.data > 0:
        d_exponent: Any = n * a.log()  # a**b ln a
    else:
        d_exponent = n.local[1]  # 0 (a = 0, b >= 0) or nan: a constant
    return (d_base, d_exponent)


class _Slope:
    """leaky_relu's local derivative as a Value rule: a constant (1 or the slope), so the
    floats serve; it keeps the slope, which the gate label does not show (the live page
    reads it to evaluate the gate at other inputs)."""

    __slots__ = ("slope",)

    def __init__(self, slope: float) -> None:
        self.slope = slope

    def __call__(self, n: Value) -> tuple:
        return n.local


def hidden_constant(node: Value) -> float | None:
    """The constant a gate computes with but its label does not show: ``leaky_relu``'s slope
    (the live page reads it to evaluate the gate at other inputs); None for other gates.

    >>> hidden_constant(Value(-1.0).leaky_relu(0.2)), hidden_constant(Value(1.0).relu())
    (0.2, None)
    """
    d = node._d
    return d.slope if isinstance(d, _Slope) else None


def _compared(other: Any, op: str) -> float:
    if isinstance(other, Value):
        return other.data
    c = _constant(other)
    if c is None:
        raise TypeError(f"Value {op} {type(other).__name__}: compare with a Value or a number")
    return c


def _pick(x: Value, other: Any, op: str, sign: float) -> Value:
    """max/min of two values; the winner's local derivative is 1 (0.5 each on a tie)."""
    if isinstance(other, Value):
        a, b = x.data, other.data
        wa = 0.5 if a == b else (1.0 if (a - b) * sign > 0 else 0.0)
        return _result(_winner(a, b, wa), op, (x, other), (wa, 1.0 - wa))
    c = _compared(other, op)
    a = x.data
    wa = 0.5 if a == c else (1.0 if (a - c) * sign > 0 else 0.0)
    return _result(_winner(a, c, wa), f"{op}({exact_text(c)})", (x,), (wa,))


def _winner(a: float, b: float, wa: float) -> float:
    """The picked value; NaN if either is NaN (numpy's maximum/minimum, the Tensor engine's),
    with the local derivatives the Tensor engine gives there (1 to the second operand)."""
    if a != a or b != b:
        return math.nan
    return a if wa >= 0.5 else b


def _times(d: Any, upstream: Any) -> Any:
    """One share, local * upstream, without "*1" gates when the local derivative is +-1."""
    if type(d) is float and type(upstream) is not float:
        if d == 1.0:
            return upstream
        if d == -1.0:
            return -upstream
    return d * upstream


def _is_zero(g: Any) -> bool:
    return type(g) is float and g == 0.0


def _constant(x: object) -> float | None:
    """A Python number operand as a float; None for types we don't combine with."""
    if type(x) is float:
        return x
    if type(x) is int:  # before the ABC check, which is slow
        return float(x)
    if isinstance(x, Real) and not isinstance(x, bool):
        return float(x)
    if isinstance(x, Value):
        return None  # a Value subclass: the caller's other branch handles Values
    if hasattr(x, "shape") and hasattr(x, "requires_grad"):
        raise TypeError(
            f"cannot combine a scalar Value with a {type(x).__name__} of shape "
            f"{tuple(x.shape)}; wrap the scalar as a Tensor instead"
        )
    return None


_gate_labels: dict[tuple[str, float, bool], str] = {}


def _gate(symbol: str, c: float, left: bool = False) -> str:
    """The lecture-style label of a gate with a constant operand: "+1", "*-1", "1/x"."""
    key = (symbol, c, left)
    label = _gate_labels.get(key)
    if label is None:
        if len(_gate_labels) > 4096:  # many distinct constants: keep the cache small
            _gate_labels.clear()
        label = f"{exact_text(c)}{symbol}x" if left else f"{symbol}{exact_text(c)}"
        _gate_labels[key] = label
    return label


def exact_text(c: float) -> str:
    """``c`` as a gate label writes it: short (``1``, ``0.5``, ``1e-05``) and exact.

    ``f"{c:g}"`` keeps 6 digits; a constant it would round is written in full (``repr``), so
    the label alone gives the gate back (the live page reads the constant from it).

    >>> exact_text(2.0), exact_text(0.1), exact_text(0.123456789)
    ('2', '0.1', '0.123456789')
    """
    text = f"{c:g}"
    return text if float(text) == c else repr(c)


def _safe_div(a: float, b: float) -> float:
    """a / b with IEEE results for b == 0 (inf with the right sign, nan for 0/0)."""
    if b != 0:
        return a / b
    if a == 0 or a != a:
        return _NAN
    return math.copysign(_INF, a) * math.copysign(1.0, b)


def _pow(a: float, n: float) -> float:
    """a ** n in float64 with IEEE/PyTorch results instead of exceptions or complex."""
    if a < 0 and math.isfinite(a) and math.isfinite(n) and n != int(n):
        return _NAN  # negative base, non-integer exponent: undefined over the reals
    # (IEEE, numpy and PyTorch: (-inf) ** 2.5 = inf)
    try:
        return a**n
    except ZeroDivisionError:  # 0 ** negative
        if n == int(n) and int(n) % 2 == 1:
            return math.copysign(_INF, a)
        return _INF
    except OverflowError:
        if a < 0 and n == int(n) and int(n) % 2 == 1:
            return -_INF
        return _INF


def _power(x: Value, y: Value) -> Value:
    """a ** b with both operands differentiable: d/da = b a**(b-1), d/db = a**b ln a."""
    a, b = x.data, y.data
    out = _pow(a, b)
    if a > 0:
        d_exponent = out * math.log(a)
    elif a == 0 and b >= 0:
        d_exponent = 0.0  # a**b is flat at zero (PyTorch masks this case to 0)
    else:
        d_exponent = _NAN
    d_base = b * _pow(a, b - 1.0) if b != 0 else 0.0  # a**0 is flat in a (PyTorch: 0)
    return _result(out, "**", (x, y), (d_base, d_exponent), _d_power)
