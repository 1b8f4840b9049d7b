"""``ModuleList`` and ``ModuleDict``: sub-modules held in a list or a dict, PyTorch's names.

Unlike ``Sequential`` they have no ``forward``: the owning module decides how to call them.
Their children are named by position (``"0"``, ``"1"``...) or by key, so a model built from
them has the same ``state_dict`` keys as its PyTorch twin (``"blocks.0.weight"``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .module import Module

__all__ = ["ModuleList", "ModuleDict"]


def _check_module(m: Any, where: str) -> Module:
    if not isinstance(m, Module):
        raise TypeError(f"{where}: expected a Module, got {type(m).__name__}")
    return m


class ModuleList(Module):
    """A list of modules whose parameters the owning model sees.

    Examples
    --------
    >>> import nn
    >>> layers = nn.ModuleList([nn.Linear(2, 2, seed=i) for i in range(3)])
    >>> len(layers), [name for name, _ in layers.named_parameters()][:2]
    (3, ['0.weight', '0.bias'])
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        object.__setattr__(self, "_items", [])
        if modules is not None:
            self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns self."""
        _check_module(module, "ModuleList.append")
        self._items.append(module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append each of ``modules``; returns self."""
        if isinstance(modules, Module) and not isinstance(modules, (ModuleList,)):
            raise TypeError("ModuleList.extend: expected an iterable of Modules, got a Module")
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``."""
        self._items.insert(index, _check_module(module, "ModuleList.insert"))

    def child_scope(self, name: str, child: Module) -> str:
        """An item's scope: its key and class, ``0:Linear``."""
        return f"{name}:{type(child).__name__}"

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for i, m in enumerate(self._items):
            yield str(i), m

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return ModuleList(self._items[index])
        return self._items[index]

    def __setitem__(self, index: int, module: Module) -> None:
        self._items[index] = _check_module(module, "ModuleList[...] =")

    def __delitem__(self, index: int | slice) -> None:
        del self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._items)


class ModuleDict(Module):
    """A dict of modules (string keys, insertion order) whose parameters the owner sees.

    Examples
    --------
    >>> import nn
    >>> heads = nn.ModuleDict({"digit": nn.Linear(4, 10, seed=0),
    ...                        "parity": nn.Linear(4, 2, seed=1)})
    >>> list(heads.keys()), "digit.weight" in heads.state_dict()
    (['digit', 'parity'], True)
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None):
        super().__init__()
        object.__setattr__(self, "_items", {})
        if modules is not None:
            self.update(modules)

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(key, str) or not key or "." in key:
            raise KeyError(f"ModuleDict: keys must be non-empty str without dots, got {key!r}")
        _check_module(module, f"ModuleDict[{key!r}] =")
        self._items[key] = module

    def __getitem__(self, key: str) -> Module:
        try:
            return self._items[key]
        except KeyError:
            raise KeyError(
                f"ModuleDict has no key {key!r}; keys are {list(self._items)}"
            ) from None

    def __delitem__(self, key: str) -> None:
        del self._items[key]

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def keys(self) -> Any:
        """The keys, in insertion order."""
        return self._items.keys()

    def values(self) -> Any:
        """The modules, in insertion order."""
        return self._items.values()

    def items(self) -> Any:
        """(key, module) pairs, in insertion order."""
        return self._items.items()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace entries from a mapping or (key, module) pairs."""
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for key, m in pairs:
            self[key] = m

    def pop(self, key: str) -> Module:
        """Remove ``key`` and return its module."""
        module = self[key]
        del self._items[key]
        return module

    def child_scope(self, name: str, child: Module) -> str:
        """An item's scope: its key and class, ``0:Linear``."""
        return f"{name}:{type(child).__name__}"

    def named_children(self) -> Iterator[tuple[str, Module]]:
        yield from self._items.items()
