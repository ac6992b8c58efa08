"""Which metrics each kind of data gets: the figures of ``python -m gans evaluate`` and the cheap
final figures the trainer writes at the end of a run.

The dispatch lives here, above gans.data and gans.metrics, so that the data layer describes
samples without knowing a metric and the metrics read the data layer's test sets (one direction
only). A dataset's info class is looked up along its bases: a subclass scores as its parent.
"""
from .data.sources import DigitPairsInfo, LabelledImagesInfo, PointsInfo, StyledDigitsInfo
from .metrics.modes import mode_coverage
from .metrics.translation import evaluate_destyled, evaluate_paired


def evaluate(info, samples, data_dir=None, log=print, labelled=None):
    """The full metrics of ``evaluate`` for the dataset ``info`` describes (mode coverage for points;
    a classifier's FD, IS, class KL for images; the translation figures for paired and styled digits);
    ``labelled``: (samples, the labels they were asked for) of a conditional model."""
    for info_class in type(info).__mro__:
        if info_class in EVALUATIONS:
            return EVALUATIONS[info_class](info, samples, data_dir, log, labelled)
    raise ValueError(f"evaluate: no metrics for {info.kind} data ({info.name}) yet")


def final_metrics(info, draw_samples):
    """Cheap figures written at the end of training: mode coverage of a 2D mixture with discrete modes,
    {} for every other dataset; ``draw_samples()`` gives the samples, and is called only when there is
    something to score."""
    if isinstance(info, PointsInfo) and info.distribution.modes is not None:
        return evaluate_points(info, draw_samples())
    return {}


def evaluate_points(info, samples, data_dir=None, log=print, labelled=None):
    """Mode coverage of 2D samples against the mixture's modes."""
    distribution = info.distribution
    if distribution.modes is None:
        raise ValueError(f"evaluate: {info.name} has no discrete modes, so mode coverage does not apply")
    return mode_coverage(samples, distribution.modes, distribution.std).as_dict()


def evaluate_labelled_images(info, samples, data_dir=None, log=print, labelled=None):
    """evaluate_images of the samples (classifier scores and sharpness); with ``labelled`` (samples,
    the classes a conditional model was asked for) also how often the classifier reads the asked-for class."""
    from .metrics.classifier import load_or_train_classifier
    from .metrics.images import conditional_accuracy, evaluate_images

    log(f"preparing the {info.source_name} classifier (trained once, then cached)")
    classifier = load_or_train_classifier(info.source_name, data_dir or None, log=log)
    log(f"scoring {len(samples)} samples")
    metrics = evaluate_images(samples, info.source_name, classifier=classifier, data_dir=data_dir or None)
    if labelled is not None:
        metrics["conditional_accuracy"] = conditional_accuracy(*labelled, classifier=classifier)
    return metrics


def evaluate_digit_pairs(info, outputs, data_dir=None, log=print, labelled=None):
    """The paired-translation figures of a translator's outputs for the first test inputs."""
    return evaluate_paired(info, outputs, data_dir or None, log)


def evaluate_styled_digits(info, outputs, data_dir=None, log=print, labelled=None):
    """The de-styling figures of CycleGAN's B -> A outputs for the first styled test digits."""
    return evaluate_destyled(info, outputs, data_dir or None, log)


EVALUATIONS = {  # info class -> its evaluate; a dataset whose class (or a base) is not here has no metrics
    PointsInfo: evaluate_points,
    LabelledImagesInfo: evaluate_labelled_images,
    DigitPairsInfo: evaluate_digit_pairs,
    StyledDigitsInfo: evaluate_styled_digits,
}
