"""The same workloads as bench_nn.c, in PyTorch (Debian's python3-torch).
usage: bench_torch.py THREADS [SECONDS_PER_WORKLOAD]"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "parity"))
from ddad_modules import AE, RefineNetwork, ae_loss, focal_loss  # noqa: E402

S = 64


# wall clock, or the process's CPU time with DDAD_BENCH_CPUTIME=1 (as bench_nn.c)
CLOCK = time.process_time if os.environ.get("DDAD_BENCH_CPUTIME") == "1" else time.perf_counter


def timed(seconds, fn):
    fn()
    calls, t0 = 0, CLOCK()
    while True:
        fn()
        calls += 1
        t = CLOCK() - t0
        if t >= seconds and calls >= 3:
            return calls / t


def main():
    threads = int(sys.argv[1])
    secs = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x = torch.rand(64, 1, S, S) * 2 - 1

    ae = AE(16, 1, False, S).train()
    opt = torch.optim.Adam(ae.parameters(), lr=5e-4, betas=(0.5, 0.999))

    def ae_step():
        opt.zero_grad()
        ae_loss(ae(x), x, False).backward()
        opt.step()
    print(f"ae_train {timed(secs, ae_step) * 64:.1f}", flush=True)

    members = [AE(16, 1, False, S).eval() for _ in range(6)]
    ref = RefineNetwork(2).train()
    ropt = torch.optim.Adam(ref.parameters(), lr=1e-4, betas=(0.5, 0.999), weight_decay=1e-4)
    xb = x[:8]
    target = (xb[:, 0] > 0.6).to(torch.uint8)

    def refine_step():
        with torch.no_grad():
            outs = [m(xb) for m in members]
            a = torch.cat(outs[:3], 1)
            b = torch.cat(outs[3:], 1)
            rin = torch.cat([torch.abs(a.mean(1, keepdim=True) - b.mean(1, keepdim=True)),
                             torch.std(b, 1, keepdim=True)], 1)
        ropt.zero_grad()
        focal_loss(torch.softmax(ref(rin), 1), target).backward()
        ropt.step()
    print(f"refine {timed(secs, refine_step) * 8:.1f}", flush=True)

    inf = AE(16, 1, False, S).eval()

    def infer():
        with torch.no_grad():
            inf(x)
    print(f"ae_infer {timed(secs, infer) * 64:.1f}", flush=True)


if __name__ == "__main__":
    main()
