"""``Module`` and ``Parameter``: models as trees of layers, with PyTorch's names.

A ``Module`` finds its parameters and sub-modules by looking at its attributes: a
``Parameter``, a ``Module``, or a list/tuple/dict of them. Names are dotted paths
(``"fc1.weight"``, ``"layers.0.bias"``; a ``Sequential``'s children are ``"0"``, ``"1"``...),
exactly PyTorch's, so ``state_dict()`` loads into the equivalent PyTorch model and back.

Calling a module runs ``forward`` inside ``autograd.name_scope(<attribute name>)`` (the class
name for the outermost model), so every Tensor it creates records which layer made it and
``viz`` can draw a network layer by layer.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import numpy as np

from autograd import Tensor, name_scope
from autograd.versions import bump

from .serialization import ModelFileError, listed, load_arrays, save_arrays

__all__ = ["Module", "Parameter", "Sequential", "StateDictError", "ModelFileError"]


class Parameter(Tensor):
    """A Tensor that is a trainable weight of a Module: ``requires_grad=True`` always.

    Parameters
    ----------
    data : array_like
        Initial value (float32 by default, float64 kept).
    label : str, optional

    Examples
    --------
    >>> p = Parameter([1.0, 2.0])
    >>> p.requires_grad, p.dtype
    (True, dtype('float32'))
    """

    def __init__(self, data: Any, dtype: Any = None, label: str = "") -> None:
        super().__init__(data, requires_grad=True, dtype=dtype, label=label)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class StateDictError(ValueError):
    """``load_state_dict`` got keys or shapes that do not fit the model."""


#: The module whose forward is running and, once a child asks, the scope names of the modules
#: under it: ``[module, {id(descendant): scope} or None]``.
_RUNNING: ContextVar[list[Any] | None] = ContextVar("chainrule_running_module", default=None)


def _scope_in(running: list[Any], module: Module) -> str | None:
    """``module``'s scope name under the running module (named by its own parent there).

    ``running`` is ``[running module, names found so far, modules still to expand]``: the
    walk over the running module's sub-modules goes only as far as the first call needs
    (its direct children, for a layer called from its parent's forward) and resumes where
    it stopped for a module deeper down.
    """
    names = running[1]
    if names is None:
        names = running[1] = {}
        running[2] = [running[0]]
    key = id(module)
    stack = running[2]
    while key not in names and stack:
        parent = stack.pop()
        for child_name, child in parent.named_children():
            if id(child) not in names:  # the first name found wins, as in named_modules
                names[id(child)] = parent.child_scope(child_name, child)
                stack.append(child)
    return names.get(key)


def _as_buffer(value: Any, name: str, where: str) -> Tensor | None:
    """A buffer's value: a Tensor (arrays and numbers wrapped, dtype kept) or None."""
    if value is None or (isinstance(value, Tensor) and not isinstance(value, Parameter)):
        return value
    if isinstance(value, Parameter):
        raise TypeError(f"{where}: buffer {name!r} cannot hold a Parameter")
    if isinstance(value, (np.ndarray, np.generic, int, float, bool, list)):
        arr = np.asarray(value)
        return Tensor(arr, dtype=arr.dtype)
    raise TypeError(
        f"{where}: buffer {name!r} must be a Tensor, an array or None, got {type(value).__name__}"
    )


def _children_of(name: str, value: Any) -> Iterator[tuple[str, Any]]:
    """(name, item) for a Parameter/Module attribute, or for each one in a list/tuple/dict."""
    if isinstance(value, (Parameter, Module)):
        yield name, value
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            if isinstance(item, (Parameter, Module)):
                yield f"{name}.{i}", item
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (Parameter, Module)):
                yield f"{name}.{key}", item


class Module:
    """Base class of every layer and model.

    Subclasses set their layers and parameters as attributes in ``__init__`` (calling
    ``super().__init__()`` is good style but not required) and define ``forward``.

    Examples
    --------
    >>> import nn
    >>> class TwoLayer(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc1 = nn.Linear(3, 4, seed=0)
    ...         self.fc2 = nn.Linear(4, 2, seed=1)
    ...     def forward(self, x):
    ...         return self.fc2(self.fc1(x).relu())
    >>> model = TwoLayer()
    >>> [name for name, _ in model.named_parameters()]
    ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
    >>> model.num_parameters()   # lecture 003: a 3-4-2 network has 26 parameters
    26
    """

    training: bool = True
    #: Wrap array/list positional inputs into Tensors of the model's dtype on call.
    _wrap_inputs: bool = True

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in vars(self).get("_buffer_names", ()):
            value = _as_buffer(value, name, f"{type(self).__name__}.{name}")
        object.__setattr__(self, name, value)

    # ---------------------------------------------------------------- buffers
    def register_buffer(self, name: str, tensor: Any, persistent: bool = True) -> None:
        """Keep a Tensor that is state but not a trainable parameter (BatchNorm's running mean).

        A buffer is an attribute like any other (``self.running_mean``), listed by
        :meth:`named_buffers`, converted by :meth:`to`, and, when ``persistent``, saved in
        :meth:`state_dict` after the module's own parameters (PyTorch's order and names).

        Parameters
        ----------
        name : str
            Attribute name (no dots).
        tensor : Tensor, array_like or None
            The value; arrays are wrapped (their dtype kept). ``None`` registers an empty slot.
        persistent : bool
            Whether ``state_dict`` includes it.

        Examples
        --------
        >>> import nn
        >>> m = nn.Module()
        >>> m.register_buffer("count", Tensor(0, dtype="int64"))
        >>> list(m.state_dict())
        ['count']
        """
        where = f"{type(self).__name__}.register_buffer"
        if not isinstance(name, str) or not name or "." in name:
            raise ValueError(f"{where}: name must be a non-empty str without dots, got {name!r}")
        existing = vars(self).get(name)
        if name not in vars(self).get("_buffer_names", ()) and (
            isinstance(existing, (Parameter, Module)) or hasattr(type(self), name)
        ):
            raise KeyError(f"{where}: attribute {name!r} already exists")
        names = vars(self).setdefault("_buffer_names", [])
        transient = vars(self).setdefault("_transient_buffers", set())
        if name not in names:
            names.append(name)
        if persistent:
            transient.discard(name)
        else:
            transient.add(name)
        setattr(self, name, tensor)

    def _own_buffers(self, persistent_only: bool = False) -> Iterator[tuple[str, Tensor]]:
        transient = vars(self).get("_transient_buffers", ())
        for name in vars(self).get("_buffer_names", ()):
            value = vars(self).get(name)
            if value is not None and not (persistent_only and name in transient):
                yield name, value

    def named_buffers(self) -> list[tuple[str, Tensor]]:
        """(dotted name, buffer) pairs of this module and every descendant."""
        return [
            (f"{module_name}.{name}" if module_name else name, b)
            for module_name, module in self.named_modules()
            for name, b in module._own_buffers()
        ]

    def buffers(self) -> list[Tensor]:
        """Every buffer (running statistics and the like), in ``named_buffers`` order."""
        return [b for _, b in self.named_buffers()]

    def _state_items(self) -> Iterator[tuple[str, Tensor]]:
        """What ``state_dict`` holds, in PyTorch's order: per module, its own parameters,
        then its own persistent buffers, modules in depth-first order."""
        seen: set[int] = set()
        for module_name, module in self.named_modules():
            prefix = f"{module_name}." if module_name else ""
            for name, p in module._own_parameters():
                if id(p) not in seen:
                    seen.add(id(p))
                    yield prefix + name, p
            for name, b in module._own_buffers(persistent_only=True):
                yield prefix + name, b

    # ---------------------------------------------------------------- calling
    # A subclass defines ``forward(self, ...)``, the computation; calling the module runs it.
    # A module without one can still hold parameters (a container), but calling it is an error.
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not callable(getattr(self, "forward", None)):
            raise TypeError(
                f"{type(self).__name__} has no forward(); define forward(self, ...) to call it"
            )
        if self._wrap_inputs:
            for a in args:
                if isinstance(a, (np.ndarray, list)):  # only then rebuild args (Tensors pass)
                    args = tuple(self._as_tensor(a) for a in args)
                    break
        running = _RUNNING.get()
        if running is None and "_labelled" not in vars(self):  # the outermost model
            self._label_parameters()
        scope = _scope_in(running, self) if running is not None else None
        token = _RUNNING.set([self, None, None])
        try:
            with name_scope(scope or type(self).__name__):
                return self.forward(*args, **kwargs)
        finally:
            _RUNNING.reset(token)

    def child_scope(self, name: str, child: Module) -> str:
        """The name scope ``child`` (attribute ``name``) runs in when called from this module's
        forward: the attribute name, dots as ``_`` (``fc1``, ``layers_0``). Containers add
        the class (``0:Linear``)."""
        return name.replace(".", "_")

    def _label_parameters(self) -> None:
        """At the first call of the outermost model, label each parameter with its dotted
        name (``0.weight``, ``conv1.bias``), so a drawing tells the layers' weights apart.
        A label the user chose is kept: only an empty label or a tail of the path (the
        attribute name ``weight``, or ``0.weight`` once the model is nested) is replaced."""
        for name, p in self._iter_named_parameters():
            if not p.label or name.endswith("." + p.label):
                p.label = name
        object.__setattr__(self, "_labelled", True)

    def _as_tensor(self, x: Any) -> Any:
        if isinstance(x, (np.ndarray, list)) and not isinstance(x, Tensor):
            return Tensor(np.asarray(x), dtype=self._dtype())
        return x

    def _dtype(self) -> np.dtype:
        for p in self._iter_parameters():
            return p.data.dtype
        for b in self.buffers():  # a module without parameters (BatchNorm(affine=False))
            if b.data.dtype.kind == "f":
                return b.data.dtype
        return np.dtype(np.float32)

    # ------------------------------------------------------------- discovery
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for the direct sub-modules, in attribute order."""
        for name, value in vars(self).items():
            for child_name, child in _children_of(name, value):
                if isinstance(child, Module):
                    yield child_name, child

    def children(self) -> Iterator[Module]:
        """The direct sub-modules."""
        for _, child in self.named_children():
            yield child

    def _own_parameters(self) -> Iterator[tuple[str, Parameter]]:
        for name, value in vars(self).items():
            for child_name, child in _children_of(name, value):
                if isinstance(child, Parameter):
                    yield child_name, child

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module (name ``""``) and every descendant."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            kids = list(module.named_children())
            for child_name, child in reversed(kids):
                stack.append((f"{name}.{child_name}" if name else child_name, child))

    def modules(self) -> Iterator[Module]:
        """This module and every descendant."""
        for _, module in self.named_modules():
            yield module

    def apply(self, fn: Any) -> Module:
        """Call ``fn(module)`` on every descendant, then on this module (PyTorch's order);
        returns self. The usual way to initialise by name::

            def init_weights(m):
                if isinstance(m, nn.Linear):
                    nn.init.xavier_uniform_(m.weight)
                    nn.init.zeros_(m.bias)
            model.apply(init_weights)
        """
        if not callable(fn):
            raise TypeError(f"Module.apply: fn must be callable, got {type(fn).__name__}")
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def _iter_named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        seen: set[int] = set()
        for module_name, module in self.named_modules():
            for name, p in module._own_parameters():
                if id(p) in seen:
                    continue  # a shared parameter is listed once, as in PyTorch
                seen.add(id(p))
                yield (f"{module_name}.{name}" if module_name else name), p

    def _iter_parameters(self) -> Iterator[Parameter]:
        for _, p in self._iter_named_parameters():
            yield p

    def named_parameters(self) -> list[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs, e.g. ``("0.weight", Parameter(...))``."""
        return list(self._iter_named_parameters())

    def parameters(self) -> list[Parameter]:
        """Every trainable parameter, in a fixed order (pass to an optimizer)."""
        return list(self._iter_parameters())

    def num_parameters(self) -> int:
        """Number of scalar parameters (sum of the parameters' sizes)."""
        return int(sum(p.data.size for p in self._iter_parameters()))

    # ----------------------------------------------------------------- state
    def zero_grad(self) -> None:
        """Forget all gradients (``grad = None``, as in PyTorch)."""
        for p in self._iter_parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        """Training mode (Dropout active) for this module and all descendants; returns self."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Evaluation mode (Dropout is the identity); returns self."""
        return self.train(False)

    def to(self, dtype: Any) -> Module:
        """Convert every parameter and floating buffer to ``dtype`` in place (``"float64"``
        for gradcheck); integer buffers (``num_batches_tracked``) keep their dtype."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"Module.to: parameters must be floating point, got dtype {dtype}")
        for p in self._iter_parameters():
            p.data = p.data.astype(dtype)
            p.grad = None
        for b in self.buffers():
            if b.data.dtype.kind == "f":
                b.data = b.data.astype(dtype)
        return self

    def double(self) -> Module:
        """``to("float64")``."""
        return self.to(np.float64)

    def float(self) -> Module:
        """``to("float32")``."""
        return self.to(np.float32)

    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """A copy of every parameter and persistent buffer as a numpy array, by dotted name."""
        return OrderedDict((name, np.array(t.data, copy=True)) for name, t in self._state_items())

    def load_state_dict(self, state_dict: Any, strict: bool = True) -> Module:
        """Copy arrays into the parameters of the same names.

        Parameters
        ----------
        state_dict : mapping of str to array-like
            From ``state_dict()``, a loaded ``.npz``, or a PyTorch model's ``state_dict()``.
        strict : bool
            Require exactly the model's keys (parameters and persistent buffers). With
            ``False`` missing and unexpected keys are ignored (shapes must still match).

        Raises
        ------
        StateDictError
            Listing the missing keys, unexpected keys and shape mismatches at once (the
            first few of each, so the message stays short). Nothing is copied unless
            everything fits.
        """
        if not hasattr(state_dict, "keys"):
            raise TypeError(
                f"load_state_dict: expected a mapping of names to arrays, got "
                f"{type(state_dict).__name__}"
            )
        params = OrderedDict(self._state_items())
        given = list(state_dict.keys())
        problems = []
        missing = [k for k in params if k not in state_dict]
        unexpected = [k for k in given if k not in params]
        if strict and missing:
            problems.append(f"missing key(s): {listed(missing)}")
        if strict and unexpected:
            problems.append(f"unexpected key(s): {listed(unexpected)}")
        arrays = {}
        for name, p in params.items():
            if name not in state_dict:
                continue
            value = state_dict[name]
            if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
                value = value.detach().cpu().numpy()
            arr = np.asarray(value.data if isinstance(value, Tensor) else value)
            if arr.shape != p.data.shape:
                problems.append(
                    f"shape mismatch for {name}: model has {p.data.shape}, given {arr.shape}"
                )
            elif arr.dtype.kind not in "fiub":
                problems.append(f"{name}: expected a numeric array, got dtype {arr.dtype}")
            else:
                arrays[name] = arr
        if problems:
            if len(problems) > 12:  # bounded: a state dict may have thousands of mismatches
                problems = [*problems[:12], f"and {len(problems) - 12:,} more problems"]
            raise StateDictError(
                f"load_state_dict into {type(self).__name__}: " + "; ".join(problems)
            )
        for name, arr in arrays.items():
            p = params[name]
            p.data[...] = arr.reshape(p.data.shape)  # in place, as PyTorch: aliases see it
            bump(p)
            p.grad = None
        return self

    # --------------------------------------------------------------- save/load
    # The file format, the naming rule and the safety checks live in nn/serialization.py.
    def save(self, path: str | os.PathLike[str]) -> str:
        """Write ``state_dict()`` to an ``.npz`` file, atomically; return the path written.

        ``.npz`` is appended unless ``path`` ends in ``.npz`` (any letter case), the same
        rule :meth:`load` uses, so ``save("m")`` and ``load("m")`` meet at ``m.npz``. The
        file is written to a temporary file in the same folder and renamed into place only
        when complete: a failed or interrupted save leaves an existing file intact.
        """
        return save_arrays(path, self.state_dict())

    def load(self, path: str | os.PathLike[str], strict: bool = True) -> Module:
        """Load parameters saved by :meth:`save` into this model (same architecture).

        ``path`` is resolved as :meth:`save` names files (``.npz`` appended when missing).
        The member names and each array's shape and dtype are checked from the file's
        headers before any data is decompressed, so a file that does not fit this model
        costs nothing to refuse. As in PyTorch, arrays are cast to the parameters' dtypes
        (integer weights load as floats); a ``RuntimeWarning`` names arrays holding NaN or
        infinity. Nothing is loaded unless everything fits.

        Raises
        ------
        ModelFileError
            When the file is missing, malformed, not an ``.npz`` of plain numeric arrays,
            or its arrays do not fit this model (the message names the keys and shapes).
        """
        expected = {name: (arr.shape, arr.dtype) for name, arr in self.state_dict().items()}
        arrays = load_arrays(path, expected, strict=strict)
        # Everything was checked against the headers; this copy cannot fail half-way.
        return self.load_state_dict(arrays, strict=strict)

    # ------------------------------------------------------------------ repr
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr line."""
        return ""

    def __repr__(self) -> str:
        kids = list(self.named_children())
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not kids:
            return head + ")"
        lines = [head]
        for name, child in kids:
            text = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {text}")
        return "\n".join(lines) + "\n)"


class Sequential(Module):
    """Modules applied one after the other; children are named ``"0"``, ``"1"``, ...

    Examples
    --------
    >>> import nn
    >>> model = nn.Sequential(nn.Linear(64, 128, seed=0), nn.ReLU(), nn.Linear(128, 10, seed=1))
    >>> [name for name, _ in model.named_parameters()]
    ['0.weight', '0.bias', '2.weight', '2.bias']
    >>> model
    Sequential(
      (0): Linear(in_features=64, out_features=128, bias=True)
      (1): ReLU()
      (2): Linear(in_features=128, out_features=10, bias=True)
    )
    """

    _layers: list[Module]

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(
                    f"Sequential: argument {i} is a {type(m).__name__}, expected a Module"
                )
        object.__setattr__(self, "_layers", list(modules))

    def child_scope(self, name: str, child: Module) -> str:
        """A layer's scope: its index and class, ``0:Linear``."""
        return f"{name}:{type(child).__name__}"

    def append(self, module: Module) -> Sequential:
        """Add a module at the end; returns self."""
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.append: expected a Module, got {type(module).__name__}")
        self._layers.append(module)
        return self

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for i, m in enumerate(self._layers):
            yield str(i), m

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return Sequential(*self._layers[index])
        return self._layers[index]

    def __len__(self) -> int:
        return len(self._layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._layers)

    def forward(self, x: Any) -> Any:
        for layer in self._layers:
            x = layer(x)
        return x
