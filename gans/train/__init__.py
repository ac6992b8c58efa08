"""Training loops, one per family, each configured by a dataclass."""
from .adversarial import AdversarialTrainer, TrainingDiverged
from .config import PRESETS, OptimizerSpec, TrainConfig, make_config

__all__ = ["AdversarialTrainer", "TrainingDiverged", "PRESETS", "OptimizerSpec", "TrainConfig", "make_config"]
