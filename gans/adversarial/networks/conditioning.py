"""How a class label reaches the networks, and PacGAN's packing of samples."""
import minigrad


def one_hot(labels, num_classes, like):
    """(N,) integer labels as (N, num_classes) one-hot rows in ``like``'s dtype and device."""
    eye = minigrad.eye(num_classes, dtype=like.dtype, device=like.device)
    return eye[labels]


def label_planes(labels, num_classes, like):
    """One-hot labels as constant image planes (N, num_classes, H, W) to stack onto ``like``."""
    n, _, height, width = like.shape
    return one_hot(labels, num_classes, like).reshape(n, num_classes, 1, 1).expand(n, num_classes, height, width)


def pack(samples, pack_size):
    """PacGAN: concatenate groups of ``pack_size`` samples along the feature/channel axis.

    (N, C, ...) becomes (N / pack_size, pack_size * C, ...), so the discriminator
    judges m samples jointly and can see a lack of diversity.
    """
    if pack_size == 1:
        return samples
    n = samples.shape[0]
    if n % pack_size:
        raise ValueError(f"pack: batch of {n} samples does not split into packs of {pack_size}")
    return samples.reshape(n // pack_size, pack_size * samples.shape[1], *samples.shape[2:])
