"""Mode coverage of several models on the 2D mixtures, averaged over seeds.

Each (model, dataset, seed) run lives in ``OUT/MODEL-DATASET-sSEED`` (with ``-STEPSsteps`` when the
run length is not the preset's); a run that already finished with the settings asked for is read,
not retrained, so runs can be trained in parallel beforehand with ``python -m gans train ... --out``
into the same folder and this only gathers them. A folder holding a run with other settings is an
error, never a result. The table (markdown) and the per-run figures (JSON) are written into ``OUT``.
"""
import math
import statistics
from pathlib import Path

from . import families
from .data import describe
from .run import CHECKPOINT_NAME, PICTURES, Trainer, resolve
from .run.config import spec_from_dict
from .run.trainer import changed_settings
from .runio import atomic_write_json, atomic_write_text, read_json

FIGURES = {"modes_captured": ".1f", "high_quality_percent": ".1f", "reverse_kl": ".3f"}  # key -> format
DEFAULT_MODELS = ("gan", "nsgan", "wgan", "wgan-gp", "sngan")
DEFAULT_DATASETS = ("ring8", "grid25")
# settings that change how a run ran, not what it computed (steps are checked against its final step)
HOW_IT_RAN = ("device", "data_dir", "minutes", "log_every", "sample_every", "checkpoint_every", "steps")


def planned_run(out, model, dataset, seed, steps=None):
    """(family, spec, folder) of one (model, dataset, seed) run of ``steps`` (None: the preset's)."""
    family, preset = families.find(model)
    info = describe(dataset)
    spec = resolve(family, preset, info, {"seed": seed, **({"steps": steps} if steps else {})})
    default_steps = resolve(family, preset, info, {"seed": seed}).run.steps
    suffix = "" if spec.run.steps == default_steps else f"-{spec.run.steps}steps"
    return family, spec, Path(out) / f"{model}-{dataset}-s{seed}{suffix}"


def final_metrics(out, model, dataset, seed, steps=None, train=True):
    """The run's final mode coverage, training (or resuming) it first when it has not finished."""
    family, spec, folder = planned_run(out, model, dataset, seed, steps)
    finished = finished_metrics(folder, spec)
    if finished is not None:
        return finished
    if not train:
        raise FileNotFoundError(f"{folder} has no finished run (train it, or drop --no-train)")
    print(f"training {model} on {dataset}, seed {seed} -> {folder}", flush=True)
    Trainer(family, spec, folder, resume=(folder / CHECKPOINT_NAME).exists(), hooks=PICTURES,
            family_lookup=families.get_family).train()
    return read_json(folder / "final_metrics.json")


def finished_metrics(folder, spec):
    """The final metrics of the run in ``folder`` when it finished with exactly ``spec``'s settings; None
    when it has not finished; an error when it holds a run with other settings."""
    if not (folder / "config.json").exists():
        return None
    saved = spec_from_dict(families.upgrade_config(read_json(folder / "config.json")), families.get_family,
                           str(folder / "config.json"))
    differing = [key for key, _, _ in changed_settings(saved, spec, may_change=HOW_IT_RAN)]
    if differing:
        raise FileExistsError(f"{folder} holds a run with other settings ({', '.join(differing)}); "
                              f"move it away or pick another --out")
    if not (folder / "final_metrics.json").exists():
        return None
    metrics = read_json(folder / "final_metrics.json")
    return metrics if metrics.get("step") == spec.run.steps else None


def compare(models, datasets, seeds, out, steps=None, train=True):
    """Rows of (dataset, model, [metrics of each seed]); also writes OUT/results.json and OUT/table.md."""
    rows = [(dataset, model, [final_metrics(out, model, dataset, seed, steps, train) for seed in seeds])
            for dataset in datasets for model in models]
    atomic_write_json(Path(out) / "results.json", [
        {"dataset": dataset, "model": model, "seeds": list(seeds), "runs": runs} for dataset, model, runs in rows])
    table = format_table(rows)
    atomic_write_text(Path(out) / "table.md", table + "\n")
    return rows, table


def format_table(rows):
    """Markdown: one line per (dataset, model), each figure as mean ± std over the seeds."""
    lines = ["| dataset | model | seeds | modes captured | high quality | reverse KL |",
             "|---|---|---:|---:|---:|---:|"]
    for dataset, model, runs in rows:
        captured, quality, kl = (_spread([float(run[key]) for run in runs], form) for key, form in FIGURES.items())
        lines.append(f"| {dataset} | {model} | {len(runs)} | {captured}/{runs[0]['n_modes']} | {quality}% | {kl} |")
    return "\n".join(lines)


def _spread(values, form):
    """'mean' of one value, 'mean ± std' of several ('inf' when a run had no high-quality sample)."""
    mean = statistics.fmean(values)
    if len(values) == 1 or not math.isfinite(mean):
        return f"{mean:{form}}"
    return f"{mean:{form}} ± {statistics.stdev(values):{form}}"
