"""gans.run, the generic trainer, driven by the smallest real family (gans/examples/autoencoder): the loop,
lazy logging, exact resume, the NaN guard, EMA of the sampling modules, the lock, Ctrl-C, the --minutes
budget, temp-file cleanup, sampling from the checkpoint alone, and the settings machinery."""
import json
import os
import signal
from dataclasses import dataclass
from pathlib import Path

import numpy
import pytest

import minigrad
from gans.data import describe
from gans.examples.autoencoder import FAMILY
from gans.families import get_family
from gans.run import Trainer, TrainingDiverged, load_sampler, resolve
from gans.run.folder import RunLock
from gans.run.settings import build, setting
from gans.runio import read_jsonl
from run_checks import assert_same_state, without_time


def spec(**overrides):
    settings = dict(steps=6, batch_size=32, log_every=1, checkpoint_every=3, width=16, lr=1e-2)
    return resolve(FAMILY, "example-ae", describe("ring8"), {**settings, **overrides})


def train(run_spec, out, **kwargs):
    outcome = Trainer(FAMILY, run_spec, out, **kwargs).train()
    return outcome, read_jsonl(Path(out) / "metrics.jsonl")


def test_the_example_family_learns_to_reconstruct(tmp_path):
    outcome, records = train(spec(steps=60, log_every=10), tmp_path)
    assert outcome.status == "finished" and outcome.step == 60
    assert [r["step"] for r in records] == [1, 10, 20, 30, 40, 50, 60]
    assert records[-1]["loss"] < 0.2 * records[0]["loss"]
    assert outcome.metrics["step"] == 60 and outcome.metrics["n_modes"] == 8  # points: mode coverage at the end


def test_unlogged_steps_read_nothing_back(tmp_path, monkeypatch):
    reads = []
    original = minigrad.Tensor.item
    monkeypatch.setattr(minigrad.Tensor, "item", lambda self: reads.append(1) or original(self))
    run = spec(steps=8, log_every=4, checkpoint_every=100, eval_samples=10)
    trainer = Trainer(FAMILY, run, tmp_path)
    trainer.info = describe("swissroll")  # no modes: nothing is scored at the end
    trainer.train()
    assert len(reads) == 3  # the loss of steps 1, 4 and 8


def test_resuming_half_way_reproduces_the_uninterrupted_run(tmp_path):
    _, whole = train(spec(), tmp_path / "whole")
    train(spec(steps=3), tmp_path / "halves")
    _, resumed = train(spec(), tmp_path / "halves", resume=True)
    assert without_time(resumed) == without_time(whole)
    assert_same_state(tmp_path / "whole", tmp_path / "halves")


def test_ema_averages_the_sampling_modules_and_sampling_uses_the_average(tmp_path):
    trainer = Trainer(FAMILY, spec(ema_decay=0.5), tmp_path)
    trainer.train()
    average = trainer.emas["decoder"].module
    assert trainer.emas.keys() == {"decoder"} and average is not trainer.model.decoder
    rng = lambda: numpy.random.default_rng(3)  # noqa: E731
    with minigrad.no_grad():
        codes = minigrad.tensor(rng().standard_normal((5, 2)).astype(numpy.float32))
        expected = average(codes).numpy()
    numpy.testing.assert_array_equal(trainer.sample(5, rng=rng()), expected)
    assert trainer.model.decoder is not average  # the live module is back after sampling
    _, model, step = load_sampler(tmp_path, get_family, seed=3)
    numpy.testing.assert_array_equal(model.sample(5, rng=rng()), expected)  # the checkpoint samples the average
    assert step == 6 and not hasattr(model, "encoder") and not hasattr(model, "optimizer")


def test_a_nan_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path):
    trainer = Trainer(FAMILY, spec(), tmp_path)
    step = trainer.model.train_step
    trainer.model.train_step = lambda batch, i: {"loss": float("nan")} if i == 4 else step(batch, i)
    with pytest.raises(TrainingDiverged, match=r"loss became nan at step 5; training stopped\. "
                                               r"The last good checkpoint \(step 3\) is kept"):
        trainer.train()
    assert minigrad.load(tmp_path / "checkpoint.npz")["step"] == 3


def test_a_divergence_before_any_checkpoint_says_there_is_none(tmp_path):
    trainer = Trainer(FAMILY, spec(), tmp_path)
    trainer.model.train_step = lambda batch, i: {"loss": float("inf")}
    with pytest.raises(TrainingDiverged, match="No checkpoint had been written yet"):
        trainer.train()


def test_non_finite_weights_are_never_checkpointed(tmp_path):
    trainer = Trainer(FAMILY, spec(log_every=100), tmp_path)
    step = trainer.model.train_step

    def poisoned(batch, i):
        if i == 4:
            with minigrad.no_grad():
                trainer.model.decoder[0].weight.data[0, 0] = float("nan")
        return step(batch, i)

    trainer.model.train_step = poisoned
    with pytest.raises(TrainingDiverged, match="sampling/decoder/0.weight became non-finite by step 6"):
        trainer.train()
    assert minigrad.load(tmp_path / "checkpoint.npz")["step"] == 3


def test_a_second_trainer_is_locked_out_of_a_folder_in_use(tmp_path):
    tmp_path.mkdir(exist_ok=True)
    with RunLock(tmp_path), pytest.raises(FileExistsError, match="being trained by another process"):
        Trainer(FAMILY, spec(), tmp_path).train()
    train(spec(steps=1), tmp_path)  # released


def test_ctrl_c_checkpoints_the_last_whole_step_and_the_run_resumes_exactly(tmp_path):
    _, whole = train(spec(), tmp_path / "whole")

    def interrupt(event, trainer):
        if event == "sample" and trainer.step == 2:
            os.kill(os.getpid(), signal.SIGINT)

    outcome, _ = train(spec(sample_every=1), tmp_path / "cut", hooks=[interrupt])
    assert (outcome.status, outcome.step) == ("interrupted", 2)
    assert minigrad.load(tmp_path / "cut" / "checkpoint.npz")["step"] == 2
    assert not (tmp_path / "cut" / "final_metrics.json").exists()
    _, resumed = train(spec(sample_every=1), tmp_path / "cut", resume=True)
    assert without_time(resumed) == without_time(whole)


def test_the_minutes_budget_stops_with_a_checkpoint(tmp_path):
    outcome, _ = train(spec(minutes=1e-9), tmp_path)
    assert (outcome.status, outcome.step) == ("budget", 1)
    assert minigrad.load(tmp_path / "checkpoint.npz")["step"] == 1


def test_temp_files_of_an_interrupted_write_are_removed_on_the_next_start(tmp_path):
    train(spec(steps=2), tmp_path)
    stale = [tmp_path / ".checkpoint.npz.0123abcd.tmp", tmp_path / "samples" / ".step_000002.png.99.tmp"]
    for path in stale:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"half")
    train(spec(steps=3), tmp_path, resume=True)
    assert not any(path.exists() for path in stale)


def test_resume_refuses_fewer_steps_than_the_checkpoint_and_other_settings(tmp_path):
    train(spec(steps=3), tmp_path)
    with pytest.raises(ValueError, match="--steps 2: its checkpoint is at step 3"):
        Trainer(FAMILY, spec(steps=2), tmp_path, resume=True)
    with pytest.raises(ValueError, match="width=16 there, 8 here"):
        Trainer(FAMILY, spec(width=8), tmp_path, resume=True)
    assert json.loads((tmp_path / "config.json").read_text())["run"]["steps"] == 3


def test_a_resumed_average_continues_with_a_new_decay_but_cannot_start_or_stop(tmp_path):
    train(spec(steps=3, ema_decay=0.5), tmp_path)
    averaged = load_sampler(tmp_path, get_family)[1].decoder  # the checkpoint's average, as sampling reads it
    saved = {name: p.numpy().copy() for name, p in averaged.named_parameters()}
    trainer = Trainer(FAMILY, spec(ema_decay=0.9), tmp_path, resume=True)
    (ema,) = trainer.emas.values()
    assert ema.decay == 0.9 and ema.num_updates == 3
    assert all(numpy.array_equal(p.numpy(), saved[name]) for name, p in ema.module.named_parameters())
    trainer.train()
    assert json.loads((tmp_path / "config.json").read_text())["run"]["ema_decay"] == 0.9
    with pytest.raises(ValueError, match="--ema-decay 0.0: it was trained with 0.9; .* not start or stop"):
        Trainer(FAMILY, spec(steps=9, ema_decay=0.0), tmp_path, resume=True)
    train(spec(steps=3), tmp_path / "plain")
    with pytest.raises(ValueError, match="--ema-decay 0.9: it was trained with 0.0; .* not start or stop"):
        Trainer(FAMILY, spec(ema_decay=0.9), tmp_path / "plain", resume=True)


@dataclass
class Nested:
    rate: float = setting(0.1, "a rate", above=0.0)
    pair: tuple[float, float] = setting((0.5, 0.9), "a pair", minimum=0.0, maximum=1.0)


@dataclass
class Example:
    count: int = setting(1, "a count", minimum=1)
    kind: str = setting("a", "a kind", choices=("a", "b"))
    flag: bool = setting(False, "a flag")
    nested: Nested = setting(Nested(), "nested settings")


@pytest.mark.parametrize("values, message", [
    ({"count": 0}, "count: expected an integer >= 1, got 0"),
    ({"count": 1.5}, "count: expected an integer >= 1, got 1.5"),
    ({"count": True}, "count: expected an integer >= 1, got True"),
    ({"kind": "c"}, "kind: expected one of a, b, got 'c'"),
    ({"flag": 1}, "flag: expected true or false, got 1"),
    ({"nested": {"rate": 0}}, "nested.rate: expected a number > 0.0, got 0"),
    ({"nested": {"pair": [0.5]}}, "nested.pair: expected 2 values, got"),
    ({"nested": {"pair": [0.5, 2]}}, "nested.pair: expected a number >= 0.0 and <= 1.0, got 2"),
    ({"colour": 1}, "unknown setting.s. colour"),
    ({"count": float("nan")}, "count: expected an integer >= 1, got nan"),
])
def test_settings_are_checked_field_by_field_naming_the_field(values, message):
    with pytest.raises(ValueError, match=message):
        build(Example, values)


def test_settings_read_back_from_json_keep_their_types():
    example = build(Example, json.loads(json.dumps({"count": 3, "nested": {"pair": [0.1, 0.2]}})))
    assert example == Example(count=3, nested=Nested(pair=(0.1, 0.2)))
