"""The run's own settings (shared by every family) and the spec of a whole run.

A run is one family with one preset on one dataset: ``RunSpec`` holds the family's and preset's
names, the ``RunConfig`` below and the family's own config dataclass. It is what ``config.json`` and
every checkpoint store, so a run folder (even a lone checkpoint file) says how to rebuild its model.
"""
from dataclasses import dataclass

from .settings import as_dict, build, setting

SPEC_FORMAT = "gans-run"
SPEC_VERSION = 2  # 1: the adversarial-only trainer's flat TrainConfig (gans <= 0.1)


@dataclass
class RunConfig:
    dataset: str = setting("ring8", "dataset to train on (see `python -m gans list`)")
    steps: int = setting(2000, "training steps (a GAN's generator updates)", minimum=1, resumable=True)
    batch_size: int = setting(64, "examples per batch", minimum=1)
    seed: int = setting(0, "seed of every random draw of the run", minimum=0)
    device: str = setting("cpu", "cpu, cuda or cuda:N", resumable=True)
    data_dir: str = setting("", "folder holding mnist/ and fashion-mnist/ (else $GANS_DATA)", resumable=True)
    ema_decay: float = setting(0.0, "sample from a weight average of the sampling networks (e.g. 0.999); 0: off. "
                                    "A resumed average may take a new decay (a longer run, a longer average)",
                               minimum=0.0, maximum=0.999999, resumable=True)
    ema_warmup: bool = setting(False, "average with decay min(ema_decay, (1+n)/(10+n)) at update n, so a short "
                                      "run's average forgets the random initial weights")
    log_every: int = setting(10, "steps between metrics records (and progress-bar updates)", minimum=1,
                             resumable=True)
    sample_every: int = setting(500, "steps between sample grids", minimum=1, resumable=True)
    checkpoint_every: int = setting(500, "steps between checkpoints", minimum=1, resumable=True)
    eval_samples: int = setting(2500, "samples scored at the end of training", minimum=1, resumable=True)
    minutes: float = setting(0.0, "wall-clock budget of this session in minutes (checkpoint and stop); 0: none",
                             minimum=0.0, resumable=True)

    def is_logged(self, step):
        """Whether step ``step`` (0-based) writes a metrics record; families compute costly figures
        (gradient norms, host syncs) only then."""
        return step == 0 or (step + 1) % self.log_every == 0


@dataclass
class RunSpec:
    """Everything that defines a run: family, preset, the run's settings and the family's config."""

    family: str
    preset: str
    run: RunConfig
    model: object  # the family's config dataclass

    def to_dict(self):
        return {"format": SPEC_FORMAT, "version": SPEC_VERSION, "family": self.family, "preset": self.preset,
                "run": as_dict(self.run), "model": as_dict(self.model)}


def spec_from_dict(values, family_lookup, where):
    """A RunSpec from its JSON form; ``family_lookup(name)`` gives the Family. Every value is checked
    here, before anything is allocated; an older format is named with the version that wrote it."""
    if not isinstance(values, dict) or values.get("format") != SPEC_FORMAT:
        version = "gans 0.1 (the adversarial-only trainer)" if isinstance(values, dict) and "model" in values \
            and "loss" in values else "an unknown program"
        raise ValueError(f"{where}: not a {SPEC_FORMAT} config; it was written by {version}")
    if values.get("version") != SPEC_VERSION:
        raise ValueError(f"{where}: config version {values.get('version')!r} (this gans reads version {SPEC_VERSION})")
    family = family_lookup(values.get("family"))
    run = build(RunConfig, values.get("run"), f"{where}: run")
    model = build(family.config_class, values.get("model"), f"{where}: model")
    return RunSpec(family.name, str(values.get("preset")), run, model)
