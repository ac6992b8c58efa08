"""The diffusion pictures: alpha_bar curves, images noised across t, the denoising trajectory."""
import numpy

import minigrad
from gans.diffusion import Denoising, NoiseSchedule, ddpm_sample
from gans.diffusion.figures import TrajectoryRecorder, noised_across_t, plot_alpha_bar


def test_noised_images_keep_their_order_and_follow_q(tmp_path):
    schedule = NoiseSchedule.named("cosine", 100)
    images = numpy.stack([numpy.full((1, 2, 2), -1.0), numpy.full((1, 2, 2), 1.0)]).astype(numpy.float32)
    noised = noised_across_t(images, schedule, (0, 99), numpy.random.default_rng(0))
    assert noised.shape == (4, 1, 2, 2)
    numpy.testing.assert_allclose(noised[[0, 2]], images, atol=0.1)  # t = 0: almost the image
    assert abs(noised[[1, 3]].mean()) < 2.0 and numpy.abs(noised[1] - images[0]).max() > 0.1  # t = 99: noise
    assert plot_alpha_bar(tmp_path / "a.png", 50).stat().st_size > 0


def test_trajectory_recorder_keeps_one_frame_per_asked_step():
    schedule = NoiseSchedule.named("cosine", 20)
    recorder = TrajectoryRecorder([19, 10, 0])
    denoising = Denoising(lambda x, t, labels: x * 0, schedule)
    final = ddpm_sample(denoising, (3, 1, 2, 2), numpy.random.default_rng(0), dtype=minigrad.float64, on_step=recorder)
    grid = recorder.grid()
    assert len(recorder.frames) == 3 and grid.shape == (9, 1, 2, 2)
    numpy.testing.assert_array_equal(grid[2::3], final.numpy())  # each row ends on the sample
