"""Cross-checks against PyTorch (skipped when torch is not installed): same weights, same inputs,
same outputs and gradients; same optimizer trajectories; state dicts that load into each other."""
import math

import numpy
import pytest

import minigrad
from minigrad import nn, optim

torch = pytest.importorskip("torch")
torch_nn = torch.nn


def to_torch(tensor):
    return torch.tensor(tensor.numpy())


def copy_state(mine, theirs):
    """Load minigrad's state dict into the PyTorch module (same key names)."""
    theirs.load_state_dict({key: to_torch(value) for key, value in mine.state_dict().items()})


LAYER_PAIRS = {
    "linear": (lambda: nn.Linear(4, 3), lambda: torch_nn.Linear(4, 3), (5, 4)),
    "conv2d": (lambda: nn.Conv2d(4, 6, 3, stride=2, padding=1, dilation=1, groups=2),
               lambda: torch_nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2), (2, 4, 7, 6)),
    "conv2d_same_dilated": (lambda: nn.Conv2d(2, 3, 2, padding="same", dilation=2),
                            lambda: torch_nn.Conv2d(2, 3, 2, padding="same", dilation=2), (1, 2, 5, 5)),
    "conv_transpose2d": (lambda: nn.ConvTranspose2d(4, 2, 4, stride=2, padding=1, output_padding=1, groups=2),
                         lambda: torch_nn.ConvTranspose2d(4, 2, 4, stride=2, padding=1, output_padding=1, groups=2),
                         (2, 4, 3, 3)),
    "batchnorm1d": (lambda: nn.BatchNorm1d(3, momentum=0.3), lambda: torch_nn.BatchNorm1d(3, momentum=0.3), (6, 3)),
    "batchnorm2d": (lambda: nn.BatchNorm2d(3), lambda: torch_nn.BatchNorm2d(3), (4, 3, 2, 5)),
    "batchnorm2d_cumulative": (lambda: nn.BatchNorm2d(2, momentum=None),
                               lambda: torch_nn.BatchNorm2d(2, momentum=None), (3, 2, 2, 2)),
    "groupnorm": (lambda: nn.GroupNorm(3, 6), lambda: torch_nn.GroupNorm(3, 6), (2, 6, 3, 2)),
    "layernorm": (lambda: nn.LayerNorm((3, 4)), lambda: torch_nn.LayerNorm((3, 4)), (2, 5, 3, 4)),
    "gelu": (lambda: nn.GELU(), lambda: torch_nn.GELU(), (3, 7)),
    "gelu_tanh": (lambda: nn.GELU("tanh"), lambda: torch_nn.GELU("tanh"), (3, 7)),
    "silu": (lambda: nn.SiLU(), lambda: torch_nn.SiLU(), (3, 7)),
    "leaky_relu": (lambda: nn.LeakyReLU(0.2), lambda: torch_nn.LeakyReLU(0.2), (3, 7)),
    "upsample": (lambda: nn.Upsample(scale_factor=2), lambda: torch_nn.Upsample(scale_factor=2), (1, 2, 3, 3)),
}


def randomize(module):
    """Non-trivial affine parameters for the norm layers (defaults are ones and zeros)."""
    rng = numpy.random.default_rng(5)
    with minigrad.no_grad():
        for param in module.parameters():
            param.data[...] = param.data + rng.normal(scale=0.3, size=param.shape)


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("name", sorted(LAYER_PAIRS))
def test_layer_matches_pytorch(name, mode):
    make_mine, make_theirs, shape = LAYER_PAIRS[name]
    mine, theirs = make_mine().double(), make_theirs().double()
    randomize(mine)
    copy_state(mine, theirs)
    for step in range(3):  # several batches: running statistics must evolve identically
        x = minigrad.randn(*shape, dtype=minigrad.float64) * 2 + 0.5
        x.requires_grad_()
        x_torch = to_torch(x).requires_grad_()
        mine.train(mode == "train" or step < 2)
        theirs.train(mode == "train" or step < 2)
        out, out_torch = mine(x), theirs(x_torch)
        numpy.testing.assert_allclose(out.numpy(), out_torch.detach().numpy(), rtol=1e-10, atol=1e-12)
        weights = minigrad.randn(*out.shape, dtype=minigrad.float64)
        (out * weights).sum().backward()
        (out_torch * to_torch(weights)).sum().backward()
        numpy.testing.assert_allclose(x.grad.numpy(), x_torch.grad.numpy(), rtol=1e-10, atol=1e-12)
    for (key, param), (_, param_torch) in zip(mine.named_parameters(), theirs.named_parameters()):
        numpy.testing.assert_allclose(param.grad.numpy(), param_torch.grad.numpy(), rtol=1e-10, atol=1e-12,
                                      err_msg=key)
    theirs_state = theirs.state_dict()
    for key, value in mine.state_dict().items():
        numpy.testing.assert_allclose(value.numpy(), theirs_state[key].numpy(), rtol=1e-12, err_msg=key)


def test_embedding_matches_pytorch():
    mine = nn.Embedding(6, 3).double()
    theirs = torch_nn.Embedding(6, 3).double()
    copy_state(mine, theirs)
    indices = numpy.array([[1, 5, 1], [0, 2, 2]])
    out, out_torch = mine(minigrad.tensor(indices)), theirs(torch.tensor(indices))
    numpy.testing.assert_array_equal(out.numpy(), out_torch.detach().numpy())
    (out * out).sum().backward()
    (out_torch * out_torch).sum().backward()
    numpy.testing.assert_allclose(mine.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("make_mine, make_theirs, shape", [
    (lambda: nn.Linear(5, 4), lambda: torch_nn.Linear(5, 4), (3, 5)),
    (lambda: nn.Conv2d(2, 3, 3), lambda: torch_nn.Conv2d(2, 3, 3), (2, 2, 4, 4)),
    (lambda: nn.ConvTranspose2d(3, 2, 2, stride=2), lambda: torch_nn.ConvTranspose2d(3, 2, 2, stride=2),
     (1, 3, 2, 2)),
], ids=["linear", "conv2d", "conv_transpose2d"])
def test_spectral_norm_matches_pytorch(make_mine, make_theirs, shape):
    mine = nn.spectral_norm(make_mine().double(), n_power_iterations=2)
    theirs = torch_nn.utils.spectral_norm(make_theirs().double(), n_power_iterations=2)
    copy_state(mine, theirs)  # weight_orig, weight_u, weight_v and bias: PyTorch's names
    for training in (True, True, False):
        mine.train(training)
        theirs.train(training)
        x = minigrad.randn(*shape, dtype=minigrad.float64)
        out, out_torch = mine(x), theirs(to_torch(x))
        numpy.testing.assert_allclose(out.numpy(), out_torch.detach().numpy(), rtol=1e-10, atol=1e-12)
        out.sum().backward()
        out_torch.sum().backward()
    numpy.testing.assert_allclose(mine.weight_orig.grad.numpy(), theirs.weight_orig.grad.numpy(), rtol=1e-9)
    numpy.testing.assert_allclose(mine.weight_u.numpy(), theirs.weight_u.numpy(), rtol=1e-10)


OPTIMIZER_PAIRS = [
    (optim.SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9, dampening=0.2, weight_decay=0.1)),
    (optim.SGD, torch.optim.SGD, dict(lr=0.01, momentum=0.9, nesterov=True)),
    (optim.Adam, torch.optim.Adam, dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1)),
    (optim.Adam, torch.optim.Adam, dict(lr=0.2, betas=(0.8, 0.3), amsgrad=True)),
    (optim.AdamW, torch.optim.AdamW, dict(lr=0.05, weight_decay=0.2, amsgrad=True)),
    (optim.RMSprop, torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, weight_decay=0.1)),
    (optim.RMSprop, torch.optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
]


@pytest.mark.parametrize("mine_class, theirs_class, settings", OPTIMIZER_PAIRS,
                         ids=[f"{m.__name__}-{i}" for i, (m, _, _) in enumerate(OPTIMIZER_PAIRS)])
def test_optimizer_trajectory_matches_pytorch(mine_class, theirs_class, settings):
    rng = numpy.random.default_rng(0)
    start, target = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    p = nn.Parameter(minigrad.tensor(start, dtype=minigrad.float64))
    q = torch.tensor(start, requires_grad=True)
    mine, theirs = mine_class([p], **settings), theirs_class([q], **settings)
    for _ in range(8):
        for param, optimizer, goal in ((p, mine, minigrad.tensor(target)), (q, theirs, torch.tensor(target))):
            optimizer.zero_grad()
            ((param - goal) ** 4).sum().backward()
            optimizer.step()
    numpy.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("make_mine, make_theirs", [
    (lambda o: optim.StepLR(o, 3, gamma=0.5), lambda o: torch.optim.lr_scheduler.StepLR(o, 3, gamma=0.5)),
    (lambda o: optim.CosineAnnealingLR(o, 5, eta_min=0.01),
     lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 5, eta_min=0.01)),
    (lambda o: optim.LambdaLR(o, lambda e: 0.9**e), lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda e: 0.9**e)),
], ids=["step", "cosine", "lambda"])
def test_schedules_match_pytorch(make_mine, make_theirs):
    mine = make_mine(optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=0.5))
    theirs = make_theirs(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5))
    for _ in range(8):
        assert mine.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12, abs=1e-15)
        mine.optimizer.step()
        theirs.optimizer.step()
        mine.step()
        theirs.step()


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_clip_grad_norm_matches_pytorch(norm_type):
    grads = [numpy.random.default_rng(i).normal(size=(3, 2)) * 4 for i in range(3)]
    mine = [nn.Parameter(minigrad.zeros(3, 2, dtype=minigrad.float64)) for _ in grads]
    theirs = [torch.zeros(3, 2, dtype=torch.float64, requires_grad=True) for _ in grads]
    for p, q, g in zip(mine, theirs, grads):
        p.grad, q.grad = minigrad.tensor(g), torch.tensor(g)
    total = nn.clip_grad_norm_(mine, 1.5, norm_type)
    total_torch = torch_nn.utils.clip_grad_norm_(theirs, 1.5, norm_type)
    assert total == pytest.approx(float(total_torch), rel=1e-12)
    for p, q in zip(mine, theirs):
        numpy.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12)


def test_pytorch_state_dict_loads_into_minigrad_model():
    """Same architecture, same key names: a PyTorch checkpoint's tensors load as they are."""
    theirs = torch_nn.Sequential(torch_nn.Conv2d(1, 4, 3), torch_nn.BatchNorm2d(4), torch_nn.ReLU(),
                                 torch_nn.Flatten(), torch_nn.Linear(4 * 4 * 4, 3))
    mine = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
    theirs(torch.randn(8, 1, 6, 6))  # move the running statistics
    mine.load_state_dict({key: value.numpy() for key, value in theirs.state_dict().items()})
    mine.eval()
    theirs.eval()
    x = numpy.random.default_rng(1).normal(size=(2, 1, 6, 6)).astype(numpy.float32)
    numpy.testing.assert_allclose(mine(minigrad.tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(),
                                  rtol=1e-4, atol=1e-5)
