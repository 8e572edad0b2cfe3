"""How hard is a synthetic dataset for DDAD? Trains K NDM and K UDM autoencoders (the
backbone AE: conv encoder, 2048-wide linear bottleneck, deconv decoder) with PyTorch
on a dataset file and prints the test AUROC of A_rec, A_intra and A_inter. A quick proxy
for tuning `ddad synth` (no refiner); the real job is `ddad run`.

usage: /usr/bin/python3 bench/data/synth_difficulty.py FILE.h5 [--epochs 30] [--k 3]
                        [--extra 300] [--ar 0.6] [--threads 2]"""
import argparse
import time

import h5py
import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from torch import nn


def block(cin, cout, transpose=False):
    conv = nn.ConvTranspose2d if transpose else nn.Conv2d
    return [conv(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)]


class AE(nn.Module):
    def __init__(self, img, ls=16, mp=1):
        super().__init__()
        c = [int(16 * mp), int(32 * mp), int(64 * mp), int(64 * mp)]
        self.fm = img // 16
        flat = c[3] * self.fm * self.fm
        self.enc = nn.Sequential(*block(1, c[0]), *block(c[0], c[1]), *block(c[1], c[2]), *block(c[2], c[3]))
        self.lin = nn.Sequential(nn.Linear(flat, 2048), nn.BatchNorm1d(2048), nn.ReLU(True), nn.Linear(2048, ls),
                                 nn.Linear(ls, 2048), nn.BatchNorm1d(2048), nn.ReLU(True), nn.Linear(2048, flat))
        self.dec = nn.Sequential(*block(c[3], c[3], True), *block(c[3], c[2], True), *block(c[2], c[1], True),
                                 nn.ConvTranspose2d(c[1], 1, 4, 2, 1, bias=False))
        self.c3 = c[3]

    def forward(self, x):
        z = self.lin(self.enc(x).flatten(1))
        return self.dec(z.view(-1, self.c3, self.fm, self.fm))


def train(x, epochs, seed, img):
    torch.manual_seed(seed)
    net = AE(img)
    opt = torch.optim.Adam(net.parameters(), lr=5e-4, betas=(0.5, 0.999))
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=g)
        for i in range(0, len(x) - 63, 64):
            b = x[perm[i:i + 64]]
            loss = ((net(b) - b) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    net.eval()
    return net


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--extra", type=int, default=300)
    ap.add_argument("--ar", type=float, default=0.6)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    f = h5py.File(a.file, "r")
    img = int(f.attrs["img_size"])
    load = lambda g: torch.tensor(f[g + "/images"][:], dtype=torch.float32).unsqueeze(1) / 127.5 - 1.0
    dn = load("train/normal")
    n_ab = int(a.extra * a.ar)
    du = torch.cat([load("train/unlabeled/pool0")[:a.extra - n_ab], load("train/unlabeled/pool1")[:n_ab]])
    xt, yt = load("test"), f["test/labels"][:]
    t0 = time.time()
    outs = {"b": [], "a": []}
    for k in range(a.k):
        for mode, data in (("b", dn), ("a", torch.cat([dn, du]))):
            net = train(data, a.epochs, 1000 * k + (mode == "a"), img)
            with torch.no_grad():
                outs[mode].append(torch.cat([net(xt[i:i + 256]) for i in range(0, len(xt), 256)]))
            print(f"member {mode}{k} trained ({time.time() - t0:.0f} s)", flush=True)
    b, am = torch.stack(outs["b"]), torch.stack(outs["a"]).mean(0)
    mb = b.mean(0)
    scores = {"rec": ((xt - mb) ** 2), "intra": b.std(0, unbiased=True), "inter": (am - mb).abs()}
    for name, m in scores.items():
        s = m.flatten(1).mean(1).numpy()
        print(f"A_{name:5s} AUROC {roc_auc_score(yt, s):.3f}")


if __name__ == "__main__":
    main()
