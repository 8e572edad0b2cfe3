#!/usr/bin/env python3
"""How much the refiner's BatchNorm-fed gradients cancel, in float64 PyTorch on the CPU.

gpu.models (tests/gpu/test_gpu_models.c) checks four refiner gradients against the size
of their terms rather than their own size, because BatchNorm's backward makes the gradient
at its input sum to zero per channel. This prints |sum of |terms|| / |gradient| for each on
the test's shapes (batch 4, 2 input channels, 64x64 inputs uniform in [0, 0.5), the test's
targets): the factor by which fp32 rounding, relative to the terms, is amplified relative
to the gradient. The test prints its own factors for its own weights; these should be of
the same size (2026-11-28: 30, 12, 13 and 22 here; 29, 12, 13 and 21 in the test on an H200).

Usage: python3 bench/gpu/cancellation.py [--seed S]   (Debian's python3-torch is enough)
"""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    n, c, h = 4, 2, 64
    # The refiner of docs/METHOD.md: three 3x3 convolutions with BatchNorm + ReLU between them
    net = nn.Sequential(nn.Conv2d(c, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(),
                        nn.Conv2d(128, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(),
                        nn.Conv2d(128, 2, 3, padding=1)).double().train()
    x = torch.rand(n, c, h, h, dtype=torch.double) * 0.5
    target = torch.zeros(n, h, h, dtype=torch.long)
    for i in range(1, n, 2):   # the test's targets: a block in every second sample
        target[i, 21:40, 11:] = 1

    z0 = net[0](x)
    y0 = net[1](z0)
    a0 = F.relu(y0)
    z1 = net[3](a0)
    for t in (z0, y0, z1):
        t.retain_grad()
    prob = F.softmax(net[6](F.relu(net[4](z1))), 1)
    pt = prob.gather(1, target[:, None]).squeeze(1)
    (-(1 - pt) ** 2 * torch.log(pt)).mean().backward()   # focal loss, gamma 2

    def ratio(terms, grad):
        return (terms.norm() / grad.norm()).item()

    w0 = torch.nn.grad.conv2d_weight(x.abs(), net[0].weight.shape, z0.grad.abs(), padding=1)
    w1 = torch.nn.grad.conv2d_weight(a0.detach().abs(), net[3].weight.shape, z1.grad.abs(), padding=1)
    mask = (a0 > 0).double()
    dy0 = y0.grad   # the gradient at BatchNorm 0's output, ReLU's mask applied
    xhat = (a0 - net[1].bias.view(1, -1, 1, 1)) / net[1].weight.view(1, -1, 1, 1)
    beta_terms = (dy0.abs() * mask).sum((0, 2, 3))
    gamma_terms = ((dy0 * xhat).abs() * mask).sum((0, 2, 3))
    print(f"model.0.weight  cancel x{ratio(w0, net[0].weight.grad):.0f}")
    print(f"model.3.weight  cancel x{ratio(w1, net[3].weight.grad):.0f}")
    print(f"model.1.weight  cancel x{ratio(gamma_terms, net[1].weight.grad):.0f}")
    print(f"model.1.bias    cancel x{ratio(beta_terms, net[1].bias.grad):.0f}")


if __name__ == "__main__":
    main()
