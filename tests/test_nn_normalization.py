"""BatchNorm, GroupNorm, LayerNorm against NumPy formulas; running statistics; modes."""
import numpy
import pytest

import minigrad
from minigrad import nn
import minigrad.functional as F


def as64(tensor):
    return tensor.numpy().astype(numpy.float64)


def normalize(x, axes, eps):
    mean = x.mean(axis=axes, keepdims=True)
    return (x - mean) / numpy.sqrt(x.var(axis=axes, keepdims=True) + eps)


def randomize_affine(layer):
    layer.weight.data[...] = numpy.random.default_rng(1).uniform(0.5, 1.5, layer.weight.shape)
    layer.bias.data[...] = numpy.random.default_rng(2).normal(size=layer.bias.shape)


def test_batchnorm2d_training_normalizes_with_batch_statistics_and_updates_running_ones():
    layer = nn.BatchNorm2d(3, momentum=0.2, eps=1e-3)
    randomize_affine(layer)
    x = minigrad.randn(4, 3, 5, 2) * 3 + 1
    data = as64(x)
    expected = normalize(data, (0, 2, 3), 1e-3) * as64(layer.weight)[:, None, None] + as64(layer.bias)[:, None, None]
    numpy.testing.assert_allclose(as64(layer(x)), expected, rtol=1e-4, atol=1e-5)
    count = 4 * 5 * 2
    numpy.testing.assert_allclose(as64(layer.running_mean), 0.2 * data.mean(axis=(0, 2, 3)), rtol=1e-5)
    unbiased = data.var(axis=(0, 2, 3)) * count / (count - 1)
    numpy.testing.assert_allclose(as64(layer.running_var), 0.8 + 0.2 * unbiased, rtol=1e-5)
    assert layer.num_batches_tracked.item() == 1


def test_batchnorm_eval_uses_running_statistics():
    layer = nn.BatchNorm1d(3)
    randomize_affine(layer)
    layer.running_mean.data[...] = [1.0, -2.0, 0.5]
    layer.running_var.data[...] = [4.0, 0.25, 1.0]
    layer.eval()
    x = minigrad.randn(2, 3)
    expected = (as64(x) - [1.0, -2.0, 0.5]) / numpy.sqrt(numpy.array([4.0, 0.25, 1.0]) + 1e-5)
    expected = expected * as64(layer.weight) + as64(layer.bias)
    numpy.testing.assert_allclose(as64(layer(x)), expected, rtol=1e-5, atol=1e-6)
    assert layer.num_batches_tracked.item() == 0
    numpy.testing.assert_array_equal(layer.running_mean.numpy(), [1.0, -2.0, 0.5])


def test_batchnorm_momentum_none_is_cumulative_average():
    layer = nn.BatchNorm1d(2, momentum=None)
    batches = [minigrad.randn(5, 2) + shift for shift in (0.0, 4.0, -1.0)]
    for batch in batches:
        layer(batch)
    expected = numpy.mean([as64(b).mean(axis=0) for b in batches], axis=0)
    numpy.testing.assert_allclose(as64(layer.running_mean), expected, rtol=1e-5, atol=1e-6)
    assert layer.num_batches_tracked.item() == 3


def test_batchnorm1d_on_sequences_reduces_over_batch_and_length():
    layer = nn.BatchNorm1d(2, affine=False)
    x = minigrad.randn(3, 2, 7)
    numpy.testing.assert_allclose(as64(layer(x)), normalize(as64(x), (0, 2), 1e-5), rtol=1e-4, atol=1e-5)
    assert layer.weight is None and list(layer.state_dict()) == ["running_mean", "running_var",
                                                                 "num_batches_tracked"]


def test_batchnorm_without_running_stats_uses_batch_statistics_in_eval():
    layer = nn.BatchNorm2d(2, track_running_stats=False, affine=False).eval()
    x = minigrad.randn(3, 2, 2, 2)
    numpy.testing.assert_allclose(as64(layer(x)), normalize(as64(x), (0, 2, 3), 1e-5), rtol=1e-4, atol=1e-5)
    assert layer.running_mean is None and list(layer.state_dict()) == []


def test_batchnorm_reset_running_stats():
    layer = nn.BatchNorm1d(2)
    layer(minigrad.randn(4, 2) + 3)
    layer.reset_running_stats()
    assert (layer.running_mean.numpy() == 0).all() and (layer.running_var.numpy() == 1).all()
    assert layer.num_batches_tracked.item() == 0


def test_batchnorm_rejects_wrong_rank_channels_and_single_values():
    with pytest.raises(ValueError, match="expected a"):
        nn.BatchNorm2d(3)(minigrad.zeros(2, 3))
    with pytest.raises(ValueError, match="3 channels"):
        nn.BatchNorm1d(3)(minigrad.zeros(2, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(minigrad.zeros(1, 3))


def test_groupnorm_normalizes_channel_groups_per_sample():
    layer = nn.GroupNorm(2, 4)
    randomize_affine(layer)
    x = minigrad.randn(3, 4, 2, 5) * 2
    grouped = as64(x).reshape(3, 2, -1)
    expected = normalize(grouped, (2,), 1e-5).reshape(x.shape)
    expected = expected * as64(layer.weight)[:, None, None] + as64(layer.bias)[:, None, None]
    numpy.testing.assert_allclose(as64(layer(x)), expected, rtol=1e-4, atol=1e-5)


def test_groupnorm_with_one_group_is_layernorm_over_channels_and_pixels():
    x = minigrad.randn(2, 3, 4, 4)
    group = nn.GroupNorm(1, 3, affine=False)(x)
    layer = nn.LayerNorm((3, 4, 4), elementwise_affine=False)(x)
    numpy.testing.assert_allclose(group.numpy(), layer.numpy(), rtol=1e-5, atol=1e-6)


def test_layernorm_normalizes_trailing_dims():
    layer = nn.LayerNorm(6)
    randomize_affine(layer)
    x = minigrad.randn(2, 3, 6) + 5
    expected = normalize(as64(x), (2,), 1e-5) * as64(layer.weight) + as64(layer.bias)
    numpy.testing.assert_allclose(as64(layer(x)), expected, rtol=1e-4, atol=1e-5)


def test_norm_layers_reject_mismatched_shapes():
    with pytest.raises(ValueError, match="must divide"):
        nn.GroupNorm(3, 4)
    with pytest.raises(ValueError, match="does not end in normalized_shape"):
        nn.LayerNorm((2, 3))(minigrad.zeros(4, 3, 2))


def test_normalization_has_no_float64_upcast():
    for layer, shape in ((nn.BatchNorm2d(2), (2, 2, 3, 3)), (nn.GroupNorm(1, 2), (2, 2, 3)),
                         (nn.LayerNorm(3), (2, 3))):
        assert layer(minigrad.randn(*shape)).dtype == numpy.float32
        assert layer.eval()(minigrad.randn(*shape)).dtype == numpy.float32


@pytest.mark.parametrize("norm", ["group_norm", "batch_norm"])
def test_a_weight_that_does_not_match_the_channels_is_named(norm):
    x, weight = minigrad.randn(2, 6, 3, 3), minigrad.ones(4)
    call = {"group_norm": lambda: F.group_norm(x, 2, weight),
            "batch_norm": lambda: F.batch_norm(x, weight=weight, training=True)}[norm]
    with pytest.raises(ValueError, match=rf"{norm}: weight of shape \(4,\) does not match the 6 channels"):
        call()
