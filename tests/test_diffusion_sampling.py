"""DDPM and DDIM samplers, checked against denoisers whose optimum is known in closed form."""
import numpy
import pytest
from hypothesis import given, settings, strategies as st

import minigrad
from gans.diffusion import Denoising, NoiseSchedule, ddim_sample, ddpm_sample
from gans.diffusion.objective import prediction_target
from gans.diffusion.sampling import SPACINGS, ddim_moments, ddim_timesteps, ddpm_moments

F64 = minigrad.float64
MEAN, STD = numpy.array([0.5, -1.0]), numpy.array([0.3, 0.8])


def gaussian_optimal_denoiser(schedule, prediction, mean=MEAN, std=STD):
    """The exact denoiser for data ~ N(mean, diag(std^2)): E[x0 | x_t] is linear in x_t."""
    def denoise(x, t, labels=None):
        step = int(round(float(t.numpy()[0])))
        a, s = numpy.sqrt(schedule.alpha_bar[step]), numpy.sqrt(1 - schedule.alpha_bar[step])
        x_t = x.numpy()
        x0 = mean + a * std ** 2 / (a * a * std ** 2 + s * s) * (x_t - a * mean)
        return minigrad.tensor(prediction_target(prediction, x0, (x_t - a * x0) / s, a, s), dtype=x.dtype)
    return denoise


def draw(sampler, prediction, steps=None, eta=0.0, n=10_000, schedule=None, spacing="uniform"):
    schedule = schedule or NoiseSchedule.named("cosine", 1000)
    denoising = Denoising(gaussian_optimal_denoiser(schedule, prediction), schedule, prediction)
    rng = numpy.random.default_rng(0)
    if sampler == "ddpm":
        return ddpm_sample(denoising, (n, 2), rng, dtype=F64).numpy()
    return ddim_sample(denoising, (n, 2), rng, steps, eta, dtype=F64, spacing=spacing).numpy()


# The tolerance on the std: the sampler's discretisation bias at T = 1000 (about 1% for DDPM with the
# posterior variance, 0 for DDIM at K = T, 4% for DDIM at K = 50) plus 3 standard errors (0.7% each).
@pytest.mark.parametrize("sampler, prediction, steps, tolerance", [
    ("ddpm", "eps", None, 0.035), ("ddpm", "v", None, 0.035), ("ddim", "x0", 1000, 0.025),
    ("ddim", "eps", 50, 0.065), ("ddim", "v", 50, 0.065), ("ddim", "x0", 50, 0.065)])
def test_samplers_with_the_optimal_denoiser_reproduce_the_data_distribution(sampler, prediction, steps, tolerance):
    samples = draw(sampler, prediction, steps)
    assert numpy.all(numpy.abs(samples.mean(0) - MEAN) < 5 * STD / numpy.sqrt(len(samples)))
    numpy.testing.assert_allclose(samples.std(0), STD, rtol=tolerance)


def test_quadratic_spacing_reproduces_the_data_distribution_closer_than_uniform_at_50_steps():
    """Denser steps near the data cut DDIM's bias at K = 50 from about 5% to 3.4% on the std here;
    the reverse (dense near T) would give 8.6%."""
    samples = draw("ddim", "eps", 50, spacing="quadratic")
    assert numpy.all(numpy.abs(samples.mean(0) - MEAN) < 5 * STD / numpy.sqrt(len(samples)))
    numpy.testing.assert_allclose(samples.std(0), STD, rtol=0.055)


def test_ddim_error_shrinks_with_more_steps():
    errors = [numpy.abs(draw("ddim", "eps", k, n=2000).std(0) / STD - 1).max() for k in (5, 20, 200)]
    assert errors[0] > errors[1] > errors[2]


def test_ddim_with_eta_one_over_every_step_is_the_ancestral_sampler():
    """At K = T and eta = 1, DDIM's step variance is DDPM's posterior variance, so with the same random
    numbers the two samplers give the same samples."""
    schedule = NoiseSchedule.named("linear", 100)
    numpy.testing.assert_allclose(draw("ddim", "eps", 100, eta=1.0, n=50, schedule=schedule),
                                  draw("ddpm", "eps", n=50, schedule=schedule), rtol=1e-9, atol=1e-12)
    x, x0 = minigrad.tensor([[0.3, -2.0]], dtype=F64), minigrad.tensor([[0.9, 0.1]], dtype=F64)
    for t in range(100):
        a, s = numpy.sqrt(schedule.alpha_bar[t]), numpy.sqrt(1 - schedule.alpha_bar[t])
        eps = (x - x0 * a) / s
        ddim_mean, ddim_std = ddim_moments(schedule, t, t - 1, x0, eps, eta=1.0)
        ddpm_mean, ddpm_std = ddpm_moments(schedule, t, x, x0)
        assert ddim_std == pytest.approx(ddpm_std, rel=1e-9, abs=1e-15)
        assert ddim_std ** 2 == pytest.approx(schedule.posterior_variance[t], rel=1e-9, abs=1e-15)
        numpy.testing.assert_allclose(ddim_mean.numpy(), ddpm_mean.numpy(), rtol=1e-9)


def test_ddim_with_eta_zero_is_deterministic_given_the_starting_noise():
    schedule = NoiseSchedule.named("cosine", 50)
    denoising = Denoising(gaussian_optimal_denoiser(schedule, "eps"), schedule)
    rng = numpy.random.default_rng(3)
    first = ddim_sample(denoising, (5, 2), rng, 10, eta=0.0, dtype=F64).numpy()
    second = ddim_sample(denoising, (5, 2), numpy.random.default_rng(3), 10, eta=0.0, dtype=F64).numpy()
    numpy.testing.assert_array_equal(first, second)
    untouched = numpy.random.default_rng(3)
    untouched.standard_normal((5, 2))  # x_T is the only randomness drawn
    assert rng.standard_normal() == untouched.standard_normal()


def test_predicted_x0_is_clipped_to_the_data_range():
    """Data = the single point 2.0 (the optimal x0 prediction is always 2.0); clipped to [-1, 1], every
    sample lands on 1.0."""
    schedule = NoiseSchedule.named("cosine", 30)
    point = numpy.array([2.0, 2.0])
    denoiser = gaussian_optimal_denoiser(schedule, "x0", mean=point, std=numpy.zeros(2))
    for sample in (lambda d: ddpm_sample(d, (4, 2), numpy.random.default_rng(0), dtype=F64),
                   lambda d: ddim_sample(d, (4, 2), numpy.random.default_rng(0), 7, eta=0.5, dtype=F64)):
        numpy.testing.assert_allclose(sample(Denoising(denoiser, schedule, "x0")).numpy(), 2.0, rtol=1e-9)
        numpy.testing.assert_allclose(sample(Denoising(denoiser, schedule, "x0", clip=(-1, 1))).numpy(), 1.0,
                                      rtol=1e-9)


def test_keep_eps_clips_x0_alone_and_recompute_makes_eps_agree_with_the_clipped_x0():
    """x_t = a x0 + s eps must hold for the pair a sampler steps with: after clipping, only when eps is
    recomputed; with keep_eps the network's eps comes back untouched."""
    schedule = NoiseSchedule.named("cosine", 30)
    denoiser = gaussian_optimal_denoiser(schedule, "eps", mean=numpy.array([2.0, -3.0]), std=numpy.full(2, 0.1))
    x = minigrad.tensor(numpy.random.default_rng(0).standard_normal((5, 2)), dtype=F64)
    t = 10
    a, s = numpy.sqrt(schedule.alpha_bar[t]), numpy.sqrt(1 - schedule.alpha_bar[t])
    raw_x0, raw_eps = (v.numpy() for v in Denoising(denoiser, schedule, "eps").predict(x, t))
    for keep_eps in (False, True):
        clipping = Denoising(denoiser, schedule, "eps", clip=(-1, 1), keep_eps=keep_eps)
        x0, eps = (v.numpy() for v in clipping.predict(x, t))
        numpy.testing.assert_allclose(x0, numpy.clip(raw_x0, -1, 1))
        if keep_eps:
            numpy.testing.assert_allclose(eps, raw_eps)
        else:
            numpy.testing.assert_allclose(a * x0 + s * eps, x.numpy(), atol=1e-12)
            assert numpy.abs(eps - raw_eps).max() > 0.1  # x0 was clipped, so eps had to move


def test_classifier_free_guidance_extrapolates_from_the_null_label():
    """(1 + w) out(label) - w out(null), with one batched call of the denoiser."""
    calls = []

    def label_echo(x, t, labels):
        calls.append(x.shape[0])
        return minigrad.tensor(numpy.repeat(labels.numpy()[:, None].astype(numpy.float64), 2, axis=1))

    schedule = NoiseSchedule.named("cosine", 10)
    labels = minigrad.tensor([0, 3, 7])
    x = minigrad.zeros(3, 2, dtype=F64)
    for w in (0.0, 1.0, 3.0):
        x0, _ = Denoising(label_echo, schedule, "x0", labels, guidance=w, null_label=10).predict(x, 4)
        numpy.testing.assert_allclose(x0.numpy()[:, 0], (1 + w) * numpy.array([0, 3, 7]) - w * 10)
    assert calls == [3, 6, 6]
    with pytest.raises(ValueError, match="guidance weight 2.0 needs labels"):
        Denoising(label_echo, schedule, "x0", guidance=2.0)


def test_progress_callback_sees_every_step_in_order():
    schedule = NoiseSchedule.named("cosine", 20)
    denoising = Denoising(gaussian_optimal_denoiser(schedule, "eps"), schedule)
    seen = []
    ddim_sample(denoising, (2, 2), numpy.random.default_rng(0), 5, dtype=F64,
                on_step=lambda step: seen.append((step.index, step.total, step.t, step.x.shape)))
    assert seen == [(i, 5, t, (2, 2)) for i, t in enumerate([19, 14, 10, 5, 0])]
    seen.clear()
    ddpm_sample(denoising, (2, 2), numpy.random.default_rng(0), dtype=F64, on_step=lambda step: seen.append(step.t))
    assert seen == list(range(19, -1, -1))


def test_ddim_timesteps_span_the_schedule():
    numpy.testing.assert_array_equal(ddim_timesteps(10, 10), numpy.arange(9, -1, -1))
    steps = ddim_timesteps(1000, 50)
    assert len(steps) == 50 and steps[0] == 999 and steps[-1] == 0 and numpy.all(numpy.diff(steps) < 0)
    assert list(ddim_timesteps(1000, 1)) == [999]  # one step denoises from the top, not from t = 0
    assert list(ddim_timesteps(1000, 4, top=300)) == [300, 200, 100, 0]
    numpy.testing.assert_array_equal(ddim_timesteps(1000, 8, top=7), numpy.arange(7, -1, -1))
    with pytest.raises(ValueError, match=r"steps must be in \[1, 1000\].*got 0"):
        ddim_timesteps(1000, 0)
    with pytest.raises(ValueError, match=r"steps must be in \[1, 8\] \(the timesteps from 7 down to 0\), got 9"):
        ddim_timesteps(1000, 9, top=7)


def test_quadratic_timesteps_are_top_times_squares_with_gaps_of_at_least_one():
    assert list(ddim_timesteps(1000, 5, top=400, spacing="quadratic")) == [400, 225, 100, 25, 0]
    assert list(ddim_timesteps(1000, 5, top=8, spacing="quadratic")) == [8, 4, 2, 1, 0]  # floors 8 4 2 0 0
    numpy.testing.assert_array_equal(ddim_timesteps(1000, 1000, spacing="quadratic"), numpy.arange(999, -1, -1))
    assert list(ddim_timesteps(1000, 1, spacing="quadratic")) == [999]
    with pytest.raises(ValueError, match=r"ddim: unknown timestep spacing 'cubic'; expected one of \('uniform', 'quadratic'\)"):
        ddim_timesteps(1000, 10, spacing="cubic")


@settings(deadline=None, max_examples=200)
@given(top=st.integers(0, 1200), data=st.data(), spacing=st.sampled_from(SPACINGS))
def test_every_spacing_gives_steps_distinct_timesteps_from_top_to_zero(top, data, spacing):
    steps = data.draw(st.integers(1, top + 1))
    timesteps = ddim_timesteps(top + 1, steps, spacing=spacing)
    assert len(timesteps) == steps and timesteps[0] == top and numpy.all(numpy.diff(timesteps) < 0)
    assert steps == 1 or timesteps[-1] == 0


# ---------------------------------------------------------------- from a noisy start (x_t, t)
def noised(schedule, t, n=20_000, seed=1):
    """(x0 drawn from the Gaussian data, x_t = sqrt(ab_t) x0 + sqrt(1 - ab_t) eps) as float64 tensors."""
    rng = numpy.random.default_rng(seed)
    x0 = MEAN + STD * rng.standard_normal((n, 2))
    a, s = numpy.sqrt(schedule.alpha_bar[t]), numpy.sqrt(1 - schedule.alpha_bar[t])
    return x0, minigrad.tensor(a * x0 + s * rng.standard_normal((n, 2)), dtype=F64)


def posterior(schedule, t, x_t):
    """Mean and variance of x0 given x_t for the Gaussian data (per coordinate)."""
    a2, s2 = schedule.alpha_bar[t], 1 - schedule.alpha_bar[t]
    gain = numpy.sqrt(a2) * STD ** 2 / (a2 * STD ** 2 + s2)
    return MEAN + gain * (x_t - numpy.sqrt(a2) * MEAN), STD ** 2 * s2 / (a2 * STD ** 2 + s2)


@pytest.mark.parametrize("prediction", ["eps", "x0", "v"])
def test_one_ddim_step_from_a_noisy_start_is_the_posterior_mean_with_its_mse(prediction):
    schedule, t = NoiseSchedule.named("cosine", 1000), 400
    x0, x_t = noised(schedule, t)
    denoising = Denoising(gaussian_optimal_denoiser(schedule, prediction), schedule, prediction)
    estimate = ddim_sample(denoising, x_t.shape, numpy.random.default_rng(0), 1, dtype=F64, start=(x_t, t)).numpy()
    mean, variance = posterior(schedule, t, x_t.numpy())
    numpy.testing.assert_allclose(estimate, mean, rtol=1e-9, atol=1e-12)
    numpy.testing.assert_allclose(((estimate - x0) ** 2).mean(0), variance, rtol=0.05)  # 20,000 draws: 1% s.e.


def test_ancestral_sampling_from_a_noisy_start_draws_the_posterior_so_doubles_its_mse():
    """Each draw is an independent sample of p(x0 | x_t), so E|draw - x0|^2 = 2 Var(x0 | x_t)."""
    schedule, t = NoiseSchedule.named("cosine", 1000), 300
    x0, x_t = noised(schedule, t, n=5000)
    denoising = Denoising(gaussian_optimal_denoiser(schedule, "eps"), schedule)
    draws = ddpm_sample(denoising, x_t.shape, numpy.random.default_rng(0), dtype=F64, start=(x_t, t)).numpy()
    mean, variance = posterior(schedule, t, x_t.numpy())
    numpy.testing.assert_allclose(((draws - x0) ** 2).mean(0), 2 * variance, rtol=0.08)
    numpy.testing.assert_allclose((draws - mean).std(0), numpy.sqrt(variance), rtol=0.05)


def test_deterministic_ddim_from_a_noisy_start_follows_the_gaussian_flow_map():
    """For Gaussian data, DDIM's ODE maps x_t to MEAN + STD (x_t - a MEAN) / sqrt(a^2 STD^2 + s^2), the
    monotone map of its marginal onto the data's."""
    schedule, t = NoiseSchedule.named("cosine", 1000), 500
    _, x_t = noised(schedule, t, n=200)
    denoising = Denoising(gaussian_optimal_denoiser(schedule, "eps"), schedule)
    mapped = ddim_sample(denoising, x_t.shape, numpy.random.default_rng(0), t + 1, dtype=F64, start=(x_t, t)).numpy()
    a2 = schedule.alpha_bar[t]
    expected = MEAN + STD * (x_t.numpy() - numpy.sqrt(a2) * MEAN) / numpy.sqrt(a2 * STD ** 2 + 1 - a2)
    numpy.testing.assert_allclose(mapped, expected, atol=0.01)


def test_a_noisy_start_uses_no_random_numbers_in_deterministic_ddim_and_counts_steps_from_t():
    schedule = NoiseSchedule.named("cosine", 50)
    denoising = Denoising(gaussian_optimal_denoiser(schedule, "eps"), schedule)
    x_t, rng, seen = minigrad.zeros(3, 2, dtype=F64), numpy.random.default_rng(5), []
    ddim_sample(denoising, (3, 2), rng, 3, dtype=F64, start=(x_t, 20), on_step=lambda step: seen.append(
        (step.index, step.total, step.t)))
    assert seen == [(0, 3, 20), (1, 3, 10), (2, 3, 0)]
    assert rng.standard_normal() == numpy.random.default_rng(5).standard_normal()
    seen.clear()
    ddpm_sample(denoising, (3, 2), rng, dtype=F64, start=(x_t, 4), on_step=lambda step: seen.append(step.t))
    assert seen == [4, 3, 2, 1, 0]


def test_a_bad_start_is_refused_naming_what_was_expected():
    schedule = NoiseSchedule.named("cosine", 50)
    denoising = Denoising(gaussian_optimal_denoiser(schedule, "eps"), schedule)
    rng, x_t = numpy.random.default_rng(0), minigrad.zeros(3, 2, dtype=F64)
    with pytest.raises(ValueError, match=r"sampler start: x_t has shape \(3, 2\), expected \(4, 2\)"):
        ddpm_sample(denoising, (4, 2), rng, dtype=F64, start=(x_t, 10))
    for t in (50, -1, 2.0):
        with pytest.raises(ValueError, match=rf"sampler start: t must be an integer in \[0, 49\], got {t}"):
            ddim_sample(denoising, (3, 2), rng, 1, dtype=F64, start=(x_t, t))
