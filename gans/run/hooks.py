"""Pictures of a run as trainer hooks: sample grids on their cadence, metric curves at the end.

matplotlib is imported only when a picture is drawn; a trainer without hooks draws nothing (tests).
"""
from contextlib import contextmanager

from ..runio import read_jsonl


def sample_grid(event, trainer):
    """samples/step_NNNNNN.png: the model's preview samples, drawn as the data kind shows them."""
    if event == "sample":
        path = trainer.out / "samples" / f"step_{trainer.step:06d}.png"
        trainer.info.show(trainer.preview(), path, title=f"{trainer.spec.preset} step {trainer.step}")


def curves(event, trainer):
    """One PNG per entry of the model's ``curves`` (e.g. losses.png), from metrics.jsonl."""
    if event != "finish" or not trainer.model.curves:
        return
    from .. import plots

    records = read_jsonl(trainer.out / "metrics.jsonl")
    for name, (keys, labels) in trainer.model.curves.items():
        if any(key in record for record in records for key in keys):
            plots.plot_curves(records, keys, trainer.out / name, labels=labels, title=name.rsplit(".", 1)[0])


PICTURES = (sample_grid, curves)


@contextmanager
def progress_bar(trainer, quiet=False):
    """A tqdm bar (step, rate, ETA, the model's headline losses) as the trainer's ``progress``."""
    if quiet:
        yield
        return
    from tqdm import tqdm

    headline = trainer.model.headline
    with tqdm(total=trainer.run.steps, initial=trainer.step, desc=trainer.spec.preset, unit="step") as bar:
        def show(step, record):
            bar.update(step - bar.n)
            if record is not None:
                bar.set_postfix({label: f"{record[key]:.3f}" for label, key in headline.items() if key in record},
                                refresh=False)

        trainer.progress = show
        try:
            yield
        finally:
            trainer.progress = None
