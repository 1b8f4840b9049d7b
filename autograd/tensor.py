"""``Tensor``: a numpy array node of the computation graph.

Each operation computes its result with numpy and stores, next to its parents, a backward
rule: a function that maps the upstream gradient ``g = dJ/d(out)`` to one vector-Jacobian
product per parent (``dJ/d(parent) = g . d(out)/d(parent)``). ``backward`` walks the graph in
reverse topological order (the same walk as ``Value``) and sums those shares, so a tensor
used twice collects both, as the lectures' ``dJ/dx += dJ/dy * dy/dx`` says.

Rules capture input arrays (and sometimes the output *array*), never the output Tensor, so
graphs hold no reference cycles and are freed as soon as the root is dropped.

>>> from autograd import Tensor
>>> W = Tensor([[0.1, 0.5], [-0.3, 0.8]], requires_grad=True, dtype="float64")
>>> x = Tensor([0.2, 0.4], requires_grad=True, dtype="float64")
>>> f = ((W @ x) ** 2).sum()          # ||W x||^2, the vectorized example of lecture 002
>>> f.backward()
>>> round(f.item(), 3), W.grad.round(3).tolist(), x.grad.round(3).tolist()
(0.116, [[0.088, 0.176], [0.104, 0.208]], [-0.112, 0.636])
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any, Union

import numpy as np

from . import grad_mode, scope
from .broadcast import unbroadcast
from .engine import gc_paused, topological_order

Rule = Callable[[np.ndarray, tuple], tuple]
Operand = Union["Tensor", float, int, np.ndarray, Sequence]
Axis = Union[int, Sequence[int], None]

_grad_state = grad_mode._state
_scope_state = scope._state
_new = object.__new__
_DEFAULT = np.dtype(np.float32)


class Tensor:
    """An n-dimensional numpy array that records how it was computed.

    Parameters
    ----------
    data : array_like
        Array, nested lists or a number. Floating arrays keep their dtype (float64 stays
        float64); everything else becomes float32 unless ``dtype`` says otherwise.
    requires_grad : bool
        Leaves with ``True`` accumulate ``.grad`` in ``backward``. Only floating dtypes.
    dtype : dtype-like, optional
        Force a dtype (``"float64"`` for gradient checks).
    label : str
        Name shown by ``repr`` and ``viz``.

    Attributes
    ----------
    data : ndarray
    grad : ndarray or None
        Same shape and dtype as ``data``; ``None`` until a backward pass reaches it.
    op : str
        Short lecture-style label of the producing operation (``"+"``, ``"matmul"``,
        ``"relu"``...); ``""`` for leaves.
    parents : tuple of Tensor
        Operands in argument order, duplicates kept; Python numbers appear as constant
        0-d Tensors.
    scope : str
        ``autograd.current_scope()`` when the tensor was created.

    Examples
    --------
    >>> a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (a * a).sum().backward()
    >>> a.grad
    array([2., 4., 6.], dtype=float32)
    """

    __slots__ = (
        "data", "grad", "requires_grad", "op", "parents", "label", "scope",
        "_rule", "_retain", "__weakref__",
    )  # fmt: skip
    _ZERO_GRAD = None
    __array_ufunc__ = None  # ndarray (op) Tensor defers to Tensor's reflected operators
    __hash__ = object.__hash__  # identity hashing: __eq__ returns a Tensor

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        label: str = "",
    ) -> None:
        if isinstance(data, Tensor):
            data = data.data
        elif _is_value(data):
            raise TypeError("Tensor(data): got a scalar Value; use Tensor(value.data)")
        if dtype is None:
            arr = np.asarray(data)
            # numpy float arrays keep their precision; lists, numbers and ints -> float32
            keep = arr.dtype.kind == "b" or (
                arr.dtype.kind == "f" and isinstance(data, (np.ndarray, np.generic))
            )
            arr = arr.copy() if keep else arr.astype(_DEFAULT)
        else:
            arr = np.array(data, dtype=dtype)
        if requires_grad and arr.dtype.kind != "f":
            raise TypeError(
                f"Tensor: only floating dtypes can require gradients, got dtype {arr.dtype}"
            )
        self.data = arr
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self.op = ""
        self.parents: tuple[Tensor, ...] = ()
        self.label = str(label)
        self.scope = _scope_state["name"]
        self._rule: Rule | None = None
        self._retain = False

    # ----------------------------------------------------------- constructors
    @classmethod
    def zeros(cls, *shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """A tensor of zeros (float32 by default): ``Tensor.zeros(2, 3)`` or ``zeros((2, 3))``."""
        return cls(np.zeros(_shape_arg(shape), dtype or _DEFAULT), requires_grad=requires_grad)

    @classmethod
    def ones(cls, *shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """A tensor of ones (float32 by default)."""
        return cls(np.ones(_shape_arg(shape), dtype or _DEFAULT), requires_grad=requires_grad)

    @classmethod
    def randn(
        cls,
        *shape: Any,
        seed: int | np.random.Generator | None = None,
        dtype: Any = None,
        requires_grad: bool = False,
    ) -> Tensor:
        """Standard normal samples from ``numpy.random.default_rng(seed)``.

        >>> Tensor.randn(2, seed=0).data.round(3)
        array([ 0.126, -0.132], dtype=float32)
        """
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        data = rng.standard_normal(_shape_arg(shape)).astype(dtype or _DEFAULT)
        return cls(data, requires_grad=requires_grad)

    @classmethod
    def arange(
        cls, start: float, stop: float | None = None, step: float = 1, dtype: Any = None
    ) -> Tensor:
        """Evenly spaced values in ``[start, stop)`` (float32 by default)."""
        if stop is None:
            start, stop = 0, start
        return cls(np.arange(start, stop, step, dtype=dtype or _DEFAULT))

    @classmethod
    def eye(cls, n: int, m: int | None = None, dtype: Any = None) -> Tensor:
        """The n x m identity matrix (float32 by default)."""
        return cls(np.eye(n, m, dtype=dtype or _DEFAULT))

    # ------------------------------------------------------------- array-like
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        """Number of elements (numpy's meaning)."""
        return self.data.size

    @property
    def T(self) -> Tensor:  # noqa: N802 (numpy's name)
        """All axes reversed (``transpose()``)."""
        return self.transpose()

    def item(self) -> float:
        """The single element as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item(): only one-element tensors, got shape {self.shape}")
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; "
                "use .any() on .data or reduce it first"
            )
        return bool(self.data.item())

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(", precision=4)
        extras = []
        if self.data.dtype != _DEFAULT:
            extras.append(f"dtype={self.data.dtype}")
        if self.label:
            extras.append(f"label={self.label!r}")
        if self.op:
            extras.append(f"op={self.op!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "Tensor(" + ", ".join([body, *extras]) + ")"

    # ------------------------------------------------------------- autograd
    def detach(self) -> Tensor:
        """A leaf sharing this tensor's data, cut from the graph."""
        return _leaf(self.data)

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` on this interior tensor in later backward passes. Returns self."""
        self._retain = True
        return self

    def vjp(self, upstream: Any) -> tuple[np.ndarray | None, ...]:
        """This node's backward rule: one gradient share per parent.

        ``upstream`` is dJ/d(self); entry ``i`` of the result is
        dJ/d(parents[i]) contributed through this node (``None`` for a parent that needs
        no gradient). ``viz`` uses it to show "upstream x local = contribution" per edge.

        >>> a = Tensor([1.0, 2.0], requires_grad=True)
        >>> b = Tensor([3.0, 4.0], requires_grad=True)
        >>> (a * b).vjp(np.ones(2, dtype=np.float32))
        (array([3., 4.], dtype=float32), array([1., 2.], dtype=float32))
        """
        if self._rule is None:
            return ()
        g = np.asarray(upstream, dtype=self.data.dtype)
        if g.shape != self.data.shape:
            raise ValueError(f"vjp: upstream shape {g.shape} != tensor shape {self.shape}")
        return _shares(self, g)

    def backward(self, gradient: Any = None, retain_graph_grads: bool = False) -> None:
        """Backpropagate: fill ``.grad`` of the leaves that require it with d(self)/d(leaf).

        Parameters
        ----------
        gradient : array_like, optional
            dJ/d(self). Omit for a one-element output (seeded with 1); required, with this
            tensor's shape, otherwise.
        retain_graph_grads : bool
            Also keep ``.grad`` on every interior tensor (for ``viz`` and the stepper);
            by default only tensors marked with :meth:`retain_grad` keep theirs.

        Leaves accumulate across calls, as in PyTorch: reset with ``autograd.zero_grad``.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward(): this tensor does not require grad (no input had "
                "requires_grad=True, or it was computed under no_grad())"
            )
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward(): output of shape {self.shape} is not a scalar; pass "
                    f"gradient= an array of shape {self.shape}"
                )
            seed = np.ones_like(self.data)
        else:
            seed = np.array(
                gradient.data if isinstance(gradient, Tensor) else gradient, dtype=self.dtype
            )
            if seed.shape != self.shape:
                raise ValueError(
                    f"backward(): gradient shape {seed.shape} != tensor shape {self.shape}"
                )
        with gc_paused():
            order = topological_order(self)
            pending: dict[Tensor, np.ndarray] = {self: seed}
            pop = pending.pop
            for node in reversed(order):
                g = pop(node, None)
                if g is None:
                    continue
                rule = node._rule
                if rule is None:  # a leaf
                    if node.requires_grad:
                        _accumulate(node, g)
                    continue
                if retain_graph_grads or node._retain:
                    _accumulate(node, g, copy=True)
                parents = node.parents
                shares = _shares(node, g)
                if len(parents) == 1:
                    share = shares[0]
                    if share is not None:
                        parent = parents[0]
                        prev = pending.get(parent)
                        pending[parent] = share if prev is None else prev + share
                    continue
                handed_out = False
                for parent, share in zip(parents, shares, strict=True):
                    if share is None:
                        continue
                    # Two parents must not end up holding the same array (a + b passes g
                    # to both): the second one gets a copy.
                    if np.may_share_memory(share, g):
                        if handed_out:
                            share = share.copy()
                        handed_out = True
                    prev = pending.get(parent)
                    pending[parent] = share if prev is None else prev + share

    # ------------------------------------------------------ binary arithmetic
    def __add__(self, other: Operand) -> Tensor:
        return add(self, other)

    def __radd__(self, other: Operand) -> Tensor:
        return add(other, self)

    def __sub__(self, other: Operand) -> Tensor:
        return sub(self, other)

    def __rsub__(self, other: Operand) -> Tensor:
        return sub(other, self)

    def __mul__(self, other: Operand) -> Tensor:
        return mul(self, other)

    def __rmul__(self, other: Operand) -> Tensor:
        return mul(other, self)

    def __truediv__(self, other: Operand) -> Tensor:
        return div(self, other)

    def __rtruediv__(self, other: Operand) -> Tensor:
        return div(other, self)

    def __pow__(self, other: Operand) -> Tensor:
        return power(self, other)

    def __rpow__(self, other: Operand) -> Tensor:
        return power(other, self)

    def __matmul__(self, other: Operand) -> Tensor:
        return matmul(self, other)

    def __rmatmul__(self, other: Operand) -> Tensor:
        return matmul(other, self)

    def matmul(self, other: Operand) -> Tensor:
        """Matrix product with numpy's rules (see :func:`matmul`)."""
        return matmul(self, other)

    def __neg__(self) -> Tensor:
        return _unary(self, -self.data, "neg", lambda g, needs: (-g,))  # d(-a) = -1

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return self.abs()

    # ------------------------------------------- comparisons (no gradient)
    def __lt__(self, other: Operand) -> Tensor:
        return _compare(self, other, np.less, "<")

    def __le__(self, other: Operand) -> Tensor:
        return _compare(self, other, np.less_equal, "<=")

    def __gt__(self, other: Operand) -> Tensor:
        return _compare(self, other, np.greater, ">")

    def __ge__(self, other: Operand) -> Tensor:
        return _compare(self, other, np.greater_equal, ">=")

    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]
        return _compare(self, other, np.equal, "==")

    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]
        return _compare(self, other, np.not_equal, "!=")

    # ---------------------------------------------------- elementwise unary
    def exp(self) -> Tensor:
        """e**x; d/dx = e**x (the output itself)."""
        out = np.exp(self.data)
        return _unary(self, out, "exp", lambda g, needs: (g * out,))

    def log(self) -> Tensor:
        """Natural log; d/dx = 1/x. ``log(0) = -inf`` and negatives give ``nan`` silently."""
        a = self.data
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.log(a)
        return _unary(self, out, "log", lambda g, needs: (_quiet_div(g, a),))

    def sqrt(self) -> Tensor:
        """Square root; d/dx = 1 / (2 sqrt x)."""
        with np.errstate(invalid="ignore"):
            out = np.sqrt(self.data)
        return _unary(self, out, "sqrt", lambda g, needs: (_quiet_div(g, 2 * out),))

    def reciprocal(self) -> Tensor:
        """1/x, the lecture's ``1/x`` gate; d/dx = -1/x**2 = -out**2."""
        with np.errstate(divide="ignore"):
            out = np.reciprocal(self.data)
        return _unary(self, out, "1/x", lambda g, needs: (-g * out * out,))

    def abs(self) -> Tensor:
        """|x|; d/dx = sign(x), 0 at the kink (as PyTorch)."""
        a = self.data
        return _unary(self, np.abs(a), "abs", lambda g, needs: (g * np.sign(a),))

    def sin(self) -> Tensor:
        """sin x; d/dx = cos x."""
        a = self.data
        return _unary(self, np.sin(a), "sin", lambda g, needs: (g * np.cos(a),))

    def cos(self) -> Tensor:
        """cos x; d/dx = -sin x."""
        a = self.data
        return _unary(self, np.cos(a), "cos", lambda g, needs: (-g * np.sin(a),))

    def tanh(self) -> Tensor:
        """tanh x; d/dx = 1 - tanh(x)**2."""
        out = np.tanh(self.data)
        return _unary(self, out, "tanh", lambda g, needs: (g * (1 - out * out),))

    def sigmoid(self) -> Tensor:
        """sigma(x) = 1/(1+e^-x) as one gate; d/dx = sigma (1 - sigma).

        Stable: only e^-|x| is evaluated, so no overflow for any input.
        """
        a = self.data
        e = np.exp(-np.abs(a))  # in (0, 1]
        out = np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        return _unary(self, out, "sigmoid", lambda g, needs: (g * out * (1 - out),))

    def relu(self) -> Tensor:
        """max(0, x); d/dx = 1 where x > 0 else 0 (0 at the kink, as PyTorch)."""
        out = np.maximum(self.data, 0)
        return _unary(self, out, "relu", lambda g, needs: (g * (out > 0),))

    def leaky_relu(self, slope: float = 0.01) -> Tensor:
        """x where x > 0 else slope * x; d/dx = 1 or slope."""
        a = self.data
        positive = a > 0
        out = np.where(positive, a, a * a.dtype.type(slope))
        factor = np.where(positive, 1, slope).astype(a.dtype)
        return _unary(self, out, "leaky_relu", lambda g, needs: (g * factor,))

    def clip(self, lo: float | None = None, hi: float | None = None) -> Tensor:
        """Clamp to ``[lo, hi]``; gradient 1 inside (bounds included, as PyTorch), else 0."""
        a = self.data
        out = np.clip(a, lo, hi)
        inside = np.ones(a.shape, dtype=bool)
        if lo is not None:
            inside &= a >= lo
        if hi is not None:
            inside &= a <= hi
        return _unary(self, out, "clip", lambda g, needs: (g * inside,))

    # -------------------------------------------------------------- reductions
    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (int, tuple or None for all); d/dx_i = 1 for every summand."""
        a = self.data
        axes = _axes(axis, a.ndim, "sum")
        out = np.asarray(a.sum(axis=axes, keepdims=keepdims))
        shape = a.shape

        def rule(g: np.ndarray, needs: tuple) -> tuple:
            return (np.broadcast_to(_restore(g, shape, axes, keepdims), shape),)

        return _unary(self, out, "sum", rule)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis``; d/dx_i = 1/n."""
        a = self.data
        axes = _axes(axis, a.ndim, "mean")
        out = np.asarray(a.mean(axis=axes, keepdims=keepdims))
        shape = a.shape
        n = a.size // max(out.size, 1) if a.size else 0
        scale = a.dtype.type(1 / n) if n else a.dtype.type(np.nan)

        def rule(g: np.ndarray, needs: tuple) -> tuple:
            return (np.broadcast_to(_restore(g * scale, shape, axes, keepdims), shape),)

        return _unary(self, out, "mean", rule)

    def var(self, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        """Variance ``sum((x - mean)^2) / (n - ddof)``; d/dx_i = 2 (x_i - mean) / (n - ddof).

        ``ddof=0`` (numpy's default, the biased estimate used by batch norm); PyTorch's
        ``var`` defaults to ``ddof=1``.
        """
        a = self.data
        axes = _axes(axis, a.ndim, "var")
        centred = a - a.mean(axis=axes, keepdims=True)
        n = a.size // max(np.asarray(a.sum(axis=axes)).size, 1) if a.size else 0
        denom = a.dtype.type(n - ddof)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.asarray((centred * centred).sum(axis=axes, keepdims=keepdims) / denom)
        shape = a.shape

        def rule(g: np.ndarray, needs: tuple) -> tuple:
            return (_restore(g, shape, axes, keepdims) * (2 / denom) * centred,)

        return _unary(self, out, "var", rule)

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Maximum over ``axis``; the gradient goes to the first maximal element."""
        return _extremum(self, axis, keepdims, "max")

    def min(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Minimum over ``axis``; the gradient goes to the first minimal element."""
        return _extremum(self, axis, keepdims, "min")

    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """log(sum(exp(x))) computed as m + log(sum(exp(x - m))), m = max: no overflow.

        d/dx_i = exp(x_i - out) = softmax(x)_i.
        """
        a = self.data
        axes = _axes(axis, a.ndim, "logsumexp")
        m = a.max(axis=axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)  # all -inf (or inf) slices: avoid inf - inf
        with np.errstate(divide="ignore"):
            lse = np.log(np.exp(a - m).sum(axis=axes, keepdims=True)) + m
        out = lse if keepdims else _drop(lse, axes)
        shape = a.shape

        def rule(g: np.ndarray, needs: tuple) -> tuple:
            return (_restore(g, shape, axes, keepdims) * np.exp(a - lse),)

        return _unary(self, np.asarray(out), "logsumexp", rule)

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """Index of the first maximum (int64 tensor, no gradient)."""
        return _leaf(np.asarray(self.data.argmax(axis=axis, keepdims=keepdims)))

    def argmin(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """Index of the first minimum (int64 tensor, no gradient)."""
        return _leaf(np.asarray(self.data.argmin(axis=axis, keepdims=keepdims)))

    def softmax(self, axis: int = -1) -> Tensor:
        """exp(x_i - max) / sum_j exp(x_j - max) along ``axis`` (stable for any input).

        Backward: dJ/dx = s * (g - sum(g * s)).
        """
        a = self.data
        _axes(axis, a.ndim, "softmax")
        e = np.exp(a - a.max(axis=axis, keepdims=True))
        out = e / e.sum(axis=axis, keepdims=True)

        def rule(g: np.ndarray, needs: tuple) -> tuple:
            return (out * (g - (g * out).sum(axis=axis, keepdims=True)),)

        return _unary(self, out, "softmax", rule)

    def log_softmax(self, axis: int = -1) -> Tensor:
        """x - logsumexp(x) along ``axis`` (stable: finite for logits of any magnitude).

        Backward: dJ/dx = g - softmax(x) * sum(g).
        """
        a = self.data
        _axes(axis, a.ndim, "log_softmax")
        shifted = a - a.max(axis=axis, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

        def rule(g: np.ndarray, needs: tuple) -> tuple:
            return (g - np.exp(out) * g.sum(axis=axis, keepdims=True),)

        return _unary(self, out, "log_softmax", rule)

    # ---------------------------------------------------------------- shapes
    def reshape(self, *shape: Any) -> Tensor:
        """Same data, new shape (one ``-1`` allowed); the gradient is reshaped back."""
        a = self.data
        new = _shape_arg(shape)
        try:
            out = a.reshape(new)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {a.shape} ({a.size} elements) "
                f"into {new}"
            ) from None
        old = a.shape
        return _unary(self, out, "reshape", lambda g, needs: (g.reshape(old),))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge axes ``start_dim..end_dim`` into one (``x.flatten(1)`` keeps the batch axis)."""
        nd = self.ndim
        if nd == 0:
            return self.reshape(1)
        s, e = _axis(start_dim, nd, "flatten"), _axis(end_dim, nd, "flatten")
        if s > e:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        shape = self.shape
        return self.reshape(shape[:s] + (-1,) + shape[e + 1 :])

    def transpose(self, *axes: Any) -> Tensor:
        """Permute axes.

        ``t.transpose()`` reverses them (numpy, ``.T``); ``t.transpose(d0, d1)`` swaps two
        (PyTorch); ``t.transpose((2, 0, 1))`` applies a full permutation (numpy).
        """
        nd = self.ndim
        if not axes and nd == 2:  # the matrix transpose W.T of every linear layer
            return _unary(self, self.data.T, "transpose", lambda g, needs: (g.T,))
        if not axes:
            perm = tuple(range(nd))[::-1]
        elif len(axes) == 1 and not isinstance(axes[0], numbers.Integral):
            perm = tuple(axes[0])
        elif len(axes) == 2:
            d0, d1 = _axis(axes[0], nd, "transpose"), _axis(axes[1], nd, "transpose")
            p = list(range(nd))
            p[d0], p[d1] = p[d1], p[d0]
            perm = tuple(p)
        else:
            perm = tuple(axes)
        return self.permute(*perm)

    def permute(self, *dims: Any) -> Tensor:
        """Reorder axes: output axis i is input axis ``dims[i]``; backward applies the inverse."""
        if len(dims) == 1 and not isinstance(dims[0], numbers.Integral):
            dims = tuple(dims[0])
        nd = self.ndim
        perm = tuple(_axis(d, nd, "permute") for d in dims)
        inverse = [nd] * nd
        for i, d in enumerate(perm):
            inverse[d] = i
        if nd in inverse:
            raise ValueError(f"permute: {tuple(dims)} is not a permutation of the {nd} axes")
        out = self.data.transpose(perm)
        return _unary(self, out, "transpose", lambda g, needs: (g.transpose(inverse),))

    def squeeze(self, axis: Axis = None) -> Tensor:
        """Drop size-1 axes (all of them, or those named)."""
        a = self.data
        if axis is None:
            axes = tuple(i for i, n in enumerate(a.shape) if n == 1)
        else:
            axes = _axes(axis, a.ndim, "squeeze")
            bad = [i for i in axes if a.shape[i] != 1]
            if bad:
                raise ValueError(f"squeeze: axis {bad[0]} of shape {a.shape} is not of size 1")
        return self.reshape(tuple(n for i, n in enumerate(a.shape) if i not in axes))

    def unsqueeze(self, axis: int) -> Tensor:
        """Insert a size-1 axis at position ``axis``."""
        nd = self.ndim + 1
        ax = _axis(axis, nd, "unsqueeze")
        shape = list(self.shape)
        shape.insert(ax, 1)
        return self.reshape(tuple(shape))

    def expand(self, *shape: Any) -> Tensor:
        """Broadcast to ``shape`` (``-1`` keeps an axis); backward sums over the copies."""
        new = _shape_arg(shape)
        a = self.data
        extra = len(new) - a.ndim
        new = tuple(a.shape[i - extra] if n == -1 and i >= extra else n for i, n in enumerate(new))
        return self.broadcast_to(new)

    def broadcast_to(self, shape: Sequence[int]) -> Tensor:
        """numpy.broadcast_to as a differentiable op (a read-only view)."""
        a = self.data
        shape = tuple(shape)
        try:
            out = np.broadcast_to(a, shape)
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast shape {a.shape} to {shape}") from None
        old = a.shape
        return _unary(self, out, "expand", lambda g, needs: (unbroadcast(g, old),))

    def __getitem__(self, index: Any) -> Tensor:
        """numpy indexing: slices, ints, None, ``...``, integer/boolean arrays.

        Backward scatters the gradient into zeros; repeated integer indices accumulate.
        """
        a = self.data
        idx = _unwrap_index(index)
        try:
            out = a[idx]
        except IndexError as exc:
            raise IndexError(f"index {index!r} into a tensor of shape {a.shape}: {exc}") from None
        advanced = _is_advanced(idx)
        shape, dtype = a.shape, a.dtype

        def rule(g: np.ndarray, needs: tuple) -> tuple:
            grad = np.zeros(shape, dtype)
            if advanced:
                np.add.at(grad, _bool_to_int(idx), g)  # repeats accumulate
            else:
                grad[idx] = g
            return (grad,)

        return _unary(self, np.asarray(out), "index", rule)


# =========================================================================== internals
def _is_value(x: object) -> bool:
    return type(x).__name__ == "Value" and hasattr(x, "local")


def _leaf(data: np.ndarray) -> Tensor:
    """A constant (no grad) tensor around ``data`` without copying."""
    t = _new(Tensor)
    t.data = data
    t.grad = None
    t.requires_grad = False
    t.op = ""
    t.parents = ()
    t.label = ""
    t.scope = _scope_state["name"]
    t._rule = None
    t._retain = False
    return t


def _make(data: np.ndarray, op: str, parents: tuple, rule: Rule) -> Tensor:
    """The output node of an operation; recorded only when grad mode is on and some
    parent requires grad (otherwise a constant leaf, as in PyTorch)."""
    t = _new(Tensor)
    t.data = data
    t.grad = None
    t.label = ""
    t.scope = _scope_state["name"]
    t._retain = False
    if _grad_state["enabled"] and any(p.requires_grad for p in parents):
        t.requires_grad = True
        t.op = op
        t.parents = parents
        t._rule = rule
    else:
        t.requires_grad = False
        t.op = ""
        t.parents = ()
        t._rule = None
    return t


def _unary(x: Tensor, data: np.ndarray, op: str, rule: Rule) -> Tensor:
    return _make(data, op, (x,), rule)


def _shares(node: Tensor, g: np.ndarray) -> tuple:
    """Run ``node``'s rule and cast each share to its parent's dtype."""
    parents = node.parents
    needs = tuple(p.requires_grad for p in parents)
    shares = node._rule(g, needs)  # type: ignore[misc]
    out = []
    for p, need, s in zip(parents, needs, shares, strict=True):
        if not need or s is None:
            out.append(None)
            continue
        if s.dtype != p.data.dtype:
            s = s.astype(p.data.dtype)
        out.append(s)
    return tuple(out)


def _accumulate(node: Tensor, g: np.ndarray, copy: bool = False) -> None:
    """node.grad += g, storing a writable array of the node's shape and dtype.

    Shares reaching a leaf are never aliased elsewhere (``backward`` copies a share that
    a second parent would also receive), so only read-only broadcast views, and the
    interior gradients that keep flowing down (``copy=True``), need a copy.
    """
    if g.dtype != node.data.dtype:
        g = g.astype(node.data.dtype)
    if node.grad is None:
        node.grad = np.array(g) if copy or not g.flags.writeable else g
    else:
        node.grad = node.grad + g


def _coerce(x: Any, like: Tensor | None, op: str) -> Tensor:
    """Turn an operand into a Tensor; Python numbers take the other operand's dtype."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, numbers.Number) and not isinstance(x, bool):
        if like is not None:
            kind = like.data.dtype.kind
            dtype = like.data.dtype if kind == "f" else np.result_type(like.data.dtype, x)
            if isinstance(x, complex):
                raise TypeError(f"{op}: complex numbers are not supported")
            return _leaf(np.asarray(x, dtype=dtype))
        return _leaf(np.asarray(x, dtype=_DEFAULT))
    if _is_value(x):
        shape = like.shape if like is not None else "?"
        raise TypeError(
            f"{op}: cannot combine a Tensor of shape {shape} with a scalar Value; "
            f"use Tensor(value.data) or value.data"
        )
    if isinstance(x, (np.ndarray, list, tuple, bool, np.bool_)):
        return Tensor(x)
    raise TypeError(f"{op}: unsupported operand type {type(x).__name__}")


def _pair(a: Any, b: Any, op: str) -> tuple[Tensor, Tensor]:
    if isinstance(a, Tensor):
        return a, _coerce(b, a, op)
    b = _coerce(b, None, op)
    return _coerce(a, b, op), b


def _broadcast_error(op: str, a: Tensor, b: Tensor) -> ValueError:
    return ValueError(f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together")


def _binary(op: str, fn: Callable, a: Tensor, b: Tensor) -> np.ndarray:
    try:
        return fn(a.data, b.data)
    except ValueError:
        raise _broadcast_error(op, a, b) from None


def _compare(a: Any, b: Any, fn: Callable, op: str) -> Tensor:
    if not isinstance(b, Tensor) and not isinstance(
        b, (numbers.Number, np.ndarray, list, tuple, np.bool_)
    ):
        if _is_value(b):
            _coerce(b, a, op)  # raises the clear error
        return NotImplemented  # type: ignore[return-value]
    x, y = _pair(a, b, op)
    return _leaf(np.asarray(_binary(op, fn, x, y)))


def _quiet_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return a / b


def _shape_arg(shape: tuple) -> tuple[int, ...]:
    """Accept f(2, 3) and f((2, 3))."""
    if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
        return tuple(int(n) for n in shape[0])
    return tuple(int(n) for n in shape)


def _axis(axis: Any, ndim: int, op: str) -> int:
    if not isinstance(axis, numbers.Integral):
        raise TypeError(f"{op}: axis must be an int, got {type(axis).__name__}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{op}: axis {axis} is out of range for a tensor with {ndim} axes")
    return int(axis) % ndim


def _axes(axis: Axis, ndim: int, op: str) -> tuple[int, ...] | None:
    """Normalise ``axis`` (None, int or tuple) to sorted non-negative ints."""
    if axis is None:
        return None
    if isinstance(axis, numbers.Integral):
        return (_axis(axis, max(ndim, 1) if ndim else 0, op),) if ndim else _no_axes(axis, op)
    axes = tuple(sorted(_axis(a, ndim, op) for a in axis))
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: repeated axis in {tuple(axis)}")
    return axes


def _no_axes(axis: Any, op: str) -> tuple:
    if axis in (0, -1):
        return ()
    raise ValueError(f"{op}: axis {axis} is out of range for a 0-d tensor")


def _restore(g: np.ndarray, shape: tuple, axes: tuple | None, keepdims: bool) -> np.ndarray:
    """Give a reduced gradient back its reduced axes as size 1, ready to broadcast."""
    if keepdims:
        return g
    if axes is None:
        return g.reshape((1,) * len(shape))
    return np.expand_dims(g, axes) if axes else g


def _drop(x: np.ndarray, axes: tuple | None) -> np.ndarray:
    """Remove keepdims axes."""
    if axes is None:
        return x.reshape(())
    return x.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axes))


def _extremum(x: Tensor, axis: Axis, keepdims: bool, kind: str) -> Tensor:
    a = x.data
    axes = _axes(axis, a.ndim, kind)
    if a.size == 0:
        raise ValueError(f"{kind}: empty tensor of shape {a.shape} has no {kind}imum")
    reduced = tuple(range(a.ndim)) if axes is None else axes
    kept = tuple(i for i in range(a.ndim) if i not in reduced)
    perm = kept + reduced
    moved = a.transpose(perm).reshape(tuple(a.shape[i] for i in kept) + (-1,))
    arg = moved.argmax(axis=-1) if kind == "max" else moved.argmin(axis=-1)
    best = np.take_along_axis(moved, arg[..., None], axis=-1)[..., 0]
    if keepdims:
        out = best.reshape(tuple(1 if i in reduced else n for i, n in enumerate(a.shape)))
    else:
        out = best
    shape, dtype = a.shape, a.dtype
    inverse = tuple(np.argsort(perm))

    def rule(g: np.ndarray, needs: tuple) -> tuple:
        # Route each upstream entry to the first extremal element of its slice.
        flat = np.zeros(moved.shape, dtype)
        g_kept = g.reshape(arg.shape)
        np.put_along_axis(flat, arg[..., None], g_kept[..., None], axis=-1)
        grad = flat.reshape(tuple(shape[i] for i in perm)).transpose(inverse)
        return (grad,)

    return _unary(x, np.asarray(out), kind, rule)


def _unwrap_index(index: Any) -> Any:
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


def _is_advanced(idx: Any) -> bool:
    items = idx if isinstance(idx, tuple) else (idx,)
    return any(isinstance(i, (np.ndarray, list)) for i in items)


def _bool_to_int(idx: Any) -> Any:
    """Boolean masks as integer arrays (what ``np.add.at`` needs)."""
    items = idx if isinstance(idx, tuple) else (idx,)
    out: list = []
    for i in items:
        arr = np.asarray(i) if isinstance(i, (list, np.ndarray)) else None
        if arr is not None and arr.dtype == bool:
            out.extend(np.nonzero(arr))
        else:
            out.append(i)
    return tuple(out)


# ==================================================================== module functions
def add(a: Operand, b: Operand) -> Tensor:
    """a + b with broadcasting; d/da = d/db = 1 (summed over broadcast copies)."""
    x, y = _pair(a, b, "+")
    xs, ys = x.data.shape, y.data.shape

    def rule(g: np.ndarray, needs: tuple) -> tuple:
        return (
            unbroadcast(g, xs) if needs[0] else None,
            unbroadcast(g, ys) if needs[1] else None,
        )

    return _make(_binary("+", np.add, x, y), "+", (x, y), rule)


def sub(a: Operand, b: Operand) -> Tensor:
    """a - b; d/da = 1, d/db = -1."""
    x, y = _pair(a, b, "-")
    xs, ys = x.data.shape, y.data.shape

    def rule(g: np.ndarray, needs: tuple) -> tuple:
        return (
            unbroadcast(g, xs) if needs[0] else None,
            unbroadcast(-g, ys) if needs[1] else None,
        )

    return _make(_binary("-", np.subtract, x, y), "-", (x, y), rule)


def mul(a: Operand, b: Operand) -> Tensor:
    """a * b; d/da = b, d/db = a (multiplication swaps)."""
    x, y = _pair(a, b, "*")
    xd, yd = x.data, y.data

    def rule(g: np.ndarray, needs: tuple) -> tuple:
        return (
            unbroadcast(g * yd, xd.shape) if needs[0] else None,
            unbroadcast(g * xd, yd.shape) if needs[1] else None,
        )

    return _make(_binary("*", np.multiply, x, y), "*", (x, y), rule)


def div(a: Operand, b: Operand) -> Tensor:
    """a / b; d/da = 1/b, d/db = -a/b**2 = -out/b."""
    x, y = _pair(a, b, "/")
    xd, yd = x.data, y.data
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _binary("/", np.true_divide, x, y)

    def rule(g: np.ndarray, needs: tuple) -> tuple:
        with np.errstate(divide="ignore", invalid="ignore"):
            gb = g / yd
            return (
                unbroadcast(gb, xd.shape) if needs[0] else None,
                unbroadcast(-gb * out, yd.shape) if needs[1] else None,
            )

    return _make(out, "/", (x, y), rule)


def power(a: Operand, b: Operand) -> Tensor:
    """a ** b.

    A constant number exponent gives a one-parent gate labelled like the lecture
    (``"**2"``): d/da = n a**(n-1). A Tensor exponent adds d/db = a**b ln a (0 where a = 0).
    """
    if isinstance(a, Tensor) and isinstance(b, numbers.Real) and not isinstance(b, bool):
        xd = a.data
        n = b
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.power(xd, xd.dtype.type(n) if xd.dtype.kind == "f" else n)
        label = f"**{n:g}" if isinstance(n, float) else f"**{n}"

        def rule1(g: np.ndarray, needs: tuple) -> tuple:
            with np.errstate(divide="ignore", invalid="ignore"):
                if n == 2:
                    return (g * (2 * xd),)
                return (g * (n * np.power(xd, xd.dtype.type(n - 1))),)

        return _make(out, label, (a,), rule1)
    x, y = _pair(a, b, "**")
    xd, yd = x.data, y.data
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _binary("**", np.power, x, y)

    def rule(g: np.ndarray, needs: tuple) -> tuple:
        with np.errstate(divide="ignore", invalid="ignore"):
            ga = gb = None
            if needs[0]:
                ga = unbroadcast(g * yd * np.power(xd, yd - 1), xd.shape)
            if needs[1]:
                log_a = np.where(xd == 0, 0, np.log(np.where(xd == 0, 1, xd)))
                gb = unbroadcast(g * out * log_a, yd.shape)
            return ga, gb

    return _make(out, "**", (x, y), rule)


def maximum(a: Operand, b: Operand) -> Tensor:
    """Elementwise max; the gradient goes to the larger operand, half each on ties (PyTorch)."""
    return _pick(a, b, "maximum", np.maximum, np.greater)


def minimum(a: Operand, b: Operand) -> Tensor:
    """Elementwise min; the gradient goes to the smaller operand, half each on ties."""
    return _pick(a, b, "minimum", np.minimum, np.less)


def _pick(a: Operand, b: Operand, op: str, fn: Callable, wins: Callable) -> Tensor:
    x, y = _pair(a, b, op)
    xd, yd = x.data, y.data
    out = _binary(op, fn, x, y)

    def rule(g: np.ndarray, needs: tuple) -> tuple:
        tie = xd == yd
        wx = (wins(xd, yd) + 0.5 * tie).astype(g.dtype)  # 1, 0.5 or 0
        return (
            unbroadcast(g * wx, xd.shape) if needs[0] else None,
            unbroadcast(g * (1 - wx), yd.shape) if needs[1] else None,
        )

    return _make(out, op, (x, y), rule)


def where(condition: Any, a: Operand, b: Operand) -> Tensor:
    """``a`` where ``condition`` else ``b``; each gradient is masked by the condition.

    ``parents`` are ``(condition, a, b)``; the condition gets no gradient.
    """
    cond = condition if isinstance(condition, Tensor) else _leaf(np.asarray(condition, bool))
    c = cond.data.astype(bool, copy=False)
    x, y = _pair(a, b, "where")
    try:
        out = np.where(c, x.data, y.data)
    except ValueError:
        raise ValueError(
            f"where: shapes {cond.shape}, {x.shape} and {y.shape} cannot be broadcast together"
        ) from None
    xs, ys = x.data.shape, y.data.shape
    zero = np.zeros((), out.dtype)

    def rule(g: np.ndarray, needs: tuple) -> tuple:
        return (
            None,
            unbroadcast(np.where(c, g, zero), xs) if needs[1] else None,
            unbroadcast(np.where(c, zero, g), ys) if needs[2] else None,
        )

    return _make(out, "where", (cond, x, y), rule)


def matmul(a: Operand, b: Operand) -> Tensor:
    """Matrix product with numpy's rules (1-D vectors, matrices, broadcast batches).

    For C = A B: dJ/dA = G B^T and dJ/dB = A^T G; vectors are treated as a row (left)
    or a column (right) and batch axes broadcast like any elementwise op.
    """
    x, y = _pair(a, b, "matmul")
    xd, yd = x.data, y.data
    if xd.ndim == 0 or yd.ndim == 0:
        raise ValueError(f"matmul: {xd.shape} @ {yd.shape}: operands must have at least one axis")
    k1 = xd.shape[-1]
    k2 = yd.shape[-2] if yd.ndim > 1 else yd.shape[0]
    if k1 != k2:
        raise ValueError(f"matmul: {xd.shape} @ {yd.shape}: inner dimensions {k1} and {k2} differ")
    try:
        out = np.matmul(xd, yd)
    except ValueError:
        raise ValueError(
            f"matmul: {xd.shape} @ {yd.shape}: batch dimensions cannot be broadcast"
        ) from None

    if xd.ndim == 2 and yd.ndim == 2:  # the common case, written out

        def rule2(g: np.ndarray, needs: tuple) -> tuple:
            ga = gb = None
            # An operand that is a transposed view (x @ W.T) gets its gradient as the
            # transpose of a C-ordered product, so W itself receives a C-ordered array.
            if needs[0]:
                ga = (yd @ g.T).T if _is_transposed(xd) else g @ yd.T
            if needs[1]:
                gb = (g.T @ xd).T if _is_transposed(yd) else xd.T @ g
            return ga, gb

        return _make(out, "matmul", (x, y), rule2)

    def rule(g: np.ndarray, needs: tuple) -> tuple:
        # Promote vectors to matrices so one formula covers every case.
        a2 = xd[None, :] if xd.ndim == 1 else xd
        b2 = yd[:, None] if yd.ndim == 1 else yd
        g2 = g[..., None] if yd.ndim == 1 else g  # the column axis first (g may be 0-d)
        if xd.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        ga = gb = None
        if needs[0]:
            ga = unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(xd.shape)
        if needs[1]:
            gb = unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(yd.shape)
        return ga, gb

    return _make(out, "matmul", (x, y), rule)


def _is_transposed(a: np.ndarray) -> bool:
    flags = a.flags
    return flags.f_contiguous and not flags.c_contiguous


def concatenate(tensors: Sequence[Operand], axis: int = 0) -> Tensor:
    """Join along an existing axis; backward splits the gradient into the pieces."""
    ts = [_coerce(t, None, "concatenate") for t in tensors]
    if not ts:
        raise ValueError("concatenate: need at least one tensor")
    ax = _axis(axis, ts[0].ndim, "concatenate")
    try:
        out = np.concatenate([t.data for t in ts], axis=ax)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in ts)
        raise ValueError(f"concatenate: shapes {shapes} differ outside axis {axis}") from None
    bounds = np.cumsum([t.shape[ax] for t in ts])[:-1]

    def rule(g: np.ndarray, needs: tuple) -> tuple:
        pieces = np.split(g, bounds, axis=ax)
        return tuple(p if n else None for p, n in zip(pieces, needs, strict=True))

    return _make(out, "concatenate", tuple(ts), rule)


def stack(tensors: Sequence[Operand], axis: int = 0) -> Tensor:
    """Join along a new axis; backward takes each slice of the gradient."""
    ts = [_coerce(t, None, "stack") for t in tensors]
    if not ts:
        raise ValueError("stack: need at least one tensor")
    ax = _axis(axis, ts[0].ndim + 1, "stack")
    try:
        out = np.stack([t.data for t in ts], axis=ax)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in ts)
        raise ValueError(f"stack: all shapes must match, got {shapes}") from None

    def rule(g: np.ndarray, needs: tuple) -> tuple:
        return tuple(np.take(g, i, axis=ax) if n else None for i, n in enumerate(needs))

    return _make(out, "stack", tuple(ts), rule)


def pad(x: Operand, pad_width: Any, value: float = 0.0) -> Tensor:
    """Constant padding with numpy's ``pad_width`` (int, (before, after), or one pair per
    axis); backward crops the gradient back."""
    t = _coerce(x, None, "pad")
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (t.ndim, 2))
    if (widths < 0).any():
        raise ValueError(f"pad: widths must be non-negative, got {pad_width!r}")
    out = np.pad(t.data, widths, mode="constant", constant_values=value)
    crop = tuple(slice(int(lo), int(lo) + n) for (lo, _), n in zip(widths, t.shape, strict=True))
    return _unary(t, out, "pad", lambda g, needs: (g[crop],))


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Module-level :meth:`Tensor.zeros`."""
    return Tensor.zeros(*shape, dtype=dtype, requires_grad=requires_grad)


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Module-level :meth:`Tensor.ones`."""
    return Tensor.ones(*shape, dtype=dtype, requires_grad=requires_grad)


def randn(
    *shape: Any,
    seed: int | np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Module-level :meth:`Tensor.randn`."""
    return Tensor.randn(*shape, seed=seed, dtype=dtype, requires_grad=requires_grad)


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None) -> Tensor:
    """Module-level :meth:`Tensor.arange`."""
    return Tensor.arange(start, stop, step, dtype=dtype)


def eye(n: int, m: int | None = None, dtype: Any = None) -> Tensor:
    """Module-level :meth:`Tensor.eye`."""
    return Tensor.eye(n, m, dtype=dtype)
