#!/usr/bin/python3
"""Checks that two ddad run directories hold the same results, bit for bit:
   compare_results.py RUN_A RUN_B
Every dataset of results.h5 must exist in both files with the same shape, type and bytes,
except the run's bookkeeping: /config (it names the run directory) and /timings. metrics.json
must be equal too. Prints every difference; exits 1 if there is one."""
import json
import sys

import h5py
import numpy as np

SKIP = ("config", "timings")


def datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and name.split("/")[0] not in SKIP:
                out[name] = (obj.dtype.str, obj.shape, np.asarray(obj[()]).tobytes())
        f.visititems(visit)
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    a_dir, b_dir = sys.argv[1:]
    a, b = datasets(f"{a_dir}/results.h5"), datasets(f"{b_dir}/results.h5")
    diffs = [f"only in {a_dir}: /{n}" for n in sorted(set(a) - set(b))]
    diffs += [f"only in {b_dir}: /{n}" for n in sorted(set(b) - set(a))]
    for name in sorted(set(a) & set(b)):
        if a[name][:2] != b[name][:2]:
            diffs.append(f"/{name}: type/shape {a[name][:2]} vs {b[name][:2]}")
        elif a[name][2] != b[name][2]:
            diffs.append(f"/{name}: values differ")
    with open(f"{a_dir}/metrics.json") as fa, open(f"{b_dir}/metrics.json") as fb:
        ma, mb = json.load(fa), json.load(fb)
    if ma != mb:
        diffs.append(f"metrics.json differs: {ma} vs {mb}")
    for d in diffs:
        print(d)
    print(f"compared {len(set(a) & set(b))} datasets and metrics.json: "
          f"{'identical' if not diffs else str(len(diffs)) + ' difference(s)'}")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
