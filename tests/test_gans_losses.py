"""Adversarial losses against their textbook formulas, and their numerical safety."""
import math

import numpy
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import minigrad
from gans import losses

moderate_scores = arrays(numpy.float64, st.integers(1, 6), elements=st.floats(-8, 8))
huge_scores = arrays(numpy.float64, st.integers(1, 6), elements=st.floats(-1e4, 1e4))


def sigmoid(v):
    return 1 / (1 + numpy.exp(-v))


def tensor(values):
    return minigrad.tensor(values, dtype=minigrad.float64, requires_grad=True)


# (loss pair name, D loss formula, G loss formula) in plain NumPy, straight from the papers
TEXTBOOK = {
    "minimax": (lambda r, f: -numpy.mean(numpy.log(sigmoid(r))) - numpy.mean(numpy.log(1 - sigmoid(f))),
                lambda f: numpy.mean(numpy.log(1 - sigmoid(f)))),
    "non_saturating": (lambda r, f: -numpy.mean(numpy.log(sigmoid(r))) - numpy.mean(numpy.log(1 - sigmoid(f))),
                       lambda f: -numpy.mean(numpy.log(sigmoid(f)))),
    "wasserstein": (lambda r, f: numpy.mean(f) - numpy.mean(r), lambda f: -numpy.mean(f)),
    "hinge": (lambda r, f: numpy.mean(numpy.maximum(0, 1 - r)) + numpy.mean(numpy.maximum(0, 1 + f)),
              lambda f: -numpy.mean(f)),
    "least_squares": (lambda r, f: 0.5 * numpy.mean((r - 1) ** 2) + 0.5 * numpy.mean(f**2),
                      lambda f: 0.5 * numpy.mean((f - 1) ** 2)),
}


@pytest.mark.parametrize("name", sorted(TEXTBOOK))
@given(real=moderate_scores, fake=moderate_scores)
def test_losses_match_textbook_formulas(name, real, fake):
    pair = losses.get_loss(name)
    d_formula, g_formula = TEXTBOOK[name]
    assert pair.discriminator(tensor(real), tensor(fake)).item() == pytest.approx(d_formula(real, fake), rel=1e-9,
                                                                                  abs=1e-12)
    assert pair.generator(tensor(fake)).item() == pytest.approx(g_formula(fake), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("name", sorted(losses.LOSSES))
@given(real=huge_scores, fake=huge_scores)
def test_losses_and_gradients_stay_finite_for_huge_scores(name, real, fake):
    if name in ("f-kl", "f-squared_hellinger", "f-reverse_kl"):
        real, fake = numpy.clip(real, -30, 30), numpy.clip(fake, -30, 30)  # exp in the conjugate itself
    real_t, fake_t = tensor(real), tensor(fake)
    pair = losses.get_loss(name)
    total = pair.discriminator(real_t, fake_t) + pair.generator(fake_t)
    total.backward()
    assert math.isfinite(total.item())
    assert numpy.isfinite(real_t.grad.numpy()).all() and numpy.isfinite(fake_t.grad.numpy()).all()


# f*(t) and g_f(v) from Nowozin et al. (2016), Table 2, in their raw form
CONJUGATES = {
    "kl": (lambda v: v, lambda t: numpy.exp(t - 1)),
    "reverse_kl": (lambda v: -numpy.exp(-v), lambda t: -1 - numpy.log(-t)),
    "pearson": (lambda v: v, lambda t: 0.25 * t**2 + t),
    "squared_hellinger": (lambda v: 1 - numpy.exp(-v), lambda t: t / (1 - t)),
    "jensen_shannon": (lambda v: numpy.log(2) - numpy.log1p(numpy.exp(-v)), lambda t: -numpy.log(2 - numpy.exp(t))),
    "gan": (lambda v: -numpy.log1p(numpy.exp(-v)), lambda t: -numpy.log(1 - numpy.exp(t))),
}


@pytest.mark.parametrize("name", sorted(CONJUGATES))
@given(values=arrays(numpy.float64, st.integers(1, 6), elements=st.floats(-5, 5)))
def test_f_divergence_closed_forms_equal_conjugate_of_activation(name, values):
    divergence = losses.F_DIVERGENCES[name]
    activation, conjugate = CONJUGATES[name]
    v = tensor(values)
    numpy.testing.assert_allclose(divergence.activation(v).numpy(), activation(values), rtol=1e-9, atol=1e-12)
    numpy.testing.assert_allclose(divergence.conjugate_of_activation(v).numpy(), conjugate(activation(values)),
                                  rtol=1e-7, atol=1e-9)


def test_f_gan_bound_is_tight_at_the_optimal_critic():
    """With T*(x) = f'(p/q), the bound E_P[T] - E_Q[f*(T)] equals D_f(P||Q) (KL, two-point distributions)."""
    p, q = numpy.array([0.7, 0.3]), numpy.array([0.4, 0.6])
    kl = float(numpy.sum(p * numpy.log(p / q)))
    optimal_v = 1 + numpy.log(p / q)  # KL: f(u) = u log u, f'(u) = 1 + log u, g_f = identity
    divergence = losses.F_DIVERGENCES["kl"]
    # expectations over the two points: E_P[T] = sum p T, E_Q[f*(T)] = sum q f*(T)
    real_term = float(numpy.sum(p * divergence.activation(tensor(optimal_v)).numpy()))
    fake_term = float(numpy.sum(q * divergence.conjugate_of_activation(tensor(optimal_v)).numpy()))
    assert real_term - fake_term == pytest.approx(kl, rel=1e-12)


def test_unknown_loss_names_the_choices():
    with pytest.raises(ValueError, match="unknown adversarial loss 'nope'.*hinge"):
        losses.get_loss("nope")
    with pytest.raises(ValueError, match="f_gan: unknown divergence"):
        losses.f_gan("nope")
