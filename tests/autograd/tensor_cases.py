"""The Tensor op catalogue: one entry per differentiable op, shared by the gradient checks
(central differences), the PyTorch parity tests and the dtype/shape checks.

Each case names its input shapes (broadcasting across ranks included), how to build the op
from chainrule Tensors (``ours``) and from torch tensors (``ref``), and the interval inputs
are drawn from (kept away from kinks and poles so finite differences are meaningful).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import op_table  # tests/autograd is on sys.path (rootdir-less)

import autograd as ag


@dataclass(frozen=True)
class Case:
    name: str
    shapes: tuple[tuple[int, ...], ...]
    ours: Callable
    ref: Callable
    low: float = -2.0
    high: float = 2.0
    # Extra constructor for inputs that need structure (e.g. distinct values for max).
    make: Callable | None = field(default=None)

    def inputs(self, seed: int = 0, dtype: str = "float64") -> list[np.ndarray]:
        rng = np.random.default_rng(seed)
        if self.make is not None:
            return [np.asarray(a, dtype=dtype) for a in self.make(rng, self.shapes)]
        arrays = []
        for shape in self.shapes:
            mag = rng.uniform(self.low, self.high, size=shape)
            arrays.append(mag.astype(dtype))
        return arrays


def _away_from_zero(rng: np.random.Generator, shapes):
    """Values with |x| in [0.3, 2]: no kinks for abs/relu/leaky_relu/clip."""
    return [rng.uniform(0.3, 2.0, s) * rng.choice([-1.0, 1.0], s) for s in shapes]


def _distinct(rng: np.random.Generator, shapes):
    """A permutation of well-separated values: no ties for max/min/maximum/minimum."""
    out = []
    for s in shapes:
        n = int(np.prod(s))
        out.append((rng.permutation(n) * 0.37 - 0.3 * n).reshape(s))
    return out


def _distinct_pair(rng: np.random.Generator, shapes):
    a, b = _distinct(rng, shapes)
    return [a, b + 0.11]  # shift so no pair of entries are equal


def _torch_max(x, axis=None, keepdims=False):
    if axis is None:
        return x.max()
    return x.max(dim=axis, keepdim=keepdims).values


def _torch_min(x, axis=None, keepdims=False):
    if axis is None:
        return x.min()
    return x.min(dim=axis, keepdim=keepdims).values


IDX = np.array([2, 0, 2, 1])  # repeated index: backward must accumulate

CASES: list[Case] = [
    # ------------------------------------------------------------ binary, broadcasting
    Case("add", ((2, 3), (2, 3)), lambda a, b: a + b, lambda a, b: a + b),
    Case("add_rank", ((3,), (2, 3)), lambda a, b: a + b, lambda a, b: a + b),
    Case("add_scalar", ((2, 3),), lambda a: 2.5 + a, lambda a: 2.5 + a),
    Case("sub_bcast", ((5, 1, 4), (3, 1)), lambda a, b: a - b, lambda a, b: a - b),
    Case("rsub_scalar", ((4,),), lambda a: 1.0 - a, lambda a: 1.0 - a),
    Case("mul_bcast", ((5, 1, 4), (3, 1)), lambda a, b: a * b, lambda a, b: a * b),
    Case("mul_self", ((3,),), lambda a: a * a, lambda a: a * a),
    Case("div", ((2, 3), (3,)), lambda a, b: a / b, lambda a, b: a / b, low=0.5, high=2.0),
    Case("rdiv_scalar", ((3,),), lambda a: 2.0 / a, lambda a: 2.0 / a, low=0.5, high=2.0),
    Case("pow_const", ((2, 3),), lambda a: a**3, lambda a: a**3),
    Case("pow_half", ((4,),), lambda a: a**0.5, lambda a: a**0.5, low=0.5, high=2.0),
    Case("pow_tensor", ((2, 3), (3,)), lambda a, b: a**b, lambda a, b: a**b, low=0.5, high=2.0),
    Case(
        "maximum",
        ((2, 3), (2, 3)),
        lambda a, b: ag.maximum(a, b),
        lambda a, b: __import__("torch").maximum(a, b),
        make=_distinct_pair,
    ),
    Case(
        "minimum_bcast",
        ((2, 3), (2, 3)),
        lambda a, b: ag.minimum(a, b[0]),
        lambda a, b: __import__("torch").minimum(a, b[0]),
        make=_distinct_pair,
    ),
    Case(
        "where",
        ((2, 3), (2, 3)),
        lambda a, b: ag.where(a > 0, a, b),
        lambda a, b: __import__("torch").where(a > 0, a, b),
        make=_away_from_zero,
    ),
    # ------------------------------------------------------------------ reductions
    Case("sum_all", ((2, 3, 4),), lambda a: a.sum(), lambda a: a.sum()),
    Case("sum_axis", ((2, 3, 4),), lambda a: a.sum(axis=1), lambda a: a.sum(dim=1)),
    Case(
        "sum_tuple_keep",
        ((2, 3, 4),),
        lambda a: a.sum(axis=(0, 2), keepdims=True),
        lambda a: a.sum(dim=(0, 2), keepdim=True),
    ),
    Case("mean_axis", ((2, 3, 4),), lambda a: a.mean(axis=-1), lambda a: a.mean(dim=-1)),
    Case("mean_all", ((3, 4),), lambda a: a.mean(), lambda a: a.mean()),
    Case(
        "var_axis",
        ((3, 5),),
        lambda a: a.var(axis=1),
        lambda a: a.var(dim=1, correction=0),
    ),
    Case("var_all", ((3, 5),), lambda a: a.var(), lambda a: a.var(correction=0)),
    Case("max_all", ((3, 4),), lambda a: a.max(), lambda a: a.max(), make=_distinct),
    Case(
        "max_axis",
        ((3, 4, 2),),
        lambda a: a.max(axis=1),
        lambda a: _torch_max(a, 1),
        make=_distinct,
    ),
    Case(
        "min_axis_keep",
        ((3, 4),),
        lambda a: a.min(axis=0, keepdims=True),
        lambda a: _torch_min(a, 0, True),
        make=_distinct,
    ),
    Case(
        "max_tuple",
        ((2, 3, 4),),
        lambda a: a.max(axis=(0, 2)),
        lambda a: a.amax(dim=(0, 2)),
        make=_distinct,
    ),
    Case(
        "logsumexp",
        ((3, 4),),
        lambda a: a.logsumexp(axis=1),
        lambda a: a.logsumexp(dim=1),
    ),
    Case("logsumexp_all", ((3, 4),), lambda a: a.logsumexp(), lambda a: a.logsumexp(dim=(0, 1))),
    Case("softmax", ((3, 5),), lambda a: a.softmax(axis=-1), lambda a: a.softmax(dim=-1)),
    Case("softmax_ax0", ((3, 5),), lambda a: a.softmax(axis=0), lambda a: a.softmax(dim=0)),
    Case("log_softmax", ((3, 5),), lambda a: a.log_softmax(axis=1), lambda a: a.log_softmax(dim=1)),
    # -------------------------------------------------------------------- matmul
    Case("matmul_mm", ((3, 4), (4, 2)), lambda a, b: a @ b, lambda a, b: a @ b),
    Case("matmul_vv", ((4,), (4,)), lambda a, b: a @ b, lambda a, b: a @ b),
    Case("matmul_mv", ((3, 4), (4,)), lambda a, b: a @ b, lambda a, b: a @ b),
    Case("matmul_vm", ((4,), (4, 2)), lambda a, b: a @ b, lambda a, b: a @ b),
    Case("matmul_batched", ((2, 3, 4), (2, 4, 5)), lambda a, b: a @ b, lambda a, b: a @ b),
    Case("matmul_bcast", ((2, 1, 3, 4), (3, 4, 2)), lambda a, b: a @ b, lambda a, b: a @ b),
    Case("matmul_bv", ((2, 3, 4), (4,)), lambda a, b: a @ b, lambda a, b: a @ b),
    # -------------------------------------------------------------------- shapes
    Case("reshape", ((2, 6),), lambda a: a.reshape(3, 4), lambda a: a.reshape(3, 4)),
    Case("flatten", ((2, 3, 4),), lambda a: a.flatten(1), lambda a: a.flatten(1)),
    Case("transpose_T", ((2, 3),), lambda a: a.T, lambda a: a.T),
    Case("transpose_swap", ((2, 3, 4),), lambda a: a.transpose(0, 2), lambda a: a.transpose(0, 2)),
    Case("permute", ((2, 3, 4),), lambda a: a.permute(1, 2, 0), lambda a: a.permute(1, 2, 0)),
    Case("squeeze", ((2, 1, 3),), lambda a: a.squeeze(1), lambda a: a.squeeze(1)),
    Case("unsqueeze", ((2, 3),), lambda a: a.unsqueeze(1), lambda a: a.unsqueeze(1)),
    Case("expand", ((3, 1),), lambda a: a.expand(2, 3, 4), lambda a: a.expand(2, 3, 4)),
    Case("broadcast_to", ((3,),), lambda a: a.broadcast_to((2, 3)), lambda a: a.expand(2, 3)),
    Case("index_slice", ((4, 5),), lambda a: a[1:3, ::2], lambda a: a[1:3, ::2]),
    Case("index_int_none", ((4, 5),), lambda a: a[2, None, ...], lambda a: a[2, None, ...]),
    Case(
        "index_repeat",
        ((4, 3),),
        lambda a: a[IDX],
        lambda a: a[__import__("torch").as_tensor(IDX)],
    ),
    Case(
        "index_pairs",
        ((4, 3),),
        lambda a: a[IDX, np.array([0, 1, 0, 2])],
        lambda a: a[__import__("torch").as_tensor(IDX), __import__("torch").tensor([0, 1, 0, 2])],
    ),
    Case(
        "index_bool",
        ((4, 3),),
        lambda a: a[np.array([True, False, True, True])],
        lambda a: a[__import__("torch").tensor([True, False, True, True])],
    ),
    Case(
        "concatenate",
        ((2, 3), (4, 3)),
        lambda a, b: ag.concatenate([a, b, a], axis=0),
        lambda a, b: __import__("torch").cat([a, b, a], dim=0),
    ),
    Case(
        "stack",
        ((2, 3), (2, 3)),
        lambda a, b: ag.stack([a, b], axis=1),
        lambda a, b: __import__("torch").stack([a, b], dim=1),
    ),
    Case(
        "pad",
        ((2, 3),),
        lambda a: ag.pad(a, ((1, 0), (2, 1)), value=0.5),
        lambda a: __import__("torch").nn.functional.pad(a, (2, 1, 1, 0), value=0.5),
    ),
]


def _from_table(op: op_table.Op) -> Case:
    """A catalogue case for an elementwise op of the op table."""
    low, high, avoid_zero = op_table.DOMAINS[op.domain]
    shape = (3, 4) if avoid_zero else (2, 3)
    return Case(op.name, (shape,), op.fn, op.torch_fn, low=low, high=high,
                make=_away_from_zero if avoid_zero else None)


# ---------------------------------------------------------- unary: the op table
CASES += [_from_table(op) for op in op_table.rows("tensor")]
