"""The limited-data table and figure of docs/stylegan.md from run folders (see the commands there).

python docs/limited_data_figure.py RUNS_DIR OUT.png: RUNS_DIR holds one run folder per variant
(plain, diffaugment, ada) and, beside each, VARIANT.eval.STEP.json written by `gans evaluate`.
Prints a Markdown table; draws FD over training, the D(x) - D(G(z)) gap and ADA's p.
"""
import json
import sys
from pathlib import Path

import numpy

from gans import plots
from gans.runio import read_jsonl

VARIANTS = {"plain": "DCGAN", "diffaugment": "+ DiffAugment", "ada": "+ ADA (target 0.6)"}


def evaluations(runs, variant):
    """[(step, evaluation dict)] of one variant, by step."""
    found = [(int(path.stem.rsplit(".", 1)[1]), json.loads(path.read_text()))
             for path in runs.glob(f"{variant}.eval.*.json")]
    return sorted(found, key=lambda pair: pair[0])


def gap(records, last):
    """Mean D(x) - D(G(z)) over the logged steps in (last - 100, last]."""
    window = [r["d_real"] - r["d_fake"] for r in records if last - 100 < r["step"] <= last]
    return float(numpy.mean(window))


def table(runs):
    lines = ["| variant | step | FD | confident | class KL | D(x) - D(G(z)) (last 100 steps) | p |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for variant, label in VARIANTS.items():
        records = read_jsonl(runs / variant / "metrics.jsonl")
        for step, scores in evaluations(runs, variant):
            p = next((r.get("augment_p") for r in reversed(records) if r["step"] <= step), None)
            lines.append(f"| {label} | {step} | {scores['frechet_distance']:.1f} | "
                         f"{100 * scores['confident_fraction']:.1f}% | {scores['class_kl']:.3f} | "
                         f"{gap(records, step):.3f} | {'' if p is None else f'{p:.2f}'} |")
    return "\n".join(lines)


def figure(runs, out):
    figure = plots.new_figure((13, 3.8))
    fd_axes, gap_axes, p_axes = (figure.add_subplot(1, 3, i) for i in (1, 2, 3))
    for index, (variant, label) in enumerate(VARIANTS.items()):
        style = dict(label=label, color=f"C{index}")
        records = read_jsonl(runs / variant / "metrics.jsonl")
        steps = numpy.array([r["step"] for r in records])
        gaps = numpy.array([r["d_real"] - r["d_fake"] for r in records])
        smooth = numpy.convolve(gaps, numpy.ones(5) / 5, mode="same")
        gap_axes.plot(steps, smooth, **style)
        evaluated = evaluations(runs, variant)
        fd_axes.plot([s for s, _ in evaluated], [e["frechet_distance"] for _, e in evaluated], "o-", **style)
        if any("augment_p" in r for r in records):
            p_axes.plot(steps, [r.get("augment_p", numpy.nan) for r in records], **style)
    for axes, title in ((fd_axes, "classifier FD (2,000 samples vs MNIST test)"),
                        (gap_axes, "D(x) - D(G(z)) on D's inputs (5-record mean)"),
                        (p_axes, "augmentation probability p")):
        axes.set_title(title, fontsize=9)
        axes.set_xlabel("step")
        axes.grid(alpha=0.3)
        axes.legend(fontsize=8)
    plots.save_figure(figure, out)


if __name__ == "__main__":
    runs_dir = Path(sys.argv[1])
    print(table(runs_dir))
    figure(runs_dir, Path(sys.argv[2]))
