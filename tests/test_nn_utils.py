"""Gradient-norm clipping, gradient-value clipping and WGAN weight clipping."""
import math

import numpy
import pytest

import minigrad
from minigrad import nn


def params_with_grads(*grads):
    params = []
    for grad in grads:
        param = nn.Parameter(minigrad.zeros(*numpy.shape(grad)))
        param.grad = minigrad.tensor(numpy.asarray(grad, dtype=numpy.float32))
        params.append(param)
    return params


def test_clip_grad_norm_scales_all_gradients_together():
    params = params_with_grads([3.0, 0.0], [[4.0]])  # joint L2 norm 5
    total = nn.clip_grad_norm_(params, max_norm=1.0)
    assert total == pytest.approx(5.0)
    scale = 1.0 / (5.0 + 1e-6)
    numpy.testing.assert_allclose(params[0].grad.numpy(), [3 * scale, 0.0], rtol=1e-6)
    numpy.testing.assert_allclose(params[1].grad.numpy(), [[4 * scale]], rtol=1e-6)


def test_clip_grad_norm_leaves_small_gradients_alone():
    params = params_with_grads([0.3, 0.4])
    assert nn.clip_grad_norm_(params, max_norm=1.0) == pytest.approx(0.5)
    numpy.testing.assert_array_equal(params[0].grad.numpy(), numpy.float32([0.3, 0.4]))


def test_clip_grad_norm_other_norms_and_missing_grads():
    params = params_with_grads([1.0, -3.0], [2.0])
    params.append(nn.Parameter(minigrad.zeros(2)))  # no grad: ignored
    assert nn.clip_grad_norm_(params, 10.0, norm_type=1) == pytest.approx(6.0)
    assert nn.clip_grad_norm_(params, 10.0, norm_type=math.inf) == pytest.approx(3.0)
    nn.clip_grad_norm_(params, 1.5, norm_type=math.inf)
    assert float(numpy.abs(params[0].grad.numpy()).max()) == pytest.approx(1.5, rel=1e-5)


def test_clip_grad_norm_nonfinite_error_on_request():
    params = params_with_grads([numpy.inf, 1.0])
    with pytest.raises(RuntimeError, match="inf"):
        nn.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)


def test_clip_grad_value_clamps_elements():
    params = params_with_grads([-3.0, 0.5, 2.0])
    nn.clip_grad_value_(params, 1.0)
    numpy.testing.assert_array_equal(params[0].grad.numpy(), [-1.0, 0.5, 1.0])
    with pytest.raises(ValueError, match="non-negative"):
        nn.clip_grad_value_(params, -1.0)


def test_clip_weights_clamps_parameters_in_place_without_graph():
    layer = nn.Linear(10, 10)
    weight = layer.weight
    nn.clip_weights_(layer.parameters(), 0.01)
    assert layer.weight is weight and weight.requires_grad and weight.is_leaf
    assert float(numpy.abs(weight.numpy()).max()) == pytest.approx(0.01)
    assert float(numpy.abs(layer.bias.numpy()).max()) <= 0.01
    with pytest.raises(ValueError, match="positive"):
        nn.clip_weights_(layer.parameters(), 0.0)
