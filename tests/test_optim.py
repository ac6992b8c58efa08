"""Optimizers against hand computations and independent NumPy formulas; schedules; EMA; state dicts."""
import math

import numpy
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad import nn, optim

# ------------------------------------------------------------ hand-computed
def scalar_parameter(value):
    return nn.Parameter(minigrad.tensor([value], dtype=minigrad.float64))


def minimize_square(optimizer_class, steps, start=1.0, **settings):
    """Run ``steps`` steps on loss = p^2 (gradient 2p) and return p after each step."""
    p = scalar_parameter(start)
    optimizer = optimizer_class([p], **settings)
    trajectory = []
    for _ in range(steps):
        optimizer.zero_grad()
        (p * p).sum().backward()
        optimizer.step()
        trajectory.append(p.item())
    return trajectory


def test_sgd_momentum_by_hand():
    # g = 2p. b1 = 2, p1 = 1 - 0.1*2 = 0.8; g = 1.6, b2 = 0.9*2 + 1.6 = 3.4, p2 = 0.8 - 0.34 = 0.46;
    # g = 0.92, b3 = 0.9*3.4 + 0.92 = 3.98, p3 = 0.46 - 0.398 = 0.062
    assert minimize_square(optim.SGD, 3, lr=0.1, momentum=0.9) == pytest.approx([0.8, 0.46, 0.062], abs=1e-12)


def test_sgd_nesterov_by_hand():
    # b1 = 2, step = 2 + 0.5*2 = 3, p1 = 1 - 0.3 = 0.7; g = 1.4, b2 = 1 + 1.4 = 2.4,
    # step = 1.4 + 1.2 = 2.6, p2 = 0.7 - 0.26 = 0.44
    assert minimize_square(optim.SGD, 2, lr=0.1, momentum=0.5, nesterov=True) == pytest.approx([0.7, 0.44], abs=1e-12)


def test_adam_first_step_moves_by_lr_times_sign():
    # m1 = (1-b1) g, v1 = (1-b2) g^2: bias-corrected m/sqrt(v) = g/|g|, so p1 = 1 - lr * 2 / (2 + eps)
    (p1,) = minimize_square(optim.Adam, 1, lr=0.1)
    assert p1 == pytest.approx(1 - 0.1 * 2 / (2 + 1e-8), abs=1e-15)


def test_rmsprop_first_step_by_hand():
    # s1 = (1 - 0.9) * 4 = 0.4; p1 = 1 - 0.01 * 2 / (sqrt(0.4) + 1e-8)
    (p1,) = minimize_square(optim.RMSprop, 1, lr=0.01, alpha=0.9)
    assert p1 == pytest.approx(1 - 0.02 / (math.sqrt(0.4) + 1e-8), abs=1e-15)


def test_adamw_decays_weights_before_the_adam_step():
    (p1,) = minimize_square(optim.AdamW, 1, lr=0.1, weight_decay=0.5)
    assert p1 == pytest.approx(1 * (1 - 0.1 * 0.5) - 0.1 * 2 / (2 + 1e-8), abs=1e-15)


# ------------------------------------------- independent NumPy formulas, 3 steps
def reference_sgd(p, grads_of, steps, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    buffer, out = None, []
    for _ in range(steps):
        g = grads_of(p) + weight_decay * p
        if momentum:
            buffer = g.copy() if buffer is None else momentum * buffer + (1 - dampening) * g
            g = g + momentum * buffer if nesterov else buffer
        p = p - lr * g
        out.append(p)
    return out


def reference_adam(p, grads_of, steps, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
                   decoupled=False):
    beta1, beta2 = betas
    m = v = v_max = numpy.zeros_like(p)
    out = []
    for t in range(1, steps + 1):
        g = grads_of(p)
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        v_max = numpy.maximum(v_max, v)
        m_hat = m / (1 - beta1**t)
        v_hat = (v_max if amsgrad else v) / (1 - beta2**t)
        p = p - lr * m_hat / (numpy.sqrt(v_hat) + eps)
        out.append(p)
    return out


def reference_rmsprop(p, grads_of, steps, lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                      centered=False):
    square = mean = buffer = numpy.zeros_like(p)
    out = []
    for _ in range(steps):
        g = grads_of(p) + weight_decay * p
        square = alpha * square + (1 - alpha) * g**2
        mean = alpha * mean + (1 - alpha) * g
        scale = numpy.sqrt(square - mean**2 if centered else square) + eps
        if momentum:
            buffer = momentum * buffer + g / scale
            p = p - lr * buffer
        else:
            p = p - lr * g / scale
        out.append(p)
    return out


CASES = [
    (optim.SGD, reference_sgd, dict(lr=0.1)),
    (optim.SGD, reference_sgd, dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1)),
    (optim.SGD, reference_sgd, dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01)),
    (optim.Adam, reference_adam, dict(lr=0.1)),
    (optim.Adam, reference_adam, dict(lr=0.05, betas=(0.5, 0.6), eps=1e-3, weight_decay=0.2)),
    (optim.Adam, reference_adam, dict(lr=0.3, betas=(0.8, 0.3), amsgrad=True)),
    (optim.AdamW, lambda *a, **k: reference_adam(*a, decoupled=True, **k), dict(lr=0.1, weight_decay=0.3)),
    (optim.AdamW, lambda *a, **k: reference_adam(*a, decoupled=True, **k),
     dict(lr=0.3, betas=(0.8, 0.3), weight_decay=0.1, amsgrad=True)),
    (optim.RMSprop, reference_rmsprop, dict(lr=0.01)),
    (optim.RMSprop, reference_rmsprop, dict(lr=0.02, alpha=0.7, centered=True, weight_decay=0.1)),
    (optim.RMSprop, reference_rmsprop, dict(lr=0.02, alpha=0.8, momentum=0.5, eps=1e-4)),
    (optim.RMSprop, reference_rmsprop, dict(lr=0.02, alpha=0.8, momentum=0.5, centered=True)),
]


def quadratic(dim, seed):
    """A random convex quadratic 0.5 p^T A p + b^T p: (A, b, a start far from the minimum)."""
    rng = numpy.random.default_rng(seed)
    m = rng.normal(size=(dim, dim))
    a = m @ m.T + 0.5 * numpy.eye(dim)
    b = rng.normal(size=dim)
    minimum = numpy.linalg.solve(a, -b)
    direction = unit(rng.normal(size=dim))
    return a, b, minimum + direction * rng.uniform(1, 3)


def unit(vector):
    return vector / numpy.linalg.norm(vector)


def run_minigrad(optimizer_class, settings, a, b, start, steps):
    p = nn.Parameter(minigrad.tensor(start, dtype=minigrad.float64))
    matrix, offset = minigrad.tensor(a, dtype=minigrad.float64), minigrad.tensor(b, dtype=minigrad.float64)
    optimizer = optimizer_class([p], **settings)
    trajectory, losses = [], []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = 0.5 * (p * (matrix @ p)).sum() + (offset * p).sum()
        loss.backward()
        optimizer.step()
        trajectory.append(p.numpy())
        losses.append(loss.item())
    return trajectory, losses


@pytest.mark.parametrize("optimizer_class, reference, settings", CASES,
                         ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(CASES)])
def test_first_three_steps_match_numpy_formulas(optimizer_class, reference, settings):
    a, b, start = quadratic(4, seed=3)
    got, _ = run_minigrad(optimizer_class, settings, a, b, start, 3)
    expected = reference(start, lambda p: a @ p + b, 3, **settings)
    for step, (mine, theirs) in enumerate(zip(got, expected)):
        numpy.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-14, err_msg=f"step {step + 1}")


DESCENT_SETTINGS = [
    (optim.SGD, dict(lr=0.02, momentum=0.5)),
    (optim.SGD, dict(lr=0.02, momentum=0.5, nesterov=True)),
    (optim.Adam, dict(lr=0.05)),
    (optim.Adam, dict(lr=0.05, amsgrad=True)),
    (optim.AdamW, dict(lr=0.05, weight_decay=0.01)),
    (optim.RMSprop, dict(lr=0.01)),
    (optim.RMSprop, dict(lr=0.01, centered=True, momentum=0.3)),
]


@given(dim=st.integers(1, 5), seed=st.integers(0, 2**16), choice=st.sampled_from(range(len(DESCENT_SETTINGS))))
def test_every_optimizer_decreases_random_convex_quadratics(dim, seed, choice):
    a, b, start = quadratic(dim, seed)
    optimizer_class, settings = DESCENT_SETTINGS[choice]
    largest = numpy.linalg.eigvalsh(a)[-1]
    if optimizer_class is optim.SGD:  # plain gradient steps need lr below 2 / L; scale to the curvature
        settings = {**settings, "lr": settings["lr"] * 10 / largest}
    trajectory, _ = run_minigrad(optimizer_class, settings, a, b, start, 30)

    def loss(p):
        return 0.5 * p @ a @ p + b @ p

    assert loss(trajectory[-1]) < loss(start)


# ------------------------------------------------------------- groups, grads
def test_param_groups_have_their_own_settings():
    fast, slow = scalar_parameter(1.0), scalar_parameter(1.0)
    optimizer = optim.SGD([{"params": [fast], "lr": 1.0}, {"params": slow}], lr=0.1)
    for p in (fast, slow):
        (p * 1.0).sum().backward()
    optimizer.step()
    assert fast.item() == pytest.approx(0.0) and slow.item() == pytest.approx(0.9)
    extra = scalar_parameter(2.0)
    optimizer.add_param_group({"params": [extra], "momentum": 0.5})
    assert optimizer.param_groups[2]["lr"] == 0.1 and optimizer.param_groups[2]["momentum"] == 0.5


def test_parameters_without_gradient_are_left_alone():
    used, unused = scalar_parameter(1.0), scalar_parameter(5.0)
    optimizer = optim.Adam([used, unused], lr=0.1)
    (used * used).sum().backward()
    optimizer.step()
    assert unused.item() == 5.0
    assert len(optimizer.state) == 1


def test_zero_grad_sets_none_or_zeros():
    p = scalar_parameter(1.0)
    optimizer = optim.SGD([p], lr=0.1)
    (p * 3).sum().backward()
    optimizer.zero_grad(set_to_none=False)
    assert p.grad.item() == 0.0
    optimizer.zero_grad()
    assert p.grad is None


def test_step_never_records_a_graph():
    p = scalar_parameter(1.0)
    optimizer = optim.Adam([p])
    (p * p).sum().backward()
    optimizer.step()
    assert p.is_leaf and p.requires_grad and p.grad_fn is None


def test_closure_is_evaluated_with_gradients():
    p = scalar_parameter(2.0)
    optimizer = optim.SGD([p], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with minigrad.no_grad():
        loss = optimizer.step(closure)
    assert loss.item() == 4.0 and p.item() == pytest.approx(1.0)


@pytest.mark.parametrize("make, message", [
    (lambda p: optim.SGD([], lr=0.1), "empty parameter list"),
    (lambda p: optim.SGD([p, p], lr=0.1), "more than one place"),
    (lambda p: optim.SGD([minigrad.zeros(2)], lr=0.1), "requires_grad=True"),
    (lambda p: optim.SGD([p], lr=-1.0), "lr must be non-negative"),
    (lambda p: optim.SGD([p], lr=0.1, nesterov=True), "nesterov"),
    (lambda p: optim.Adam([p], betas=(0.9, 1.0)), "betas"),
    (lambda p: optim.RMSprop([p], alpha=-0.1), "alpha"),
])
def test_invalid_settings_are_clear_errors(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make(scalar_parameter(1.0))


# ---------------------------------------------------------- state dicts
@pytest.mark.parametrize("optimizer_class, settings", [
    (optim.SGD, dict(lr=0.05, momentum=0.9)),
    (optim.Adam, dict(lr=0.05, amsgrad=True)),
    (optim.AdamW, dict(lr=0.05)),
    (optim.RMSprop, dict(lr=0.01, centered=True, momentum=0.5)),
])
def test_loaded_state_continues_exactly(optimizer_class, settings, tmp_path):
    a, b, start = quadratic(3, seed=11)
    p = nn.Parameter(minigrad.tensor(start, dtype=minigrad.float32))
    optimizer = optimizer_class([p], **settings)
    step = make_quadratic_step(p, a, b, optimizer)
    for _ in range(3):
        step()
    minigrad.save({"p": p.detach(), "optimizer": optimizer.state_dict()}, tmp_path / "state.npz")
    for _ in range(4):
        step()
    checkpoint = minigrad.load(tmp_path / "state.npz")
    q = nn.Parameter(checkpoint["p"])
    resumed = optimizer_class([q], lr=123.0)
    resumed.load_state_dict(checkpoint["optimizer"])
    assert resumed.param_groups[0]["lr"] == settings["lr"]
    resumed_step = make_quadratic_step(q, a, b, resumed)
    for _ in range(4):
        resumed_step()
    numpy.testing.assert_array_equal(q.numpy(), p.numpy())


def make_quadratic_step(p, a, b, optimizer):
    matrix, offset = minigrad.tensor(a, dtype=p.dtype), minigrad.tensor(b, dtype=p.dtype)

    def step():
        optimizer.zero_grad()
        (0.5 * (p * (matrix @ p)).sum() + (offset * p).sum()).backward()
        optimizer.step()

    return step


def test_state_dict_names_parameters_by_position():
    first, second = scalar_parameter(1.0), scalar_parameter(2.0)
    optimizer = optim.SGD([{"params": [first]}, {"params": [second], "lr": 0.5}], lr=0.1, momentum=0.9)
    (first * second).sum().backward()
    optimizer.step()
    state = optimizer.state_dict()
    assert [g["params"] for g in state["param_groups"]] == [[0], [1]]
    assert state["param_groups"][1]["lr"] == 0.5
    assert set(state["state"]) == {0, 1} and state["state"][1]["momentum_buffer"].item() == pytest.approx(1.0)


def test_load_state_dict_rejects_other_layouts():
    optimizer = optim.SGD([scalar_parameter(1.0)], lr=0.1)
    two = optim.SGD([scalar_parameter(1.0), scalar_parameter(1.0)], lr=0.1)
    with pytest.raises(ValueError, match="param group 0 holds 2"):
        optimizer.load_state_dict(two.state_dict())
    with pytest.raises(ValueError, match="2 param group"):
        optimizer.load_state_dict({"state": {}, "param_groups": [{"params": [0]}, {"params": [1]}]})


def test_loaded_state_does_not_alias_the_state_dict():
    p = scalar_parameter(1.0)
    optimizer = optim.SGD([p], lr=0.1, momentum=0.9)
    (p * p).sum().backward()
    optimizer.step()
    state = optimizer.state_dict()
    other = optim.SGD([scalar_parameter(1.0)], lr=0.1, momentum=0.9)
    other.load_state_dict(state)
    state["state"][0]["momentum_buffer"].data[...] = 100.0
    assert next(iter(other.state.values()))["momentum_buffer"][0] == pytest.approx(2.0)


# ------------------------------------------------------------- schedulers
def sgd(lr=1.0):
    return optim.SGD([scalar_parameter(0.0)], lr=lr)


def lrs(scheduler, epochs):
    rates = []
    for _ in range(epochs):
        rates.append(scheduler.get_last_lr()[0])
        scheduler.optimizer.step()
        scheduler.step()
    return rates


def test_step_lr():
    assert lrs(optim.StepLR(sgd(1.0), step_size=2, gamma=0.5), 6) == pytest.approx([1, 1, 0.5, 0.5, 0.25, 0.25])


def test_lambda_lr():
    assert lrs(optim.LambdaLR(sgd(2.0), lambda epoch: 1 / (epoch + 1)), 3) == pytest.approx([2, 1, 2 / 3])


def test_cosine_annealing_lr():
    rates = lrs(optim.CosineAnnealingLR(sgd(1.0), T_max=4, eta_min=0.2), 5)
    expected = [0.2 + 0.8 * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(5)]
    assert rates == pytest.approx(expected) and rates[-1] == pytest.approx(0.2)


def test_scheduler_state_round_trip():
    scheduler = optim.StepLR(sgd(1.0), step_size=2, gamma=0.1)
    for _ in range(3):
        scheduler.step()
    resumed = optim.StepLR(sgd(1.0), step_size=5, gamma=0.5)
    resumed.load_state_dict(scheduler.state_dict())
    resumed.step()
    scheduler.step()
    assert resumed.get_last_lr() == pytest.approx(scheduler.get_last_lr()) and resumed.last_epoch == 4


# --------------------------------------------------------------------- EMA
def test_ema_averages_parameters_and_copies_buffers():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    ema = optim.EMA(model, decay=0.9)
    start = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    with minigrad.no_grad():
        for p in model.parameters():
            p.data += 1.0
    model(minigrad.randn(4, 2))  # moves the running statistics
    ema.update(model)
    averaged = ema.module.state_dict()
    numpy.testing.assert_allclose(averaged["0.weight"].numpy(), start["0.weight"] + 0.1, rtol=1e-6)
    numpy.testing.assert_array_equal(averaged["1.running_mean"].numpy(), model[1].running_mean.numpy())
    assert not ema.module.training and not any(p.requires_grad for p in ema.module.parameters())
    assert ema.num_updates == 1


@pytest.mark.parametrize("decay", [0.5, 0.9, 0.999])
def test_ema_warmup_uses_the_smaller_of_the_decay_and_the_warmup_ramp(decay):
    """Update n (from 0) averages with min(decay, (1 + n) / (10 + n)); checked against a direct recurrence
    over parameters that move every step, and the warm-up state survives a state_dict round trip."""
    model = nn.Linear(2, 1)
    ema = optim.EMA(model, decay=decay, warmup=True)
    expected = model.weight.numpy().astype(numpy.float64)
    for n in range(30):
        with minigrad.no_grad():
            model.weight.data[...] = float(n)
        ema.update(model)
        d = min(decay, (1 + n) / (10 + n))
        expected = d * expected + (1 - d) * n
    numpy.testing.assert_allclose(ema.module.weight.numpy(), expected, rtol=1e-5)
    restored = optim.EMA(nn.Linear(2, 1), decay=0.1)
    restored.load_state_dict(ema.state_dict())
    assert restored.warmup and restored.current_decay() == ema.current_decay() == min(decay, 31 / 40)


def test_ema_copy_to_and_state_dict():
    model = nn.Linear(3, 1)
    ema = optim.EMA(model, decay=0.5)
    with minigrad.no_grad():
        model.weight.data[...] = 4.0
    ema.update(model)
    other = optim.EMA(nn.Linear(3, 1), decay=0.9)
    other.load_state_dict(ema.state_dict())
    assert other.decay == 0.5 and other.num_updates == 1
    target = nn.Linear(3, 1)
    other.copy_to(target)
    numpy.testing.assert_array_equal(target.weight.numpy(), ema.module.weight.numpy())
    x = minigrad.randn(2, 3)
    numpy.testing.assert_array_equal(ema(x).numpy(), ema.module(x).numpy())


@given(sizes=st.lists(st.integers(2, 6), min_size=1, max_size=4), features=st.integers(1, 3),
       seed=st.integers(0, 2**16))
def test_update_bn_averages_the_statistics_of_every_batch_equally(sizes, features, seed):
    rng = numpy.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(2, features, dtype="float64"), nn.BatchNorm1d(features, momentum=0.3,
                                                                                 dtype="float64")).eval()
    batches = [minigrad.tensor(rng.standard_normal((n, 2))) for n in sizes]
    optim.update_bn(batches, model)
    linear = [batch.numpy() @ model[0].weight.numpy().T + model[0].bias.numpy() for batch in batches]
    numpy.testing.assert_allclose(model[1].running_mean.numpy(), numpy.mean([a.mean(0) for a in linear], 0),
                                  rtol=1e-10, atol=1e-12)
    numpy.testing.assert_allclose(model[1].running_var.numpy(), numpy.mean([a.var(0, ddof=1) for a in linear], 0),
                                  rtol=1e-10, atol=1e-12)
    assert not model.training and model[1].momentum == 0.3


def test_update_bn_passes_tuples_as_arguments_and_skips_models_without_batch_norm():
    class TwoInputs(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm = nn.BatchNorm1d(1)

        def forward(self, x, shift):
            return self.norm(x + shift)

    model = TwoInputs()
    optim.update_bn([(minigrad.tensor([[1.0], [3.0]]), minigrad.tensor(10.0))], model)
    assert model.norm.running_mean.item() == 12.0 and model.training
    optim.update_bn([minigrad.randn(3, 5)], nn.Linear(2, 1))  # no batch norm: never runs the (mis-shaped) batch


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_updates_a_zero_dimensional_parameter(amsgrad):
    """A 0-d parameter (e.g. a learned noise scale) steps like the same value held in shape (1,)."""
    scalar = minigrad.tensor(0.5, requires_grad=True)
    vector = minigrad.tensor([0.5], requires_grad=True)
    optimizers = [minigrad.optim.Adam([p], lr=0.1, amsgrad=amsgrad) for p in (scalar, vector)]
    for _ in range(3):
        for p, optimizer in zip((scalar, vector), optimizers):
            optimizer.zero_grad()
            ((p * 3.0) ** 2).sum().backward()
            optimizer.step()
    assert scalar.shape == () and scalar.numpy() == pytest.approx(vector.numpy()[0], rel=1e-6)
