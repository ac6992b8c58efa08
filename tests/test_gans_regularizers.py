"""gans.regularizers: the WGAN-GP gradient penalty against closed forms, and its first and second
derivatives with respect to the critic's parameters through the DCGAN critic (finite differences)."""
import numpy
import pytest

import minigrad
from gans.adversarial.networks import DCGANDiscriminator
from gans.regularizers import gradient_penalty, interpolate
from minigrad.testing.gradcheck import gradcheck, gradgradcheck

RNG = numpy.random.default_rng(7)


def f64(array, requires_grad=False):
    return minigrad.tensor(numpy.asarray(array, dtype=numpy.float64), requires_grad=requires_grad)


def reference_penalty(gradients, target=1.0):
    """mean over samples of (||gradient_i|| - target)^2, with the same 1e-12 under the square root."""
    norms = numpy.sqrt((gradients.reshape(len(gradients), -1) ** 2).sum(axis=1) + 1e-12)
    return numpy.mean((norms - target) ** 2)


def test_interpolate_mixes_each_sample_with_its_own_weight():
    real, fake, mixing = RNG.normal(size=(3, 2, 4)), RNG.normal(size=(3, 2, 4)), numpy.array([0.0, 0.25, 1.0])
    expected = mixing[:, None, None] * real + (1 - mixing[:, None, None]) * fake
    numpy.testing.assert_allclose(interpolate(f64(real), f64(fake), f64(mixing)).numpy(), expected)


@pytest.mark.parametrize("target", [1.0, 0.5])
def test_linear_critic_penalty_is_the_squared_distance_of_the_weight_norm_from_the_target(target):
    weight = RNG.normal(size=(1, 3, 3))
    critic = lambda x: (x * f64(weight)).reshape(x.shape[0], -1).sum(dim=1) + 2.0  # noqa: E731
    real, fake = f64(RNG.normal(size=(4, 1, 3, 3))), f64(RNG.normal(size=(4, 1, 3, 3)))
    expected = (numpy.linalg.norm(weight) - target) ** 2
    # d critic / dx = weight wherever x_hat lies, so the random mixing (mixing=None) cannot matter
    assert gradient_penalty(critic, real, fake, target_norm=target).item() == pytest.approx(expected, rel=1e-9)


def test_quadratic_critic_penalty_matches_numpy_on_the_interpolates():
    linear, curvature = RNG.normal(size=(5,)), RNG.normal(size=(5,))
    real, fake, mixing = RNG.normal(size=(6, 5)), RNG.normal(size=(6, 5)), RNG.uniform(size=6)
    critic = lambda x: (x * f64(linear) + 0.5 * f64(curvature) * x * x).sum(dim=1)  # noqa: E731
    x_hat = mixing[:, None] * real + (1 - mixing[:, None]) * fake
    expected = reference_penalty(linear + curvature * x_hat)  # the gradient of the critic at x_hat
    got = gradient_penalty(critic, f64(real), f64(fake), f64(mixing)).item()
    assert got == pytest.approx(expected, rel=1e-9)


def test_conditional_critic_receives_the_labels():
    weights = RNG.normal(size=(3, 4))  # one linear critic per class
    labels = numpy.array([2, 0, 2, 1])
    critic = lambda x, c: (x * f64(weights)[c]).sum(dim=1)  # noqa: E731
    real, fake = f64(RNG.normal(size=(4, 4))), f64(RNG.normal(size=(4, 4)))
    got = gradient_penalty(critic, real, fake, condition=minigrad.tensor(labels)).item()
    assert got == pytest.approx(reference_penalty(weights[labels]), rel=1e-9)


def test_penalty_is_differentiable_at_a_zero_gradient():
    parameter = f64([0.0], requires_grad=True)  # a critic parameter * sum(x): flat while the parameter is 0
    real = f64(RNG.normal(size=(2, 3)))
    penalty = gradient_penalty(lambda x: parameter * x.sum(dim=1), real, real + 1)
    (grad,) = minigrad.grad(penalty, parameter)
    assert penalty.item() == pytest.approx(1.0, abs=1e-5)
    assert numpy.isfinite(grad.numpy()).all()


def test_mismatched_real_and_fake_shapes_are_rejected():
    with pytest.raises(ValueError, match=r"real \(2, 3\) and fake \(3, 3\) shapes differ"):
        gradient_penalty(lambda x: x.sum(dim=1), f64(numpy.zeros((2, 3))), f64(numpy.zeros((3, 3))))


@pytest.fixture
def dcgan_critic_penalty():
    """The penalty of the real 28x28 DCGAN critic (width 2, no BatchNorm) in float64, as a function of
    the critic's parameters (gradcheck perturbs the Parameter objects the critic itself holds)."""
    minigrad.manual_seed(3)
    critic = DCGANDiscriminator(channels=1, image_size=28, width=2, batch_norm=False).double()
    real, fake = f64(RNG.uniform(-1, 1, (2, 1, 28, 28))), f64(RNG.uniform(-1, 1, (2, 1, 28, 28)))
    mixing = f64([0.3, 0.8])
    parameters = list(critic.parameters())
    assert len(parameters) == 6 and all(p.dtype == numpy.float64 for p in parameters)
    return (lambda *_: gradient_penalty(critic, real, fake, mixing)), parameters


def test_penalty_gradient_through_the_dcgan_critic_passes_gradcheck(dcgan_critic_penalty):
    penalty, parameters = dcgan_critic_penalty
    assert gradcheck(penalty, parameters, fast_mode=False)


def test_penalty_double_backward_through_the_dcgan_critic_passes_gradgradcheck(dcgan_critic_penalty):
    penalty, parameters = dcgan_critic_penalty
    assert gradgradcheck(penalty, parameters, fast_mode=True)  # the full Hessian check takes ~10 s
