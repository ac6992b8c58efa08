"""DCGAN's weight initialisation (Radford et al. 2016, section 4), for ``model.apply``."""
from minigrad import nn

DCGAN_STD = 0.02


def dcgan_init(module):
    """Conv and linear weights N(0, 0.02), biases 0; batch-norm weights N(1, 0.02), biases 0.
    A spectrally normalised layer's learnable weight is ``weight_orig``."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(_learnable_weight(module), 0.0, DCGAN_STD)
    elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)) and module.affine:
        nn.init.normal_(module.weight, 1.0, DCGAN_STD)
    else:
        return
    if getattr(module, "bias", None) is not None:
        nn.init.zeros_(module.bias)


def _learnable_weight(module):
    """The weight the optimizer updates: ``weight_orig`` when spectral norm wraps the layer."""
    own = dict(module.named_parameters(recurse=False))
    return own.get("weight_orig", own.get("weight"))
