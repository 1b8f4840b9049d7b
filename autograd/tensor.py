"""``Tensor``: a numpy array node of the computation graph.

This module holds the class only; the operations live in one module per family
(``elementwise``, ``reductions``, ``shapes``, ``linalg``, ``conv``, ``pooling``) and the
methods and operators below delegate to them. Each operation computes its result with numpy
and stores, next to its parents, a backward rule: a function that maps the upstream
gradient ``g = dJ/d(out)`` to one vector-Jacobian product per parent
(``dJ/d(parent) = g . d(out)/d(parent)``). ``backward`` walks the graph in reverse
topological order (the same walk as ``Value``) and sums those shares, so a tensor used
twice collects both, as the lectures' ``dJ/dx += dJ/dy * dy/dx`` says.

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

import contextlib
import dis
import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import scope
from .engine import backpropagate, no_grad_error
from .grad_mode import GRAD_ENABLED, set_grad_enabled

if TYPE_CHECKING:
    from .record import Axis, Operand

_current_scope = scope.SCOPE.get


class Tensor:
    """An n-dimensional numpy array that records how it was computed.

    Parameters
    ----------
    data : array_like
        Array, nested lists or a number. As ``torch.tensor``: integer and bool data keep
        their dtype (class indices, masks; no gradient), numpy floating arrays keep theirs
        (float64 stays float64), Python floats become float32, unless ``dtype`` says
        otherwise.
    requires_grad : bool
        Leaves with ``True`` accumulate ``.grad`` in ``backward``. Only floating dtypes.
    dtype : dtype-like, optional
        Force a dtype (``"float64"`` for gradient checks).
    label : str
        Name shown by ``repr`` and ``viz``.

    Attributes
    ----------
    data : ndarray
        Reassigning it (``t.data = ...``, ``t.data -= ...``) bumps :attr:`version`, and a
        backward pass through an op that used the old values raises (PyTorch's rule).
    grad : ndarray or None
        Same shape and dtype as ``data``; ``None`` until a backward pass reaches it. A
        Tensor (a graph node) after ``backward(create_graph=True)``.
    op : str
        Short lecture-style label of the producing operation (``"+"``, ``"matmul"``,
        ``"relu"``...); ``""`` for leaves.
    parents : tuple of Tensor
        Operands in argument order, duplicates kept; Python numbers appear as constant
        0-d Tensors.
    scope : str
        ``autograd.current_scope()`` when the tensor was created.
    op_args : dict
        Set only by ops with arguments besides their operands, for drawings and step texts:
        conv and pooling record ``kernel``, ``stride``, ``padding``, ``dilation``, ``groups``
        (read it with ``getattr(t, "op_args", None)``; other tensors have none).

    Examples
    --------
    >>> a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (a * a).sum().backward()
    >>> a.grad
    array([2., 4., 6.], dtype=float32)
    """

    __slots__ = (
        "_data", "grad", "requires_grad", "op", "parents", "label", "scope", "op_args",
        "_rule", "_retain", "_vc", "_saved_versions", "__weakref__",
    )  # fmt: skip
    op_args: dict[str, Any]  # set by conv and pooling only (a slot, unset elsewhere)
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
        if type(data) is np.ndarray and dtype is None and data.dtype.kind in "biuf":
            arr = data.copy()  # the common case, a numpy batch: its dtype kept, as below
        else:
            arr = _as_array(data, dtype)
        if requires_grad and arr.dtype.kind != "f":
            raise TypeError(
                f"Tensor: only floating dtypes can require gradients, got dtype {arr.dtype} "
                f"(integer data keeps an integer dtype, as torch.tensor does: write 1.0 "
                f"instead of 1, or pass dtype='float32')"
            )
        self._data = arr
        self._vc = [0]  # this storage's version counter (autograd.versions)
        self.grad: Any = None
        self.requires_grad = bool(requires_grad)
        self.op = ""
        self.parents: tuple[Tensor, ...] = ()
        self.label = str(label)
        self.scope = _current_scope()
        self._rule: Any = None
        self._retain = False
        self._saved_versions: tuple[int, ...] = ()

    # ----------------------------------------------------------- constructors
    @classmethod
    def zeros(cls, *shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """A tensor of zeros (float32 by default): ``Tensor.zeros(2, 3)`` or ``zeros((2, 3))``."""
        return cls(np.zeros(shape_arg(shape), dtype or DEFAULT_DTYPE), requires_grad=requires_grad)

    @classmethod
    def ones(cls, *shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """A tensor of ones (float32 by default)."""
        return cls(np.ones(shape_arg(shape), dtype or DEFAULT_DTYPE), requires_grad=requires_grad)

    @classmethod
    def randn(
        cls,
        *shape: Any,
        seed: int | np.random.Generator | None = None,
        dtype: Any = None,
        requires_grad: bool = False,
    ) -> Tensor:
        """Standard normal samples (``seed``: an int, a Generator, or None for the library's
        default generator, see :mod:`autograd.functional`).

        >>> Tensor.randn(2, seed=0).data.round(3)
        array([ 0.126, -0.132], dtype=float32)
        """
        rng = functional.generator(seed)  # None: the library's default generator
        data = rng.standard_normal(shape_arg(shape)).astype(dtype or DEFAULT_DTYPE)
        return cls(data, requires_grad=requires_grad)

    @classmethod
    def arange(
        cls, start: float, stop: float | None = None, step: float = 1, dtype: Any = None
    ) -> Tensor:
        """Evenly spaced values in ``[start, stop)`` (float32 by default)."""
        if stop is None:
            start, stop = 0, start
        return cls(np.arange(start, stop, step, dtype=dtype or DEFAULT_DTYPE))

    @classmethod
    def eye(cls, n: int, m: int | None = None, dtype: Any = None) -> Tensor:
        """The n x m identity matrix (float32 by default)."""
        return cls(np.eye(n, m, dtype=dtype or DEFAULT_DTYPE))

    # ------------------------------------------------------------- array-like
    @property
    def data(self) -> np.ndarray:
        """The values (an ndarray). Assigning to it (``t.data = ...``, ``t.data -= ...``,
        what optimizers do) bumps :attr:`version`."""
        return self._data

    @data.setter
    def data(self, value: np.ndarray) -> None:
        self._data = value
        self._vc[0] += 1

    @property
    def version(self) -> int:
        """How many times this tensor's storage was changed: PyTorch's version counter.

        Every op records its inputs' versions; ``backward()`` raises if an input changed
        since (its gradient would be computed from the new values, silently wrong). One
        counter per storage: ``detach()``, reshapes, ``.T``, slices and the other views share
        their base's, so a change through any of them counts for all. Changes made through
        the library count: ``t.data = ...``, ``t.data -= lr * g`` (the optimizers), the
        in-place operators (``t += 1``, ``t.mul_(2)``, ``zero_()``...), ``nn.init`` fills,
        ``Module.load``/``load_state_dict``. Raw edits of the array itself
        (``t.data[0] = 5``, ``np.add(t.data, 1, out=t.data)``) do not: numpy cannot tell us
        about them, so do not edit an array in place between a forward pass and its
        backward pass (see :mod:`autograd.versions`).
        """
        return self._vc[0]

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def size(self) -> int:
        """Number of elements (numpy's meaning)."""
        return self.data.size

    @property
    def T(self) -> Tensor:  # noqa: N802 (numpy's name)
        """All axes reversed (``transpose()``)."""
        return shapes.transpose(self)

    def item(self) -> float:
        """The single element as a Python number."""
        if self._data.size != 1:
            raise ValueError(f"item(): only one-element tensors, got shape {self.shape}")
        return self._data.item()

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
        if self.data.dtype != DEFAULT_DTYPE:
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
        """A leaf sharing this tensor's data (and version counter), cut from the graph."""
        t = leaf(self._data)
        t._vc = self._vc
        return t

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
        return self.shares(g)

    def shares(self, g: Any, create_graph: bool = False) -> tuple:
        """The engine's node interface: one share dJ/d(parent) per parent (``None`` where a
        parent needs no gradient), from the upstream gradient ``g`` = dJ/d(self).

        The rule runs on arrays (the fast path) or, with ``create_graph``, on the parent
        Tensors themselves, so the shares are graph nodes that can be differentiated again.
        """
        parents = self.parents
        saved = self._saved_versions
        n = 0
        for p in parents:  # each parent unchanged since the op read it
            if p._vc[0] != saved[n]:
                raise RuntimeError(_modified_message(p, self, saved[n]))
            n += 1
        # a rule that reads the output (exp, tanh, sqrt, /) needs it unchanged as well; its
        # version then is 0, or the one an in-place op saved after the parents'
        own = saved[n] if len(saved) > n else 0
        if self._vc[0] != own and self._vc is not parents[0]._vc and _reads_output(self._rule):
            raise RuntimeError(_modified_message(self, self, own))
        needs = tuple(map(_requires_grad, parents))
        rule = self._rule
        if create_graph:
            if getattr(rule, "arrays_only", False):
                raise RuntimeError(
                    f"backward(create_graph=True): op {self.op!r} has a backward rule that "
                    "only runs on numpy arrays, so its second derivatives cannot be recorded"
                )
            # the same rule on the parent Tensors: a recorded graph
            shares = rule(g if isinstance(g, Tensor) else leaf(np.asarray(g)), needs, parents,
                          self)
            if len(shares) != n:
                raise _share_count_error(self, shares)
            return tuple([_recorded_share(self, s) if need else None
                          for need, s in zip(needs, shares)])
        # the fast path: the rule on arrays
        shares = rule(g, needs, tuple(map(_array, parents)), self._data)
        if len(shares) != n:
            raise _share_count_error(self, shares)
        for p, need, s in zip(parents, needs, shares):
            if s is not None and (not need or s.dtype is not p._data.dtype):
                break
        else:  # the common case: every share needed and in its parent's dtype already
            return tuple(shares)
        # each share in its parent's dtype (a float32 weight times a float64 constant...)
        return tuple([None if s is None or not need else
                      s if s.dtype == p._data.dtype else s.astype(p._data.dtype)
                      for p, need, s in zip(parents, needs, shares)])

    def backward(
        self, gradient: Any = None, retain_graph_grads: bool = False, create_graph: bool = False
    ) -> None:
        """Backpropagate: fill ``.grad`` of the leaves that require it with d(self)/d(leaf).

        Parameters
        ----------
        gradient : array_like, optional
            dJ/d(self). Omit for a one-element output (seeded with 1); required, with this
            tensor's shape, otherwise.
        retain_graph_grads : bool
            Also keep ``.grad`` on every interior tensor (for ``viz`` and the stepper);
            by default only tensors marked with :meth:`retain_grad` keep theirs.
        create_graph : bool
            Record the backward pass itself: the ``.grad`` left on each leaf is then a
            Tensor (a graph node) that can be differentiated again, as in PyTorch.

        Leaves accumulate across calls, as in PyTorch: reset with ``autograd.zero_grad``.
        If the pass raises (a modified input, a failing rule), no ``.grad`` is changed.
        """
        seed = self.seed_gradient(gradient, "backward()")
        retain = retain_graph_grads

        def keep(node: Tensor) -> bool:  # whose gradient ends up in .grad
            return node.requires_grad and (not node.parents or retain or node._retain)

        with set_grad_enabled(True) if create_graph else _NO_CONTEXT:
            grads = backpropagate(self, seed, create_graph=create_graph, keep=keep)
        _store_grads(grads)

    def seed_gradient(self, gradient: Any = None, where: str = "backward()") -> Any:
        """dJ/d(self) that starts a backward pass: ones for a one-element tensor, else
        ``gradient`` (checked: its shape must be this tensor's; ``where`` names the caller
        in the error). A ``gradient`` that requires grad is kept as a graph node.

        >>> Tensor([[2.0]], requires_grad=True).seed_gradient()
        array([[1.]], dtype=float32)
        """
        if not self.requires_grad:
            raise no_grad_error(where, self)
        if gradient is None:
            if self._data.size != 1:
                raise RuntimeError(
                    f"{where}: output of shape {self.shape} is not a scalar; pass "
                    f"gradient= an array of shape {self.shape}"
                )
            return np.array(1, self._data.dtype).reshape(self._data.shape)  # (np.ones: 2x the time)
        if isinstance(gradient, Tensor) and gradient.requires_grad:
            seed = gradient  # a graph node: keep it, so the result depends on it too
        else:
            seed = np.array(
                gradient.data if isinstance(gradient, Tensor) else gradient, dtype=self.dtype
            )
        if seed.shape != self.shape:
            raise ValueError(f"{where}: gradient shape {seed.shape} != tensor shape {self.shape}")
        return seed

    # ------------------------------------------------------ binary arithmetic
    def __add__(self, other: Operand) -> Tensor:
        return elementwise.add(self, other)

    def __radd__(self, other: Operand) -> Tensor:
        return elementwise.add(other, self)

    def __sub__(self, other: Operand) -> Tensor:
        return elementwise.sub(self, other)

    def __rsub__(self, other: Operand) -> Tensor:
        return elementwise.sub(other, self)

    def __mul__(self, other: Operand) -> Tensor:
        return elementwise.mul(self, other)

    def __rmul__(self, other: Operand) -> Tensor:
        return elementwise.mul(other, self)

    def __truediv__(self, other: Operand) -> Tensor:
        return elementwise.div(self, other)

    def __rtruediv__(self, other: Operand) -> Tensor:
        return elementwise.div(other, self)

    def __pow__(self, other: Operand) -> Tensor:
        return elementwise.power(self, other)

    def __rpow__(self, other: Operand) -> Tensor:
        return elementwise.power(other, self)

    def __matmul__(self, other: Operand) -> Tensor:
        return linalg.matmul(self, other)

    def __rmatmul__(self, other: Operand) -> Tensor:
        return linalg.matmul(other, self)

    def matmul(self, other: Operand) -> Tensor:
        """Matrix product with numpy's rules (see :func:`autograd.matmul`)."""
        return linalg.matmul(self, other)

    def __neg__(self) -> Tensor:
        return elementwise.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return elementwise.absolute(self)

    # ----------------------------------------------- in place (inplace.py)
    # Under no_grad() they write into the array and bump the version (the manual SGD step);
    # a leaf that requires grad refuses them outside no_grad(); interior tensors record them.
    def __iadd__(self, other: Operand) -> Tensor:
        return inplace.update(self, other, "+", "+=")

    def __isub__(self, other: Operand) -> Tensor:
        return inplace.update(self, other, "-", "-=")

    def __imul__(self, other: Operand) -> Tensor:
        return inplace.update(self, other, "*", "*=")

    def __itruediv__(self, other: Operand) -> Tensor:
        return inplace.update(self, other, "/", "/=")

    def __ipow__(self, other: Operand) -> Tensor:
        return inplace.update(self, other, "**", "**=")

    def __imatmul__(self, other: Operand) -> Tensor:
        raise TypeError("@= is not supported (a matrix product changes the shape); write "
                        "a = a @ b")

    def add_(self, other: Operand, *, alpha: float = 1) -> Tensor:
        """In place ``self += alpha * other`` (PyTorch's ``add_``); returns self."""
        return inplace.update(self, other if alpha == 1 else other * alpha, "+", "add_")

    def sub_(self, other: Operand, *, alpha: float = 1) -> Tensor:
        """In place ``self -= alpha * other``; returns self."""
        return inplace.update(self, other if alpha == 1 else other * alpha, "-", "sub_")

    def mul_(self, other: Operand) -> Tensor:
        """In place ``self *= other``; returns self."""
        return inplace.update(self, other, "*", "mul_")

    def div_(self, other: Operand) -> Tensor:
        """In place ``self /= other``; returns self."""
        return inplace.update(self, other, "/", "div_")

    def zero_(self) -> Tensor:
        """Every element set to 0, in place; returns self."""
        return inplace.fill(self, 0, "zero_")

    def fill_(self, value: float) -> Tensor:
        """Every element set to ``value``, in place; returns self."""
        return inplace.fill(self, value, "fill_")

    def copy_(self, src: Operand) -> Tensor:
        """Elements replaced by ``src`` (broadcast to this shape, cast to this dtype), in
        place; gradients flow to ``src``. Returns self."""
        return inplace.copy(self, src)

    # ------------------------------------------- comparisons (no gradient)
    def __lt__(self, other: Operand) -> Tensor:
        return elementwise.compare(self, other, np.less, "<")

    def __le__(self, other: Operand) -> Tensor:
        return elementwise.compare(self, other, np.less_equal, "<=")

    def __gt__(self, other: Operand) -> Tensor:
        return elementwise.compare(self, other, np.greater, ">")

    def __ge__(self, other: Operand) -> Tensor:
        return elementwise.compare(self, other, np.greater_equal, ">=")

    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]
        return elementwise.compare(self, other, np.equal, "==")

    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]
        return elementwise.compare(self, other, np.not_equal, "!=")

    # ------------------------------------------ elementwise unary (elementwise.py)
    def exp(self) -> Tensor:
        """e**x; d/dx = e**x (the output itself)."""
        return elementwise.exp(self)

    def log(self) -> Tensor:
        """Natural log; d/dx = 1/x. ``log(0) = -inf`` and negatives give ``nan`` silently."""
        return elementwise.log(self)

    def sqrt(self) -> Tensor:
        """Square root; d/dx = 1 / (2 sqrt x)."""
        return elementwise.sqrt(self)

    def reciprocal(self) -> Tensor:
        """1/x, the lecture's ``1/x`` gate; d/dx = -1/x**2."""
        return elementwise.reciprocal(self)

    def abs(self) -> Tensor:
        """|x|; d/dx = sign(x), 0 at the kink (as PyTorch)."""
        return elementwise.absolute(self)

    def sin(self) -> Tensor:
        """sin x; d/dx = cos x."""
        return elementwise.sin(self)

    def cos(self) -> Tensor:
        """cos x; d/dx = -sin x."""
        return elementwise.cos(self)

    def tanh(self) -> Tensor:
        """tanh x; d/dx = 1 - tanh(x)**2."""
        return elementwise.tanh(self)

    def sigmoid(self) -> Tensor:
        """sigma(x) = 1/(1+e^-x) as one gate; d/dx = sigma (1 - sigma). Stable for any x."""
        return elementwise.sigmoid(self)

    def relu(self) -> Tensor:
        """max(0, x); d/dx = 1 where x > 0 else 0 (0 at the kink, as PyTorch)."""
        return elementwise.relu(self)

    def leaky_relu(self, slope: float = 0.01) -> Tensor:
        """x where x > 0 else slope * x; d/dx = 1 or slope."""
        return elementwise.leaky_relu(self, slope)

    def clip(self, lo: float | None = None, hi: float | None = None) -> Tensor:
        """Clamp to ``[lo, hi]``; gradient 1 inside (bounds included, as PyTorch), else 0."""
        return elementwise.clip(self, lo, hi)

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
        """PyTorch's name for :meth:`clip` (``min=``, ``max=``)."""
        if min is None and max is None:
            raise TypeError("clamp: give at least one of min and max")
        return elementwise.clip(self, min, max)

    def pow(self, exponent: Operand) -> Tensor:
        """``self ** exponent``."""
        return elementwise.power(self, exponent)

    def log1p(self) -> Tensor:
        """log(1 + x), accurate near 0; d/dx = 1/(1 + x)."""
        return elementwise.log1p(self)

    def expm1(self) -> Tensor:
        """e**x - 1, accurate near 0; d/dx = e**x."""
        return elementwise.expm1(self)

    def erf(self) -> Tensor:
        """The error function; d/dx = (2/sqrt(pi)) e^(-x^2)."""
        return elementwise.erf(self)

    def masked_fill(self, mask: Any, value: float) -> Tensor:
        """``value`` where the boolean ``mask`` is true, else self (gradient only there)."""
        return elementwise.masked_fill(self, mask, value)

    # ------------------------------------------------------ reductions (reductions.py)
    # Every reduction takes numpy's ``axis=``/``keepdims=`` and PyTorch's ``dim=``/``keepdim=``.
    def sum(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
            keepdim: bool | None = None) -> Tensor:
        """Sum over ``axis`` (int, tuple or None for all); d/dx_i = 1 for every summand."""
        axis, keepdims = torch_axis_names("sum", axis, keepdims, dim, keepdim)
        return reductions.sum(self, axis, keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
             keepdim: bool | None = None) -> Tensor:
        """Mean over ``axis``; d/dx_i = 1/n."""
        axis, keepdims = torch_axis_names("mean", axis, keepdims, dim, keepdim)
        return reductions.mean(self, axis, keepdims)

    def var(self, axis: Axis = None, keepdims: bool = False, ddof: int = 0, *,
            dim: Axis = None, keepdim: bool | None = None,
            correction: int | None = None) -> Tensor:
        """Variance ``sum((x - mean)^2) / (n - ddof)``.

        numpy's ``ddof=0`` by default (PyTorch's ``var`` defaults to ``correction=1``;
        ``correction=`` is accepted as PyTorch's name for ddof).
        """
        axis, keepdims = torch_axis_names("var", axis, keepdims, dim, keepdim)
        return reductions.var(self, axis, keepdims, ddof if correction is None else correction)

    def std(self, axis: Axis = None, keepdims: bool = False, ddof: int = 0, *,
            dim: Axis = None, keepdim: bool | None = None,
            correction: int | None = None) -> Tensor:
        """Standard deviation sqrt(var), ``ddof=0`` by default as :meth:`var` (numpy's;
        PyTorch's ``std`` defaults to ``correction=1``)."""
        axis, keepdims = torch_axis_names("std", axis, keepdims, dim, keepdim)
        return reductions.std(self, axis, keepdims, ddof if correction is None else correction)

    def max(self, dim: Any = None, keepdim: bool = False, *, axis: Axis = None,
            keepdims: bool | None = None) -> Any:
        """Maximum, with both libraries' meanings.

        * ``x.max()``, ``x.max(axis=...)`` (int or tuple): the values (numpy's ``max``,
          PyTorch's ``amax``); tied maxima share the gradient evenly.
        * ``x.max(dim)`` / ``x.max(dim=1, keepdim=True)`` (one int, PyTorch):
          ``(values, indices)``; the gradient goes to the index returned (the first maximum).
        * ``x.max(other_tensor)``: elementwise :func:`maximum`.
        """
        return _extremum_method(self, dim, keepdim, axis, keepdims, "max")

    def min(self, dim: Any = None, keepdim: bool = False, *, axis: Axis = None,
            keepdims: bool | None = None) -> Any:
        """Minimum: values for ``min()``/``min(axis=...)`` (ties share the gradient),
        ``(values, indices)`` for ``min(dim)``; ``min(other_tensor)`` is elementwise."""
        return _extremum_method(self, dim, keepdim, axis, keepdims, "min")

    def amax(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
             keepdim: bool | None = None) -> Tensor:
        """Maximum over ``axis`` (int, tuple or None); ties share the gradient evenly."""
        axis, keepdims = torch_axis_names("amax", axis, keepdims, dim, keepdim)
        return reductions.amax(self, axis, keepdims)

    def amin(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
             keepdim: bool | None = None) -> Tensor:
        """Minimum over ``axis`` (int, tuple or None); ties share the gradient evenly."""
        axis, keepdims = torch_axis_names("amin", axis, keepdims, dim, keepdim)
        return reductions.amin(self, axis, keepdims)

    def prod(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
             keepdim: bool | None = None) -> Tensor:
        """Product over one axis (or all); d/dx_i = product of the other factors (exact at 0)."""
        axis, keepdims = torch_axis_names("prod", axis, keepdims, dim, keepdim)
        return reductions.prod(self, axis, keepdims)

    def norm(self, p: float | str = 2, axis: Axis = None, keepdims: bool = False, *,
             dim: Axis = None, keepdim: bool | None = None) -> Tensor:
        """Vector p-norm (sum |x|^p)^(1/p) over ``axis`` (all entries by default)."""
        axis, keepdims = torch_axis_names("norm", axis, keepdims, dim, keepdim)
        return reductions.norm(self, p, axis, keepdims)

    def cumsum(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        """Running sum along ``axis``; backward is the running sum of g from the other end."""
        axis, _ = torch_axis_names("cumsum", axis, False, dim)
        if axis is None:
            raise TypeError("cumsum: give the axis (axis= or dim=)")
        return reductions.cumsum(self, axis)

    def sort(self, axis: int = -1, descending: bool = False, *,
             dim: int | None = None) -> Any:
        """``(values, indices)`` sorted along ``axis`` (stable); values carry the gradient."""
        axis, _ = torch_axis_names("sort", None if dim is not None else axis, False, dim)
        return reductions.sort(self, axis, descending)

    def logsumexp(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
                  keepdim: bool | None = None) -> Tensor:
        """log(sum(exp(x))) without overflow; d/dx_i = softmax(x)_i."""
        axis, keepdims = torch_axis_names("logsumexp", axis, keepdims, dim, keepdim)
        return reductions.logsumexp(self, axis, keepdims)

    def argmax(self, axis: int | None = None, keepdims: bool = False, *,
               dim: int | None = None, keepdim: bool | None = None) -> Tensor:
        """Index of the first maximum (int64 tensor, no gradient)."""
        axis, keepdims = torch_axis_names("argmax", axis, keepdims, dim, keepdim)
        return reductions.argmax(self, axis, keepdims)

    def argmin(self, axis: int | None = None, keepdims: bool = False, *,
               dim: int | None = None, keepdim: bool | None = None) -> Tensor:
        """Index of the first minimum (int64 tensor, no gradient)."""
        axis, keepdims = torch_axis_names("argmin", axis, keepdims, dim, keepdim)
        return reductions.argmin(self, axis, keepdims)

    def softmax(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        """exp(x_i - max) / sum_j exp(x_j - max) along ``axis`` (default -1; stable)."""
        axis, _ = torch_axis_names("softmax", axis, False, dim)
        return reductions.softmax(self, -1 if axis is None else axis)

    def log_softmax(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        """x - logsumexp(x) along ``axis`` (default -1; finite for logits of any magnitude)."""
        axis, _ = torch_axis_names("log_softmax", axis, False, dim)
        return reductions.log_softmax(self, -1 if axis is None else axis)

    # --------------------------------------------------------------- shapes (shapes.py)
    def reshape(self, *shape: Any) -> Tensor:
        """Same data, new shape (one ``-1`` allowed); the gradient is reshaped back."""
        return shapes.reshape(self, *shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge axes ``start_dim..end_dim`` into one (``x.flatten(1)`` keeps the batch axis)."""
        return shapes.flatten(self, start_dim, end_dim)

    def transpose(self, *axes: Any) -> Tensor:
        """Permute axes: ``t.transpose()`` reverses them (numpy, ``.T``),
        ``t.transpose(d0, d1)`` swaps two (PyTorch), ``t.transpose((2, 0, 1))`` permutes."""
        return shapes.transpose(self, *axes)

    def permute(self, *dims: Any) -> Tensor:
        """Reorder axes: output axis i is input axis ``dims[i]``."""
        return shapes.permute(self, *dims)

    def squeeze(self, axis: Axis = None, *, dim: Axis = None) -> Tensor:
        """Drop size-1 axes (all of them, or those named)."""
        axis, _ = torch_axis_names("squeeze", axis, False, dim)
        return shapes.squeeze(self, axis)

    def unsqueeze(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        """Insert a size-1 axis at position ``axis``."""
        axis, _ = torch_axis_names("unsqueeze", axis, False, dim)
        if axis is None:
            raise TypeError("unsqueeze: give the position (axis= or dim=)")
        return shapes.unsqueeze(self, axis)

    def view(self, *shape: Any) -> Tensor:
        """PyTorch's name for :meth:`reshape` (always allowed here: arrays, not strides)."""
        return shapes.reshape(self, *shape)

    def flip(self, axis: Axis = None, *, dims: Axis = None) -> Tensor:
        """Reverse the order along ``axis``/``dims`` (all axes by default)."""
        axis, _ = torch_axis_names("flip", axis, False, dims)
        return shapes.flip(self, axis)

    def gather(self, dim: int, index: Any) -> Tensor:
        """PyTorch's ``gather``: ``out[i][j] = x[i][index[i][j]]`` for ``dim=1``."""
        return shapes.gather(self, dim, index)

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces of ``split_size`` (or of the listed sizes) along ``dim``."""
        return shapes.split(self, split_size_or_sections, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """``chunks`` equal pieces (the last may be smaller) along ``dim``."""
        return shapes.chunk(self, chunks, dim)

    def repeat(self, *sizes: Any) -> Tensor:
        """PyTorch's ``repeat`` (numpy's ``tile``): whole copies along each axis."""
        return shapes.repeat(self, *sizes)

    def expand(self, *shape: Any) -> Tensor:
        """Broadcast to ``shape`` (``-1`` keeps an axis); backward sums over the copies."""
        return shapes.expand(self, *shape)

    def broadcast_to(self, shape: Sequence[int]) -> Tensor:
        """numpy.broadcast_to as a differentiable op (a read-only view)."""
        return shapes.broadcast_to(self, shape)

    def __getitem__(self, index: Any) -> Tensor:
        """numpy indexing: slices, ints, None, ``...``, integer/boolean arrays.

        Backward scatters the gradient into zeros; repeated integer indices accumulate.
        """
        return shapes.getitem(self, index)


# ============================================================ backward helpers
# ------------------------------------------------------------ node constructors
# The only code that fills a new node's fields (record.py offers both to the op modules).
_new = object.__new__
_grad_enabled = GRAD_ENABLED.get
_NO_CONTEXT = contextlib.nullcontext()  # (reusable: one less object per backward)
_requires_grad = operator.attrgetter("requires_grad")  # (map with these: no Python frame)
_array = operator.attrgetter("_data")


def leaf(data: np.ndarray) -> Tensor:
    """A constant (no grad) tensor around ``data`` without copying."""
    t = _new(Tensor)
    t._data = data
    t._vc = [0]  # a version counter of its own (autograd.versions)
    t.grad = None
    t.requires_grad = False
    t.op = ""
    t.parents = ()
    t.label = ""
    t.scope = _current_scope()
    t._rule = None
    t._retain = False
    t._saved_versions = ()
    return t


def make_node(data: np.ndarray, op: str, parents: tuple, rule: Rule) -> Tensor:
    """The output node of an operation.

    Recorded only when grad mode is on and some parent requires grad (otherwise a constant
    leaf, as in PyTorch). ``rule(g, needs, inputs, out)`` is the op's backward
    rule: it maps the upstream gradient ``g`` to one share per parent, on arrays, or on
    Tensors when the backward pass is recorded (``create_graph=True``; see
    :mod:`autograd.generic`). The parents' version counters are saved so that
    ``backward`` can detect in-place changes.
    """
    t = _new(Tensor)
    t._data = data
    t._vc = [0]
    t.grad = None
    t.label = ""
    t.scope = _current_scope()
    t._retain = False
    if _grad_enabled():
        for p in parents:  # (a loop, not any(...): no generator per op)
            if p.requires_grad:
                t.requires_grad = True
                t.op = op
                t.parents = parents
                t._rule = rule
                # checked by backward (written out for one and two parents: no comprehension)
                n = len(parents)
                t._saved_versions = (
                    (parents[0]._vc[0],) if n == 1 else
                    (parents[0]._vc[0], parents[1]._vc[0]) if n == 2 else
                    tuple([q._vc[0] for q in parents])
                )
                return t
    t.requires_grad = False
    t.op = ""
    t.parents = ()
    t._rule = None
    t._saved_versions = ()
    return t



def _extremum_method(x: Tensor, dim: Any, keepdim: bool, axis: Axis, keepdims: bool | None,
                     kind: str) -> Any:
    """Tensor.max/min: elementwise with a Tensor, (values, indices) for one PyTorch dim,
    values (ties sharing the gradient) for numpy's axis= or no axis."""
    if isinstance(dim, Tensor):
        if axis is not None:
            raise TypeError(f"{kind}(other): axis= does not apply to the elementwise form")
        return elementwise.maximum(x, dim) if kind == "max" else elementwise.minimum(x, dim)
    if dim is not None and axis is not None:
        raise TypeError(f"{kind}: give axis= (numpy) or dim (PyTorch), not both")
    keep = bool(keepdim if keepdims is None else keepdims)
    if dim is not None and not isinstance(dim, (tuple, list)):
        return reductions.max_dim(x, dim, keep) if kind == "max" else reductions.min_dim(
            x, dim, keep)
    axis = dim if axis is None else axis
    return reductions.amax(x, axis, keep) if kind == "max" else reductions.amin(x, axis, keep)


def _as_array(data: Any, dtype: Any) -> np.ndarray:
    """The array a new Tensor holds (a copy), with ``Tensor(data)``'s dtype rules."""
    if isinstance(data, Tensor):
        data = data.data
    elif is_value(data):
        raise TypeError("Tensor(data): got a scalar Value; use Tensor(value.data)")
    elif data is None:
        raise TypeError("Tensor(data): data is None; expected a number, list or array")
    try:
        source = np.asarray(data)
    except ValueError:
        raise ValueError(f"Tensor(data): {_ragged(data)}") from None
    if source.dtype.kind not in "biuf":
        hint = " (complex values are not supported; take .real first)" * (
            source.dtype.kind == "c"
        )
        raise TypeError(
            f"Tensor(data): expected real numbers, got {type(data).__name__} of dtype "
            f"{source.dtype}{hint}"
        )
    if dtype is None:
        arr = source
        # as torch.tensor: integer and bool data keep their dtype (indices, masks),
        # numpy float arrays keep their precision, Python floats become float32
        keep = arr.dtype.kind in "biu" or (
            arr.dtype.kind == "f" and isinstance(data, (np.ndarray, np.generic))
        )
        return arr.copy() if keep else arr.astype(DEFAULT_DTYPE)
    return np.array(data, dtype=dtype)


def _ragged(data: Any) -> str:
    """Why nested lists are not an array: the first two rows that differ."""
    def kind(row: Any) -> str:
        if isinstance(row, (list, tuple, np.ndarray)):
            return f"{len(row)} long"
        return "a number" if isinstance(row, (int, float, np.number)) else type(row).__name__

    if isinstance(data, (list, tuple)) and data:
        for i, row in enumerate(data):
            if kind(row) != kind(data[0]):
                return (f"nested lists must be rectangular, but row 0 is {kind(data[0])} and "
                        f"row {i} is {kind(row)} (pad the rows, or make one Tensor per row)")
            if isinstance(row, (list, tuple)):
                inner = _ragged(row)
                if ", but row" in inner:
                    return f"in row {i}: {inner}"
    return "nested lists must be rectangular (every row the same length) and hold numbers"


def _share_count_error(node: Tensor, shares: tuple) -> ValueError:
    return ValueError(
        f"backward(): op {node.op!r} returned {len(shares)} gradient shares for "
        f"{len(node.parents)} parents"
    )


def _recorded_share(node: Tensor, s: Any) -> Tensor | None:
    """A share of ``backward(create_graph=True)``: a Tensor (a graph node), or None."""
    if s is not None and not isinstance(s, Tensor):
        raise RuntimeError(
            f"backward(create_graph=True): op {node.op!r} returned a numpy array, "
            "not a Tensor, for a share: its rule cut the second derivatives"
        )
    return s


def _reads_output(rule: Any) -> bool:
    """Whether a backward rule reads its ``out`` argument (a rule of the engine's
    ``(g, needs, inputs, out)`` form that never loads it does not; unknown forms, and
    ``custom_op``'s numpy-only ``vjp(g, needs)``, are assumed to). Asked only when an
    output changed."""
    if getattr(rule, "arrays_only", False):
        return True
    code = getattr(rule, "__code__", None)
    if code is None or code.co_argcount < 4:
        return True
    name = code.co_varnames[3]
    if name in code.co_cellvars:  # an inner function reads it
        return True
    for ins in dis.get_instructions(code):
        if ins.opname.startswith("LOAD_FAST"):
            names = ins.argval if isinstance(ins.argval, tuple) else (ins.argval,)
            if name in names:
                return True
    return False


def _describe(t: Tensor) -> str:
    name = f"{t.label!r} " if t.label else ""
    kind = "leaf" if not t.parents else f"output of {t.op!r}"
    return f"tensor {name}of shape {t.shape} ({kind})"


def _modified_message(parent: Tensor, node: Tensor, saved: int) -> str:
    used = "computed" if parent is node else "used"
    return (
        f"backward(): {_describe(parent)} was modified in place after op {node.op!r} {used} it "
        f"(version {saved} then, {parent._vc[0]} now), so the gradient would be computed "
        "from the new values. Run the forward pass again after changing it (or change it "
        "under no_grad() before the forward pass)."
    )


def _store_grads(grads: dict[Tensor, Any]) -> None:
    """Write a finished pass's gradients into ``.grad`` (leaves accumulate, as PyTorch).

    All checks run before the first write, so a failing pass leaves every ``.grad`` as it
    was. Arrays are copied where two tensors would otherwise share one (``a + b`` hands the
    same ``g`` to both) or where they are read-only broadcast views.
    """
    for node, g in grads.items():
        if node.grad is not None and np.shape(node.grad) != g.shape:
            name = f" {node.label!r}" if node.label else ""
            raise RuntimeError(
                f"backward(): tensor{name} has an existing .grad of shape "
                f"{np.shape(node.grad)} but its gradient has shape {g.shape}; set .grad = None"
            )
    owners: set[int] = set()
    for node, g in grads.items():
        if isinstance(g, Tensor):  # create_graph: the gradient is itself a graph node
            node.grad = g if node.grad is None else g + node.grad
            continue
        if g.dtype != node._data.dtype:
            g = g.astype(node._data.dtype)
        base = g if g.base is None else g.base
        if node.grad is not None:
            node.grad = node.grad + g
        elif id(base) in owners or not g.flags.writeable or node.parents:
            node.grad = np.array(g)  # interior gradients keep flowing: always a copy
        else:
            node.grad = g
        owners.add(id(base))


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


# The op modules and the shared helpers import Tensor from here, so they load after the class.
from . import elementwise, functional, inplace, linalg, reductions, shapes  # noqa: E402
from .record import DEFAULT_DTYPE, Rule, is_value, shape_arg, torch_axis_names  # noqa: E402
