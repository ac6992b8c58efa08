"""Neural-network layers with PyTorch's module conventions (``from minigrad import nn``)."""
from . import init, utils
from .activation import GELU, LeakyReLU, ReLU, Sigmoid, SiLU, Tanh
from .container import ModuleList, Sequential
from .conv import Conv2d, ConvTranspose2d
from .dropout import Dropout
from .embedding import Embedding
from ..ops.linalg import linear
from ..ops.normalization import batch_norm, group_norm, layer_norm
from .linear import Identity, Linear
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from .parameter import Parameter
from .shape import Flatten, Upsample
from .spectral_norm import remove_spectral_norm, spectral_norm
from .utils import clip_grad_norm_, clip_grad_value_, clip_weights_

__all__ = [
    "init", "utils", "Module", "Parameter",
    "Linear", "Identity", "Flatten", "Upsample", "Conv2d", "ConvTranspose2d",
    "BatchNorm1d", "BatchNorm2d", "GroupNorm", "LayerNorm", "Embedding", "Dropout",
    "Sequential", "ModuleList", "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "SiLU", "GELU",
    "spectral_norm", "remove_spectral_norm", "clip_grad_norm_", "clip_grad_value_", "clip_weights_",
    "linear", "batch_norm", "group_norm", "layer_norm",
]
