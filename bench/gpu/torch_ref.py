#!/usr/bin/env python3
"""PyTorch timings of the method's networks (docs/METHOD.md: the AE, the refiner, Adam, the
focal loss), for comparison with bench_gpu_step on the same card in the same run.

Workloads (fp32 defaults, cudnn.benchmark on, data already on the device):
  ae_train_b64     AE training step, batch 64: forward, MSE, backward, Adam
  refine_step_b8   refiner step, batch 8: 6 frozen AEs in eval mode, discrepancy maps,
                   refiner forward, focal loss, backward, Adam
  ae_infer_b256    AE eval-mode forward, batch 256
Prints "RESULT torch_<name> <value> <unit>" lines and the peak allocated memory.
"""
import argparse
import statistics

import torch
import torch.nn as nn


def ae(img=64, mp=1.0, ls=16, cout=1):
    c1, c2, c3 = int(16 * mp), int(32 * mp), int(64 * mp)
    fm = img // 16
    feat = c3 * fm * fm
    enc, cin = [], 1
    for c in (c1, c2, c3, c3):
        enc += [nn.Conv2d(cin, c, 4, 2, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU(inplace=True)]
        cin = c
    dec, cin = [], c3
    for c in (c3, c2, c1):
        dec += [nn.ConvTranspose2d(cin, c, 4, 2, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU(inplace=True)]
        cin = c
    dec.append(nn.ConvTranspose2d(c1, cout, 4, 2, 1, bias=False))

    class AE(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(*enc)
            self.linear_enc = nn.Sequential(nn.Linear(feat, 2048), nn.BatchNorm1d(2048), nn.ReLU(True),
                                            nn.Linear(2048, ls))
            self.linear_dec = nn.Sequential(nn.Linear(ls, 2048), nn.BatchNorm1d(2048), nn.ReLU(True),
                                            nn.Linear(2048, feat))
            self.decoder = nn.Sequential(*dec)

        def forward(self, x):
            z = self.linear_enc(self.encoder(x).flatten(1))
            return self.decoder(self.linear_dec(z).view(-1, c3, fm, fm))

    return AE()


def refiner(cin=2):
    return nn.Sequential(nn.Conv2d(cin, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(True),
                         nn.Conv2d(128, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(True),
                         nn.Conv2d(128, 2, 3, padding=1))


def focal(prob, target, s=1e-5):
    p = prob.permute(0, 2, 3, 1).reshape(-1, 2)
    t = target.reshape(-1).long()
    one = torch.zeros_like(p).scatter_(1, t[:, None], 1.0).clamp(s, 1.0 - s)
    pt = (one * p).sum(1) + s
    return (-(1.0 - pt) ** 2 * pt.log()).mean()


def timed(fn, dev, warmup, reps, iters):
    for _ in range(warmup):
        fn()
    if dev.type != "cuda":
        import time
        out = []
        for _ in range(reps):
            t0 = time.perf_counter()
            for _ in range(iters):
                fn()
            out.append((time.perf_counter() - t0) * 1e3 / iters)
        return statistics.median(out)
    times = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        for _ in range(iters):
            fn()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b) / iters)
    return statistics.median(times)


def result(name, value, unit):
    print(f"RESULT torch_{name} {value:.6g} {unit}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--iters", type=int, default=40)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=10)
    args = ap.parse_args()
    dev = torch.device(args.device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        print("torch_ref.py: SKIPPED: torch sees no CUDA device")
        raise SystemExit(77)
    torch.backends.cudnn.benchmark = True
    torch.manual_seed(0)
    S, N = 64, 3851
    images = torch.randint(0, 256, (N, 1, S, S), dtype=torch.uint8, device=dev)

    def batch(n):
        idx = torch.randint(0, N, (n,), device=dev)
        return (images[idx].float() / 255.0 - 0.5) / 0.5

    # AE training step, batch 64
    net = ae().to(dev).train()
    opt = torch.optim.Adam(net.parameters(), lr=5e-4, betas=(0.5, 0.999))
    xs = [batch(64) for _ in range(8)]
    k = [0]

    def ae_step():
        x = xs[k[0] % len(xs)]
        k[0] += 1
        opt.zero_grad(set_to_none=True)
        loss = ((net(x) - x) ** 2).mean()
        loss.backward()
        opt.step()

    ms = timed(ae_step, dev, args.warmup, args.reps, args.iters)
    result("ae_train_b64", ms, "ms/step")
    result("ae_train_b64_imgs", 64 / (ms * 1e-3), "img/s")

    # AE inference, batch 256
    net.eval()
    x256 = batch(256)

    def infer():
        with torch.no_grad():
            net(x256)

    ms = timed(infer, dev, args.warmup, args.reps, args.iters)
    result("ae_infer_b256_imgs", 256 / (ms * 1e-3), "img/s")

    # Refiner step, batch 8, with 6 frozen members
    members = [ae().to(dev).eval() for _ in range(6)]
    ref = refiner(2).to(dev).train()
    ropt = torch.optim.Adam(ref.parameters(), lr=1e-4, betas=(0.5, 0.999), weight_decay=1e-4)
    x8 = [batch(8) for _ in range(8)]
    tg = [(torch.rand(8, S, S, device=dev) > 0.9) for _ in range(8)]

    def refine_step():
        i = k[0] % len(x8)
        k[0] += 1
        x = x8[i]
        with torch.no_grad():
            outs = torch.stack([m(x) for m in members])        # [6, 8, 1, S, S]
            b, a = outs[:3], outs[3:]
            inter = (a.mean(0) - b.mean(0)).abs()
            intra = b.std(0, unbiased=True)
            inp = torch.cat([inter, intra], 1)
        ropt.zero_grad(set_to_none=True)
        prob = torch.softmax(ref(inp), 1)
        loss = focal(prob, tg[i])
        loss.backward()
        ropt.step()

    ms = timed(refine_step, dev, args.warmup, args.reps, args.iters)
    result("refine_step_b8", ms, "ms/step")
    result("refine_step_b8_imgs", 8 / (ms * 1e-3), "img/s")
    if dev.type == "cuda":
        result("peak_alloc_MiB", torch.cuda.max_memory_allocated() / 2**20, "MiB")
        # PyTorch's defaults let cuDNN run fp32 convolutions in TF32 (matmuls stay fp32)
        print(f"torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}, {torch.cuda.get_device_name()}, "
              f"cudnn.allow_tf32={torch.backends.cudnn.allow_tf32}, "
              f"matmul.allow_tf32={torch.backends.cuda.matmul.allow_tf32}")


if __name__ == "__main__":
    main()
