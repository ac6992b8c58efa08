"""Adversarial losses point the generator the right way: values, gradient signs, and one trainer step.

Every critic score here is "higher = more real", so each generator loss must fall as the score
of a fake rises (least squares: as it nears its target 1). The f-GAN generator losses are checked
against their closed forms (Nowozin et al. 2016, Table 2 activations), so a flipped sign fails.
"""
import math

import numpy
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from gans.adversarial import FAMILY, OptimizerSpec
from gans.losses import F_DIVERGENCES, LOSSES
from gans.data import describe
from gans.run import Trainer, resolve
from minigrad.testing import strategies

SCORES = strategies.float_arrays(st.integers(1, 6), "real")


def softplus(v):
    return numpy.logaddexp(0.0, v)


# divergence -> -g_f(v): the generator minimises -E[g_f(D(G(z)))]
F_GENERATOR_LOSS = {
    "kl": lambda v: -v,
    "reverse_kl": lambda v: numpy.exp(-v),
    "pearson": lambda v: -v,
    "squared_hellinger": lambda v: numpy.exp(-v) - 1,
    "jensen_shannon": lambda v: softplus(-v) - math.log(2),
    "gan": lambda v: softplus(-v),
}


def generator_loss_and_grad(loss, scores):
    fake = minigrad.tensor(scores, dtype=minigrad.float64, requires_grad=True)
    value = loss.generator(fake)
    value.backward()
    return value.item(), fake.grad.numpy()


def test_every_divergence_has_a_closed_form_here():
    assert sorted(F_GENERATOR_LOSS) == sorted(F_DIVERGENCES)


@pytest.mark.parametrize("divergence", sorted(F_DIVERGENCES))
@given(scores=SCORES)
def test_f_gan_generator_loss_value(divergence, scores):
    value, _ = generator_loss_and_grad(LOSSES[f"f-{divergence}"], scores)
    numpy.testing.assert_allclose(value, F_GENERATOR_LOSS[divergence](scores).mean(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(LOSSES))
@given(scores=SCORES)
def test_generator_loss_falls_as_fake_scores_rise(name, scores):
    """d loss_G / d score < 0 for every fake below the target (1 for least squares, everywhere otherwise)."""
    if name == "least_squares":
        scores = numpy.minimum(scores, 0.9)
    _, grad = generator_loss_and_grad(LOSSES[name], scores)
    assert numpy.all(grad < 0), f"{name}: gradient {grad} for scores {scores}"


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_discriminator_loss_falls_as_real_scores_rise_and_fake_scores_fall(name):
    """Scores between the least-squares targets (0 for fakes, 1 for reals) and the hinge margins."""
    real = minigrad.tensor([-0.5, 0.3], dtype=minigrad.float64, requires_grad=True)
    fake = minigrad.tensor([0.2, 0.4], dtype=minigrad.float64, requires_grad=True)
    LOSSES[name].discriminator(real, fake).backward()
    assert numpy.all(real.grad.numpy() < 0) and numpy.all(fake.grad.numpy() > 0)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_one_generator_step_raises_the_fixed_critics_score_of_fakes(name, tmp_path):
    """Trainer level: one generator update (the trainer's own step) against an untouched critic moves
    the critic's mean score of the same fakes up (least squares: towards 1) and lowers the generator loss."""
    config = resolve(FAMILY, "nsgan", describe("ring8"), dict(
        loss=name, batch_size=32, width=8, depth=2, latent_dim=2, g_optimizer=OptimizerSpec("sgd", 1e-3)))
    model = Trainer(FAMILY, config, tmp_path / name).model
    state = model.rng.bit_generator.state
    z, _ = model.draw_latents(config.run.batch_size)  # the latents generator_step will draw
    model.rng.bit_generator.state = state
    critic_before = [p.numpy().copy() for p in model.discriminator.parameters()]

    def scores():
        with minigrad.no_grad():
            return model.judge(model.generate(z)).numpy()

    before = scores()
    loss_before, _ = model.generator_step(0, logged=True)
    after = scores()
    for param, saved in zip(model.discriminator.parameters(), critic_before):
        numpy.testing.assert_array_equal(param.numpy(), saved)  # the critic is fixed
    with minigrad.no_grad():
        loss_after = model.loss.generator(model.judge(model.generate(z))).item()
    assert loss_after < loss_before.item()
    if name == "least_squares":
        assert numpy.abs(1 - after).mean() < numpy.abs(1 - before).mean()
    else:
        assert after.mean() > before.mean()
