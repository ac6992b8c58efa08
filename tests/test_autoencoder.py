"""The autoencoder family's networks, model and held-out figures: gradient checks (float64, first
and second order) of every network and of the ELBO with fixed noise, the IWAE bound's properties,
training that lowers the loss, exact resume, sampling, and the evaluation functions."""
import math
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from gans.autoencoder.autoencoder import Autoencoder, CodeStatistics
from gans.autoencoder.config import PRESETS, AutoencoderConfig
from gans.autoencoder.corruption import corrupt
from gans.autoencoder.evaluation import denoising_quality, importance_weighted_nll, held_out_negative_elbo
from gans.autoencoder.model import AutoencoderModel
from gans.data import describe
from gans.autoencoder import FAMILY
from gans.run import RunConfig, resolve
from gans.autoencoder.networks import Decoder, Encoder, Unflatten
from gans.metrics.likelihood import importance_weighted_bound
from minigrad.testing import gradcheck, gradgradcheck

F64 = minigrad.float64
TINY = dict(hidden=5, width=1, latent_dim=2)
configs = st.fixed_dictionaries({
    "architecture": st.sampled_from(["mlp", "conv"]),
    "conditional": st.booleans(),
    "likelihood": st.sampled_from(["bernoulli", "gaussian"]),
    "learn_std": st.booleans(),
})


def pixels64(seed, n):
    return minigrad.tensor(np.random.default_rng(seed).uniform(0.05, 0.95, (n, 1, 28, 28)), dtype=F64)


def labels_for(n):
    return minigrad.tensor(np.arange(n) % 10)


def tiny_autoencoder(**settings_):
    return Autoencoder(AutoencoderConfig(**{**TINY, **settings_})).double()


def preset_config(name, **overrides):
    return resolve(FAMILY, name, describe("mnist"), overrides).model


def make_model(config, seed=0, training=True, log_every=1):
    """The family's model on MNIST's description (no file is read); `training` gives it an optimizer."""
    return AutoencoderModel(config, RunConfig(log_every=log_every), describe("mnist"), np.random.default_rng(seed),
                            source=object() if training else None)


def fixed_seed_digits(n=32, seed=0):
    """Synthetic 'digits' in [-1, 1]: four blurred strokes repeated, so an autoencoder can learn them."""
    rng = np.random.default_rng(seed)
    prototypes = np.full((4, 1, 28, 28), -1.0, np.float32)
    for index, prototype in enumerate(prototypes):
        prototype[0, 4 + 5 * index: 8 + 5 * index, 4:24] = 1.0
        prototype[0, 4:24, 4 + 5 * index: 8 + 5 * index] = 0.5
    chosen = rng.integers(0, 4, n)
    return prototypes[chosen], chosen.astype(np.int64)


# ---------------------------------------------------------------- networks


@settings(max_examples=10)
@given(architecture=st.sampled_from(["mlp", "conv"]), conditional=st.booleans(), n=st.integers(1, 3),
       out=st.integers(1, 4), seed=st.integers(0, 100))
def test_encoder_gradients(architecture, conditional, n, out, seed):
    encoder = Encoder(architecture, out, hidden=3, width=1, num_classes=10 if conditional else None).double()
    labels = labels_for(n) if conditional else None
    images = pixels64(seed, n).requires_grad_()
    forward = lambda x, *parameters: encoder(x, labels)  # noqa: E731
    assert encoder(images, labels).shape == (n, out)
    assert gradcheck(forward, (images, *encoder.parameters()))
    assert gradgradcheck(forward, (images, *encoder.parameters()))


@settings(max_examples=10)
@given(architecture=st.sampled_from(["mlp", "conv"]), conditional=st.booleans(), learn_scale=st.booleans(),
       n=st.integers(1, 3), latent=st.integers(1, 3), seed=st.integers(0, 100))
def test_decoder_gradients(architecture, conditional, learn_scale, n, latent, seed):
    decoder = Decoder(architecture, latent, hidden=3, width=1, num_classes=10 if conditional else None,
                      learn_scale=learn_scale).double()
    labels = labels_for(n) if conditional else None
    codes = minigrad.tensor(np.random.default_rng(seed).normal(size=(n, latent)), dtype=F64, requires_grad=True)
    forward = lambda z, *parameters: decoder(z, labels)  # noqa: E731
    trainable = [p for p in decoder.parameters() if p is not decoder.log_scale]
    assert decoder(codes, labels).shape == (n, 1, 28, 28)
    assert gradcheck(forward, (codes, *trainable))
    assert gradgradcheck(forward, (codes, *trainable))


@given(n=st.integers(1, 3), shape=st.lists(st.integers(1, 3), min_size=1, max_size=3))
def test_unflatten_gradients(n, shape):
    x = minigrad.randn(n, math.prod(shape), dtype=F64, requires_grad=True)
    layer = Unflatten(shape)
    assert layer(x).shape == (n, *shape)
    assert gradcheck(layer, (x,)) and gradgradcheck(layer, (x,))


def test_conditional_networks_refuse_missing_labels_and_unknown_architectures():
    with pytest.raises(ValueError, match="num_classes=10.*needs labels"):
        Encoder("mlp", 4, num_classes=10)(minigrad.rand(2, 1, 28, 28))
    with pytest.raises(ValueError, match="architecture must be one of.*'resnet'"):
        Decoder("resnet")


# ---------------------------------------------------------------- the ELBO with fixed noise


@settings(max_examples=12)
@given(config=configs, n=st.integers(1, 3), seed=st.integers(0, 100))
def held_out_negative_elbo_gradients_with_fixed_noise(config, n, seed):
    autoencoder = tiny_autoencoder(**config)
    pixels = pixels64(seed, n).requires_grad_()
    labels = labels_for(n) if config["conditional"] else None
    noise = minigrad.tensor(np.random.default_rng(seed + 1).normal(size=(n, 2)), dtype=F64)

    def loss(x, *parameters):
        return autoencoder.negative_elbo(x, labels, noise, kl_weight=0.7)["loss"]

    inputs = (pixels, *autoencoder.parameters())
    assert gradcheck(loss, inputs)
    assert gradgradcheck(loss, inputs)


@settings(max_examples=6)
@given(config=configs, seed=st.integers(0, 100))
def test_iwae_log_weight_gradients_with_fixed_noise(config, seed):
    autoencoder = tiny_autoencoder(**config)
    labels = labels_for(2) if config["conditional"] else None
    noise = minigrad.tensor(np.random.default_rng(seed).normal(size=(2, 3, 2)), dtype=F64)
    weights = lambda x, *parameters: autoencoder.log_weights(x, labels, noise)  # noqa: E731
    inputs = (pixels64(seed, 2).requires_grad_(), *autoencoder.parameters())
    assert gradcheck(weights, inputs)
    assert gradgradcheck(weights, inputs)


def held_out_negative_elbo_is_reconstruction_plus_weighted_kl():
    autoencoder = tiny_autoencoder()
    pixels, noise = pixels64(0, 3), minigrad.randn(3, 2, dtype=F64)
    terms = autoencoder.negative_elbo(pixels, None, noise, kl_weight=0.25)
    np.testing.assert_allclose(terms["loss"].numpy(), terms["reconstruction"].numpy() + 0.25 * terms["kl"].numpy())


def test_mean_log_weight_is_the_elbo_with_the_analytic_kl():
    """With the same noise, log w - log p(x|z) = log p(z) - log q(z|x), whose mean over q is -KL."""
    autoencoder = tiny_autoencoder(hidden=8)
    last = list(autoencoder.encoder.head.children())[-1]
    last.bias.data[...] = [0.7, -0.4, -1.5, -1.0]  # a posterior far from N(0, I): mean, then log-variance
    n = 20000
    pixels = pixels64(1, 1)
    noise = minigrad.tensor(np.random.default_rng(2).normal(size=(1, n, 2)), dtype=F64)
    log_weights = autoencoder.log_weights(pixels, None, noise).numpy()[0]
    terms = autoencoder.negative_elbo(pixels.expand(n, 1, 28, 28), None, noise.reshape(n, 2))
    prior_minus_posterior = log_weights + terms["reconstruction"].numpy()
    standard_error = prior_minus_posterior.std() / math.sqrt(n)
    assert prior_minus_posterior.mean() == pytest.approx(-terms["kl"].numpy()[0], abs=5 * standard_error)


# ---------------------------------------------------------------- the IWAE bound


@given(log_weights=st.lists(st.floats(-50, 50), min_size=1, max_size=8))
def test_iwae_bound_lies_between_mean_and_max_of_the_log_weights(log_weights):
    bound = importance_weighted_bound(np.array([log_weights]))[0]
    assert np.mean(log_weights) - 1e-9 <= bound <= max(log_weights) + 1e-9


@given(log_weights=st.lists(st.floats(-20, 20), min_size=2, max_size=7))
def test_iwae_bound_averaged_over_subsets_never_falls_with_k(log_weights):
    """Burda et al.'s theorem 1 on one set of samples: the mean of L_k over all size-k subsets is
    non-decreasing in k (at k = 1 it is the mean log-weight, the ELBO estimate)."""
    from itertools import combinations
    weights = np.array(log_weights)
    averages = [importance_weighted_bound(np.array([weights[list(subset)]
                                                     for subset in combinations(range(len(weights)), k)])).mean()
                for k in range(1, len(weights) + 1)]
    assert all(later >= earlier - 1e-9 for earlier, later in zip(averages, averages[1:]))


def test_iwae_estimate_tightens_with_k_on_a_model_and_stays_above_the_nll_bound_order():
    images, labels = fixed_seed_digits(40)
    model = trained_model(AutoencoderConfig(**TINY), images, labels, steps=30)
    rng = np.random.default_rng(0)
    elbo = held_out_negative_elbo(model.autoencoder, images, labels, rng)["negative_elbo"]
    nll = [importance_weighted_nll(model.autoencoder, images, labels, np.random.default_rng(1), k) for k in (1, 10, 100)]
    assert nll[0] == pytest.approx(elbo, rel=0.05)  # k = 1 is the ELBO (another noise draw)
    assert nll[0] > nll[1] > nll[2]


# ---------------------------------------------------------------- the model


def trained_model(config, images, labels, steps, seed=0, batch=8):
    minigrad.manual_seed(seed)
    model = make_model(config, seed)
    for step in range(steps):
        model.train_step(batch_at(images, labels, step, batch), step)
    return model


def batch_at(images, labels, step, batch):
    chosen = np.arange(step * batch, (step + 1) * batch) % len(images)
    return minigrad.tensor(images[chosen]), minigrad.tensor(labels[chosen])


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_trains_its_loss_down(preset):
    config = preset_config(preset, hidden=32, width=4, lr=1e-2)
    images, labels = fixed_seed_digits(32)
    model = make_model(config)
    losses = [model.train_step(batch_at(images, labels, step, 16), step)["loss"] for step in range(40)]
    assert np.isfinite(losses).all()
    first, last = np.mean(losses[:5]), np.mean(losses[-5:])
    assert last < first - 0.3 * abs(first)  # (a gaussian likelihood's loss may fall below 0)


def test_resume_from_state_dict_is_exact():
    config = AutoencoderConfig(**TINY, kl_warmup_steps=3)
    images, labels = fixed_seed_digits(16)
    uninterrupted = trained_model(config, images, labels, steps=6)
    first = trained_model(config, images, labels, steps=3)
    resumed = make_model(config)
    resumed.autoencoder.load_state_dict(first.autoencoder.state_dict())
    resumed.load_state_dict(first.state_dict())
    resumed.rng.bit_generator.state = first.rng.bit_generator.state
    for step in range(3, 6):
        resumed.train_step(batch_at(images, labels, step, 8), step)
    for name, value in uninterrupted.autoencoder.state_dict().items():
        np.testing.assert_array_equal(resumed.autoencoder.state_dict()[name].numpy(), value.numpy(), err_msg=name)


def test_samples_are_images_in_the_project_range_and_follow_the_asked_labels():
    model = make_model(AutoencoderConfig(**TINY, conditional=True), training=False)
    assert model.classes == 10 and model.optimizer is None
    samples = model.sample(5, labels=[3, 3, 3, 3, 3], rng=np.random.default_rng(1))
    assert samples.shape == (5, 1, 28, 28) and samples.dtype == np.float32
    assert samples.min() >= -1 and samples.max() <= 1
    z = model.autoencoder.prior_codes(5, np.random.default_rng(1))
    expected = model.autoencoder.pixel_means(minigrad.tensor(z), minigrad.tensor([3] * 5)).numpy() * 2 - 1
    np.testing.assert_allclose(samples, expected, atol=1e-6)


def test_warmup_starts_with_no_kl_in_the_loss():
    images, labels = fixed_seed_digits(8)
    model = make_model(AutoencoderConfig(**TINY, kl_warmup_steps=10))
    terms = model.train_step(batch_at(images, labels, 0, 8), 0)
    assert terms["loss"] == pytest.approx(terms["reconstruction"])
    assert terms["kl"] > 0


def test_code_statistics_follow_the_codes_and_sample_their_gaussian():
    rng = np.random.default_rng(0)
    mixing = np.array([[1.0, 0.0], [0.8, 0.3]])
    codes = rng.standard_normal((4000, 2)) @ mixing.T + np.array([2.0, -1.0])
    statistics = CodeStatistics(2, momentum=0.05)
    for batch in np.split(codes.astype(np.float32), 40):
        for _ in range(5):
            statistics.update(minigrad.tensor(batch))
    np.testing.assert_allclose(statistics.mean.numpy(), [2.0, -1.0], atol=0.1)
    np.testing.assert_allclose(statistics.covariance.numpy(), mixing @ mixing.T, atol=0.15)
    draws = statistics.sample(20000, np.random.default_rng(1))
    np.testing.assert_allclose(np.cov(draws, rowvar=False), statistics.covariance.numpy(), atol=0.05)


# ---------------------------------------------------------------- corruption and evaluation


def test_gaussian_corruption_adds_noise_of_the_asked_std_and_masking_zeroes_the_asked_share():
    pixels = minigrad.full((200, 1, 28, 28), 0.5)
    noisy = corrupt(pixels, "gaussian", np.random.default_rng(0), noise_std=0.3).numpy()
    assert noisy.mean() == pytest.approx(0.5, abs=0.01) and noisy.std() == pytest.approx(0.3, rel=0.01)
    masked = corrupt(pixels, "mask", np.random.default_rng(0), mask_fraction=0.25).numpy()
    assert (masked == 0).mean() == pytest.approx(0.25, abs=0.01) and set(np.unique(masked)) == {0.0, 0.5}
    assert corrupt(pixels, "none", None) is pixels
    with pytest.raises(ValueError, match="'blur'"):
        corrupt(pixels, "blur", np.random.default_rng(0))


def test_denoising_quality_reports_the_noisy_psnr_of_each_std_and_a_trained_dae_beats_it():
    images, labels = fixed_seed_digits(48)
    config = preset_config("dae", hidden=64)
    model = trained_model(config, images, labels, steps=150, batch=16)
    rows = denoising_quality(model.autoencoder, images[:16], labels[:16], np.random.default_rng(0))
    for row in rows:
        assert row["psnr_noisy"] == pytest.approx(-20 * math.log10(row["noise_std"]), abs=0.3)
    assert rows[2]["psnr_denoised"] > rows[2]["psnr_noisy"] + 3
    assert rows[2]["ssim_denoised"] > rows[2]["ssim_noisy"]


def test_unlogged_steps_return_nothing_and_logged_ones_the_batch_means():
    images, labels = fixed_seed_digits(8)
    model = make_model(AutoencoderConfig(**TINY), log_every=2)
    assert model.train_step(batch_at(images, labels, 0, 8), 0).keys() == {"loss", "reconstruction", "kl"}
    assert model.train_step(batch_at(images, labels, 0, 8), 2) == {}


def test_config_refuses_settings_that_do_not_go_together():
    with pytest.raises(ValueError, match="--corruption gaussian needs --no-variational"):
        AutoencoderConfig(corruption="gaussian")
    with pytest.raises(ValueError, match="--conditional needs --variational"):
        AutoencoderConfig(conditional=True, variational=False)
