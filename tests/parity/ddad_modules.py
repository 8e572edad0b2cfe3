"""PyTorch definitions of ddad's networks and losses, written from docs/METHOD.md.

They have the same state_dict names and shapes as the public reference's modules, so the
parity tests and the checkpoint converter can check ddad's C networks against them."""
import torch
from torch import nn


def _conv_bn_relu(cin, cout):
    return [nn.Conv2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)]


def _convt_bn_relu(cin, cout):
    return [nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)]


class AE(nn.Module):
    """AE (unc=False) and AE-U (unc=True, two output channels: mean and log-variance)."""

    def __init__(self, latent_size, multiplier=1, unc=False, img_size=64):
        super().__init__()
        c1, c2, c3 = int(16 * multiplier), int(32 * multiplier), int(64 * multiplier)
        self.c3, self.fm, self.unc = c3, img_size // 16, unc
        flat = c3 * self.fm * self.fm
        self.encoder = nn.Sequential(*_conv_bn_relu(1, c1), *_conv_bn_relu(c1, c2), *_conv_bn_relu(c2, c3),
                                     *_conv_bn_relu(c3, c3))
        self.linear_enc = nn.Sequential(nn.Linear(flat, 2048), nn.BatchNorm1d(2048), nn.ReLU(True),
                                        nn.Linear(2048, latent_size))
        self.linear_dec = nn.Sequential(nn.Linear(latent_size, 2048), nn.BatchNorm1d(2048), nn.ReLU(True),
                                        nn.Linear(2048, flat))
        self.decoder = nn.Sequential(*_convt_bn_relu(c3, c3), *_convt_bn_relu(c3, c2), *_convt_bn_relu(c2, c1),
                                     nn.ConvTranspose2d(c1, 2 if unc else 1, 4, 2, 1, bias=False))

    def forward(self, x):
        z = self.linear_enc(self.encoder(x).flatten(1))
        h = self.linear_dec(z).view(x.shape[0], self.c3, self.fm, self.fm)
        return self.decoder(h)   # [N, C_out, H, W]; AE-U: channel 0 mean, channel 1 logvar


class RefineNetwork(nn.Module):
    def __init__(self, in_channels=2, mid=128):
        super().__init__()
        self.model = nn.Sequential(
            nn.Conv2d(in_channels, mid, 3, 1, 1), nn.BatchNorm2d(mid), nn.ReLU(),
            nn.Conv2d(mid, mid, 3, 1, 1), nn.BatchNorm2d(mid), nn.ReLU(),
            nn.Conv2d(mid, 2, 3, 1, 1))

    def forward(self, x):
        return self.model(x)


def ae_loss(out, x, unc):
    if not unc:
        return torch.mean((out - x) ** 2)
    mean, logvar = out[:, :1], out[:, 1:]
    return torch.mean(torch.exp(-logvar) * (mean - x) ** 2) + torch.mean(logvar)


def focal_loss(prob, target, smooth=1e-5, gamma=2):
    """Focal loss on softmax probabilities prob [N,2,H,W], 0/1 target [N,H,W]."""
    c = prob.shape[1]
    p = prob.permute(0, 2, 3, 1).reshape(-1, c)
    onehot = torch.zeros_like(p).scatter_(1, target.reshape(-1, 1).long(), 1.0)
    onehot = torch.clamp(onehot, smooth / (c - 1), 1.0 - smooth)
    pt = (onehot * p).sum(1) + smooth
    return torch.mean(-torch.pow(1 - pt, gamma) * torch.log(pt))
