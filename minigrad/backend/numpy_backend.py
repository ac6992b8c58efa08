"""NumPy on the CPU."""
import math

import numpy

from .base import Backend


class NumpyBackend(Backend):
    xp = numpy
    name = "numpy"
    device = "cpu"

    def to_host(self, array):
        return numpy.array(array, copy=True)

    def scatter_add(self, target, index, values):
        numpy.add.at(target, index, values)

    def erf(self, array):
        # NumPy has no erf; math.erf is exact to double precision.
        return _vector_erf(array).astype(array.dtype, copy=False)

    @property
    def conv(self):
        from . import numpy_conv

        return numpy_conv


_vector_erf = numpy.vectorize(math.erf, otypes=[numpy.float64])
