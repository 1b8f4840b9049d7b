"""Undo numpy broadcasting in the backward pass: the one place every Tensor op uses.

If ``y = x + b`` broadcast ``b`` from shape ``(3,)`` to ``(2, 3)``, each entry of ``b`` was
used twice, so by the multivariate chain rule its gradient is the *sum* of the upstream
gradients over the copies: sum the leading axes numpy added, then every axis where ``b``
had size 1 but the result did not.
"""

from __future__ import annotations

import numpy as np


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Reduce ``grad`` (the shape of a broadcast result) back to ``shape``.

    Parameters
    ----------
    grad : ndarray
        Upstream gradient with the broadcast result's shape.
    shape : tuple of int
        Shape of the operand before broadcasting.

    Returns
    -------
    ndarray
        ``grad`` itself when no broadcasting happened, otherwise a new array of ``shape``.

    Examples
    --------
    >>> g = np.ones((2, 3))
    >>> unbroadcast(g, (3,))
    array([2., 2., 2.])
    >>> unbroadcast(g, (2, 1))
    array([[3.],
           [3.]])
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra < 0:
        raise ValueError(f"unbroadcast: gradient shape {grad.shape} has fewer axes than {shape}")
    if extra == 1 and grad.shape[1:] == shape:  # a bias (b of x W^T + b): sum over the batch
        return np.add.reduce(grad, axis=0)  # (ndarray.sum without its Python wrapper)
    # Leading axes added by broadcasting, then size-1 axes that were stretched.
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1
    )
    if axes:
        grad = np.add.reduce(grad, axis=axes)  # fresh; the stretched size-1 axes are dropped
    # Put the dropped size-1 axes back (or drop leading ones of size 1): a copy keeps the
    # result from aliasing the upstream gradient, which another parent may also receive.
    return grad.reshape(shape) if axes else grad.reshape(shape).copy()
