"""The command line, `python -m gans train|sample|evaluate|compare|demo|list`, driven through
gans.cli.main (and through real `python -m gans` processes where start-up or signals matter). Image
runs use the real MNIST files in <repo>/../shared/data and skip when they are absent."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy
import pytest

import minigrad
from gans.cli import main
from gans.metrics.classifier import ClassifierConfig, ClassifierNet, ImageClassifier
from gans.data import IMAGE_DATASETS, TOY2D_DATASETS
from gans.runio import read_jsonl
from gans.adversarial import PRESETS

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
needs_mnist = pytest.mark.skipif(not (SHARED_DATA / "mnist").is_dir(), reason=f"MNIST files not found at {SHARED_DATA}")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def train(out, *extra, model="nsgan", steps=3):
    return main(["train", model, "--steps", str(steps), "--batch-size", "32", "--out", str(out), "--quiet", *extra])


def sample(checkpoint, out, *extra):
    return main(["sample", "--checkpoint", str(checkpoint), "--out", str(out), *extra])


@pytest.fixture(scope="module")
def ring_run(tmp_path_factory):
    """A 3-step run on the ring of 8 Gaussians."""
    out = tmp_path_factory.mktemp("cli") / "ring"
    assert train(out, "--dataset", "ring8") == 0
    return out


def gans_process(*argv, timeout=120):
    return subprocess.run([sys.executable, "-m", "gans", *argv], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=timeout)


def test_list_prints_every_family_preset_dataset_and_metric_on_one_line_each():
    result = gans_process("list")
    assert result.returncode == 0, result.stderr
    for name in [*TOY2D_DATASETS, *IMAGE_DATASETS, *PRESETS, "adversarial", "example-autoencoder", "modes",
                 "classifier"]:  # one described line each
        assert re.search(rf"^ +{re.escape(name)} +\S", result.stdout, re.MULTILINE), name
    assert "arXiv:1704.00028" in result.stdout  # a preset names its source
    assert gans_process("--help").stdout.count("train") >= 1


def test_train_help_is_generated_from_the_family_config():
    result = gans_process("train", "wgan-gp", "--help")
    assert result.returncode == 0, result.stderr
    for flag in ("--steps", "--batch-size", "--gradient-penalty", "--g-optimizer-lr", "--d-optimizer-betas",
                 "--spectral-norm", "--no-spectral-norm", "--minutes", "--ema-decay"):
        assert flag in result.stdout, flag


def test_train_writes_a_run_folder(ring_run):
    steps = [r["step"] for r in read_jsonl(ring_run / "metrics.jsonl")]
    assert steps[0] == 1 and steps == sorted(set(steps)) and steps[-1] <= 3
    assert {p.name for p in ring_run.iterdir()} >= {"config.json", "metrics.jsonl", "checkpoint.npz", "samples",
                                                    "losses.png", "d_outputs.png", "final_metrics.json"}
    assert json.loads((ring_run / "config.json").read_text())["run"]["steps"] == 3


def test_sample_writes_raw_2d_points(ring_run, tmp_path, capsys):
    out = tmp_path / "x.npy"
    assert sample(ring_run, out, "--n", "10") == 0
    samples = numpy.load(out)
    assert samples.shape == (10, 2) and numpy.isfinite(samples).all()
    assert "wrote 10 samples of shape (2,)" in capsys.readouterr().out


def test_sample_accepts_a_checkpoint_file_outside_its_run_folder(ring_run, tmp_path):
    copied = tmp_path / "elsewhere" / "ring-step3.npz"
    copied.parent.mkdir()
    shutil.copy(ring_run / "checkpoint.npz", copied)
    for source, out in [(ring_run, tmp_path / "a.npy"), (copied, tmp_path / "b.npy")]:
        assert sample(source, out, "--n", "6") == 0
    # the same checkpoint (weights and the RNG state saved with them) gives the same samples
    numpy.testing.assert_array_equal(numpy.load(tmp_path / "a.npy"), numpy.load(tmp_path / "b.npy"))


def test_sample_writes_a_png_scatter_and_refuses_other_suffixes(ring_run, tmp_path):
    assert sample(ring_run, tmp_path / "s.png", "--n", "50") == 0
    assert (tmp_path / "s.png").read_bytes().startswith(PNG_MAGIC)
    assert sample(ring_run, tmp_path / "s.txt") == 2


def test_sample_refuses_a_label_for_an_unconditional_model(ring_run, tmp_path, capsys):
    assert sample(ring_run, tmp_path / "x.npy", "--label", "3") == 2
    assert "--label 3, but this nsgan model takes no class labels" in capsys.readouterr().err
    assert not (tmp_path / "x.npy").exists()


def test_evaluate_prints_mode_coverage_json(ring_run, capsys):
    assert main(["evaluate", "--checkpoint", str(ring_run), "--n", "500"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n_modes"] == 8 and report["n_samples"] == 500
    assert 0 <= report["modes_captured"] <= 8 and 0 <= report["high_quality_percent"] <= 100


def test_evaluate_says_when_a_dataset_has_no_modes(tmp_path, capsys):
    assert train(tmp_path / "roll", "--dataset", "swissroll", steps=1) == 0
    assert main(["evaluate", "--checkpoint", str(tmp_path / "roll"), "--n", "100"]) == 2
    assert "swissroll has no discrete modes" in capsys.readouterr().err


def test_an_existing_run_needs_resume_and_resume_continues_it(tmp_path, capsys):
    assert train(tmp_path / "run", steps=2) == 0
    assert train(tmp_path / "run", steps=2) == 2
    assert "already holds a run; pass --resume" in capsys.readouterr().err
    assert train(tmp_path / "run", "--resume", model="lsgan", steps=4) == 2
    assert "it is a 'nsgan' run, not 'lsgan'" in capsys.readouterr().err
    # resumed with the progress bar on: it counts on from step 2
    assert main(["train", "nsgan", "--steps", "4", "--batch-size", "32", "--out", str(tmp_path / "run"),
                 "--resume"]) == 0
    printed = capsys.readouterr()
    assert "4/4" in printed.err and "run folder:" in printed.out
    assert json.loads((tmp_path / "run" / "final_metrics.json").read_text())["step"] == 4


def test_resume_without_a_checkpoint_is_a_clear_error(tmp_path, capsys):
    assert train(tmp_path / "empty", "--resume") == 2
    assert "no run at" in capsys.readouterr().err


@pytest.mark.parametrize("argv, complaint", [
    (["train", "vqvae"], "unknown family or preset 'vqvae'"),  # (vae is the autoencoder family's)
    (["train", "gan", "--dataset", "cifar10"], "unknown dataset 'cifar10'"),
    (["train", "gan", "--loss", "wasserstein-gp"], "argument --loss: expected one of minimax"),
    (["train", "gan", "--steps", "0"], "argument --steps: expected an integer >= 1, got 0"),
    (["train", "gan", "--batch-size", "0"], "argument --batch-size: expected an integer >= 1, got 0"),
    (["train", "gan", "--width", "0"], "argument --width: expected an integer >= 1, got 0"),
    (["train", "gan", "--steps", "ten"], "argument --steps: expected an integer >= 1, got 'ten'"),
    (["train", "gan", "--g-optimizer-lr", "-1"], "argument --g-optimizer-lr: expected a number > 0.0, got -1.0"),
    (["train", "gan", "--colour", "red"], "unrecognized arguments: --colour red (see"),
    (["train", "gan", "--lr", "-1"], "unrecognized arguments: --lr -1; did you mean --d-optimizer-lr or "
                                     "--g-optimizer-lr or --lr-schedule?"),  # not taken as --lr-schedule
    (["train", "gan", "--step", "5"], "unrecognized arguments: --step 5; did you mean --steps?"),
    (["train"], "name a family or preset"),
    (["sample", "--n", "3"], "the following arguments are required: --checkpoint"),
    (["sample", "--checkpoint", "x", "--out", "x.npy", "--n", "0"], "argument --n: expected an integer >= 1, got '0'"),
    (["fly"], "argument command: invalid choice: 'fly'"),
])
def test_bad_arguments_are_one_line_usage_errors(argv, complaint, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert complaint in err and err.startswith("error: ") and err.count("\n") == 1, err


def test_width_and_ema_flags_reach_the_config_and_the_checkpoint(tmp_path):
    run = tmp_path / "wide"
    assert train(run, "--dataset", "ring8", "--width", "24", "--ema-decay", "0.9") == 0
    config = json.loads((run / "config.json").read_text())
    assert (config["model"]["width"], config["run"]["ema_decay"]) == (24, 0.9)
    assert minigrad.load(run / "checkpoint.npz")["ema"].keys() == {"generator"}
    assert train(tmp_path / "bad", "--ema-decay", "1.5") == 2


def test_a_preset_that_does_not_fit_the_dataset_is_refused(tmp_path, capsys):
    assert train(tmp_path / "x", model="cgan") == 2
    assert "'cgan' needs class labels" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


@needs_mnist
def test_image_runs_sample_images_and_conditional_labels(tmp_path, capsys):
    run = tmp_path / "cgan"
    assert train(run, "--dataset", "mnist", "--data-dir", str(SHARED_DATA), "--batch-size", "16", model="cgan",
                 steps=2) == 0
    assert sample(run, tmp_path / "x.npy", "--n", "10", "--label", "7") == 0
    images = numpy.load(tmp_path / "x.npy")
    assert images.shape == (10, 1, 28, 28) and numpy.all(numpy.abs(images) <= 1)
    assert sample(run, tmp_path / "grid.png", "--n", "20") == 0
    assert (tmp_path / "grid.png").read_bytes().startswith(PNG_MAGIC)
    assert sample(run, tmp_path / "y.npy", "--label", "10") == 2
    assert "--label 10, but this cgan model takes classes 0..9" in capsys.readouterr().err


@needs_mnist
def test_evaluate_reports_image_metrics_and_the_conditional_accuracy(tmp_path, capsys, monkeypatch):
    minigrad.manual_seed(0)
    untrained = ImageClassifier(ClassifierNet(), "mnist", ClassifierConfig(), test_accuracy=None)
    monkeypatch.setattr("gans.metrics.classifier.load_or_train_classifier", lambda *args, **kwargs: untrained)
    run = tmp_path / "cgan"
    assert train(run, "--dataset", "mnist", "--data-dir", str(SHARED_DATA), "--batch-size", "16", model="cgan",
                 steps=1) == 0
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", str(run), "--n", "40", "--data-dir", str(SHARED_DATA)]) == 0
    metrics = json.loads(capsys.readouterr().out)
    for key in ("frechet_distance", "frechet_distance_real", "class_kl", "class_kl_real", "inception_score",
                "gradient_magnitude", "gradient_magnitude_real", "laplacian_variance", "laplacian_variance_real"):
        assert numpy.isfinite(metrics[key]), key  # a GAN's evaluate reports sharpness too
    assert 0 <= metrics["conditional_accuracy"] <= 1 and metrics["n_samples"] == 40


class RecordingModel:
    """Stands in for a trained model: returns its labels (or -1) as samples and records each draw."""

    def __init__(self, classes):
        self.classes, self.draws = classes, []

    def sample(self, n, labels=None, **options):
        self.draws.append((None if labels is None else list(labels), options))
        return numpy.full(n, -1) if labels is None else numpy.asarray(labels)


@pytest.mark.parametrize("draws, expected_draws, scored", [
    ("both", [[0, 1, 2, 0], None], [-1] * 4),
    ("labelled", [[0, 1, 2, 0]], [0, 1, 2, 0]),  # the asked-for samples are the scored ones
    ("unconditional", [None], [-1] * 4),
])
def test_evaluate_draws_what_it_is_asked_to_score(draws, expected_draws, scored):
    from gans.cli import draw_for_evaluation

    model = RecordingModel(classes=3)
    samples, labelled = draw_for_evaluation(model, 4, draws, {"steps": 5})
    assert [labels for labels, _ in model.draws] == expected_draws
    assert all(options == {"steps": 5} for _, options in model.draws)
    assert samples.tolist() == scored
    assert (labelled is None) == (draws == "unconditional")


def test_evaluate_refuses_draws_that_cannot_be_made():
    from gans.cli import UsageError, draw_for_evaluation

    with pytest.raises(UsageError, match="--draws labelled needs a conditional model"):
        draw_for_evaluation(RecordingModel(classes=None), 4, "labelled", {})
    with pytest.raises(UsageError, match="--guidance 3.0 steers only draws asked for a class; add --draws labelled"):
        draw_for_evaluation(RecordingModel(classes=10), 4, "both", {"guidance": 3.0})
    assert draw_for_evaluation(RecordingModel(classes=None), 4, "both", {})[1] is None


def test_evaluate_refuses_labelled_draws_of_an_unconditional_run(ring_run, capsys):
    assert main(["evaluate", "--checkpoint", str(ring_run), "--n", "50", "--draws", "labelled"]) == 2
    assert "--draws labelled needs a conditional model" in capsys.readouterr().err


def test_demo_prints_the_mode_coverage_table_of_both_models(tmp_path, capsys):
    assert main(["demo", "--steps", "1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| dataset | model | seeds | modes captured | high quality | reverse KL |" in out
    for model in ("nsgan", "wgan-gp"):
        assert re.search(rf"\| ring8 \| {model} \| 1 \| \d\.\d/8 \|", out), out
        assert (tmp_path / f"{model}-ring8-s0-1steps" / "losses.png").is_file()


def test_compare_averages_over_seeds_and_reuses_finished_runs(tmp_path, capsys):
    argv = ["compare", "--models", "nsgan", "gan", "--datasets", "ring8", "--seeds", "0", "1", "--steps", "2",
            "--out", str(tmp_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    for model in ("nsgan", "gan"):
        assert re.search(rf"\| ring8 \| {model} \| 2 \| \d\.\d ± \d\.\d/8 \| \d+\.\d ± \d+\.\d% \|", out), out
    results = json.loads((tmp_path / "results.json").read_text())
    assert [(row["model"], len(row["runs"])) for row in results] == [("nsgan", 2), ("gan", 2)]
    assert (tmp_path / "table.md").read_text().strip() in out
    finished = tmp_path / "gan-ring8-s1-2steps" / "final_metrics.json"
    before = finished.stat().st_mtime_ns
    assert main([*argv, "--no-train"]) == 0 and finished.stat().st_mtime_ns == before
    assert main(["compare", "--models", "sngan", "--datasets", "ring8", "--seeds", "0", "--out", str(tmp_path),
                 "--no-train"]) == 2
    assert "sngan-ring8-s0 has no finished run" in capsys.readouterr().err


# ------------------------------------------------------------ reliability
def damaged(tmp_path, ring_run, name, damage):
    """A copy of the ring run whose checkpoint went through ``damage(path)``."""
    folder = tmp_path / name
    shutil.copytree(ring_run, folder)
    damage(folder / "checkpoint.npz")
    return folder


def drop_key(key):
    def damage(path):
        state = minigrad.load(path)
        del state[key]
        minigrad.save(state, path)
    return damage


def edit_spec(section, key, value):
    def damage(path):
        state = minigrad.load(path)
        state["spec"][section][key] = value
        minigrad.save(state, path)
    return damage


@pytest.mark.parametrize("name, damage, complaint", [
    ("truncated", lambda path: path.write_bytes(path.read_bytes()[:500]), "is not a readable checkpoint"),
    ("foreign", lambda path: path.write_bytes(b"GIF89a not a checkpoint"), "is not a readable checkpoint"),
    ("numpy", lambda path: numpy.savez(open(path, "wb"), x=numpy.ones(3)), "is not a readable checkpoint"),
    ("keyless", drop_key("family"), "lacks family (a damaged or hand-edited checkpoint)"),
    ("future", lambda path: minigrad.save({"format": "gans-checkpoint", "version": 7}, path),
     "was written by gans checkpoint version 7; this gans reads gans-checkpoint version 2"),
    ("bad width", edit_spec("model", "width", 0), "model.width: expected an integer >= 1, got 0"),
    ("bad family", lambda path: minigrad.save({**minigrad.load(path), "spec": {**minigrad.load(path)["spec"],
                                              "family": "stylegan9"}}, path), "unknown family 'stylegan9'"),
])
def test_a_bad_checkpoint_is_a_one_line_error(ring_run, tmp_path, capsys, name, damage, complaint):
    folder = damaged(tmp_path, ring_run, name, damage)
    for command in (["sample", "--out", str(tmp_path / "x.npy")], ["evaluate"]):
        assert main([command[0], "--checkpoint", str(folder), *command[1:]]) == 2
        err = capsys.readouterr().err
        assert complaint in err and err.count("\n") == 1, err
    assert not (tmp_path / "x.npy").exists()


def test_a_checkpoint_whose_weights_do_not_fit_says_which(ring_run, tmp_path, capsys):
    def shrink(path):
        state = minigrad.load(path)
        state["sampling"]["generator"].popitem()
        minigrad.save(state, path)

    folder = damaged(tmp_path, ring_run, "shrunk", shrink)
    assert sample(folder, tmp_path / "x.npy") == 2
    assert "the sampling weights of 'generator' do not fit the model" in capsys.readouterr().err


def test_resume_reads_the_runs_own_config_and_keeps_its_steps(tmp_path, capsys):
    run = tmp_path / "run"
    assert train(run, "--loss", "least_squares", "--width", "12", steps=2) == 0
    assert main(["train", "--resume", str(run), "--quiet"]) == 0  # nothing restated: the run is finished
    assert json.loads((run / "final_metrics.json").read_text())["step"] == 2
    assert main(["train", "--resume", str(run), "--steps", "4", "--quiet"]) == 0
    config = json.loads((run / "config.json").read_text())
    assert (config["run"]["steps"], config["model"]["loss"], config["model"]["width"]) == (4, "least_squares", 12)
    capsys.readouterr()
    assert main(["train", "--resume", str(run), "--steps", "3", "--quiet"]) == 2
    assert "--steps 3: its checkpoint is at step 4" in capsys.readouterr().err
    assert json.loads((run / "config.json").read_text())["run"]["steps"] == 4  # not rewritten
    assert main(["train", "--resume", str(run), "--width", "8", "--quiet"]) == 2
    assert "width=12 there, 8 here" in capsys.readouterr().err


def test_a_run_folder_in_use_is_refused(tmp_path, capsys):
    from gans.run.folder import RunLock

    (tmp_path / "run").mkdir()
    with RunLock(tmp_path / "run"):
        assert train(tmp_path / "run") == 2
    assert "is being trained by another process" in capsys.readouterr().err


def test_ctrl_c_checkpoints_and_says_how_to_continue(tmp_path, capsys, monkeypatch):
    def interrupt(event, trainer):
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr("gans.run.PICTURES", (interrupt,))
    assert train(tmp_path / "run", "--sample-every", "1", steps=5) == 130
    out = capsys.readouterr().out
    assert "interrupted (Ctrl-C) at step 1/5" in out and f"train --resume {tmp_path / 'run'}" in out
    assert minigrad.load(tmp_path / "run" / "checkpoint.npz")["step"] == 1


def test_unwritable_out_and_a_full_disk_are_one_line_errors(tmp_path, capsys, monkeypatch):
    (tmp_path / "file").write_text("")
    assert train(tmp_path / "file" / "run") == 2
    assert "Not a directory" in capsys.readouterr().err

    def full_disk(state, path):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(minigrad, "save", full_disk)
    assert train(tmp_path / "full") == 1
    assert capsys.readouterr().err.startswith("error: No space left on device: ")
    assert not list((tmp_path / "full").glob(".*.tmp"))


def test_evaluate_writes_its_figures_into_the_run_folder(ring_run, capsys):
    assert main(["evaluate", "--checkpoint", str(ring_run), "--n", "300", "--seed", "4"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert json.loads((ring_run / "evaluation.json").read_text()) == printed
    assert (printed["seed"], printed["n_samples"]) == (4, 300)


def test_sample_seeds_its_noise(ring_run, tmp_path):
    for name, seed in (("a", "0"), ("b", "0"), ("c", "1")):
        assert sample(ring_run, tmp_path / f"{name}.npy", "--n", "8", "--seed", seed) == 0
    a, b, c = (numpy.load(tmp_path / f"{name}.npy") for name in "abc")
    numpy.testing.assert_array_equal(a, b)
    assert not numpy.allclose(a, c)


def test_a_run_of_gans_0_1_samples_and_resumes(ring_run, tmp_path, capsys):
    """The layout gans 0.1 wrote (flat TrainConfig, networks at the top), made from a run of today."""
    folder = tmp_path / "old"
    shutil.copytree(ring_run, folder)
    state = minigrad.load(folder / "checkpoint.npz")
    spec = state["spec"]
    flat = {**spec["run"], **spec["model"], "model": spec["preset"]}
    del flat["minutes"]
    minigrad.save({"generator": state["sampling"]["generator"], **state["family"], "source": state["source"],
                   "meta": {"step": state["step"], "rng": state["rng"], "wall_time": state["wall_time"],
                            "config": flat}}, folder / "checkpoint.npz")
    (folder / "config.json").write_text(json.dumps(flat))
    assert sample(folder, tmp_path / "old.npy", "--n", "6") == 0
    assert sample(ring_run, tmp_path / "new.npy", "--n", "6") == 0
    numpy.testing.assert_array_equal(numpy.load(tmp_path / "old.npy"), numpy.load(tmp_path / "new.npy"))
    assert main(["train", "--resume", str(folder), "--steps", "4", "--quiet"]) == 0
    assert json.loads((folder / "final_metrics.json").read_text())["step"] == 4


def test_finished_runs_are_reused_only_with_the_settings_asked_for(tmp_path, capsys):
    assert main(["demo", "--steps", "1", "--out", str(tmp_path)]) == 0
    assert main(["demo", "--steps", "2", "--out", str(tmp_path)]) == 0
    for steps in (1, 2):
        final = tmp_path / f"nsgan-ring8-s0-{steps}steps" / "final_metrics.json"
        assert json.loads(final.read_text())["step"] == steps
    config = tmp_path / "nsgan-ring8-s0-1steps" / "config.json"
    edited = json.loads(config.read_text())
    edited["model"]["width"] = 7
    config.write_text(json.dumps(edited))
    assert main(["demo", "--steps", "1", "--out", str(tmp_path)]) == 2
    assert "holds a run with other settings (width)" in capsys.readouterr().err


@needs_mnist
def test_sample_needs_no_training_data(tmp_path, capsys):
    data = tmp_path / "data"
    (data / "mnist").mkdir(parents=True)
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        shutil.copy(SHARED_DATA / "mnist" / name, data / "mnist" / name)
    run = tmp_path / "dcgan"
    assert train(run, "--dataset", "mnist", "--data-dir", str(data), "--batch-size", "16", "--width", "4",
                 model="dcgan", steps=1) == 0
    shutil.rmtree(data)
    result = gans_process("sample", "--checkpoint", str(run), "--n", "16", "--out", str(tmp_path / "digits.png"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "digits.png").read_bytes().startswith(PNG_MAGIC)


def test_curves_plots_one_metric_of_several_runs(ring_run, tmp_path, capsys):
    out = tmp_path / "gap.png"
    assert main(["curves", str(ring_run), str(ring_run), "--labels", "a", "b", "--key", "d_real",
                 "--minus", "d_fake", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")
    assert main(["curves", str(ring_run), "--labels", "a", "b", "--key", "d_real", "--out", str(out)]) == 2
    assert "--labels gives 2 labels for 1 runs" in capsys.readouterr().err
    assert main(["curves", str(ring_run), "--key", "no_such_metric", "--out", str(out)]) == 2
    assert "has no records with 'no_such_metric'" in capsys.readouterr().err
