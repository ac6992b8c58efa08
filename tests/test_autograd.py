"""Autograd semantics: accumulation, graph lifetime, higher order, grad modes, the graph walk."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import Function


def f64(values, requires_grad=True):
    return mg.tensor(values, dtype=mg.float64, requires_grad=requires_grad)


class Counted(Function):
    """Identity that counts its backward calls: each node must be visited once."""

    calls = 0

    def forward(self, x):
        return x.copy()

    def backward(self, grad):
        Counted.calls += 1
        return grad


@pytest.fixture
def counted():
    Counted.calls = 0
    return Counted


# ---------------------------------------------------------- .grad and graphs
def test_backward_accumulates_into_grad():
    x = f64([1.0, -2.0, 3.0])
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    (x * 5.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * np.array([1.0, -2.0, 3.0]) + 5.0)


def test_second_backward_through_freed_graph_raises():
    x = f64([1.0, 2.0])
    loss = (x.exp() * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        mg.grad(loss, x)


def test_retain_graph_allows_repeated_backward():
    x = f64([0.5, 2.0])
    loss = (x.exp() * x).sum()
    for _ in range(3):
        loss.backward(retain_graph=True)
    expected = 3 * (np.exp([0.5, 2.0]) * (1 + np.array([0.5, 2.0])))
    np.testing.assert_allclose(x.grad.numpy(), expected)


def test_grad_leaves_dot_grad_alone():
    x, w = f64([1.0, 2.0]), f64([3.0, 4.0])
    gx, = mg.grad((x * w).sum(), x)
    np.testing.assert_allclose(gx.numpy(), [3.0, 4.0])
    assert x.grad is None and w.grad is None


def test_grad_with_grad_outputs():
    x = f64([1.0, 2.0, 3.0])
    v = mg.tensor([1.0, -1.0, 0.5], dtype=mg.float64)
    gx, = mg.grad(x * x, x, grad_outputs=v)
    np.testing.assert_allclose(gx.numpy(), 2 * np.array([1.0, 2.0, 3.0]) * [1.0, -1.0, 0.5])


def test_grad_of_several_outputs_sums_them():
    x = f64([1.0, 2.0])
    gx, = mg.grad([x.sum(), (x * x).sum()], [x])
    np.testing.assert_allclose(gx.numpy(), 1 + 2 * np.array([1.0, 2.0]))


def test_allow_unused():
    x, unused = f64([1.0]), f64([2.0])
    with pytest.raises(RuntimeError, match="input 1.*not used.*allow_unused=True"):
        mg.grad((x * 2).sum(), [x, unused], retain_graph=True)
    gx, gu = mg.grad((x * 2).sum(), [x, unused], allow_unused=True)
    np.testing.assert_allclose(gx.numpy(), [2.0])
    assert gu is None


# -------------------------------------------------------------- higher order
def test_second_derivative_of_cube():
    """d^2/dx^2 x^3 = 6x, by grad twice and by backward(create_graph=True)."""
    values = np.array([-1.5, 0.5, 2.0])
    x = f64(values)
    first, = mg.grad((x**3).sum(), x, create_graph=True)
    np.testing.assert_allclose(first.numpy(), 3 * values**2)
    second, = mg.grad(first.sum(), x)
    np.testing.assert_allclose(second.numpy(), 6 * values)

    x = f64(values)
    (x**3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    third, = mg.grad(mg.grad(x.grad.sum(), x, create_graph=True)[0].sum(), x)
    np.testing.assert_allclose(third.numpy(), np.full(3, 6.0))


def tanh_net_gradient(w, x):
    """NumPy: d/dx sum(tanh(W x)^2) = W^T (2 t (1 - t^2)), t = tanh(W x)."""
    t = np.tanh(w @ x)
    return w.T @ (2 * t * (1 - t**2))


def test_hessian_vector_product_matches_finite_difference():
    rng = np.random.default_rng(1)
    w_values, x_values, v_values = rng.standard_normal((3, 3)), rng.standard_normal(3), rng.standard_normal(3)
    w, x = f64(w_values, requires_grad=False), f64(x_values)
    g, = mg.grad((mg.tanh(w @ x) ** 2).sum(), x, create_graph=True)
    hv, = mg.grad((g * f64(v_values, requires_grad=False)).sum(), x)
    eps = 1e-6
    numeric = (tanh_net_gradient(w_values, x_values + eps * v_values)
               - tanh_net_gradient(w_values, x_values - eps * v_values)) / (2 * eps)
    np.testing.assert_allclose(hv.numpy(), numeric, rtol=1e-6, atol=1e-8)


def test_gradient_penalty_differentiates_again():
    """WGAN-GP's shape: P(W) = ||d/dx D(x)||^2 with D = sum(tanh(W x)); dP/dW vs finite differences."""
    rng = np.random.default_rng(2)
    w_values, x_values = rng.standard_normal((2, 3)), rng.standard_normal(3)

    def penalty(w_array):
        t = np.tanh(w_array @ x_values)
        return np.sum((w_array.T @ (1 - t**2)) ** 2)

    w, x = f64(w_values), f64(x_values)
    gx, = mg.grad(mg.tanh(w @ x).sum(), x, create_graph=True)
    (gx * gx).sum().backward()
    np.testing.assert_allclose((gx * gx).sum().item(), penalty(w_values))
    numeric = np.zeros_like(w_values)
    eps = 1e-6
    for index in np.ndindex(*w_values.shape):
        step = np.zeros_like(w_values)
        step[index] = eps
        numeric[index] = (penalty(w_values + step) - penalty(w_values - step)) / (2 * eps)
    np.testing.assert_allclose(w.grad.numpy(), numeric, rtol=1e-6, atol=1e-8)
    assert x.grad is not None  # the penalty depends on x too


def test_without_create_graph_the_gradient_has_no_graph():
    x = f64([1.0, 2.0])
    gx, = mg.grad((x**3).sum(), x)
    assert not gx.requires_grad and gx.grad_fn is None
    (x**3).sum().backward()
    assert not x.grad.requires_grad and x.grad.grad_fn is None
    gx, = mg.grad((x**3).sum(), x, create_graph=True)
    assert gx.requires_grad and gx.grad_fn is not None


# ------------------------------------------------------------------ grad modes
def test_no_grad_and_enable_grad_nest_as_context_managers():
    x = f64([1.0])
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        assert not (x * 2).requires_grad
        with mg.enable_grad():
            assert (x * 2).requires_grad
            with mg.no_grad():
                assert not (x * 2).requires_grad
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    assert mg.is_grad_enabled() and (x * 2).requires_grad


def test_grad_modes_as_decorators():
    x = f64([1.0])

    @mg.no_grad()
    def inference():
        return x * 2, enabled()

    @mg.enable_grad()
    def enabled():
        return (x * 2).requires_grad

    result, inner_enabled = inference()
    assert not result.requires_grad and inner_enabled
    assert mg.is_grad_enabled()
    assert inference.__name__ == "inference"


def test_grad_mode_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with mg.no_grad():
            1 / 0
    assert mg.is_grad_enabled()


def test_set_grad_enabled():
    with mg.set_grad_enabled(False):
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()


# ------------------------------------------------------------ leaves, detach
def test_retain_grad_on_a_non_leaf():
    x = f64([1.0, -2.0])
    hidden, other = x * 3.0, x * 4.0
    hidden.retain_grad()
    (hidden * hidden + other).sum().backward()
    np.testing.assert_allclose(hidden.grad.numpy(), 2 * 3.0 * np.array([1.0, -2.0]))
    assert other.grad is None
    np.testing.assert_allclose(x.grad.numpy(), 18 * np.array([1.0, -2.0]) + 4.0)


def test_detach_cuts_the_graph():
    x = f64([2.0, 3.0])
    frozen = x.detach()
    assert not frozen.requires_grad and frozen.is_leaf
    np.testing.assert_array_equal(frozen.numpy(), x.numpy())
    (frozen * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 3.0])  # one path only, not 2x


def test_is_leaf():
    x = f64([1.0])
    assert x.is_leaf and mg.tensor([1.0]).is_leaf
    assert not (x * 2).is_leaf
    assert (mg.tensor([1.0]) * 2).is_leaf  # nothing to record
    with mg.no_grad():
        assert (x * 2).is_leaf


# ------------------------------------------------------------------- the walk
def test_chain_of_100000_ops_visits_each_node_once(counted):
    x = f64(1.0)
    y = x
    for _ in range(100_000):
        y = counted.apply(y)
    (y * 3.0).backward()
    assert counted.calls == 100_000
    assert x.grad.item() == 3.0


def test_diamond_sums_shared_gradients_once(counted):
    """a feeds two branches; its gradient is their sum, its node runs once."""
    x = f64([1.0, 2.0])
    a = counted.apply(x)
    (a * a + a * 3.0).sum().backward()
    assert counted.calls == 1
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.array([1.0, 2.0]) + 3.0)


def test_doubling_ladder_is_linear_and_exact(counted):
    """y = y + y forty times: 2^40 paths, walked in linear time; the gradient is exactly 2^40."""
    x = f64(1.0)
    y = x
    for _ in range(40):
        y = counted.apply(y)
        y = y + y
    y.backward()
    assert counted.calls == 40
    assert x.grad.item() == 2.0**40


class AskedProduct(Function):
    """a * b that records which input gradients each backward was asked for."""

    asked = []

    def forward(self, a, b):
        return a * b

    def backward(self, grad):
        AskedProduct.asked.append(self.needs_input_grad)
        a, b = self.inputs
        return (grad * b if self.needs_input_grad[0] else None), (grad * a if self.needs_input_grad[1] else None)


def test_grad_computes_only_the_gradients_on_a_path_to_its_inputs(counted):
    """grad(y, x) skips w's gradient and the branch that reaches only w; the graph keeps its flags,
    so a later backward still fills w.grad."""
    AskedProduct.asked = []
    x, w = f64([1.0, 2.0]), f64([3.0, -1.0])
    y = AskedProduct.apply(x, counted.apply(w)).sum()
    (gx,) = mg.grad(y, x, retain_graph=True)
    np.testing.assert_allclose(gx.numpy(), [3.0, -1.0])
    assert AskedProduct.asked == [(True, False)] and counted.calls == 0
    y.backward()
    assert AskedProduct.asked[-1] == (True, True) and counted.calls == 1
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 2.0])


# --------------------------------------------------- aliasing and mutation
ALIAS_PRONE = {
    "add zero": lambda x: x + 0.0,
    "reshape": lambda x: x.reshape(-1),
    "transpose": lambda x: x.T,
    "expand": lambda x: x[None].expand(2, 2, 3)[0],
    "mul": lambda x: x * 1.0,
    "basic index": lambda x: x[:, ::-1],
}


@pytest.mark.parametrize("route", ["backward", "grad"])
@pytest.mark.parametrize("name", sorted(ALIAS_PRONE))
def test_gradients_neither_alias_nor_mutate(name, route):
    """The gradient shares memory with neither the input nor the given gradient; both stay as they were."""
    rng = np.random.default_rng(3)
    x_values = rng.standard_normal((2, 3))
    x = f64(x_values)
    y = ALIAS_PRONE[name](x)
    g_values = rng.standard_normal(y.shape)
    g = mg.tensor(g_values, dtype=mg.float64)
    if route == "backward":
        y.backward(g)
        result = x.grad
    else:
        result, = mg.grad(y, x, grad_outputs=g)
    assert not np.shares_memory(result.data, x.data)
    assert not np.shares_memory(result.data, g.data)
    np.testing.assert_array_equal(x.numpy(), x_values)
    np.testing.assert_array_equal(g.numpy(), g_values)


PIECEWISE_LINEAR = {
    "relu": lambda x: x.relu(),
    "leaky_relu": lambda x: mg.functional.leaky_relu(x, 0.2),
    "abs": lambda x: x.abs(),
    "clamp": lambda x: x.clamp(-0.5, 0.5),
}


@pytest.mark.parametrize("name", sorted(PIECEWISE_LINEAR))
def test_second_derivative_of_piecewise_linear_op_is_zeros(name):
    """As in PyTorch: the first gradient keeps its link to x, so the second one is zeros, not an error."""
    x = mg.tensor([-1.5, -0.25, 0.75, 2.0], dtype=mg.float64, requires_grad=True)
    (first,) = mg.grad(PIECEWISE_LINEAR[name](x).sum(), x, create_graph=True)
    assert first.requires_grad
    (second,) = mg.grad((first * first).sum(), x)
    np.testing.assert_array_equal(second.numpy(), np.zeros(4))


@pytest.mark.parametrize("name", sorted(PIECEWISE_LINEAR))
def test_gradient_of_piecewise_linear_backward_reaches_the_cotangent(name):
    """d/dv <grad f(x), v> = grad f(x): the slope is also applied on the way back to the cotangent."""
    x = mg.tensor([-1.5, -0.25, 0.75, 2.0], dtype=mg.float64, requires_grad=True)
    v = mg.tensor([1.0, 2.0, 3.0, 4.0], dtype=mg.float64, requires_grad=True)
    out = PIECEWISE_LINEAR[name](x)
    (first,) = mg.grad(out, x, v, create_graph=True)
    (slope,) = mg.grad(first.sum(), v)
    expected = {"relu": [0, 0, 1, 1], "leaky_relu": [0.2, 0.2, 1, 1], "abs": [-1, -1, 1, 1], "clamp": [0, 1, 0, 0]}
    np.testing.assert_allclose(slope.numpy(), expected[name])
