"""A first taste: fit a small MLP to a noisy sine with hand-rolled SGD and watch the loss fall.

Run with ``python -m minigrad.demo``.
"""
import math

import minigrad
import minigrad.functional as F


def main(steps=300, hidden=32, lr=0.05):
    minigrad.manual_seed(0)
    x = minigrad.linspace(-math.pi, math.pi, 128).reshape(-1, 1)
    y = minigrad.sin(x) + 0.05 * minigrad.randn(128, 1)
    w1 = minigrad.randn(1, hidden, requires_grad=True)
    b1 = minigrad.zeros(hidden, requires_grad=True)
    w2 = (minigrad.randn(hidden, 1) * (1 / math.sqrt(hidden))).requires_grad_()
    b2 = minigrad.zeros(1, requires_grad=True)
    parameters = [w1, b1, w2, b2]
    for step in range(steps + 1):
        prediction = F.tanh(x @ w1 + b1) @ w2 + b2
        loss = F.mse_loss(prediction, y)
        for p in parameters:
            p.grad = None
        loss.backward()
        with minigrad.no_grad():
            for p in parameters:
                p.copy_(p - lr * p.grad)
        if step % 50 == 0:
            print(f"step {step:4d}  mse {loss.item():.4f}")
    return loss.item()


if __name__ == "__main__":
    main()
