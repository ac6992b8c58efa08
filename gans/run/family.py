"""What a generative family gives the run layer: a Family (config class, presets, build) and a model.

The model owns its algorithm (losses, update rule, sampler); the trainer owns the loop. A family
subclasses ``GenerativeModel`` and registers one ``Family`` in ``gans/families.py``; see
docs/new-family.md.
"""
import dataclasses
from dataclasses import dataclass, field
from typing import Callable

from .config import RunConfig, RunSpec
from .settings import as_dict, build, field_names


@dataclass(frozen=True)
class Preset:
    """Named settings of a family, with what they are and where they come from.

    ``settings`` may set fields of the family's config and of RunConfig alike; ``per_kind`` adds
    settings for one kind of data (e.g. the learning rates tuned for the 2D toy sets).
    """

    name: str
    help: str
    source: str  # the paper or repository the settings come from
    settings: dict = field(default_factory=dict)
    per_kind: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Family:
    """One generative family: its config dataclass, presets, the data kinds it trains on, and
    ``build(config, run, info, rng, source=None) -> GenerativeModel`` (``source`` None: sampling only).

    ``kind_defaults`` holds settings per data kind below every preset (architecture sizes, say);
    ``sample_options`` is an optional dataclass of ``sample`` keyword options, made into CLI flags;
    ``check(spec, info)`` refuses settings that cannot work on the data before anything is allocated.
    """

    name: str
    help: str
    config_class: type
    presets: dict
    data_kinds: tuple
    build: Callable
    default_dataset: str
    kind_defaults: dict = field(default_factory=dict)
    sample_options: type = None
    check: Callable = None  # check(spec, info): a ValueError for settings that do not fit the data
    #: evaluate(model, spec, samples, options, seed, data_dir, log, folder) -> dict: the family's own figures
    #: for `evaluate`, beside the data's (pictures may go into the run folder ``folder``); ``options`` is an
    #: instance of ``evaluate_options`` (a dataclass like ``sample_options``, its fields `evaluate` flags)
    evaluate: Callable = None
    evaluate_options: type = None


class GenerativeModel:
    """The interface of a family's model (subclass it; the defaults here are what most families want).

    Built by ``Family.build``; holds its networks, optimizers and random generator. ``rng`` is the
    run's NumPy generator (shared with the data source, checkpointed by the trainer).
    """

    #: number of classes the model is conditioned on (``sample(labels=...)``); None: unconditional
    classes = None
    #: record keys shown in the progress bar, as {short label: key}
    headline = {}
    #: curves drawn at the end of training: {file name: (record keys, {key: legend label})}
    curves = {}
    #: sampling options `evaluate` must draw with their defaults, as {option: why}: the data's figures
    #: read the samples as what the default draws (CycleGAN's B -> A outputs, say)
    evaluate_with_defaults = {}

    def train_step(self, batch, step):
        """One training step on ``batch`` (the source's tuple of tensors); ``step`` counts from 0.

        Returns the step's record, a dict of floats; on steps that are not logged
        (``run.is_logged(step)`` is False) it may return {} so that nothing is read back from the device.
        """
        raise NotImplementedError

    def sample(self, n, labels=None, rng=None, **options):
        """``n`` samples as a NumPy array in the data's range; ``rng`` (a NumPy Generator) draws the
        noise, the run's own generator when None."""
        raise NotImplementedError

    def sampling_modules(self):
        """{attribute name: nn.Module} of the networks ``sample`` uses. EMA averages these; ``sample``
        and ``evaluate`` build and restore only these. The trainer may set these attributes to their
        averaged copies while it samples."""
        raise NotImplementedError

    def state_dict(self):
        """Everything else exact resume needs (other networks, optimizers, counters), as nested
        dicts/lists of tensors, arrays, numbers and strings."""
        return {}

    def load_state_dict(self, state):
        """Restore what ``state_dict`` returned."""

    def preview(self):
        """Samples for the sample grids, the same latents every time: by default ``sample`` with a
        generator seeded by the run's seed."""
        import numpy

        return self.sample(self.info.preview_count, rng=numpy.random.default_rng(self.run.seed))

    def refresh_averaged(self, modules, step):
        """Called with the averaged copies of ``sampling_modules`` before they are sampled from (once
        per EMA update; ``step`` steps done), e.g. to measure their own batch-norm statistics.
        Default: nothing."""


def split_settings(settings, config_class):
    """(run settings, family settings) of a flat dict; a key neither dataclass has is an error."""
    run_keys, family_keys = set(field_names(RunConfig)), set(field_names(config_class))
    unknown = sorted(set(settings) - run_keys - family_keys)
    if unknown:
        raise ValueError(f"unknown setting(s) {', '.join(unknown)}")
    return ({key: value for key, value in settings.items() if key in run_keys},
            {key: value for key, value in settings.items() if key in family_keys})


def resolve(family, preset_name, info, overrides):
    """The RunSpec of ``preset_name`` (or the family's own defaults when it is the family's name) on
    the data ``info`` describes, with ``overrides`` (a flat dict of run and family settings) on top.

    Order, later winning: RunConfig defaults, the data kind's defaults, the family's kind defaults,
    the preset, the preset's settings for this kind, the overrides. An override ``"a.b"`` sets field
    ``b`` of the nested config ``a`` only.
    """
    if info.kind not in family.data_kinds:
        raise ValueError(f"{family.name} trains on {' or '.join(family.data_kinds)} data; "
                         f"dataset {info.name!r} is {info.kind}")
    preset = family.presets.get(preset_name) or Preset(family.name, family.help, "")
    settings = {**info.run_defaults, **family.kind_defaults.get(info.kind, {}), **preset.settings,
                **preset.per_kind.get(info.kind, {}), "dataset": info.name}
    settings = _with_overrides(_plain(settings), _plain(overrides), family.config_class())
    spec = spec_from_settings(family, preset.name, settings)
    if family.check is not None:
        family.check(spec, info)
    return spec


def respec(spec, family, overrides):
    """``spec`` with ``overrides`` (flat, as in ``resolve``) applied and checked again."""
    settings = _with_overrides({**as_dict(spec.run), **as_dict(spec.model)}, _plain(overrides), family.config_class())
    return spec_from_settings(family, spec.preset, settings)


def spec_from_settings(family, preset_name, settings):
    """The RunSpec of a flat dict of run and family settings, every value checked."""
    run_settings, family_settings = split_settings(settings, family.config_class)
    run, model = build(RunConfig, run_settings), build(family.config_class, family_settings)
    return RunSpec(family.name, preset_name, run, model)


def _plain(settings):
    """Nested dataclass values as dicts, so ``build`` checks them too."""
    return {key: dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value
            for key, value in settings.items()}


def _with_overrides(settings, overrides, defaults):
    """``settings`` with ``overrides`` on top; a dotted key changes one field of a nested config."""
    settings = dict(settings)
    for key, value in overrides.items():
        outer, _, inner = key.partition(".")
        if not inner:
            settings[key] = value
            continue
        if not hasattr(defaults, outer):
            raise ValueError(f"unknown setting {key}")
        nested = settings.get(outer, dataclasses.asdict(getattr(defaults, outer)))
        settings[outer] = {**nested, inner: value}
    return settings
