"""Command line: train, sample, evaluate, compare, list and the README demo, for every family.

    python -m gans list
    python -m gans train wgan-gp --dataset ring8 --steps 2000 --out runs/ring-wgangp
    python -m gans train --resume runs/ring-wgangp --steps 4000
    python -m gans sample --checkpoint runs/ring-wgangp --n 2500 --out samples.npy
    python -m gans evaluate --checkpoint runs/ring-wgangp
    python -m gans compare --models nsgan wgan-gp --datasets ring8 grid25 --seeds 0 1 2
    python -m gans denoise --dae runs/dae --diffusion runs/mnist-ddpm --noise-stds 0.1 0.3 0.5
    python -m gans curves runs/a runs/b --key d_real --minus d_fake --smooth 20 --out gap.png
    python -m gans demo

Exit codes: 0 done; 2 a usage or input mistake (bad flag or value, missing or foreign file, a run
folder in use), one line on stderr, never a traceback; 1 the run failed (diverged, disk full);
130 interrupted by Ctrl-C (after writing a checkpoint).
"""
import sys
from pathlib import Path

from . import families
from .flags import OneLineParser, UsageError, add_config_flags, given_overrides
from .run.config import RunConfig

USAGE_ERROR, RUN_FAILED, INTERRUPTED = 2, 1, 130
PROG = "python -m gans"


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    from .run.guard import TrainingDiverged
    from minigrad.serialization import CheckpointError

    try:
        command, rest = parse_command(argv)
        return COMMANDS[command](rest)
    except TrainingDiverged as error:
        return fail(f"training diverged: {error}", RUN_FAILED)
    except (UsageError, ValueError, CheckpointError, FileExistsError, FileNotFoundError, IsADirectoryError,
            NotADirectoryError, PermissionError) as error:
        return fail(describe_error(error), USAGE_ERROR)
    except OSError as error:  # a full disk, an I/O error
        return fail(describe_error(error), RUN_FAILED)
    except KeyboardInterrupt:  # outside the training loop (which checkpoints and returns)
        return fail("interrupted", INTERRUPTED)


def describe_error(error):
    """An OS error as "what went wrong: which file"; any other error as its message."""
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    return str(error)


def fail(message, code):
    print(f"error: {message}", file=sys.stderr)
    return code


def parse_command(argv):
    parser = OneLineParser(prog=PROG, description="Generative models on minigrad: one CLI for every family.",
                           epilog="`python -m gans COMMAND --help` for a command's flags; `python -m gans list` "
                                  "for every family, preset, dataset and metric.")
    names = [name for name in COMMANDS if name != "help"]
    parser.add_argument("command", choices=names, help=", ".join(names))
    if not argv or argv[0] in ("-h", "--help"):
        parser.print_help()
        return "help", []
    args, rest = parser.parse_known_args(argv[:1])
    return args.command, argv[1:]


# ------------------------------------------------------------------- train
def train_parser(family=None, add_help=True):
    parser = OneLineParser(prog=f"{PROG} train", description="Train a family or preset; writes a run folder.",
                           epilog=None if family else "names: " + ", ".join(families.choices()), add_help=add_help)
    parser.add_argument("name", nargs="?", help="a family or preset (see `python -m gans list`)")
    parser.add_argument("--out", help="run folder (default runs/NAME-DATASET-sSEED)")
    parser.add_argument("--resume", nargs="?", const=True, metavar="RUN",
                        help="continue the run in RUN (or --out) with its own settings; only the run flags "
                             "marked resumable may change, e.g. --steps")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_config_flags(parser, RunConfig, title="run settings")
    if family is not None:
        add_config_flags(parser, family.config_class, title=f"{family.name} settings")
    return parser


def run_train(argv):
    first, _ = train_parser(add_help=False).parse_known_args(argv)
    if not first.name and not first.resume and any(flag in argv for flag in ("-h", "--help")):
        train_parser().print_help()
        return 0
    family, saved = pick_family(first)
    if any(flag in argv for flag in ("-h", "--help")):
        train_parser(family).print_help()
        return 0
    args = train_parser(family).parse_args(argv)
    overrides = given_overrides(args, (RunConfig, family.config_class))
    if saved is not None:
        from .run.family import respec

        spec, out = respec(saved, family, overrides), resume_folder(args)
        if args.name and args.name != spec.preset and args.name != family.name:
            raise ValueError(f"cannot resume {out}: it is a {spec.preset!r} run, not {args.name!r}")
    else:
        from .data import describe
        from .run.family import resolve

        dataset = overrides.pop("dataset", family.default_dataset)
        spec = resolve(family, args.name, describe(dataset), overrides)
        out = Path(args.out or f"runs/{args.name}-{dataset}-s{spec.run.seed}")
    return train_spec(family, spec, out, resume=saved is not None, quiet=args.quiet)


def pick_family(args):
    """(family, saved spec or None): from the run folder when resuming, else from the name."""
    if args.resume:
        saved = read_run_spec(resume_folder(args))
        return families.get_family(saved.family), saved
    if not args.name:
        raise UsageError(f"{PROG} train: name a family or preset (one of {', '.join(families.choices())}), "
                         f"or --resume RUN")
    return families.find(args.name)[0], None


def resume_folder(args):
    folder = args.out if args.resume is True else args.resume
    if folder is None:
        raise UsageError(f"{PROG} train: --resume needs the run folder (--resume RUN or --out RUN)")
    if args.resume is not True and args.out and Path(args.out) != Path(args.resume):
        raise UsageError(f"{PROG} train: --resume {args.resume} and --out {args.out} name different folders")
    return Path(folder)


def read_run_spec(folder):
    """The RunSpec a run folder's config.json records (every value checked)."""
    from .run.config import spec_from_dict
    from .runio import read_json

    path = Path(folder) / "config.json"
    if not path.is_file():
        raise FileNotFoundError(f"no run at {folder} (it has no config.json); train it first, without --resume")
    try:
        values = read_json(path)
    except ValueError as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from None
    return spec_from_dict(families.upgrade_config(values), families.get_family, str(path))


def train_spec(family, spec, out, resume=False, quiet=False):
    """Train ``spec`` into ``out`` with pictures and a progress bar; prints where everything went."""
    from .run import PICTURES, Trainer
    from .run.hooks import progress_bar

    trainer = Trainer(family, spec, out, resume=resume, hooks=PICTURES, family_lookup=families.get_family,
                      upgrades=families.checkpoint_upgrades())
    with progress_bar(trainer, quiet):
        outcome = trainer.train()
    print_outcome(trainer, outcome)
    return INTERRUPTED if outcome.status == "interrupted" else 0


def print_outcome(trainer, outcome):
    from .runio import to_json

    out = trainer.out
    if outcome.status != "finished":
        why = ("interrupted (Ctrl-C)" if outcome.status == "interrupted"
               else f"the {trainer.run.minutes:g}-minute budget ran out")
        print(f"{why} at step {outcome.step}/{trainer.run.steps}; checkpoint {out / 'checkpoint.npz'}\n"
              f"continue with: {PROG} train --resume {out}")
        return
    from .runio import read_jsonl

    print(to_json(outcome.metrics, indent=2))
    grids = sorted((out / "samples").glob("*.png")) if (out / "samples").is_dir() else []
    pictures = ", ".join(name for name in trainer.model.curves if (out / name).exists())
    records = read_jsonl(out / "metrics.jsonl")
    last = records[-1] if records else {}
    headline = ", ".join(f"{key} {last[key]:.4g}" for key in trainer.model.headline.values() if key in last)
    print(f"run folder: {out}\n  config.json, metrics.jsonl (records every {trainer.run.log_every} steps), "
          f"checkpoint.npz, final_metrics.json\n  samples/: {len(grids)} grids"
          + (f"; curves: {pictures}" if pictures else ""))
    if headline:
        print(f"  last record (step {last['step']}): {headline}")


# ------------------------------------------------------------------ sample
def sampling_parser(command, description):
    parser = OneLineParser(prog=f"{PROG} {command}", description=description)
    parser.add_argument("--checkpoint", required=True, help="a run folder or a checkpoint file")
    parser.add_argument("--n", type=_positive("--n"), default=64 if command == "sample" else 2500,
                        help="number of samples")
    parser.add_argument("--seed", type=_non_negative("--seed"),
                        help="seed of the sampling noise (default: the run's generator as the checkpoint saved it)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    return parser


def run_sample(argv):
    parser = sampling_parser("sample", "Draw samples from a trained model (needs only its checkpoint).")
    parser.add_argument("--out", required=True, help="FILE.npy (raw samples) or FILE.png (grid or scatter)")
    parser.add_argument("--label", type=_non_negative("--label"), help="class to draw (conditional models)")
    if any(flag in argv for flag in ("-h", "--help")):
        parser.print_help()
        return 0
    args, classes = parse_with_family_options(parser, argv)
    options = given_options(args, classes["sample_options"])
    out = Path(args.out)
    if out.suffix not in (".npy", ".png"):
        raise UsageError(f"{PROG} sample: --out must end in .npy or .png, got {out}")
    spec, model, _ = load_model(args.checkpoint, args.device, args.seed)
    labels = check_label(model, spec, args.label, args.n)
    samples = model.sample(args.n, labels, **options)
    write_samples(samples, out, spec)
    print(f"wrote {len(samples)} samples of shape {samples.shape[1:]} to {out}")
    return 0


FAMILY_OPTIONS = {"sample_options": "sampling options", "evaluate_options": "evaluation options"}


def parse_with_family_options(parser, argv, attributes=("sample_options",)):
    """(args, {attribute: the family's options dataclass or None}): the flags of the checkpoint's
    family's options (e.g. a diffusion model's --sampler) join the parser once its family is known.
    An option the command has a flag of its own for (evaluate's --data-dir) takes that flag's value."""
    args, _ = parser.parse_known_args(argv)
    classes = {attribute: sample_options_class(args.checkpoint, attribute) for attribute in attributes}
    for attribute, options_class in classes.items():
        if options_class is not None:
            add_config_flags(parser, options_class, skip=vars(args), title=FAMILY_OPTIONS[attribute])
    return parser.parse_args(argv), classes


def given_options(args, options_class):
    """The fields of ``options_class`` the user set on the command line ({} when there is no class);
    a command's own flag left unset (None) is not given."""
    given = given_overrides(args, (options_class,)) if options_class else {}
    return {name: value for name, value in given.items() if value is not None}


def sample_options_class(checkpoint, attribute="sample_options"):
    """The sampling (or other ``attribute``) options dataclass of the checkpoint's family, from the
    config.json beside it (None when there is none: a lone checkpoint file uses the family's defaults;
    None too for an unreadable config, which loading the model then reports)."""
    from .run.checkpoint import checkpoint_path

    folder = checkpoint_path(checkpoint).parent
    if not (folder / "config.json").is_file():
        return None
    try:
        family_name = read_run_spec(folder).family
    except ValueError:
        return None
    return getattr(families.get_family(family_name), attribute)


def load_model(checkpoint, device, seed):
    from .run.checkpoint import load_sampler

    return load_sampler(checkpoint, families.get_family, device, seed, upgrades=families.checkpoint_upgrades())


def check_label(model, spec, label, n):
    """--label as n labels, or an error when the model takes no such class."""
    if label is None:
        return None
    if model.classes is None or not 0 <= label < model.classes:
        takes = f"classes 0..{model.classes - 1}" if model.classes else "no class labels"
        raise UsageError(f"{PROG} sample: --label {label}, but this {spec.preset} model takes {takes}")
    import numpy

    return numpy.full(n, label)


def write_samples(samples, out, spec):
    if out.suffix == ".npy":
        import io

        import numpy

        from .runio import atomic_write_bytes

        buffer = io.BytesIO()
        numpy.save(buffer, samples)
        atomic_write_bytes(out, buffer.getvalue())
    else:
        from .data import describe

        describe(spec.run.dataset).show(samples, out, title=spec.preset)


# ---------------------------------------------------------------- evaluate
def run_evaluate(argv):
    parser = sampling_parser("evaluate", "Score a trained model's samples; prints them and writes "
                                         "evaluation.json into the run folder.")
    parser.add_argument("--data-dir", help="folder holding mnist/ and fashion-mnist/ (image metrics need the "
                                           "test split); else $GANS_DATA")
    parser.add_argument("--results", help="JSON file for the figures (default: evaluation.json in the run folder)")
    parser.add_argument("--draws", choices=DRAWS, default="both",
                        help="conditional models: score the unconditional draw and a second one asked for each "
                             "class in turn (both), or only one of them; unconditional models draw once")
    if any(flag in argv for flag in ("-h", "--help")):
        parser.print_help()
        return 0
    args, classes = parse_with_family_options(parser, argv, ("sample_options", "evaluate_options"))
    options, evaluation_class = given_options(args, classes["sample_options"]), classes["evaluate_options"]
    from .data import describe
    from .evaluation import evaluate
    from .runio import atomic_write_json, to_json
    from .run.checkpoint import checkpoint_path

    spec, model, step = load_model(args.checkpoint, args.device, args.seed)
    refuse_changed_defaults(options, classes["sample_options"], model.evaluate_with_defaults)
    samples, labelled = draw_for_evaluation(model, args.n, args.draws, options)
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731  (progress on stderr)
    metrics = {"step": step, "seed": args.seed, **options, "draws": args.draws if model.classes else "unconditional",
               **evaluate(describe(spec.run.dataset), samples, args.data_dir, log=log, labelled=labelled)}
    path = Path(args.results) if args.results else checkpoint_path(args.checkpoint).parent / "evaluation.json"
    family = families.get_family(spec.family)
    if family.evaluate is not None:
        from .run.settings import build

        evaluation = (build(evaluation_class, given_overrides(args, (evaluation_class,)))
                      if evaluation_class else None)
        metrics.update(family.evaluate(model, spec, samples, evaluation, args.seed, args.data_dir, log,
                                       path.parent))
    print(to_json(metrics, indent=2))
    atomic_write_json(path, metrics)
    log(f"wrote {path}")
    return 0


def refuse_changed_defaults(options, options_class, fixed):
    """A UsageError when a sampling option the model's figures fix (``fixed``: {option: why}) is given
    a value other than its default."""
    from .run.settings import as_dict, build

    defaults = as_dict(build(options_class, {})) if options_class else {}
    for name, why in fixed.items():
        if name in options and options[name] != defaults[name]:
            flag = "--" + name.replace("_", "-")
            raise UsageError(f"{PROG} evaluate: {flag} {options[name]}: {why}")


DRAWS = ("both", "unconditional", "labelled")


def draw_for_evaluation(model, n, draws, options):
    """(samples scored by FD/IS/..., (samples, labels) asked for each class in turn, or None).

    With ``draws`` = labelled the asked-for samples are also the scored ones, so a guidance sweep
    measures the FD of what guidance draws."""
    if model.classes is None:
        if draws == "labelled":
            raise UsageError(f"{PROG} evaluate: --draws labelled needs a conditional model; this one takes no labels")
        return model.sample(n, **options), None
    if draws == "both" and options.get("guidance"):
        raise UsageError(f"{PROG} evaluate: --guidance {options['guidance']} steers only draws asked for a class; "
                         f"add --draws labelled")
    import numpy

    labels = numpy.arange(n) % model.classes
    labelled = None if draws == "unconditional" else (model.sample(n, labels, **options), labels)
    samples = labelled[0] if draws == "labelled" else model.sample(n, **options)
    return samples, labelled


# ------------------------------------------------------------ the others
def run_compare(argv):
    from .compare import DEFAULT_DATASETS, DEFAULT_MODELS, compare

    parser = OneLineParser(prog=f"{PROG} compare", description="Mode coverage of models on 2D data, mean ± std "
                                                               "over seeds.")
    parser.add_argument("--models", nargs="+", default=list(DEFAULT_MODELS), metavar="PRESET")
    parser.add_argument("--datasets", nargs="+", default=list(DEFAULT_DATASETS), metavar="DATASET")
    parser.add_argument("--seeds", nargs="+", type=_non_negative("--seeds"), default=[0, 1, 2])
    parser.add_argument("--steps", type=_positive("--steps"), help="steps of runs still to train (default: preset's)")
    parser.add_argument("--out", default="runs/compare", help="folder of the runs, the table and results.json")
    parser.add_argument("--no-train", action="store_true", help="only gather finished runs; missing ones are errors")
    args = parser.parse_args(argv)
    _, table = compare(args.models, args.datasets, args.seeds, args.out, steps=args.steps, train=not args.no_train)
    print(table)
    print(f"\ntable and per-run figures: {Path(args.out) / 'table.md'}, {Path(args.out) / 'results.json'}")
    return 0


def run_denoise(argv):
    from .compare_denoisers import DEFAULT_DDIM_STEPS, DEFAULT_NOISE_STDS, run_comparison, table
    from .runio import atomic_write_json

    parser = OneLineParser(prog=f"{PROG} denoise", description="A denoising autoencoder beside a diffusion model "
                           "started from the same noisy test images: PSNR / SSIM of the noisy input, the DAE, "
                           "the diffusion model's one-step x0 and its sampler from the matching timestep.")
    parser.add_argument("--dae", required=True, metavar="RUN",
                        help="a denoising autoencoder's run folder or checkpoint")
    parser.add_argument("--diffusion", required=True, metavar="RUN",
                        help="a diffusion model's run folder or checkpoint, trained on the same images")
    parser.add_argument("--noise-stds", nargs="+", type=_positive_number("--noise-stds"),
                        default=list(DEFAULT_NOISE_STDS), metavar="STD",
                        help="Gaussian noise stds on [0, 1] pixels (the DAE's units; 2 STD on the diffusion "
                             "model's [-1, 1])")
    parser.add_argument("--n", type=_positive("--n"), default=1000, help="test images (the first ones)")
    parser.add_argument("--ddim-steps", nargs="*", type=_positive("--ddim-steps"), default=list(DEFAULT_DDIM_STEPS),
                        metavar="K", help="DDIM (eta 0) runs from the matching timestep, K steps each (at most t + 1)")
    parser.add_argument("--ancestral", action="store_true", help="also DDPM's t + 1 ancestral steps (slow)")
    parser.add_argument("--seed", type=_non_negative("--seed"), default=0, help="seed of the noise")
    parser.add_argument("--data-dir", help="folder holding mnist/ and fashion-mnist/; else $GANS_DATA")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    parser.add_argument("--results", help="JSON file for the settings and rows")
    args = parser.parse_args(argv)
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731  (progress on stderr)
    result = run_comparison(args.dae, args.diffusion, args.noise_stds, args.n, args.ddim_steps, args.ancestral,
                            args.seed, args.data_dir, args.device, log)
    print(table(result))
    if args.results:
        atomic_write_json(Path(args.results), result)
        log(f"wrote {args.results}")
    return 0


def run_demo(argv):
    from .demo import run

    parser = OneLineParser(prog=f"{PROG} demo", description="A plain GAN beside WGAN-GP on the ring of 8 Gaussians.")
    parser.add_argument("--steps", type=_positive("--steps"), help="steps per model (default: the presets')")
    parser.add_argument("--out", default="runs/demo")
    args = parser.parse_args(argv)
    run(steps=args.steps, out=Path(args.out))
    return 0


def run_curves(argv):
    from .plots import plot_runs
    from .runio import read_jsonl

    parser = OneLineParser(prog=f"{PROG} curves", description="One training metric of several runs in one plot "
                           "(each run's metrics.jsonl), e.g. D's real/fake gap: --key d_real --minus d_fake.")
    parser.add_argument("runs", nargs="+", metavar="RUN", help="run folders")
    parser.add_argument("--key", required=True, help="the metric to plot (a key of metrics.jsonl)")
    parser.add_argument("--minus", help="plot KEY minus this metric")
    parser.add_argument("--labels", nargs="+", help="one legend label per run (default: the folder names)")
    parser.add_argument("--smooth", type=int, default=1, help="moving-average window in records (default 1)")
    parser.add_argument("--out", required=True, help="PNG to write")
    args = parser.parse_args(argv)
    if args.smooth < 1:
        raise UsageError(f"{PROG} curves: --smooth must be >= 1 (records averaged), got {args.smooth}")
    labels = args.labels or [Path(run).name for run in args.runs]
    if len(labels) != len(args.runs):
        raise UsageError(f"{PROG} curves: --labels gives {len(labels)} labels for {len(args.runs)} runs")
    records = {label: read_jsonl(Path(run) / "metrics.jsonl") for label, run in zip(labels, args.runs)}
    print(plot_runs(records, args.key, args.out, minus=args.minus, smooth=args.smooth))
    return 0


def run_list(argv):
    OneLineParser(prog=f"{PROG} list", description="Every family, preset, dataset and metric.").parse_args(argv)
    from .data import DATASETS
    from .metrics import METRICS

    print("families:")
    for family in families.all_families():
        print(f"  {family.name:14s} {family.help} (data: {', '.join(family.data_kinds)})")
    print("presets:")
    for family in families.all_families():
        for preset in family.presets.values():
            print(f"  {preset.name:14s} [{family.name}] {preset.help}; {preset.source}")
    print("datasets:")
    for info in DATASETS.values():
        print(f"  {info.name:14s} [{info.kind}] {info.help}")
    print("metrics:")
    for name, text in METRICS.items():
        print(f"  {name:14s} {text}")
    return 0


def _positive(flag):
    return _integer(flag, 1)


def _non_negative(flag):
    return _integer(flag, 0)


def _positive_number(flag):
    return _checked(float, lambda value: 0 < value < float("inf"), "a number > 0", "NUMBER")


def _integer(flag, minimum):
    return _checked(int, lambda value: value >= minimum, f"an integer >= {minimum}", "INT")


def _checked(kind, accept, expected, metavar):
    """argparse type: ``kind(text)`` when ``accept`` takes it, else an error saying what was expected."""
    import argparse

    def convert(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    convert.__name__ = metavar
    return convert


COMMANDS = {"train": run_train, "sample": run_sample, "evaluate": run_evaluate, "compare": run_compare,
            "denoise": run_denoise, "curves": run_curves, "demo": run_demo, "list": run_list, "help": lambda argv: 0}
