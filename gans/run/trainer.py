"""The generic trainer: the step loop every family runs on.

It owns seeding, the data source, EMA of the sampling modules, the metrics log, sample grids and
curves (through hooks), the NaN/inf guard, atomic checkpoints, exact resume, the wall-clock budget,
Ctrl-C and the folder lock. It knows a family only through ``Family`` and ``GenerativeModel``.
"""
import contextlib
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy

import minigrad
from minigrad import optim

from ..data import describe
from ..evaluation import final_metrics
from ..runio import MetricsLogger, atomic_write_json, atomic_write_text, read_jsonl, to_json
from .checkpoint import CHECKPOINT_NAME, checkpoint_state, load_modules, read_checkpoint, spec_of
from .config import RunConfig
from .folder import RunLock, remove_temp_files
from .guard import TrainingDiverged, check_finite, first_non_finite
from .settings import as_dict, field_names, validate

RESUMABLE = tuple(name for name in field_names(RunConfig)
                  if RunConfig.__dataclass_fields__[name].metadata.get("resumable"))


@dataclass
class Outcome:
    """How a call to ``Trainer.train`` ended: "finished", "interrupted" (Ctrl-C) or "budget" (--minutes)."""

    status: str
    step: int
    metrics: dict


class Trainer:
    """Train ``spec`` (a RunSpec of ``family``) into the run folder ``out``.

    ``resume``: False for a fresh run, True to continue from the checkpoint in ``out``, or the path
    of a checkpoint file. ``hooks``: callables ``hook(event, trainer)`` for "sample" (a grid is due)
    and "finish"; ``progress(step, record)`` is called after every step, with the record on logged
    steps and None on the others. ``family_lookup`` (name -> Family) and ``upgrades`` (version ->
    function) read checkpoints of other versions.
    """

    def __init__(self, family, spec, out, resume=False, hooks=(), progress=None, family_lookup=None, upgrades=None):
        self.family, self.spec, self.run = family, spec, spec.run
        self.upgrades = upgrades
        self.out = Path(out)
        self.hooks, self.progress = tuple(hooks), progress
        self.info = describe(spec.run.dataset)
        validate(spec.run, "run")
        validate(spec.model, "model")
        saved = self.read_resume_state(resume, family_lookup or (lambda name: family)) if resume else None
        if not resume and (self.out / CHECKPOINT_NAME).exists():
            raise FileExistsError(f"{self.out} already holds a run; pass --resume to continue it or pick another --out")
        minigrad.manual_seed(self.run.seed)
        self.rng = numpy.random.default_rng(self.run.seed)
        self.source = self.info.open(self.rng, self.run.data_dir)
        self.model = family.build(spec.model, self.run, self.info, self.rng, self.source)
        sampling = self.model.sampling_modules() if self.run.ema_decay else {}
        self.emas = {name: optim.EMA(module, self.run.ema_decay, self.run.ema_warmup) for name, module in sampling.items()}
        self.refreshed_at = None  # the EMA update whose averages were last refreshed for sampling
        self.step, self.elapsed = 0, 0.0
        self.stop_reason = None
        if saved is not None:
            self.restore(*saved)

    # ------------------------------------------------------------- resuming
    def read_resume_state(self, resume, family_lookup):
        """The checkpoint to resume from, its settings checked against ours before anything is built."""
        path, state = read_checkpoint(self.out if resume is True else resume, self.run.device, self.upgrades)
        saved = spec_of(state, path, family_lookup)
        changed = [f"{key}={value!r} there, {ours!r} here" for key, value, ours in changed_settings(saved, self.spec)]
        if changed:
            raise ValueError(f"cannot resume from {path}: the run was trained with other settings "
                             f"({'; '.join(changed)}); only {', '.join(RESUMABLE)} may change")
        if (saved.run.ema_decay == 0) != (self.run.ema_decay == 0):
            raise ValueError(f"cannot resume {path} with --ema-decay {self.run.ema_decay}: it was trained with "
                             f"{saved.run.ema_decay}; a run's average may change its decay, not start or stop")
        if self.run.steps < state["step"]:
            raise ValueError(f"cannot resume {path} with --steps {self.run.steps}: its checkpoint is at step "
                             f"{state['step']} already")
        return path, state

    def restore(self, path, state):
        load_modules(self.model.sampling_modules(), state["sampling"], path, "sampling")
        load_modules(self.emas, state["ema"], path, "averaged")
        for ema in self.emas.values():  # the average so far, continued with this session's decay
            ema.decay = self.run.ema_decay
        try:
            self.model.load_state_dict(state["family"])
            self.source.load_state(state["source"])
        except (KeyError, TypeError, RuntimeError) as error:
            raise ValueError(f"{path}: its saved state does not fit this {self.spec.family} model "
                             f"({type(error).__name__}: {error})") from None
        self.step = int(state["step"])
        self.rng.bit_generator.state = state["rng"]
        self.elapsed = float(state["wall_time"])

    # ----------------------------------------------------------------- loop
    def train(self):
        """Train until ``run.steps`` (or Ctrl-C, or the --minutes budget); returns an Outcome."""
        self.out.mkdir(parents=True, exist_ok=True)
        with RunLock(self.out), self.interruptible():
            remove_temp_files(self.out)
            atomic_write_json(self.out / "config.json", self.spec.to_dict())
            self.drop_records_after_checkpoint()
            with MetricsLogger(self.out / "metrics.jsonl") as log:
                try:
                    self.loop(log)
                except TrainingDiverged as error:
                    raise TrainingDiverged(f"{error}; training stopped. {self.last_good_checkpoint()}") from None
            if self.stop_reason:
                self.save_checkpoint()
                return Outcome(self.stop_reason, self.step, {})
            return Outcome("finished", self.step, self.finish())

    def loop(self, log):
        started, session_started = time.perf_counter() - self.elapsed, time.perf_counter()
        budget = self.run.minutes * 60
        while self.step < self.run.steps and not self.stop_reason:
            batch = self.source.batch(self.run.batch_size, self.run.device)
            record = self.model.train_step(batch, self.step)
            live = self.model.sampling_modules()
            for name, ema in self.emas.items():
                ema.update(live[name])
            self.step += 1
            self.elapsed = time.perf_counter() - started
            if self.run.is_logged(self.step - 1):
                record = self.log(log, record)
            elif self.progress is not None:
                self.progress(self.step, None)
            self.periodic_outputs()
            if budget and time.perf_counter() - session_started >= budget:
                self.stop_reason = "budget"

    def log(self, log, record):
        record = {"step": self.step, **{key: float(value) for key, value in record.items()},
                  "wall_time": self.elapsed}
        for key, value in record.items():
            check_finite(key, value, self.step - 1)
        log.log(record)
        if self.progress is not None:
            self.progress(self.step, record)
        return record

    def periodic_outputs(self):
        last = self.step == self.run.steps
        if self.step % self.run.sample_every == 0 or last:
            self.emit("sample")
        if self.step % self.run.checkpoint_every == 0 or last:
            self.save_checkpoint()

    def emit(self, event):
        for hook in self.hooks:
            hook(event, self)

    @contextlib.contextmanager
    def interruptible(self):
        """Ctrl-C asks the loop to stop after the current step (then it checkpoints); a second one
        interrupts at once."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def request_stop(signum, frame):
            if self.stop_reason == "interrupted":
                raise KeyboardInterrupt
            self.stop_reason = "interrupted"

        previous = signal.signal(signal.SIGINT, request_stop)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

    # ---------------------------------------------------------- checkpoints
    def save_checkpoint(self):
        """Write the checkpoint atomically, unless a weight went non-finite since the last one."""
        state = checkpoint_state(self)
        bad = first_non_finite({"sampling": state["sampling"], "family": state["family"]})
        if bad:
            raise TrainingDiverged(f"{bad.lstrip('/')} became non-finite by step {self.step}")
        minigrad.save(state, self.out / CHECKPOINT_NAME)

    def last_good_checkpoint(self):
        path = self.out / CHECKPOINT_NAME
        if not path.exists():
            return "No checkpoint had been written yet."
        step = read_checkpoint(path, upgrades=self.upgrades)[1]["step"]
        return f"The last good checkpoint (step {step}) is kept in {path}"

    def drop_records_after_checkpoint(self):
        """Keep only log records up to the current step, so a run resumed from a checkpoint older than
        its last logged step logs each step once; a fresh run starts an empty log."""
        log = self.out / "metrics.jsonl"
        if log.exists():
            kept = [record for record in read_jsonl(log) if record["step"] <= self.step]
            atomic_write_text(log, "".join(to_json(record) + "\n" for record in kept))

    # ------------------------------------------------------------- sampling
    @contextlib.contextmanager
    def sampling_weights(self):
        """Within: the model's sampling modules are their averages when the run keeps EMA."""
        if not self.emas:
            yield self.model
            return
        averaged = {name: ema.module for name, ema in self.emas.items()}
        updates = next(iter(self.emas.values())).num_updates
        if self.refreshed_at != updates:
            self.model.refresh_averaged(averaged, self.step)
            self.refreshed_at = updates
        live = self.model.sampling_modules()
        for name, module in averaged.items():
            setattr(self.model, name, module)
        try:
            yield self.model
        finally:
            for name, module in live.items():
                setattr(self.model, name, module)

    def sample(self, n, labels=None, rng=None, **options):
        with self.sampling_weights() as model:
            return model.sample(n, labels, rng, **options)

    def preview(self):
        with self.sampling_weights() as model:
            return model.preview()

    def finish(self):
        """Hooks' curves and the data kind's final figures, written into the run folder."""
        self.emit("finish")
        metrics = {"step": self.step, **final_metrics(self.info, lambda: self.sample(self.run.eval_samples))}
        atomic_write_json(self.out / "final_metrics.json", metrics)
        return metrics


def changed_settings(saved, current, may_change=RESUMABLE):
    """(name, saved value, current value) of every setting of two RunSpecs that differs, but for the run
    settings in ``may_change``."""
    old, new = _flat(saved), _flat(current)
    return [(key, old.get(key), value) for key, value in new.items() if key not in may_change and old.get(key) != value]


def _flat(spec):
    """{setting name: value} of a RunSpec (run and family settings share one namespace)."""
    values = {"family": spec.family, "preset": spec.preset}
    for config in (spec.run, spec.model):
        values.update({key: list(value) if isinstance(value, tuple) else value
                       for key, value in as_dict(config).items()})
    return values
