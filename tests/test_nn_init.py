"""Initialisers: ranges and moments from their formulas, PyTorch's layer defaults, seeding."""
import math

import numpy
import pytest

import minigrad
from minigrad import nn
from minigrad.nn import init


def test_uniform_and_normal_moments():
    uniform = init.uniform_(minigrad.zeros(200_000), -2.0, 4.0).numpy()
    assert uniform.min() >= -2.0 and uniform.max() < 4.0
    assert uniform.mean() == pytest.approx(1.0, abs=0.02)
    assert uniform.var() == pytest.approx(36 / 12, rel=0.02)
    normal = init.normal_(minigrad.zeros(200_000), 3.0, 0.5).numpy()
    assert normal.mean() == pytest.approx(3.0, abs=0.01)
    assert normal.std() == pytest.approx(0.5, rel=0.01)


def test_constant_fills():
    assert (init.zeros_(minigrad.ones(3)).numpy() == 0).all()
    assert (init.ones_(minigrad.zeros(3)).numpy() == 1).all()
    assert (init.constant_(minigrad.zeros(3), 2.5).numpy() == 2.5).all()


def test_fans_of_linear_and_conv_weights():
    assert init.fan_in_and_fan_out(minigrad.zeros(5, 3)) == (3, 5)
    assert init.fan_in_and_fan_out(minigrad.zeros(8, 4, 3, 3)) == (36, 72)
    with pytest.raises(ValueError, match="at least 2 dims"):
        init.fan_in_and_fan_out(minigrad.zeros(3))


def test_gains():
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    with pytest.raises(ValueError, match="unknown nonlinearity"):
        init.calculate_gain("swishy")


def _spread(tensor):
    data = tensor.numpy()
    return data.min(), data.max(), data.std()


def test_xavier_uniform_bound():
    weight = init.xavier_uniform_(minigrad.zeros(300, 200), gain=2.0)
    bound = 2.0 * math.sqrt(6 / 500)
    low, high, std = _spread(weight)
    assert -bound <= low and high <= bound
    assert std == pytest.approx(bound / math.sqrt(3), rel=0.02)


def test_kaiming_uniform_and_normal_scales():
    bound = math.sqrt(2) * math.sqrt(3 / 400)
    low, high, std = _spread(init.kaiming_uniform_(minigrad.zeros(100, 400), nonlinearity="relu"))
    assert -bound <= low and high <= bound and std == pytest.approx(bound / math.sqrt(3), rel=0.02)
    _, _, std = _spread(init.kaiming_normal_(minigrad.zeros(400, 100), mode="fan_out", nonlinearity="relu"))
    assert std == pytest.approx(math.sqrt(2 / 400), rel=0.02)


@pytest.mark.parametrize("make_layer, fan_in", [
    (lambda: nn.Linear(50, 300), 50),
    (lambda: nn.Conv2d(6, 300, 3), 54),
    (lambda: nn.ConvTranspose2d(8, 300, 3), 2700),  # PyTorch reads fan_in from dim 1: 300 * 3 * 3
])
def test_default_layer_init_is_pytorchs(make_layer, fan_in):
    """kaiming_uniform_(a=sqrt(5)) gives U(+-1/sqrt(fan_in)) for the weight; the bias uses the same bound."""
    layer = make_layer()
    bound = 1 / math.sqrt(fan_in)
    for tensor in (layer.weight, layer.bias):
        low, high, std = _spread(tensor)
        assert -bound <= low and high <= bound
        assert high > 0.9 * bound and low < -0.9 * bound
    assert _spread(layer.weight)[2] == pytest.approx(bound / math.sqrt(3), rel=0.05)


def test_manual_seed_makes_initialisation_reproducible():
    minigrad.manual_seed(123)
    first = nn.Linear(4, 4).weight.numpy()
    minigrad.manual_seed(123)
    again = nn.Linear(4, 4).weight.numpy()
    other = nn.Linear(4, 4).weight.numpy()
    numpy.testing.assert_array_equal(first, again)
    assert not numpy.array_equal(first, other)


def test_random_init_refuses_integer_tensors():
    with pytest.raises(TypeError, match="floating"):
        init.normal_(minigrad.zeros(3, dtype=minigrad.int64))
