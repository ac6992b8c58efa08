"""Adversarial losses as pure functions of discriminator outputs, shared by every family with a critic
(the GANs, image translation, the style-based generator).

Every discriminator here returns raw scores (logits); probabilities never
appear, so log D and log(1 - D) are computed stably through softplus:
log sigmoid(l) = -softplus(-l) and log(1 - sigmoid(l)) = -softplus(l).
Each family is a pair (discriminator loss, generator loss), both minimised.
"""
import math
from dataclasses import dataclass
from typing import Callable

import minigrad.functional as F


@dataclass(frozen=True)
class AdversarialLoss:
    """A named pair of losses: ``discriminator(real, fake)`` and ``generator(fake)``."""

    name: str
    discriminator: Callable
    generator: Callable


# ---------------------------------------------------------- Goodfellow et al.
def minimax_discriminator(real, fake):
    """-[log D(x) + log(1 - D(G(z)))]: D ascends the GAN value function."""
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def minimax_generator(fake):
    """log(1 - D(G(z))): the original, saturating generator objective."""
    return -F.softplus(fake).mean()


def non_saturating_generator(fake):
    """-log D(G(z)): same fixed point, strong gradients when D rejects the fakes."""
    return F.softplus(-fake).mean()


# --------------------------------------------------------- critics and margins
def wasserstein_critic(real, fake):
    """E f(G(z)) - E f(x): the critic maximises the Wasserstein-1 estimate."""
    return fake.mean() - real.mean()


def wasserstein_generator(fake):
    return -fake.mean()


def wasserstein_estimate(real, fake):
    """E f(x) - E f(G(z)), the quantity a Lipschitz critic's loss tracks."""
    return real.mean() - fake.mean()


def hinge_discriminator(real, fake):
    return F.relu(1 - real).mean() + F.relu(1 + fake).mean()


def hinge_generator(fake):
    return -fake.mean()


def least_squares_discriminator(real, fake):
    """LSGAN (a=0, b=1): pull real scores to 1 and fake scores to 0."""
    return 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake**2).mean()


def least_squares_generator(fake):
    return 0.5 * ((fake - 1) ** 2).mean()


# ------------------------------------------------------------------- f-GAN
@dataclass(frozen=True)
class FDivergence:
    """One f-divergence of Nowozin et al. (2016), Table 2.

    ``activation`` is g_f (raw score v -> the domain of f*); ``conjugate_of_activation``
    is f*(g_f(v)) in a closed form that stays finite for any v.
    """

    name: str
    activation: Callable
    conjugate_of_activation: Callable


F_DIVERGENCES = {
    "kl": FDivergence("kl", lambda v: v, lambda v: (v - 1).exp()),
    "reverse_kl": FDivergence("reverse_kl", lambda v: -(-v).exp(), lambda v: v - 1),
    "pearson": FDivergence("pearson", lambda v: v, lambda v: 0.25 * v * v + v),
    "squared_hellinger": FDivergence("squared_hellinger", lambda v: 1 - (-v).exp(), lambda v: v.exp() - 1),
    "jensen_shannon": FDivergence(
        "jensen_shannon", lambda v: math.log(2) - F.softplus(-v), lambda v: F.softplus(v) - math.log(2)
    ),
    "gan": FDivergence("gan", lambda v: -F.softplus(-v), lambda v: F.softplus(v)),
}


def f_divergence_bound(divergence, real, fake):
    """E_P[g_f(v)] - E_Q[f*(g_f(v))]: the variational lower bound on D_f(P || Q)."""
    return divergence.activation(real).mean() - divergence.conjugate_of_activation(fake).mean()


def f_gan(name):
    """The f-GAN loss pair for one divergence: D maximises the bound, G minimises it."""
    if name not in F_DIVERGENCES:
        raise ValueError(f"f_gan: unknown divergence {name!r}; expected one of {sorted(F_DIVERGENCES)}")
    divergence = F_DIVERGENCES[name]
    return AdversarialLoss(
        f"f-gan-{name}",
        discriminator=lambda real, fake: -f_divergence_bound(divergence, real, fake),
        generator=lambda fake: -divergence.activation(fake).mean(),
    )


LOSSES = {
    "minimax": AdversarialLoss("minimax", minimax_discriminator, minimax_generator),
    "non_saturating": AdversarialLoss("non_saturating", minimax_discriminator, non_saturating_generator),
    "wasserstein": AdversarialLoss("wasserstein", wasserstein_critic, wasserstein_generator),
    "hinge": AdversarialLoss("hinge", hinge_discriminator, hinge_generator),
    "least_squares": AdversarialLoss("least_squares", least_squares_discriminator, least_squares_generator),
    **{f"f-{name}": f_gan(name) for name in F_DIVERGENCES},
}


def get_loss(name):
    if name not in LOSSES:
        raise ValueError(f"unknown adversarial loss {name!r}; expected one of {sorted(LOSSES)}")
    return LOSSES[name]
