"""Layers, optimizers, EMA and data on every device (the "cuda" cases run only when a GPU is lent)."""
import numpy
import pytest

import minigrad
import minigrad.functional as F
from minigrad import nn, optim
from minigrad.data import DataLoader, TensorDataset


def small_model():
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(),
                         nn.spectral_norm(nn.Conv2d(3, 2, 3, stride=2)), nn.Flatten(), nn.Linear(2 * 3 * 3, 4))


def test_to_moves_parameters_and_buffers_in_place(device):
    model = small_model()
    parameters = list(model.parameters())
    model.to(device)
    assert [id(p) for p in model.parameters()] == [id(p) for p in parameters]
    expected = minigrad.backend.normalize_device(device)
    assert all(t.device == expected for t in list(model.parameters()) + list(model.buffers()))


@pytest.mark.parametrize("optimizer_class", [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop])
def test_training_step_on_device_matches_cpu(device, optimizer_class):
    """Same initial weights, same batch: a step on ``device`` gives the CPU's parameters and statistics."""
    reference, moved = small_model(), small_model()
    moved.load_state_dict(reference.state_dict())
    moved.to(device)
    x, labels = minigrad.randn(4, 1, 7, 7), minigrad.tensor([0, 3, 1, 2])
    for model in (reference, moved):
        optimizer = optimizer_class(model.parameters(), lr=0.01)
        inputs, targets = x.to(model[0].weight.device), labels.to(model[0].weight.device)
        for _ in range(2):
            optimizer.zero_grad()
            F.cross_entropy(model(inputs), targets).backward()
            nn.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
    for key, value in reference.state_dict().items():
        numpy.testing.assert_allclose(moved.state_dict()[key].numpy(), value.numpy(), rtol=1e-4, atol=1e-5,
                                      err_msg=key)


def test_ema_and_initialisers_on_device(device):
    model = nn.Linear(3, 3).to(device)
    nn.init.normal_(model.weight, 0.0, 0.02)
    assert model.weight.device == minigrad.backend.normalize_device(device)
    ema = optim.EMA(model, decay=0.5)
    with minigrad.no_grad():
        model.weight.data[...] = 1.0
    ema.update(model)
    assert ema.module.weight.device == model.weight.device
    assert ema.module(minigrad.ones(1, 3, device=device)).shape == (1, 3)


def test_loader_batches_device_tensors(device):
    dataset = TensorDataset(minigrad.arange(10, device=device), minigrad.randn(10, 2, device=device))
    batches = list(DataLoader(dataset, batch_size=4, shuffle=True, generator=0))
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    assert all(b[1].device == minigrad.backend.normalize_device(device) for b in batches)
    assert sorted(numpy.concatenate([b[0].numpy() for b in batches]).tolist()) == list(range(10))
