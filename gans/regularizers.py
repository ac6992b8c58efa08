"""Penalties on a critic's input gradient, shared by every family with a critic.

WGAN-GP's gradient penalty keeps a critic 1-Lipschitz (the other two ways:
weight clipping is ``minigrad.nn.clip_weights_``, spectral normalisation is
``minigrad.nn.spectral_norm``). R1 (Mescheder et al. 2018) penalises the
gradient on real images only, pushing D towards zero slope on the data, which
makes the game locally convergent. Both take the gradient with
``create_graph=True`` so the penalty can be differentiated again with respect
to the critic's parameters (a double backward).
"""
import minigrad


def interpolate(real, fake, mixing):
    """x_hat = mixing * real + (1 - mixing) * fake, one mixing weight per sample."""
    shape = (real.shape[0],) + (1,) * (real.ndim - 1)
    mixing = mixing.reshape(shape)
    return mixing * real + (1 - mixing) * fake


def gradient_penalty(critic, real, fake, mixing=None, target_norm=1.0, condition=None):
    """WGAN-GP: E[(||grad_x_hat critic(x_hat)|| - 1)^2] on random interpolates x_hat.

    The gradient is taken with ``create_graph=True`` so that the penalty can
    itself be differentiated with respect to the critic's parameters.
    ``mixing`` (one weight in [0, 1] per sample) is drawn when not given.
    """
    if real.shape != fake.shape:
        raise ValueError(f"gradient_penalty: real {real.shape} and fake {fake.shape} shapes differ")
    if mixing is None:
        mixing = minigrad.rand(real.shape[0], dtype=real.dtype, device=real.device)
    x_hat = interpolate(real.detach(), fake.detach(), mixing).requires_grad_()
    scores = critic(x_hat) if condition is None else critic(x_hat, condition)
    (gradient,) = minigrad.grad(scores.sum(), x_hat, create_graph=True)
    squared = (gradient * gradient).reshape(gradient.shape[0], -1).sum(dim=1)
    norms = (squared + 1e-12).sqrt()  # the epsilon keeps d/dgrad finite at a zero gradient
    return ((norms - target_norm) ** 2).mean()


def r1_penalty(critic, real, condition=None):
    """E ||grad_x critic(x)||^2 over the real batch (multiply by gamma / 2 in the loss)."""
    real = real.detach().requires_grad_()
    scores = critic(real) if condition is None else critic(real, condition)
    (gradient,) = minigrad.grad(scores.sum(), real, create_graph=True)
    return (gradient * gradient).reshape(gradient.shape[0], -1).sum(dim=1).mean()
