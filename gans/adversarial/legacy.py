"""Runs written by gans 0.1 (the adversarial-only trainer, checkpoint version 1), read into today's layout.

Version 1 stored one flat TrainConfig (``model`` was the preset) and the two networks and optimizers
at the top of the checkpoint; the weights themselves are unchanged, so such a run samples, evaluates
and resumes as if this version had written it.
"""
from ..run.checkpoint import FORMAT, VERSION
from ..run.config import SPEC_FORMAT, SPEC_VERSION, RunConfig
from ..run.settings import field_names
from .config import AdversarialConfig


def upgrade_config_v1(config):
    """A version-1 flat config as today's RunSpec dict."""
    return {"format": SPEC_FORMAT, "version": SPEC_VERSION, "family": "adversarial", "preset": config["model"],
            "run": {key: config[key] for key in field_names(RunConfig) if key in config},
            "model": {key: config[key] for key in field_names(AdversarialConfig) if key in config}}


def upgrade_v1(state):
    """A version-1 checkpoint's state in today's layout."""
    meta = state["meta"]
    return {
        "format": FORMAT, "version": VERSION, "spec": upgrade_config_v1(meta["config"]),
        "step": meta["step"], "wall_time": meta.get("wall_time", 0.0), "rng": meta["rng"], "source": state["source"],
        "sampling": {"generator": state["generator"]},
        "ema": {"generator": state["ema"]} if "ema" in state else {},
        "family": {key: state[key] for key in ("discriminator", "g_optimizer", "d_optimizer")},
    }


def is_v1_config(values):
    return isinstance(values, dict) and "format" not in values and {"model", "dataset", "loss"} <= values.keys()
