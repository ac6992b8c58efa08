"""Spectral normalisation: power iteration, sigma, modes, state dict, removal."""
import numpy
import pytest

import minigrad
from minigrad import nn
from minigrad.optim import SGD


def unit(vector):
    return vector / numpy.linalg.norm(vector)


def test_one_training_forward_is_one_power_iteration_then_division_by_sigma():
    layer = nn.spectral_norm(nn.Linear(4, 3, dtype=minigrad.float64))
    weight = layer.weight_orig.numpy()
    u0 = layer.weight_u.numpy()
    v1 = unit(weight.T @ u0)
    u1 = unit(weight @ v1)
    sigma = u1 @ weight @ v1
    layer(minigrad.randn(2, 4, dtype=minigrad.float64))
    numpy.testing.assert_allclose(layer.weight_v.numpy(), v1, rtol=1e-12)
    numpy.testing.assert_allclose(layer.weight_u.numpy(), u1, rtol=1e-12)
    numpy.testing.assert_allclose(layer.weight.numpy(), weight / sigma, rtol=1e-12)


def test_repeated_training_forwards_converge_to_unit_spectral_norm():
    layer = nn.spectral_norm(nn.Conv2d(3, 5, 3, dtype=minigrad.float64))
    x = minigrad.randn(1, 3, 4, 4, dtype=minigrad.float64)
    for _ in range(200):
        layer(x)
    matrix = layer.weight.numpy().reshape(5, -1)
    assert numpy.linalg.svd(matrix, compute_uv=False)[0] == pytest.approx(1.0, rel=1e-6)
    original = layer.weight_orig.numpy().reshape(5, -1)
    top = numpy.linalg.svd(original, compute_uv=False)[0]
    numpy.testing.assert_allclose(layer.weight.numpy(), layer.weight_orig.numpy() / top, rtol=1e-6)


def test_transposed_convolution_normalizes_over_output_channel_dim():
    layer = nn.spectral_norm(nn.ConvTranspose2d(4, 6, 3, dtype=minigrad.float64))
    assert layer.weight_u.shape == (6,) and layer.weight_v.shape == (4 * 3 * 3,)
    for _ in range(200):
        layer(minigrad.randn(1, 4, 2, 2, dtype=minigrad.float64))
    matrix = layer.weight.numpy().transpose(1, 0, 2, 3).reshape(6, -1)
    assert numpy.linalg.svd(matrix, compute_uv=False)[0] == pytest.approx(1.0, rel=1e-6)


def test_eval_forward_keeps_power_iteration_vectors():
    layer = nn.spectral_norm(nn.Linear(3, 3))
    layer(minigrad.randn(2, 3))
    u = layer.weight_u.numpy()
    layer.eval()(minigrad.randn(2, 3))
    numpy.testing.assert_array_equal(layer.weight_u.numpy(), u)
    layer.train()(minigrad.randn(2, 3))
    assert not numpy.array_equal(layer.weight_u.numpy(), u)


def test_gradient_reaches_weight_orig_only():
    layer = nn.spectral_norm(nn.Linear(3, 2))
    layer(minigrad.randn(4, 3)).sum().backward()
    assert layer.weight_orig.grad is not None and layer.weight_orig.grad.shape == (2, 3)
    assert layer.weight_u.grad is None and not layer.weight_u.requires_grad
    assert [name for name, _ in layer.named_parameters()] == ["bias", "weight_orig"]


def test_optimizer_made_before_spectral_norm_still_updates_the_weight():
    layer = nn.Linear(3, 2)
    optimizer = SGD(layer.parameters(), lr=0.1)
    weight = layer.weight
    nn.spectral_norm(layer)
    assert layer.weight_orig is weight
    before = weight.numpy()
    layer(minigrad.randn(4, 3)).sum().backward()
    optimizer.step()
    assert not numpy.array_equal(weight.numpy(), before)


def test_state_dict_holds_orig_u_v_and_restores_the_same_weight():
    source = nn.spectral_norm(nn.Linear(3, 4))
    for _ in range(3):
        source(minigrad.randn(2, 3))
    state = source.state_dict()
    assert list(state) == ["bias", "weight_orig", "weight_u", "weight_v"]
    target = nn.spectral_norm(nn.Linear(3, 4))
    target.load_state_dict(state)
    x = minigrad.randn(5, 3)
    numpy.testing.assert_array_equal(target.eval()(x).numpy(), source.eval()(x).numpy())


def test_remove_spectral_norm_freezes_normalized_weight_into_a_parameter():
    layer = nn.spectral_norm(nn.Linear(3, 4))
    layer(minigrad.randn(2, 3))
    normalized = layer.eval()(minigrad.eye(3)).numpy()  # rows: W/sigma columns + bias
    nn.remove_spectral_norm(layer)
    assert isinstance(layer.weight, nn.Parameter)
    assert list(layer.state_dict()) == ["bias", "weight"]
    numpy.testing.assert_allclose(layer(minigrad.eye(3)).numpy(), normalized, rtol=1e-6)
    with pytest.raises(ValueError, match="not spectrally normalised"):
        nn.remove_spectral_norm(layer)


def test_spectral_norm_argument_errors():
    layer = nn.spectral_norm(nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="already"):
        nn.spectral_norm(layer)
    with pytest.raises(ValueError, match="n_power_iterations"):
        nn.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(ValueError, match="no parameter 'kernel'"):
        nn.spectral_norm(nn.Linear(2, 2), name="kernel")
