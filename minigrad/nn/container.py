"""Containers: Sequential (a pipeline) and ModuleList (a registered list)."""
from collections import OrderedDict

from .module import Module


class ModuleList(Module):
    """A list of modules that registers each one (under its index as name)."""

    def __init__(self, modules=()):
        super().__init__()
        self.extend(modules)

    def _index(self, index):
        size = len(self)
        if not -size <= index < size:
            raise IndexError(f"{type(self).__name__}: index {index} is out of range for {size} module(s)")
        return str(index % size)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._rebuilt(list(self._modules.values())[index])
        return self._modules[self._index(index)]

    def _rebuilt(self, modules):
        return ModuleList(modules)

    def __setitem__(self, index, module):
        setattr(self, self._index(index), module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._modules.clear()
        self.extend(modules)


class Sequential(ModuleList):
    """Modules applied in order: ``Sequential(a, b)(x) == b(a(x))``; also takes an OrderedDict of names."""

    def __init__(self, *modules):
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            Module.__init__(self)
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            super().__init__(modules)

    def _index(self, index):
        return list(self._modules)[int(super()._index(index))]

    def _rebuilt(self, modules):
        return Sequential(*modules)

    def forward(self, x):
        for module in self:
            x = module(x)
        return x
