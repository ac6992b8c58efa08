"""NumPy on the CPU."""
import numpy

from .base import Backend
from .numpy_erf import erf as _erf


class NumpyBackend(Backend):
    xp = numpy
    name = "numpy"
    device = "cpu"

    def to_host(self, array):
        return numpy.array(array, copy=True)

    def scatter_add(self, target, index, values):
        numpy.add.at(target, index, values)

    def erf(self, array):
        # NumPy has no erf: Cody's rational approximations, vectorised (numpy_erf).
        return _erf(array).astype(array.dtype, copy=False)

    @property
    def conv(self):
        from . import numpy_conv

        return numpy_conv

