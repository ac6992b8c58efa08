"""The style-mixing figure of the StyleGAN papers, as an array of images for a square grid."""
import numpy

import minigrad

from .generator import mix_styles


@minigrad.no_grad()
def style_mixing_grid(generator, coarse_z, fine_z, crossover, truncation=1.0, noise="random"):
    """((R + 1) (C + 1), channels, S, S) images in [-1, 1], row-major for a grid of C + 1 columns.

    Row 0: a blank corner, then the C images of ``fine_z``; row i + 1: the image of ``coarse_z[i]``,
    then C images whose layers [0, crossover) (coarse: pose, shape) take ``coarse_z[i]``'s styles and
    the others (fine: stroke, texture) take ``fine_z[j]``'s.
    """
    rows, cols = coarse_z.shape[0], fine_z.shape[0]
    coarse_ws, fine_ws = generator.styles(coarse_z, truncation), generator.styles(fine_z, truncation)
    row_of, col_of = numpy.repeat(numpy.arange(rows), cols), numpy.tile(numpy.arange(cols), rows)
    mixed = generator.synthesis(mix_styles(coarse_ws[row_of], fine_ws[col_of], crossover), noise).numpy()
    coarse, fine = (generator.synthesis(ws, noise).numpy() for ws in (coarse_ws, fine_ws))
    blank = numpy.full((1,) + fine.shape[1:], -1.0, dtype=fine.dtype)
    body = [numpy.concatenate([coarse[i:i + 1], mixed[i * cols:(i + 1) * cols]]) for i in range(rows)]
    return numpy.clip(numpy.concatenate([blank, fine, *body]), -1.0, 1.0)
