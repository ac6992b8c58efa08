"""Command line: train, sample, evaluate and the README demo.

    python -m gans train wgan-gp --dataset ring8 --steps 2000 --out runs/ring-wgangp
    python -m gans sample --checkpoint runs/ring-wgangp --n 2500 --out samples.npy
    python -m gans evaluate --checkpoint runs/ring-wgangp
    python -m gans compare --models nsgan wgan-gp --datasets ring8 grid25 --seeds 0 1 2
    python -m gans demo
"""
import argparse
import json
import sys
from pathlib import Path

import numpy

from .data import IMAGE_DATASETS, TOY2D_DATASETS
from .losses import LOSSES
from .runio import atomic_write_bytes
from .train import PRESETS, AdversarialTrainer, TrainingDiverged, make_config
from .train.checkpoint import checkpoint_path, load_checkpoint
from .train.config import config_from_dict

DATASETS = [*TOY2D_DATASETS, *IMAGE_DATASETS]
PRESET_HELP = {
    "gan": "Goodfellow et al. Algorithm 1: minimax loss, SGD with momentum",
    "nsgan": "the same game with the non-saturating generator loss and Adam",
    "dcgan": "DCGAN: non-saturating loss, Adam 2e-4, betas (0.5, 0.999)",
    "wgan": "WGAN: Wasserstein critic, RMSprop 5e-5, weight clipping 0.01, 5 critic steps",
    "wgan-gp": "WGAN-GP: Adam 1e-4, betas (0.5, 0.9), gradient penalty 10, 5 critic steps",
    "sngan": "SN-GAN: hinge loss, spectral norm on the discriminator",
    "cgan": "conditional GAN: both networks see the class label (image datasets)",
    "lsgan": "least-squares GAN",
}


def build_parser():
    models = "\n".join(f"  {name:8s} {PRESET_HELP[name]}" for name in PRESETS)
    parser = argparse.ArgumentParser(
        prog="python -m gans",
        description="Generative adversarial models built on minigrad.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"models (presets):\n{models}\n\ndatasets: {', '.join(DATASETS)}",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a model; writes a run folder")
    train.add_argument("model", choices=list(PRESETS))
    train.add_argument("--dataset", choices=DATASETS, default="ring8")
    train.add_argument("--steps", type=int, help="generator updates")
    train.add_argument("--batch-size", type=int)
    train.add_argument("--loss", choices=list(LOSSES), metavar="LOSS",
                       help=f"override the preset's loss: {', '.join(LOSSES)}")
    train.add_argument("--pack", type=int, help="PacGAN: samples the discriminator judges jointly")
    train.add_argument("--width", type=int, help="hidden units (MLP) or base channels (DCGAN)")
    train.add_argument("--ema-decay", type=float,
                       help="sample from a weight average of the generator (e.g. 0.999); 0 turns it off")
    train.add_argument("--out", help="run folder (default runs/MODEL-DATASET-sSEED)")
    train.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--data-dir", help="folder holding mnist/ and fashion-mnist/ (else $GANS_DATA)")
    train.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    train.add_argument("--quiet", action="store_true", help="no progress bar")

    sample = commands.add_parser("sample", help="draw samples from a trained generator")
    sample.add_argument("--checkpoint", required=True, help="a checkpoint file or a run folder")
    sample.add_argument("--n", type=int, default=64)
    sample.add_argument("--out", required=True, help="FILE.npy (raw samples) or FILE.png (grid or scatter)")
    sample.add_argument("--label", type=int, help="class to draw (conditional models)")
    sample.add_argument("--device", default="cpu")

    evaluate = commands.add_parser("evaluate", help="metrics of a trained generator")
    evaluate.add_argument("--checkpoint", required=True)
    evaluate.add_argument("--n", type=int, default=2500)
    evaluate.add_argument("--device", default="cpu")

    compare = commands.add_parser("compare", help="mode coverage of models on 2D data, mean ± std over seeds")
    compare.add_argument("--models", nargs="+", default=["gan", "nsgan", "wgan", "wgan-gp", "sngan"],
                         choices=list(PRESETS), metavar="MODEL")
    compare.add_argument("--datasets", nargs="+", default=["ring8", "grid25"], choices=["ring8", "grid25"],
                         metavar="DATASET")
    compare.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    compare.add_argument("--steps", type=int, help="generator updates of runs still to train (default: preset's)")
    compare.add_argument("--out", default="runs/compare", help="folder of the runs, the table and results.json")
    compare.add_argument("--no-train", action="store_true", help="only gather finished runs; missing ones are errors")

    demo = commands.add_parser("demo", help="plain GAN beside WGAN-GP on the ring of 8 Gaussians")
    demo.add_argument("--steps", type=int, help="generator updates per model (default: the presets')")
    demo.add_argument("--out", default="runs/demo")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    # Expected failures get one line, not a traceback: a diverged run, a run folder that exists
    # (or a checkpoint that does not), missing dataset files.
    except (TrainingDiverged, FileExistsError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def run_train(args):
    out = Path(args.out or f"runs/{args.model}-{args.dataset}-s{args.seed}")
    try:
        config = make_config(args.model, args.dataset, steps=args.steps, batch_size=args.batch_size, loss=args.loss,
                             pack=args.pack, width=args.width, ema_decay=args.ema_decay, device=args.device,
                             seed=args.seed, data_dir=args.data_dir)
        trainer = AdversarialTrainer(config, out, resume=args.resume)
    except ValueError as error:  # a preset that does not fit the dataset, a bad --pack, a mismatched --resume
        raise SystemExit(f"error: {error}") from None
    metrics = train_with_progress(trainer, quiet=args.quiet)
    print(json.dumps(metrics, indent=2))
    print(f"run folder: {out}")
    return 0


def train_with_progress(trainer, quiet=False):
    if quiet:
        return trainer.train()
    from tqdm import tqdm

    with tqdm(total=trainer.config.steps, initial=trainer.step, desc=trainer.config.model, unit="step") as bar:
        def show(step, record):
            bar.update(step - bar.n)
            bar.set_postfix(d=f"{record['loss_d']:.3f}", g=f"{record['loss_g']:.3f}", refresh=False)

        return trainer.train(progress=show)


def trainer_from_checkpoint(location, device):
    """A trainer rebuilt from the config stored in a checkpoint, with its weights loaded."""
    path = checkpoint_path(location)
    config = config_from_dict(load_checkpoint(path)["meta"]["config"])
    config.device = device
    return AdversarialTrainer(config, path.parent, resume=path)


def run_sample(args):
    out = Path(args.out)
    if out.suffix not in (".npy", ".png"):
        raise SystemExit(f"sample: --out must end in .npy or .png, got {out}")
    trainer = trainer_from_checkpoint(args.checkpoint, args.device)
    if args.label is not None and not (trainer.config.conditional and 0 <= args.label < trainer.source.num_classes):
        kind = f"classes 0..{trainer.source.num_classes - 1}" if trainer.config.conditional else "no class labels"
        print(f"error: sample: --label {args.label}, but this {trainer.config.model} model takes {kind}",
              file=sys.stderr)
        return 2
    labels = None if args.label is None else numpy.full(args.n, args.label)
    samples = trainer.sample(args.n, labels)
    if out.suffix == ".npy":
        import io

        buffer = io.BytesIO()
        numpy.save(buffer, samples)
        atomic_write_bytes(out, buffer.getvalue())
    else:
        from . import plots

        if trainer.kind == "points":
            plots.plot_samples_2d(samples, out, modes=trainer.source.dataset.modes)
        else:
            plots.save_image_grid(samples, out)
    print(f"wrote {len(samples)} samples of shape {samples.shape[1:]} to {out}")
    return 0


def run_evaluate(args):
    trainer = trainer_from_checkpoint(args.checkpoint, args.device)
    samples = trainer.sample(args.n)
    if trainer.kind == "points":
        from .metrics import mode_coverage

        dataset = trainer.source.dataset
        if dataset.modes is None:
            print(f"error: evaluate: {dataset.name} has no discrete modes, so mode coverage does not apply",
                  file=sys.stderr)
            return 2
        print(json.dumps(mode_coverage(samples, dataset.modes, dataset.std).as_dict(), indent=2))
    else:
        print(json.dumps(image_metrics(trainer, samples, args.n), indent=2))
    return 0


def image_metrics(trainer, samples, n):
    """evaluate_images of the samples; for a conditional model also how often it draws the asked-for class."""
    from .metrics.images import conditional_accuracy, evaluate_images
    from .metrics.classifier import load_or_train_classifier

    dataset, data_dir = trainer.config.dataset, trainer.config.data_dir or None
    classifier = load_or_train_classifier(dataset, data_dir)
    metrics = evaluate_images(samples, dataset, classifier=classifier, data_dir=data_dir)
    if trainer.config.conditional:
        labels = numpy.arange(n) % trainer.source.num_classes
        metrics["conditional_accuracy"] = conditional_accuracy(trainer.sample(n, labels), labels,
                                                               classifier=classifier)
    return metrics


def run_compare(args):
    from .compare import compare

    _, table = compare(args.models, args.datasets, args.seeds, args.out, steps=args.steps, train=not args.no_train)
    print(table)
    print(f"\ntable and per-run figures: {Path(args.out) / 'table.md'}, {Path(args.out) / 'results.json'}")
    return 0


def run_demo(args):
    from .demo import run

    run(steps=args.steps, out=Path(args.out))
    return 0


COMMANDS = {"train": run_train, "sample": run_sample, "evaluate": run_evaluate, "compare": run_compare,
            "demo": run_demo}
