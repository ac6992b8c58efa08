"""pix2pix, the L1-only U-Net and CycleGAN on tiny problems: the losses move the right way, the
learning rate decays linearly, a resumed model continues exactly, and bad settings are refused."""
import numpy as np
import pytest

import minigrad
from gans.translation.config import CycleGANConfig, Pix2PixConfig
from gans.translation.cyclegan import CycleGAN
from gans.translation.optimization import decay_factor
from gans.translation.pix2pix import Pix2Pix

TINY = dict(width=4, depth=3, critic_width=4, dropout_levels=1)


def paired_batch(count=6, size=12, seed=0):
    """Inputs and a target that is a fixed smooth function of them (learnable by an L1 fit)."""
    rng = np.random.default_rng(seed)
    inputs = rng.uniform(-1, 1, (count, 1, size, size)).astype(np.float32)
    return inputs, np.tanh(-2 * inputs).astype(np.float32)


def unpaired_batch(count=4, size=12, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1, 1, (count, 3, size, size)).astype(np.float32)
    b = np.clip(rng.normal(0.5, 0.2, (count, 3, size, size)), -1, 1).astype(np.float32)
    return a, b


def pix2pix(total_steps=40, **overrides):
    return Pix2Pix(Pix2PixConfig(**{**TINY, **overrides}), 1, 1, image_size=12, total_steps=total_steps)


def cyclegan(total_steps=20, **overrides):
    config = CycleGANConfig(**{**TINY, "dropout_levels": 0, "pool_size": 6, **overrides})
    return CycleGAN(config, channels=3, image_size=12, total_steps=total_steps, seed=1)


@pytest.mark.parametrize("adversarial_weight", [1.0, 0.0])
def test_pix2pix_and_the_l1_baseline_reduce_the_l1_error(adversarial_weight):
    model = pix2pix(adversarial_weight=adversarial_weight, lr=2e-3, dropout=0.0)
    batch = paired_batch()
    history = [model.train_step(batch, step)["l1"] for step in range(25)]
    assert np.mean(history[-5:]) < 0.8 * np.mean(history[:5])
    assert model.translate(batch[0]).shape == batch[1].shape


def test_l1_baseline_builds_no_discriminator_and_reports_no_adversarial_terms():
    model = pix2pix(adversarial_weight=0.0)
    metrics = model.train_step(paired_batch(), 0)
    assert model.discriminator is None and "discriminator" not in model.state_dict()
    assert set(metrics) == {"lr", "l1", "g_loss"}
    assert metrics["g_loss"] == pytest.approx(100 * metrics["l1"], rel=1e-5)


def test_pix2pix_discriminator_learns_to_tell_targets_from_outputs():
    model = pix2pix(l1_weight=0.0, lr=1e-3)
    batch = paired_batch()
    losses = [model.train_step(batch, step)["d_loss"] for step in range(15)]
    assert losses[-1] < losses[0]


def test_pix2pix_critic_sees_input_and_output_together():
    model = pix2pix()
    inputs, targets = (minigrad.tensor(part) for part in paired_batch(2))
    assert model.discriminator.net[0].in_channels == 2
    assert model.critic(inputs, targets).shape == (2, 1) + (model.discriminator.geometry(12).grid,) * 2


def test_cyclegan_reduces_its_cycle_error_and_fills_its_pools():
    model = cyclegan(total_steps=40, lr=2e-3)
    batch = unpaired_batch()
    history = [model.train_step(batch, step) for step in range(20)]
    assert np.mean([m["cycle"] for m in history[-4:]]) < 0.8 * np.mean([m["cycle"] for m in history[:4]])
    assert len(model.pools["a"]) == len(model.pools["b"]) == 6
    assert model.translate(batch[0], "a_to_b").shape == batch[0].shape


def test_cyclegan_identity_terms_follow_the_ratio():
    assert "identity" not in cyclegan(identity_ratio=0.0).train_step(unpaired_batch(), 0)
    assert "identity" in cyclegan().train_step(unpaired_batch(), 0)


def continue_training(model, batch, steps, first_step):
    minigrad.manual_seed(11)  # dropout's draws, which the caller's run layer seeds
    return [model.train_step(batch, step) for step in range(first_step, first_step + steps)]


@pytest.mark.parametrize("build, batch", [(pix2pix, paired_batch()), (cyclegan, unpaired_batch())],
                         ids=["pix2pix", "cyclegan"])
def test_a_model_restored_from_its_state_continues_exactly(build, batch):
    model = build(total_steps=8)
    for step in range(4):
        model.train_step(batch, step)
    state = state_as_arrays(model.state_dict())
    uninterrupted = continue_training(model, batch, 4, 4)
    resumed = build(total_steps=8)
    resumed.load_state_dict(state)
    assert continue_training(resumed, batch, 4, 4) == uninterrupted


def state_as_arrays(state):
    """A state as a checkpoint gives it back: tensors become numpy arrays (copies)."""
    if isinstance(state, dict):
        return {key: state_as_arrays(value) for key, value in state.items()}
    if isinstance(state, list):
        return [state_as_arrays(value) for value in state]
    return state.numpy().copy() if isinstance(state, minigrad.Tensor) else state


def test_learning_rate_is_constant_then_falls_linearly():
    factors = [decay_factor(step, 10, 0.5) for step in range(10)]
    assert factors[:5] == [1.0] * 5
    assert np.allclose(np.diff(factors[4:]), -1 / 6) and factors[-1] == pytest.approx(1 / 6)
    assert [decay_factor(step, 10, 0.0) for step in range(10)] == [1.0] * 10
    model = pix2pix(total_steps=4, decay_fraction=1.0)
    rates = [model.train_step(paired_batch(), step)["lr"] for step in range(4)]
    assert rates == pytest.approx([2e-4 * f for f in (4 / 5, 3 / 5, 2 / 5, 1 / 5)])


@pytest.mark.parametrize("make, message", [
    (lambda: Pix2PixConfig(norm="layer"), "norm must be one of"),
    (lambda: Pix2PixConfig(gan_loss="mse"), "gan_loss must be one of"),
    (lambda: Pix2PixConfig(l1_weight=-1), "l1_weight must be >= 0"),
    (lambda: CycleGANConfig(pool_size=-2), "pool_size must be >= 0"),
    (lambda: CycleGANConfig(dropout=1.0), "dropout must be in"),
    (lambda: CycleGANConfig(decay_fraction=1.5), "decay_fraction must be in"),
    (lambda: cyclegan().translate(np.zeros((1, 3, 12, 12)), "sideways"), "direction must be one of"),
    (lambda: pix2pix().translate(np.zeros((0, 1, 12, 12))), "got no inputs"),
])
def test_bad_settings_are_one_line_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()
