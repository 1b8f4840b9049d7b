"""chainrule's neural-network layer: perceptrons, scalar MLPs, tensor modules and training."""

from ._guard import require_chainrule_autograd

require_chainrule_autograd("nn")
del require_chainrule_autograd

from . import data, init, optim, scalar  # noqa: E402
from .data import DataLoader, circles, digits, moons, spiral, train_test_split, xor  # noqa: E402
from .init import manual_seed  # noqa: E402
from .perceptron import Perceptron, PerceptronHistory  # noqa: E402

__all__ = [
    "DataLoader",
    "Perceptron",
    "PerceptronHistory",
    "circles",
    "data",
    "digits",
    "init",
    "manual_seed",
    "moons",
    "optim",
    "scalar",
    "spiral",
    "train_test_split",
    "xor",
]
