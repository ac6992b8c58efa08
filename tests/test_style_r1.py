"""gans.regularizers.r1_penalty: the R1 penalty against a finite-difference gradient of the critic, closed forms, and its
derivatives with respect to the critic's parameters (the double backward), augmentation included."""
import numpy
import pytest

import minigrad
from gans.augment import DiffAugment
from gans.regularizers import r1_penalty
from gans.style.discriminator import ResidualDiscriminator
from minigrad.testing import gradcheck, gradgradcheck

RNG = numpy.random.default_rng(11)


def f64(array, requires_grad=False):
    return minigrad.tensor(numpy.asarray(array, dtype=numpy.float64), requires_grad=requires_grad)


def finite_difference_gradient(critic, real, eps=1e-6):
    """d sum(critic(x)) / dx by central differences, one input element at a time."""
    gradient = numpy.zeros_like(real)
    for index in numpy.ndindex(real.shape):
        shifted = [real.copy(), real.copy()]
        shifted[0][index] += eps
        shifted[1][index] -= eps
        plus, minus = (critic(f64(x)).numpy().sum() for x in shifted)
        gradient[index] = (plus - minus) / (2 * eps)
    return gradient


@pytest.fixture
def tiny_critic():
    minigrad.manual_seed(6)
    return ResidualDiscriminator(image_size=8, width=2).double()


def test_r1_equals_the_mean_squared_norm_of_a_finite_difference_gradient_of_the_critic(tiny_critic):
    real = RNG.uniform(-1, 1, (3, 1, 8, 8))
    gradient = finite_difference_gradient(tiny_critic, real)
    expected = (gradient.reshape(3, -1) ** 2).sum(axis=1).mean()
    assert r1_penalty(tiny_critic, f64(real)).item() == pytest.approx(expected, rel=1e-6)


def test_r1_of_an_augmented_critic_matches_finite_differences_through_the_augmentation(tiny_critic):
    augment = DiffAugment("translation,cutout,color")
    real = RNG.uniform(-1, 1, (2, 1, 8, 8))
    draws = augment.draw(numpy.random.default_rng(0), real.shape)
    critic = lambda x: tiny_critic(augment.apply(x, draws))  # noqa: E731
    gradient = finite_difference_gradient(critic, real)
    expected = (gradient.reshape(2, -1) ** 2).sum(axis=1).mean()
    assert r1_penalty(critic, f64(real)).item() == pytest.approx(expected, rel=1e-6)


def test_r1_of_a_linear_critic_is_the_squared_weight_norm_and_conditions_reach_the_critic():
    weights = RNG.normal(size=(3, 5))  # one linear critic per class
    labels = minigrad.tensor(numpy.array([2, 0, 2, 1]))
    critic = lambda x, c: (x * f64(weights)[c]).sum(dim=1) + 1.0  # noqa: E731
    expected = (weights[[2, 0, 2, 1]] ** 2).sum(axis=1).mean()
    assert r1_penalty(critic, f64(RNG.normal(size=(4, 5))), labels).item() == pytest.approx(expected, rel=1e-12)


def test_r1_does_not_keep_the_real_batch_in_the_graph_of_its_caller():
    real = f64(RNG.normal(size=(2, 3)), requires_grad=True)
    parameter = f64([0.5], requires_grad=True)
    penalty = r1_penalty(lambda x: parameter * (x * x).sum(dim=1), real)
    (gradient,) = minigrad.grad(penalty, parameter)
    # ||2 p x||^2 averaged: d/dp = 8 p mean ||x||^2
    assert gradient.item() == pytest.approx(8 * 0.5 * (real.numpy() ** 2).sum(axis=1).mean())
    assert real.grad is None


def test_r1_double_backward_through_the_residual_critic_passes_gradcheck_and_gradgradcheck(tiny_critic):
    real = f64(RNG.uniform(-1, 1, (2, 1, 8, 8)))
    parameters = list(tiny_critic.parameters())
    penalty = lambda *_: r1_penalty(tiny_critic, real)  # noqa: E731  (the parameters are perturbed in place)
    assert gradcheck(penalty, parameters, fast_mode=True)
    assert gradgradcheck(penalty, parameters, fast_mode=True)
