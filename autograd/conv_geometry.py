"""A convolution's geometry: shapes, stride, padding, dilation, groups, and their checks.

Everything about a 2-D convolution (NCHW, PyTorch semantics) except the numbers. For an
input of shape (N, C, H, W) and weights of shape (O, C / groups, kh, kw), with stride s,
padding p and dilation d per axis, the output size per axis is::

    Ho = floor((H + 2p - d*(kh-1) - 1) / s) + 1

(``output_size``; padding="same" pads d*(k-1) in total, the odd one out at the end, so
``p_end`` may differ from ``p``). With ``groups`` the channels split into ``groups``
independent convolutions: C and O must both be divisible by ``groups``. ``conv_geometry``
checks a convolution's arguments (clear errors, named after the op) and returns a frozen
``ConvGeometry``, which also splits the batch into blocks of samples whose columns fit
COLS_BUDGET (the kernels in autograd.conv_kernels unfold and multiply one block at a time).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import buffers

IntPair = int | tuple[int, int]

#: Column budget (elements): samples are unfolded (im2col) and multiplied this many
#: elements of columns at a time, so each block's columns stay in cache between the copy
#: that makes them and the GEMM that reads them (per-sample GEMMs on cache-resident columns
#: ran at 130 GFLOP/s on one core here, one GEMM over a whole batch's columns at 90). dJ/dW
#: unfolds each block again (cheaper than keeping large columns alive from forward to
#: backward), except when the batch is a single block (its columns exist anyway) or the
#: columns are small (conv_kernels.KEEP_COLS_MAX).
COLS_BUDGET = 1 << 17


def pair(value: IntPair, name: str, op: str, minimum: int) -> tuple[int, int]:
    """Accept ``3`` or ``(3, 2)`` for a per-axis (height, width) setting (``nn``'s layers too).

    >>> pair(3, "stride", "conv2d", 1), pair([2, 1], "padding", "conv2d", 0)
    ((3, 3), (2, 1))
    """
    given = value
    if type(value) is int:  # the common case, without the abstract-number checks (1 us each)
        a = b = value
    else:
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            value = (int(value), int(value))
        try:
            a, b = value  # type: ignore[misc]
            if not all(type(v) is int or isinstance(v, numbers.Integral) and not isinstance(
                    v, bool) for v in (a, b)):  # fmt: skip
                raise TypeError
            a, b = int(a), int(b)
        except (TypeError, ValueError):
            raise TypeError(
                f"{op}: {name} must be an int or a pair of ints, got {given!r}") from None
    if a < minimum or b < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {given!r}")
    return a, b


def output_size(n: int, k: int, s: int, p: int, d: int = 1, p_end: int | None = None) -> int:
    """floor((n + 2p - d*(k-1) - 1) / s) + 1: the conv/pool output length along one axis.

    ``p_end`` is the padding after the input when it differs from ``p`` (padding="same").
    """
    return (n + p + (p if p_end is None else p_end) - d * (k - 1) - 1) // s + 1


def pad_hw(x: np.ndarray, pads: tuple[int, int, int, int], value: float = 0.0) -> np.ndarray:
    """Pad the last two axes by (top, bottom, left, right) (cheaper than ``np.pad``)."""
    top, bottom, left, right = pads
    if not any(pads):
        return x
    n, c, h, w = x.shape
    out = buffers.empty((n, c, h + top + bottom, w + left + right), x.dtype)
    out.fill(value)  # one contiguous fill beats filling the thin borders (0.42 vs 0.50 ms)
    out[:, :, top : top + h, left : left + w] = x
    return out


@dataclass(frozen=True)
class ConvGeometry:
    """Everything about a convolution except the numbers: shapes, stride, padding, ..."""

    x_shape: tuple[int, int, int, int]  # (N, C, H, W)
    w_shape: tuple[int, int, int, int]  # (O, C // groups, kh, kw)
    stride: tuple[int, int]
    pads: tuple[int, int, int, int]  # (top, bottom, left, right)
    dilation: tuple[int, int]
    groups: int

    @cached_property
    def out_hw(self) -> tuple[int, int]:
        (_, _, h, w), (_, _, kh, kw) = self.x_shape, self.w_shape
        top, bottom, left, right = self.pads
        return (
            output_size(h, kh, self.stride[0], top, self.dilation[0], bottom),
            output_size(w, kw, self.stride[1], left, self.dilation[1], right),
        )

    @property
    def padded_shape(self) -> tuple[int, int, int, int]:
        n, c, h, w = self.x_shape
        top, bottom, left, right = self.pads
        return (n, c, h + top + bottom, w + left + right)

    @property
    def cols_size(self) -> int:
        """Elements of the whole batch's columns: N * C*kh*kw * Ho*Wo."""
        ho, wo = self.out_hw
        return self.x_shape[0] * self.x_shape[1] * self.w_shape[2] * self.w_shape[3] * ho * wo

    @cached_property
    def blocks(self) -> list[slice]:
        """Samples per unfold: as many as have columns within COLS_BUDGET."""
        n, c = self.x_shape[:2]
        ho, wo = self.out_hw
        per_sample = c * self.w_shape[2] * self.w_shape[3] * ho * wo
        step = max(1, COLS_BUDGET // max(1, per_sample))
        return [slice(i, min(i + step, n)) for i in range(0, n, step)] or [slice(0, 0)]


def conv_args(geo: ConvGeometry, in_hw: tuple[int, int], out_hw: tuple[int, int]) -> dict:
    """The convolution's arguments as a node's ``op_args`` (what drawings print: k, s, p)."""
    top, bottom, left, right = geo.pads
    return {"kernel": tuple(geo.w_shape[2:]), "stride": tuple(geo.stride),
            "padding": (top, left) if (top, left) == (bottom, right) else geo.pads,
            "dilation": tuple(geo.dilation), "groups": geo.groups, "in": tuple(in_hw),
            "out": tuple(out_hw)}


# -------------------------------------------------------------- argument checks
def conv_padding(
    padding: IntPair | str, kernel: tuple[int, int], dilation: tuple[int, int],
    stride: tuple[int, int], op: str,
) -> tuple[int, int, int, int]:  # fmt: skip
    """(top, bottom, left, right) from an int, a pair, "valid" or "same".

    "same" pads d*(k-1) in total per axis, the odd one out at the end (as PyTorch).
    """
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(f"{op}: padding='same' needs stride 1, got stride {stride}")
            th, tw = (d * (k - 1) for d, k in zip(dilation, kernel, strict=True))
            return (th // 2, th - th // 2, tw // 2, tw - tw // 2)
        raise ValueError(
            f"{op}: padding must be an int, a pair, 'valid' or 'same', got {padding!r}"
        )
    ph, pw = pair(padding, "padding", op, 0)
    return (ph, ph, pw, pw)


def check_conv(xd: np.ndarray, wd: np.ndarray, groups: int, op: str) -> None:
    if wd.ndim != 4:
        raise ValueError(f"{op}: weight must be 4-D (O, C/groups, kh, kw), got shape {wd.shape}")
    if xd.ndim != 4:
        raise ValueError(
            f"{op}: input must be 4-D (N, C, H, W) or 3-D (C, H, W), got shape {xd.shape}"
        )
    if not isinstance(groups, numbers.Integral) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    c, (o, cg, kh, kw) = xd.shape[1], wd.shape
    if c == 0 or cg == 0:
        raise ValueError(
            f"{op}: input {xd.shape} and weight {wd.shape} must have at least 1 input channel"
        )
    if kh == 0 or kw == 0:
        raise ValueError(f"{op}: kernel size must be at least 1x1, got weight {wd.shape}")
    if o == 0:
        raise ValueError(f"{op}: weight {wd.shape} must have at least 1 output channel")
    if c % groups or o % groups:
        raise ValueError(
            f"{op}: input channels ({c}) and output channels ({o}) must both be divisible by "
            f"groups ({groups})"
        )
    if c != cg * groups:
        raise ValueError(
            f"{op}: input {xd.shape} has {c} channels but weight {wd.shape} expects "
            f"{cg * groups} ({cg} per group x {groups} groups)"
        )


def conv_geometry(
    xd: np.ndarray, wd: np.ndarray, stride: IntPair, padding: IntPair | str,
    dilation: IntPair, groups: int, op: str,
) -> ConvGeometry:  # fmt: skip
    """Check a convolution's arguments and return its geometry (clear errors, named)."""
    check_conv(xd, wd, groups, op)
    kh, kw = wd.shape[2:]
    st = pair(stride, "stride", op, 1)
    dil = pair(dilation, "dilation", op, 1)
    geo = ConvGeometry(xd.shape, wd.shape, st, conv_padding(padding, (kh, kw), dil, st, op),
                       dil, int(groups))  # fmt: skip
    ho, wo = geo.out_hw
    if ho < 1 or wo < 1:
        top, bottom, left, right = geo.pads
        raise ValueError(
            f"{op}: kernel {(kh, kw)} is larger than the padded input "
            f"{(xd.shape[2] + top + bottom, xd.shape[3] + left + right)} "
            f"(input {xd.shape}, padding {padding}, dilation {dil})"
        )
    return geo
