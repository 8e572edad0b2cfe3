#!/usr/bin/env python3
"""Per-kernel GPU time from a profiler's CSV, summed by kernel name, largest first.

Reads either Nsight Compute's per-launch CSV (`ncu --csv --metrics gpu__time_duration.sum`)
or Nsight Systems' kernel summary (`nsys stats --report cuda_gpu_kern_sum --format csv`).
Kernels launched fewer than --min-calls times (cuDNN's algorithm timing, one-off set-up)
are folded into one row, so the table shows what a step repeats.

Usage: kernel_summary.py CSV [--steps N | --step-kernel PREFIX] [--top K] [--min-calls M]
  --steps: divide totals by N to print the time per step as well
  --step-kernel: the number of steps is the number of launches of the kernel whose name
                 starts with PREFIX (one that runs once per step, e.g. 'k_adam(')
"""
import argparse
import csv
import sys

UNIT_NS = {"nsecond": 1.0, "ns": 1.0, "usecond": 1e3, "us": 1e3, "msecond": 1e6, "ms": 1e6, "second": 1e9, "s": 1e9}


def number(text):
    return float(text.replace(",", ""))


def read_rows(path):
    """The CSV table from its header line on: ncu writes "==PROF==" lines before it, and
    nsys may quote some fields and not others."""
    with open(path, newline="") as f:
        lines = f.readlines()
    for i, ln in enumerate(lines):
        if ln.lstrip('"').startswith(("ID", "Time")):
            return list(csv.DictReader(lines[i:]))
    return []


def summarise(rows, path):
    """{kernel name: [calls, total ns]}"""
    kernels = {}
    if rows and "Total Time (ns)" in rows[0]:   # nsys cuda_gpu_kern_sum
        for r in rows:
            kernels[r["Name"]] = [int(number(r["Instances"])), number(r["Total Time (ns)"])]
        return kernels
    if rows and "Metric Name" in rows[0]:   # ncu, one row per launch and metric
        for r in rows:
            if r["Metric Name"] != "gpu__time_duration.sum":
                continue
            unit = UNIT_NS.get(r["Metric Unit"])
            if unit is None:
                sys.exit(f"{path}: unknown time unit '{r['Metric Unit']}' for gpu__time_duration.sum")
            k = kernels.setdefault(r["Kernel Name"], [0, 0.0])
            k[0] += 1
            k[1] += number(r["Metric Value"]) * unit
        return kernels
    sys.exit(f"{path}: neither an ncu per-launch CSV nor an nsys kernel summary "
             "(expected a 'Metric Name' or a 'Total Time (ns)' column)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv")
    ap.add_argument("--steps", type=int, default=0)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--step-kernel", default="")
    ap.add_argument("--min-calls", type=int, default=1)
    a = ap.parse_args()
    try:
        kernels = summarise(read_rows(a.csv), a.csv)
    except OSError as e:
        sys.exit(f"kernel_summary.py: cannot read {a.csv}: {e.strerror}")
    if not kernels:
        sys.exit(f"{a.csv}: no kernel timings in it")
    if a.step_kernel:
        a.steps = sum(v[0] for n, v in kernels.items() if n.startswith(a.step_kernel))
        if not a.steps:
            sys.exit(f"{a.csv}: no kernel named {a.step_kernel}... to count the steps by")
        print(f"{a.steps} steps ({a.step_kernel}... launches)")
    rare = [v for v in kernels.values() if v[0] < a.min_calls]
    kept = sorted(((n, v) for n, v in kernels.items() if v[0] >= a.min_calls), key=lambda kv: -kv[1][1])
    total = sum(v[1] for v in kernels.values())
    shown = sum(v[1] for _, v in kept) or 1.0   # shares are of the repeated kernels' time
    per = f" {'us/step':>9}" if a.steps else ""
    print(f"{'share':>6} {'total ms':>9} {'calls':>7} {'mean us':>8}{per}  kernel")
    for name, (calls, ns) in kept[: a.top]:
        step = f" {ns / a.steps / 1e3:9.1f}" if a.steps else ""
        print(f"{100 * ns / shown:5.1f}% {ns / 1e6:9.3f} {calls:7d} {ns / calls / 1e3:8.2f}{step}  {name[:100]}")
    rest = kept[a.top:]
    if rest:
        ns = sum(v[1] for _, v in rest)
        print(f"{100 * ns / shown:5.1f}% {ns / 1e6:9.3f} {sum(v[0] for _, v in rest):7d} {'':8}  "
              f"({len(rest)} other kernels)")
    if rare:
        ns = sum(v[1] for v in rare)
        print(f"{'-':>6} {ns / 1e6:9.3f} {sum(v[0] for v in rare):7d} {'':8}  "
              f"({len(rare)} kernels launched fewer than {a.min_calls} times: set-up, algorithm timing)")
    kernel_calls = sum(v[0] for _, v in kept)
    print(f"total {total / 1e6:.3f} ms of kernel time in {sum(v[0] for v in kernels.values())} launches"
          + (f"; repeated kernels {kernel_calls / a.steps:.0f} launches per step" if a.steps else ""))


if __name__ == "__main__":
    main()
