"""chainrule's engine: reverse-mode autograd on scalars (``Value``) and numpy arrays.

>>> from autograd import Value
>>> x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
>>> f = (x + y) * z
>>> f.backward()
>>> x.grad, y.grad, z.grad
(-4.0, -4.0, 3.0)
"""

from typing import Any

from .conv import conv2d, conv_transpose2d
from .custom import custom_op
from .derivatives import grad, hessian, hvp, jacobian
from .elementwise import maximum, minimum, where
from .engine import backpropagate, gc_paused, topological_order
from .functional import dropout
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .linalg import matmul
from .numerical import GradcheckError, gradcheck, gradgradcheck, numerical_grad
from .pooling import avg_pool2d, max_pool2d
from .reductions import MaxMin
from .scope import current_scope, name_scope
from .shapes import cat, concatenate, pad, stack
from .tensor import Tensor, arange, eye, ones, randn, zeros
from .value import Value

#: Marker checked by ``nn`` and ``viz``: this ``autograd`` is chainrule's, not PyPI's.
__chainrule__ = True
__version__ = "0.1.0"


def zero_grad(root: Any) -> None:
    """Reset the gradient of every node in the graph of ``root``.

    ``Value`` nodes go back to ``0.0``; ``Tensor`` nodes to ``None`` (as in PyTorch).
    Needed between two ``backward()`` calls on the same graph, since leaves accumulate.

    >>> a = Value(3.0)
    >>> b = a * a
    >>> b.backward(); b.backward()
    >>> a.grad
    12.0
    >>> zero_grad(b); a.grad
    0.0
    """
    for node in topological_order(root):
        node.grad = type(node)._ZERO_GRAD


__all__ = [
    "custom_op",
    "Tensor",
    "avg_pool2d",
    "conv2d",
    "conv_transpose2d",
    "dropout",
    "max_pool2d",
    "arange",
    "cat",
    "concatenate",
    "MaxMin",
    "eye",
    "matmul",
    "maximum",
    "minimum",
    "ones",
    "pad",
    "randn",
    "stack",
    "where",
    "zeros",
    "GradcheckError",
    "current_scope",
    "Value",
    "backpropagate",
    "gc_paused",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "hessian",
    "hvp",
    "jacobian",
    "enable_grad",
    "is_grad_enabled",
    "set_grad_enabled",
    "name_scope",
    "no_grad",
    "numerical_grad",
    "topological_order",
    "zero_grad",
]
