"""Scalar networks on ``Value``: neurons, layers and MLPs you can draw neuron by neuron.

Every weight is its own ``Value``, so a forward pass builds the graph of the lectures
gate by gate, ``viz`` can draw it, and the gradients are the slides' numbers. Parameter
labels follow lecture 001's notation: ``W2_11`` is the weight from unit 1 of layer 1 to
unit 1 of layer 2 (``W^l_ij``: layer ``l``, to unit ``i``, from unit ``j``) and ``b2_1``
its bias.

Initialisation matches ``nn.Linear`` (PyTorch's default): every weight and bias is drawn
from U(-1/sqrt(nin), 1/sqrt(nin)), from the ``seed`` given (or ``nn.manual_seed``'s stream).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd import Value

from . import init as _init

__all__ = ["Neuron", "Layer", "MLP", "ACTIVATIONS"]

#: name -> function applied to a neuron's pre-activation ``w . x + b``
ACTIVATIONS = {
    "relu": lambda v: v.relu(),
    "tanh": lambda v: v.tanh(),
    "sigmoid": lambda v: v.sigmoid(),
    "linear": lambda v: v,
}


def _check_activation(activation: str) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}"
        )
    return activation


def _as_inputs(x: Any, nin: int, where: str) -> list:
    """A list of ``nin`` numbers or Values (accepts lists, tuples, 1-D arrays, a Value)."""
    if isinstance(x, (Value, int, float, np.floating, np.integer)):
        x = [x]
    elif isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{where}: expected {nin} numbers (one sample), got {type(x).__name__}")
    else:
        if hasattr(x, "numpy") and hasattr(x, "parents"):  # a Tensor: its numbers
            x = x.data
        if isinstance(x, np.ndarray):
            if x.ndim > 1 and x.size != nin:
                raise ValueError(_batch_message(where, nin, f"an array of shape {x.shape}"))
            x = x.reshape(-1).tolist()
        else:
            x = list(x)
    rows = [v for v in x if isinstance(v, (list, tuple, np.ndarray))]
    if rows:
        raise ValueError(_batch_message(where, nin, f"{len(x)} inputs, {len(rows)} of them "
                                                    "sequences"))
    if len(x) != nin:
        raise ValueError(f"{where}: expected {nin} inputs, got {len(x)}")
    return x


def _batch_message(where: str, nin: int, got: str) -> str:
    return (f"{where}: expected one sample of {nin} numbers, got {got}; the scalar network "
            "takes one sample at a time: [model(x) for x in X] for a batch")


class Neuron:
    """One unit: ``activation(w . x + b)`` on scalars.

    Parameters
    ----------
    nin : int
        Number of inputs.
    activation : {"relu", "tanh", "sigmoid", "linear"}
    bias : bool
        Whether the neuron has a bias ``b``.
    seed : int or numpy.random.Generator, optional
        Initialisation stream (default: ``nn.manual_seed``'s global stream).
    name : str
        Prefix for the parameter labels (``w1``, ``w2``, ..., ``b`` by default).

    Examples
    --------
    >>> n = Neuron(2, activation="linear", seed=0)
    >>> n.w[0].data, n.w[1].data, n.b.data = 2.0, -3.0, 1.0
    >>> n([1.0, 1.0]).data
    0.0
    """

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        bias: bool = True,
        seed: _init.Seed = None,
        name: str = "",
    ) -> None:
        if not isinstance(nin, (int, np.integer)) or nin < 1:
            raise ValueError(f"Neuron: nin must be a positive int, got {nin!r}")
        self.nin = int(nin)
        self.activation = _check_activation(activation)
        rng = _init.rng(seed)
        bound = 1.0 / math.sqrt(self.nin)  # PyTorch's Linear default, U(-1/sqrt(fan_in), ..)
        values = rng.uniform(-bound, bound, size=self.nin + 1).tolist()
        prefix = name
        self.w = [Value(v, label=f"{prefix}w{j + 1}") for j, v in enumerate(values[:-1])]
        self.b = Value(values[-1], label=f"{prefix}b") if bias else None

    def __call__(self, x: Any) -> Value:
        x = _as_inputs(x, self.nin, "Neuron")
        # pre-activation: w . x + b, summed left to right so the graph reads like the slide
        act = self.w[0] * x[0]
        for wi, xi in zip(self.w[1:], x[1:], strict=True):
            act = act + wi * xi
        if self.b is not None:
            act = act + self.b
        return ACTIVATIONS[self.activation](act)

    def parameters(self) -> list[Value]:
        """The weights, then the bias."""
        return self.w + ([self.b] if self.b is not None else [])

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0."""
        for p in self.parameters():
            p.grad = 0.0

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, activation={self.activation!r}, bias={self.b is not None})"


class Layer:
    """``nout`` independent neurons that all see the same inputs.

    Calling a layer returns a list of ``nout`` Values (a single Value when ``nout == 1``).
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        bias: bool = True,
        seed: _init.Seed = None,
        index: int = 1,
    ) -> None:
        if not isinstance(nout, (int, np.integer)) or nout < 1:
            raise ValueError(f"Layer: nout must be a positive int, got {nout!r}")
        rng = _init.rng(seed)
        self.nin, self.nout, self.index = int(nin), int(nout), int(index)
        self.activation = _check_activation(activation)
        self.neurons = [Neuron(nin, activation, bias, seed=rng) for _ in range(self.nout)]
        # Lecture 001's names: W^l_ij from unit j of layer l-1 to unit i of layer l.
        for i, neuron in enumerate(self.neurons, start=1):
            for j, w in enumerate(neuron.w, start=1):
                w.label = f"W{self.index}_{i}{j}" if max(nin, nout) < 10 else f"W{index}_{i},{j}"
            if neuron.b is not None:
                neuron.b.label = f"b{self.index}_{i}"

    def __call__(self, x: Any) -> Value | list[Value]:
        x = _as_inputs(x, self.nin, f"Layer {self.index}")
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        """Every neuron's parameters, neuron by neuron."""
        return [p for n in self.neurons for p in n.parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0."""
        for p in self.parameters():
            p.grad = 0.0

    def __repr__(self) -> str:
        return f"Layer({self.nin} -> {self.nout}, activation={self.activation!r})"


def _weight_matrix(w: Any, k: int) -> np.ndarray:
    """``weights[k]`` of :meth:`MLP.from_weights` as a float64 matrix; a ragged one (rows of
    different lengths) is refused by name, not with numpy's "inhomogeneous shape"."""
    rows = w if isinstance(w, (list, tuple)) else None
    if rows and all(isinstance(r, (list, tuple)) for r in rows):
        lengths = [len(r) for r in rows]
        if len(set(lengths)) > 1:
            raise ValueError(
                f"MLP.from_weights: weights[{k}] is ragged: its rows have {lengths} entries; "
                "each row (one neuron) needs one weight per input"
            )
    try:
        return np.asarray(w, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"MLP.from_weights: weights[{k}] must be a matrix of numbers "
                         f"(out x in): {exc}") from None


class MLP:
    """A multilayer perceptron on scalars: layers (``Layer``) applied in sequence.

    Parameters
    ----------
    nin : int
        Number of inputs.
    nouts : sequence of int
        Width of every layer, the last one being the output layer.
    activation : str
        Activation of the hidden layers.
    output_activation : str, optional
        Activation of the output layer; default ``"linear"``.
    bias : bool
        Whether the neurons have biases.
    seed : int or numpy.random.Generator, optional

    Examples
    --------
    Lecture 003: a 3-4-2 network has 3*4 + 4*2 weights and 4 + 2 biases.

    >>> len(MLP(3, [4, 2], seed=0).parameters())
    26
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        bias: bool = True,
        seed: _init.Seed = None,
    ) -> None:
        nouts = list(nouts)
        if not nouts:
            raise ValueError("MLP: nouts must list at least one layer width")
        rng = _init.rng(seed)
        sizes = [int(nin)] + [int(n) for n in nouts]
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation if i < len(nouts) - 1 else output_activation,
                bias,
                seed=rng,
                index=i + 1,
            )
            for i in range(len(nouts))
        ]

    @classmethod
    def from_weights(
        cls,
        weights: Sequence[Any],
        biases: Sequence[Any] | None = None,
        activation: str = "sigmoid",
        output_activation: str | None = None,
    ) -> MLP:
        """Build an MLP with given weight matrices (each ``out x in``, like ``nn.Linear``).

        Lecture 001's 2-2-1 network, no biases, sigmoid everywhere:

        >>> net = MLP.from_weights([[[0.1, 0.8], [0.4, 0.6]], [[0.3, 0.9]]])
        >>> round(net([0.35, 0.9]).data, 4)
        0.6903
        """
        mats = [_weight_matrix(w, k) for k, w in enumerate(weights)]
        for k, w in enumerate(mats):
            if w.ndim != 2:
                raise ValueError(f"MLP.from_weights: weights[{k}] must be 2-D, got {w.shape}")
            if k and w.shape[1] != mats[k - 1].shape[0]:
                raise ValueError(
                    f"MLP.from_weights: weights[{k}] has {w.shape[1]} inputs but layer {k} "
                    f"has {mats[k - 1].shape[0]} outputs"
                )
        if biases is not None and len(biases) != len(mats):
            raise ValueError(
                f"MLP.from_weights: {len(mats)} weight matrices but {len(biases)} bias vectors"
            )
        net = cls(
            mats[0].shape[1],
            [w.shape[0] for w in mats],
            activation=activation,
            output_activation=activation if output_activation is None else output_activation,
            bias=biases is not None,
            seed=0,
        )
        for k, (layer, w) in enumerate(zip(net.layers, mats, strict=True)):
            b = None if biases is None else np.asarray(biases[k], dtype=np.float64).reshape(-1)
            if b is not None and b.shape != (w.shape[0],):
                raise ValueError(
                    f"MLP.from_weights: biases[{k}] must have shape ({w.shape[0]},), got {b.shape}"
                )
            for i, neuron in enumerate(layer.neurons):
                for j, p in enumerate(neuron.w):
                    p.data = float(w[i, j])
                if b is not None:
                    neuron.b.data = float(b[i])
        return net

    def __call__(self, x: Any) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        """Every layer's parameters, layer by layer."""
        return [p for layer in self.layers for p in layer.parameters()]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(label, parameter) pairs, e.g. ``("W1_12", Value(...))``."""
        return [(p.label, p) for p in self.parameters()]

    def num_parameters(self) -> int:
        """Number of scalar parameters."""
        return len(self.parameters())

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0."""
        for p in self.parameters():
            p.grad = 0.0

    def __repr__(self) -> str:
        inner = ",\n".join(f"  {layer!r}" for layer in self.layers)
        return f"MLP(\n{inner}\n)"
