"""The run layer: the generic trainer and what a family gives it (see docs/new-family.md).

Knows no family: a family registers in gans/families.py and is handed in.
"""
from .checkpoint import CHECKPOINT_NAME, load_sampler, read_checkpoint
from .config import RunConfig, RunSpec
from .family import Family, GenerativeModel, Preset, resolve
from .guard import TrainingDiverged, check_finite, gradient_norm
from .hooks import PICTURES
from .settings import setting
from .trainer import Outcome, Trainer

__all__ = ["CHECKPOINT_NAME", "Family", "GenerativeModel", "Outcome", "PICTURES", "Preset", "RunConfig", "RunSpec",
           "Trainer", "TrainingDiverged", "check_finite", "gradient_norm", "load_sampler", "read_checkpoint",
           "resolve", "setting"]
