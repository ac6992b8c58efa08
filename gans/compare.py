"""Mode coverage of several models on the 2D mixtures, averaged over seeds.

Each (model, dataset, seed) run lives in ``OUT/MODEL-DATASET-sSEED``; a run
that already finished (its ``final_metrics.json`` exists) is read, not
retrained, so runs can be trained in parallel beforehand with ``python -m gans
train ... --out`` into the same folder and this only gathers them. The table
(markdown) and the per-run figures (JSON) are written into ``OUT``.
"""
import math
import statistics
from pathlib import Path

from .runio import atomic_write_json, atomic_write_text, read_json
from .train import AdversarialTrainer, make_config
from .train.checkpoint import CHECKPOINT_NAME

FIGURES = {"modes_captured": ".1f", "high_quality_percent": ".1f", "reverse_kl": ".3f"}  # key -> format


def run_folder(out, model, dataset, seed):
    return Path(out) / f"{model}-{dataset}-s{seed}"


def final_metrics(out, model, dataset, seed, steps=None, train=True):
    """The run's final mode coverage, training (or resuming) it first when it has not finished."""
    folder = run_folder(out, model, dataset, seed)
    if not (folder / "final_metrics.json").exists():
        if not train:
            raise FileNotFoundError(f"{folder} has no final_metrics.json (train it, or drop --no-train)")
        print(f"training {model} on {dataset}, seed {seed} -> {folder}", flush=True)
        config = make_config(model, dataset, steps=steps, seed=seed)
        AdversarialTrainer(config, folder, resume=(folder / CHECKPOINT_NAME).exists()).train()
    return read_json(folder / "final_metrics.json")


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
        captured, quality, kl = (_spread([run[key] for run in runs], form) for key, form in FIGURES.items())
        lines.append(f"| {dataset} | {model} | {len(runs)} | {captured}/{runs[0]['n_modes']} | {quality}% | {kl} |")
    return "\n".join(lines)


def _spread(values, form):
    """'mean' of one value, 'mean ± std' of several ('inf' when a run had no high-quality sample)."""
    mean = statistics.fmean(values)
    if len(values) == 1 or not math.isfinite(mean):
        return f"{mean:{form}}"
    return f"{mean:{form}} ± {statistics.stdev(values):{form}}"
