"""The translation family's figures, from arrays (outputs, targets, labels) and a digit classifier.

Paired tasks: PSNR and SSIM against the targets, the sharpness statistic (gradient energy), the
classifier's accuracy on the outputs against the true labels, and the Fréchet distance of the
outputs' classifier features to those of real digits. The unpaired task: identity kept (accuracy after de-styling and
after a full cycle), the cycle error, and Fréchet distances of translated images to their target
domain beside the untranslated images' distance (how far the domains are apart to begin with).
"""
from __future__ import annotations

import numpy as np

from gans.data.translation_tasks import SUPER_RESOLUTION_FACTOR, as_grey, upsample_separable
from gans.metrics.frechet import frechet_distance_of_features
from gans.metrics.psnr import psnr, ssim
from gans.metrics.sharpness import gradient_energy

IMAGE_RANGE = 2.0  # the span of the images' values: [-1, 1]


def interpolation_baselines(inputs: np.ndarray) -> dict[str, np.ndarray]:
    """Nearest, bilinear and bicubic upsampling of the 7x7 images behind block-replicated inputs."""
    factor = SUPER_RESOLUTION_FACTOR
    low = inputs[:, :, ::factor, ::factor]
    return {"nearest": inputs,
            **{mode: np.clip(upsample_separable(low, factor, mode), -1, 1) for mode in ("bilinear", "bicubic")}}


def classifier_figures(images: np.ndarray, labels: np.ndarray, classifier, reference_features) -> dict:
    """Accuracy against ``labels`` and the Fréchet distance to ``reference_features``."""
    features, probabilities = classifier.features_and_probabilities(as_grey(images) if images.shape[1] == 3
                                                                    else images)
    return {"accuracy": float(np.mean(probabilities.argmax(axis=1) == labels)),
            "frechet": frechet_distance_of_features(features, reference_features)}


def paired_figures(outputs, targets, labels, classifier, reference_features) -> dict:
    """PSNR, SSIM (dB and index, means), sharpness, accuracy and Fréchet distance of ``outputs``."""
    return {"psnr": float(psnr(outputs, targets, IMAGE_RANGE).mean()),
            "ssim": float(ssim(outputs, targets, IMAGE_RANGE).mean()),
            "sharpness": float(gradient_energy(outputs).mean()),
            **classifier_figures(outputs, labels, classifier, reference_features)}


def channel_features(images: np.ndarray, classifier) -> np.ndarray:
    """The digit classifier's features of each colour channel, side by side: a representation in
    which colour and texture count (grey features alone would ignore the styled domain's colours)."""
    return np.concatenate([classifier.features(images[:, [channel]]) for channel in range(images.shape[1])], axis=1)


def cycle_figures(plain, styled, labels, translate, classifier) -> dict:
    """CycleGAN on the test pairs (plain, styled) of the same digits, ``translate(images, direction)``
    the trained model's; the pairs are used only here, to score. The A -> B direction and both round
    trips (B -> A alone: ``evaluate_destyled``): identity kept by the stylised digits (as grey) and
    after A -> B -> A, the cycle errors, and the Fréchet distance of stylised to styled digits in
    channel features beside that of the untranslated plain digits."""
    stylised = translate(plain, "a_to_b")
    back_to_plain, back_to_styled = translate(stylised, "b_to_a"), translate(translate(styled, "b_to_a"), "a_to_b")
    styled_channels = channel_features(styled, classifier)
    return {
        "stylised_accuracy": classifier.accuracy(as_grey(stylised), labels),
        "cycle_accuracy_a": classifier.accuracy(as_grey(back_to_plain), labels),
        "cycle_l1_a": float(np.abs(back_to_plain - plain).mean()),
        "cycle_l1_b": float(np.abs(back_to_styled - styled).mean()),
        "frechet_stylised_to_styled": frechet_distance_of_features(channel_features(stylised, classifier),
                                                                    styled_channels),
        "frechet_untranslated_plain_to_styled": frechet_distance_of_features(channel_features(plain, classifier),
                                                                              styled_channels),
    }


def _classifier(data_dir, log):
    from gans.metrics.classifier import load_or_train_classifier

    log("preparing the mnist classifier (trained once, then cached)")
    return load_or_train_classifier("mnist", data_dir, log=log)


def _classifier_and_reference(data_dir, count, log):
    """The MNIST classifier and its features of ``count`` real train digits (the Fréchet reference)."""
    from gans.data.translation_tasks import load_digits

    classifier = _classifier(data_dir, log)
    return classifier, classifier.features(load_digits("train", data_dir=data_dir, limit=count)[0])


def evaluate_paired(info, outputs, data_dir=None, log=print) -> dict:
    """Figures of a paired task's outputs for its first len(outputs) test inputs; for
    super-resolution also those of the interpolation baselines and of the targets themselves."""
    test = info.test_pairs(len(outputs), data_dir)
    classifier, reference = _classifier_and_reference(data_dir, len(outputs), log)
    log(f"scoring {len(outputs)} outputs")
    methods = {"model": outputs, "target": test.targets}
    if info.task == "super-resolution":
        methods.update(interpolation_baselines(test.inputs))
    return {name: paired_figures(images, test.targets, test.labels, classifier, reference)
            for name, images in methods.items()}


def evaluate_destyled(info, outputs, data_dir=None, log=print) -> dict:
    """CycleGAN's B -> A outputs for the first len(outputs) styled test digits: identity kept
    (accuracy) and closeness to plain digits (Fréchet distance), beside the untranslated images."""
    test = info.test_pairs(len(outputs), data_dir)
    classifier, reference = _classifier_and_reference(data_dir, len(outputs), log)
    log(f"scoring {len(outputs)} outputs")
    return {"destyled": classifier_figures(outputs, test.labels, classifier, reference),
            "untranslated_styled": classifier_figures(test.targets, test.labels, classifier, reference),
            "destyled_l1_to_true_plain": float(np.abs(outputs - test.inputs).mean())}


def evaluate_cycle(info, translate, n, data_dir=None, log=print) -> dict:
    """``cycle_figures`` of a CycleGAN's ``translate`` on the first ``n`` test digits of ``info``'s task."""
    test = info.test_pairs(n, data_dir)
    classifier = _classifier(data_dir, log)
    log(f"translating {n} test digits both ways and back")
    return cycle_figures(test.inputs, test.targets, test.labels, translate, classifier)
