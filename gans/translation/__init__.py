"""Image-to-image translation: pix2pix and its L1-only baseline (the ``paired-translation`` family,
gans.translation.pix2pix) and CycleGAN (``unpaired-translation``, gans.translation.cyclegan), on a
U-Net generator, a PatchGAN critic that reports its receptive field, and an image history pool."""
