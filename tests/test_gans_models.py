"""gans.adversarial.networks: MLP and DCGAN generators/discriminators, conditioning, PacGAN packing, spectral norm."""
import numpy
import pytest

import minigrad
from gans.adversarial.networks import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator
from gans.adversarial.init import dcgan_init
from gans.adversarial.networks.conditioning import one_hot, pack
from minigrad import nn

IMAGE_FORMATS = [(size, channels) for size in (28, 32) for channels in (1, 3)]


def images(n, channels, size, seed=0):
    return minigrad.tensor(numpy.random.default_rng(seed).uniform(-1, 1, (n, channels, size, size)).astype("float32"))


def latents(n, dim, seed=0):
    return minigrad.tensor(numpy.random.default_rng(seed).standard_normal((n, dim)).astype("float32"))


def batch_norm_layers(module):
    return [m for m in module.modules() if isinstance(m, nn.BatchNorm2d)]


def test_mlp_networks_work_in_units_of_the_data_scale():
    scale, z, points = 4.0, latents(6, 2), latents(6, 2, seed=1)
    unit_g, scaled_g = MLPGenerator(2, 2, 16, 2), MLPGenerator(2, 2, 16, 2, data_scale=scale)
    unit_d, scaled_d = MLPDiscriminator(2, 16, 2), MLPDiscriminator(2, 16, 2, data_scale=scale)
    scaled_g.load_state_dict(unit_g.state_dict())
    scaled_d.load_state_dict(unit_d.state_dict())
    numpy.testing.assert_allclose(scaled_g(z).numpy(), scale * unit_g(z).numpy(), rtol=1e-6)
    numpy.testing.assert_allclose(scaled_d(points * scale).numpy(), unit_d(points).numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("size, channels", IMAGE_FORMATS)
def test_dcgan_generator_makes_images_of_the_asked_format_in_tanh_range(size, channels):
    generator = DCGANGenerator(latent_dim=6, channels=channels, image_size=size, width=4)
    out = generator(latents(3, 6)).numpy()
    assert out.shape == (3, channels, size, size)
    assert numpy.all(numpy.abs(out) <= 1)


@pytest.mark.parametrize("size, channels", IMAGE_FORMATS)
def test_dcgan_discriminator_gives_one_score_per_image(size, channels):
    discriminator = DCGANDiscriminator(channels=channels, image_size=size, width=4)
    assert discriminator(images(5, channels, size)).shape == (5,)


@pytest.mark.parametrize("model", [DCGANGenerator, DCGANDiscriminator])
def test_dcgan_rejects_other_image_sizes(model):
    with pytest.raises(ValueError, match="image_size must be one of.*28.*32.*got 64"):
        model(image_size=64, width=2)


def test_dcgan_generator_uses_transposed_convolutions_batch_norm_and_relu():
    generator = DCGANGenerator(latent_dim=4, image_size=32, width=4)
    kinds = {type(m) for m in generator.modules()}
    assert {nn.ConvTranspose2d, nn.BatchNorm2d, nn.ReLU, nn.Tanh} <= kinds
    assert nn.Conv2d not in kinds


def test_batch_norm_in_the_discriminator_is_optional_for_a_wgan_gp_critic():
    assert batch_norm_layers(DCGANDiscriminator(width=4, batch_norm=True))
    critic = DCGANDiscriminator(width=4, batch_norm=False)
    assert not batch_norm_layers(critic)
    assert any(isinstance(m, nn.LeakyReLU) and m.negative_slope == 0.2 for m in critic.modules())


def test_a_critic_without_batch_norm_scores_each_sample_independently_of_the_batch():
    critic = DCGANDiscriminator(width=4, batch_norm=False)
    batch = images(6, 1, 28)
    numpy.testing.assert_allclose(critic(batch).numpy()[:2], critic(batch[:2]).numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("model", ["dcgan", "mlp"])
def test_spectral_norm_bounds_the_largest_singular_value_of_every_layer_by_one(model):
    minigrad.manual_seed(1)
    if model == "dcgan":
        discriminator, batch = DCGANDiscriminator(width=4, batch_norm=False, spectral_norm=True), images(4, 1, 28)
        layer_type = nn.Conv2d
    else:
        discriminator, batch = MLPDiscriminator(hidden=16, depth=2, spectral_norm=True), latents(4, 2)
        layer_type = nn.Linear
    layers = [m for m in discriminator.modules() if isinstance(m, layer_type)]
    assert layers and all("weight_orig" in dict(m.named_parameters()) for m in layers)
    for _ in range(30):  # each training-mode forward refines the power iteration
        discriminator(batch)
    for layer in layers:
        weight = layer.weight.numpy()
        sigma = numpy.linalg.svd(weight.reshape(weight.shape[0], -1), compute_uv=False)[0]
        assert sigma == pytest.approx(1.0, abs=0.02)


def test_without_spectral_norm_layers_keep_their_plain_weights():
    discriminator = DCGANDiscriminator(width=4)
    assert not any(name.endswith("weight_orig") for name, _ in discriminator.named_parameters())


def test_conditional_generators_follow_the_label():
    for generator in (DCGANGenerator(latent_dim=5, width=4, num_classes=10), MLPGenerator(5, 2, 16, 2, num_classes=10)):
        generator.eval()
        z = latents(4, 5)
        as_threes = generator(z, minigrad.tensor([3, 3, 3, 3])).numpy()
        as_sevens = generator(z, minigrad.tensor([7, 7, 7, 7])).numpy()
        assert as_threes.shape == as_sevens.shape
        assert not numpy.allclose(as_threes, as_sevens)


def test_conditional_discriminators_follow_the_label():
    cases = [(DCGANDiscriminator(width=4, batch_norm=False, num_classes=10), images(4, 1, 28)),
             (MLPDiscriminator(2, 16, 2, num_classes=10), latents(4, 2))]
    for discriminator, batch in cases:
        zeros = discriminator(batch, minigrad.tensor([0, 0, 0, 0])).numpy()
        nines = discriminator(batch, minigrad.tensor([9, 9, 9, 9])).numpy()
        assert zeros.shape == (4,)
        assert not numpy.allclose(zeros, nines)


def test_one_hot_rows():
    like = minigrad.zeros(1, dtype=minigrad.float64)
    numpy.testing.assert_array_equal(one_hot(minigrad.tensor([2, 0]), 3, like).numpy(), [[0, 0, 1], [1, 0, 0]])


def test_pack_concatenates_consecutive_samples_along_channels():
    samples = numpy.arange(6 * 2 * 3 * 3, dtype=numpy.float32).reshape(6, 2, 3, 3)
    packed = pack(minigrad.tensor(samples), 3).numpy()
    assert packed.shape == (2, 6, 3, 3)
    numpy.testing.assert_array_equal(packed[1], numpy.concatenate(samples[3:6], axis=0))
    numpy.testing.assert_array_equal(pack(minigrad.tensor(samples), 1).numpy(), samples)


@pytest.mark.parametrize("discriminator, make_batch", [
    (lambda: DCGANDiscriminator(width=4, pack_size=2), lambda n: images(n, 1, 28)),
    (lambda: MLPDiscriminator(2, 16, 2, pack_size=2), lambda n: latents(n, 2)),
])
def test_packed_discriminator_scores_each_pack_and_rejects_a_ragged_batch(discriminator, make_batch):
    model = discriminator()
    assert model(make_batch(8)).shape == (4,)
    with pytest.raises(ValueError, match="batch of 7 samples does not split into packs of 2"):
        model(make_batch(7))


def test_mlp_shapes():
    generator, discriminator = MLPGenerator(latent_dim=3, data_dim=2, hidden=16), MLPDiscriminator(2, 16)
    points = generator(latents(7, 3))
    assert points.shape == (7, 2)
    assert discriminator(points).shape == (7,)


def test_dcgan_init_weights_and_batchnorm():
    model = nn.Sequential(nn.ConvTranspose2d(100, 64, 4), nn.BatchNorm2d(64), nn.Conv2d(64, 64, 4),
                          nn.Linear(64, 200))
    model.apply(dcgan_init)
    for layer in (model[0], model[2], model[3]):
        weight = layer.weight.numpy()
        assert abs(weight.mean()) < 0.002 and weight.std() == pytest.approx(0.02, rel=0.05)
        assert not layer.bias.numpy().any()
    norm = model[1]
    assert norm.weight.numpy().mean() == pytest.approx(1.0, abs=0.01)
    assert norm.weight.numpy().std() == pytest.approx(0.02, rel=0.3)
    assert not norm.bias.numpy().any()


def test_dcgan_init_reaches_spectrally_normalised_weight():
    layer = nn.spectral_norm(nn.Conv2d(64, 128, 4))
    layer.apply(dcgan_init)
    assert layer.weight_orig.numpy().std() == pytest.approx(0.02, rel=0.05)
