"""Noise schedules and the closed-form forward process q(x_t | x_0)."""
import math

import numpy
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from gans.diffusion import NoiseSchedule
from gans.diffusion.schedule import COSINE_OFFSET, MAX_BETA, cosine_betas, linear_betas


def test_linear_schedule_at_1000_steps_is_ddpms():
    betas = linear_betas(1000)
    assert betas[0] == pytest.approx(1e-4) and betas[-1] == pytest.approx(0.02)
    numpy.testing.assert_allclose(numpy.diff(betas), (0.02 - 1e-4) / 999)


@given(steps=st.integers(21, 4000))
def test_linear_schedule_rescales_its_betas_by_1000_over_t(steps):
    """improved-diffusion's rule: the endpoints scale by 1000/T, so the total noise sum(beta) is T's own."""
    betas = linear_betas(steps)
    assert betas[0] == pytest.approx(1e-4 * 1000 / steps) and betas[-1] == pytest.approx(0.02 * 1000 / steps)
    assert betas.sum() == pytest.approx(1000 * (1e-4 + 0.02) / 2)


def test_linear_schedule_refuses_a_t_whose_betas_would_reach_one():
    with pytest.raises(ValueError, match=r"T=20 .* last beta would be 1"):
        linear_betas(20)


@given(name=st.sampled_from(["linear", "cosine"]), steps=st.integers(21, 3000))
def test_alpha_bar_falls_from_near_one_to_near_zero(name, steps):
    schedule = NoiseSchedule.named(name, steps)
    assert numpy.all(numpy.diff(schedule.alpha_bar) < 0)
    assert 0.99 < schedule.alpha_bar[0] < 1
    assert 0 <= schedule.alpha_bar[-1] < 1e-3
    assert numpy.all((schedule.betas > 0) & (schedule.betas <= MAX_BETA))
    numpy.testing.assert_allclose(schedule.alpha_bar, numpy.cumprod(1 - schedule.betas))


@given(steps=st.integers(1, 3000))
def test_cosine_alpha_bar_matches_its_formula(steps):
    """alpha_bar after t+1 steps = f((t+1)/T) / f(0), f(u) = cos^2(((u + s)/(1 + s)) pi/2), until the clip."""
    schedule = NoiseSchedule.named("cosine", steps)
    u = numpy.arange(1, steps + 1) / steps
    direct = numpy.array([math.cos((v + COSINE_OFFSET) / (1 + COSINE_OFFSET) * math.pi / 2) ** 2 for v in u])
    direct /= math.cos(COSINE_OFFSET / (1 + COSINE_OFFSET) * math.pi / 2) ** 2
    unclipped = numpy.cumprod(cosine_betas(steps) < MAX_BETA).astype(bool)
    numpy.testing.assert_allclose(schedule.alpha_bar[unclipped], direct[unclipped], rtol=1e-9, atol=1e-15)
    assert schedule.betas[-1] == pytest.approx(MAX_BETA)  # f(1) = 0 after the offset: the last beta is clipped


def test_posterior_matches_bayes_rule_for_gaussians():
    """q(x_{t-1} | x_t, x0) from the product of N(x_t; sqrt(a_t) x_{t-1}, b_t) and N(x_{t-1}; sqrt(ab_{t-1}) x0, 1 - ab_{t-1})."""
    schedule = NoiseSchedule.named("cosine", 40)
    x0, x_t = 0.7, -0.3
    for t in range(1, 40):
        beta, prior_var = schedule.betas[t], 1 - schedule.alpha_bar[t - 1]
        precision = 1 / prior_var + (1 - beta) / beta
        mean = (math.sqrt(schedule.alpha_bar[t - 1]) * x0 / prior_var + math.sqrt(1 - beta) * x_t / beta) / precision
        assert schedule.posterior_variance[t] == pytest.approx(1 / precision, rel=1e-9)
        assert schedule.posterior_coef_x0[t] * x0 + schedule.posterior_coef_xt[t] * x_t == pytest.approx(mean, rel=1e-9)
    assert schedule.posterior_variance[0] == 0 and schedule.posterior_coef_x0[0] == pytest.approx(1.0)


@pytest.mark.parametrize("name", ["linear", "cosine"])
def test_q_sample_has_the_closed_form_moments(name):
    """x_t | x0 ~ N(sqrt(ab_t) x0, (1 - ab_t) I): sample moments within 5 standard errors."""
    schedule = NoiseSchedule.named(name, 100)
    n = 20_000
    rng = numpy.random.default_rng(0)
    x0 = minigrad.tensor(numpy.tile([[1.5, -0.5]], (n, 1)), dtype=minigrad.float64)
    for t in (0, 30, 99):
        noise = minigrad.tensor(rng.standard_normal((n, 2)), dtype=minigrad.float64)
        x_t = schedule.q_sample(x0, numpy.full(n, t), noise).numpy()
        mean, var = math.sqrt(schedule.alpha_bar[t]) * numpy.array([1.5, -0.5]), 1 - schedule.alpha_bar[t]
        assert numpy.all(numpy.abs(x_t.mean(0) - mean) < 5 * math.sqrt(var / n))
        assert numpy.all(numpy.abs(x_t.var(0) - var) < 5 * var * math.sqrt(2 / n))


def test_bad_schedules_and_timesteps_fail_clearly():
    with pytest.raises(ValueError, match="unknown schedule 'quadratic'"):
        NoiseSchedule.named("quadratic", 100)
    with pytest.raises(ValueError, match="positive integer, got 0"):
        NoiseSchedule.named("cosine", 0)
    with pytest.raises(ValueError, match=r"in \(0, 1\)"):
        NoiseSchedule(numpy.array([0.1, 1.0]))
    schedule = NoiseSchedule.named("cosine", 10)
    x0 = minigrad.zeros(2, 3)
    with pytest.raises(ValueError, match=r"integers in \[0, 9\].*values in \[3, 10\]"):
        schedule.q_sample(x0, numpy.array([3, 10]), minigrad.zeros(2, 3))
    with pytest.raises(ValueError, match="one timestep per sample"):
        schedule.q_sample(x0, numpy.array([3]), minigrad.zeros(2, 3))
