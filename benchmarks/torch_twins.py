"""PyTorch twins of the gans networks: the same layers, shapes and starting weights, the same forward.

A twin is built from the minigrad network itself (layer by layer, then its
state dict copied in), so a change to a gans model changes its twin too.
The losses and the gradient penalty are written here in torch, term for term
as gans.losses and gans.regularizers define them.
"""
import numpy

from minigrad import nn

from gans.adversarial.networks import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator


def torch_layer(torch, layer):
    """The torch.nn equivalent of one minigrad layer (fresh weights)."""
    tnn = torch.nn
    if isinstance(layer, nn.Linear):
        return tnn.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None)
    if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
        settings = dict(stride=layer.stride, padding=layer.padding, dilation=layer.dilation, groups=layer.groups,
                        bias=layer.bias is not None)
        if isinstance(layer, nn.ConvTranspose2d):
            return tnn.ConvTranspose2d(layer.in_channels, layer.out_channels, layer.kernel_size,
                                       output_padding=layer.output_padding, **settings)
        return tnn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size, **settings)
    if isinstance(layer, nn.BatchNorm2d):
        return tnn.BatchNorm2d(layer.num_features, eps=layer.eps, momentum=layer.momentum)
    if isinstance(layer, nn.LeakyReLU):
        return tnn.LeakyReLU(layer.negative_slope)
    for ours, theirs in ((nn.ReLU, tnn.ReLU), (nn.Tanh, tnn.Tanh)):
        if isinstance(layer, ours):
            return theirs()
    raise TypeError(f"torch_layer: no PyTorch twin for {type(layer).__name__}")


def twin(torch, network, device):
    """A torch module computing what the gans ``network`` computes, starting from its weights."""
    kinds = {MLPGenerator: "mlp_generator", MLPDiscriminator: "mlp_discriminator",
             DCGANGenerator: "image_generator", DCGANDiscriminator: "image_discriminator"}
    kind = kinds.get(type(network))
    if kind is None:
        raise TypeError(f"twin: no PyTorch twin for {type(network).__name__}")

    class Twin(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = torch.nn.Sequential(*(torch_layer(torch, layer) for layer in network.net))

        def forward(self, x, labels=None):
            if kind == "mlp_discriminator" and network.data_scale != 1.0:
                x = x / network.data_scale
            if network.num_classes:
                x = torch.cat([x, _label_code(torch, labels, network.num_classes, x, kind)], dim=1)
            pack_size = getattr(network, "pack_size", 1)
            if pack_size > 1:
                x = x.reshape(x.shape[0] // pack_size, pack_size * x.shape[1], *x.shape[2:])
            if kind == "image_generator":
                x = x.reshape(x.shape[0], -1, 1, 1)
            y = self.net(x)
            if kind == "mlp_generator" and network.data_scale != 1.0:
                y = y * network.data_scale
            return y.reshape(-1) if kind.endswith("discriminator") else y

    model = Twin().to(device)
    state = {name: torch.tensor(numpy.asarray(value.numpy())) for name, value in network.state_dict().items()}
    model.load_state_dict(state)
    return model


def _label_code(torch, labels, num_classes, like, kind):
    """One-hot rows, or for an image discriminator one-hot planes the size of the images."""
    code = torch.nn.functional.one_hot(labels, num_classes).to(like.dtype)
    if kind != "image_discriminator":
        return code
    n, _, height, width = like.shape
    return code.reshape(n, num_classes, 1, 1).expand(n, num_classes, height, width)


# ------------------------------------------------------------------ losses and the penalty
def torch_losses(torch, name):
    """(discriminator loss, generator loss) of gans.losses' ``name`` on raw scores, in torch."""
    softplus = torch.nn.functional.softplus
    pairs = {
        "non_saturating": (lambda real, fake: softplus(-real).mean() + softplus(fake).mean(),
                           lambda fake: softplus(-fake).mean()),
        "wasserstein": (lambda real, fake: fake.mean() - real.mean(), lambda fake: -fake.mean()),
    }
    if name not in pairs:
        raise ValueError(f"torch_losses: no twin for loss {name!r}; expected one of {sorted(pairs)}")
    return pairs[name]


def torch_gradient_penalty(torch, critic, real, fake, mixing, condition=None):
    """gans.regularizers.gradient_penalty, in torch."""
    mixing = mixing.reshape((real.shape[0],) + (1,) * (real.ndim - 1))
    x_hat = (mixing * real.detach() + (1 - mixing) * fake.detach()).requires_grad_()
    scores = critic(x_hat) if condition is None else critic(x_hat, condition)
    (gradient,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    norms = ((gradient * gradient).reshape(gradient.shape[0], -1).sum(dim=1) + 1e-12).sqrt()
    return ((norms - 1.0) ** 2).mean()
