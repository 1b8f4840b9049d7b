"""chainrule's neural-network layer: perceptrons, scalar MLPs, tensor modules and training.

PyTorch's names wherever PyTorch has the concept: ``nn.Module``, ``nn.Linear``,
``nn.Conv2d``, ``nn.BatchNorm2d``, ``nn.ModuleList``, ``nn.CrossEntropyLoss``,
``nn.functional`` (also as ``nn.F``), ``nn.init``, ``nn.optim.SGD``/``AdamW``...,
``nn.optim.lr_scheduler`` (:mod:`nn.schedulers`), ``nn.utils.clip_grad_norm_``; plus the
lectures' own pieces: ``nn.Perceptron`` and the scalar ``nn.scalar.MLP``.
"""

from ._guard import require_chainrule_autograd

require_chainrule_autograd("nn")
del require_chainrule_autograd

from . import data, functional, init, losses, optim, scalar, schedulers, utils  # noqa: E402
from . import functional as F  # noqa: E402
from .containers import ModuleDict, ModuleList  # noqa: E402
from .data import (  # noqa: E402
    DataLoader,
    circles,
    digits,
    moons,
    spiral,
    standardize,
    train_test_split,
    xor,
)
from .init import manual_seed  # noqa: E402
from .layers import (  # noqa: E402
    ELU,
    GELU,
    AvgPool2d,
    Conv2d,
    ConvTranspose2d,
    Dropout,
    Embedding,
    Flatten,
    Identity,
    LeakyReLU,
    Linear,
    LogSoftmax,
    MaxPool2d,
    ReLU,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
)
from .losses import (  # noqa: E402
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HingeLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    accuracy,
    zero_one_loss,
)
from .module import ModelFileError, Module, Parameter, Sequential, StateDictError  # noqa: E402
from .normalization import BatchNorm1d, BatchNorm2d  # noqa: E402
from .perceptron import Perceptron, PerceptronHistory  # noqa: E402
from .training import History, evaluate, fit  # noqa: E402

__all__ = [
    "AvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "Conv2d",
    "ConvTranspose2d",
    "CrossEntropyLoss",
    "DataLoader",
    "Dropout",
    "ELU",
    "Embedding",
    "F",
    "Flatten",
    "GELU",
    "HingeLoss",
    "History",
    "Identity",
    "L1Loss",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "MaxPool2d",
    "ModelFileError",
    "Module",
    "ModuleDict",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "Perceptron",
    "PerceptronHistory",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "StateDictError",
    "Tanh",
    "accuracy",
    "circles",
    "data",
    "digits",
    "evaluate",
    "fit",
    "functional",
    "init",
    "losses",
    "manual_seed",
    "moons",
    "optim",
    "scalar",
    "schedulers",
    "spiral",
    "standardize",
    "train_test_split",
    "utils",
    "xor",
    "zero_one_loss",
]
