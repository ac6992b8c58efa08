"""R1 (Mescheder et al. 2018): penalise the discriminator's gradient on real images only.

gamma / 2 * E_real ||grad_x D(x)||^2 pushes D towards zero slope on the data,
which makes the GAN game locally convergent. The gradient is taken with
``create_graph=True`` so the penalty can be differentiated again with
respect to D's parameters (a double backward).
"""
import minigrad


def r1_penalty(critic, real, condition=None):
    """E ||grad_x critic(x)||^2 over the real batch (multiply by gamma / 2 in the loss)."""
    real = real.detach().requires_grad_()
    scores = critic(real) if condition is None else critic(real, condition)
    (gradient,) = minigrad.grad(scores.sum(), real, create_graph=True)
    return (gradient * gradient).reshape(gradient.shape[0], -1).sum(dim=1).mean()
