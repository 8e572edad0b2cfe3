#!/usr/bin/env python3
"""Compares two ddad results files (or two refiner checkpoints).

  compare_results.py A/results.h5 B/results.h5 [--exact GROUP ...] [--rtol GROUP=TOL ...]
                    [--vector-rtol GROUP=TOL ...] [--exclude SUBSTRING ...]

GROUP is a path in the file (members, refiner, losses, scores/test/rec, maps/test, ...).
--exact: every dataset under GROUP must be bit-identical. --rtol: per dataset,
max|a-b| / max|b| <= TOL. Exits 1 on the first mismatch, naming it."""
import argparse
import sys

import h5py
import numpy as np


def datasets(f, group):
    """Every dataset under group, and every numeric attribute (as "path@name")."""
    out = {}
    obj = f[group]

    def add(path, o):
        if isinstance(o, h5py.Dataset):
            out[path] = o[()]
        for k, v in o.attrs.items():
            if np.asarray(v).dtype.kind in "fiu":
                out[path + "@" + k] = np.asarray(v)

    add(group, obj)
    if isinstance(obj, h5py.Group):
        obj.visititems(lambda name, o: add(group + "/" + name, o))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--exact", nargs="*", default=[])
    ap.add_argument("--rtol", nargs="*", default=[])
    ap.add_argument("--vector-rtol", nargs="*", default=[],
                    help="GROUP=TOL: max|a-b| / max|b| over all float datasets under GROUP as one vector")
    ap.add_argument("--exclude", nargs="*", default=[], help="skip datasets whose path contains one of these")
    args = ap.parse_args()
    fa, fb = h5py.File(args.a, "r"), h5py.File(args.b, "r")
    checked = 0
    for group in args.exact:
        da, db = datasets(fa, group), datasets(fb, group)
        if sorted(da) != sorted(db):
            sys.exit(f"{group}: the files hold different datasets: {sorted(set(da) ^ set(db))}")
        if not da:
            sys.exit(f"{group}: no datasets")
        for k in da:
            a, b = np.asarray(da[k]), np.asarray(db[k])
            if a.shape != b.shape or a.tobytes() != b.tobytes():
                diff = np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))) if a.shape == b.shape and a.dtype.kind == "f" else "?"
                sys.exit(f"{k}: not bit-identical (max abs difference {diff})")
            checked += 1
    for spec in args.rtol:
        group, tol = spec.rsplit("=", 1)
        tol = float(tol)
        da, db = datasets(fa, group), datasets(fb, group)
        if sorted(da) != sorted(db) or not da:
            sys.exit(f"{group}: the files hold different datasets")
        for k in da:
            a, b = np.asarray(da[k], dtype=np.float64), np.asarray(db[k], dtype=np.float64)
            if a.shape != b.shape:
                sys.exit(f"{k}: shapes differ {a.shape} vs {b.shape}")
            scale = np.max(np.abs(b)) if b.size else 0.0
            err = np.max(np.abs(a - b)) / scale if scale > 0 else np.max(np.abs(a - b), initial=0.0)
            if not err <= tol:
                sys.exit(f"{k}: relative difference {err:.3g} > {tol:g}")
            checked += 1
    for spec in args.vector_rtol:
        group, tol = spec.rsplit("=", 1)
        tol = float(tol)
        da, db = datasets(fa, group), datasets(fb, group)
        keys = sorted(k for k in da if "@" not in k and np.asarray(da[k]).dtype.kind == "f"
                      and not any(x in k for x in args.exclude))
        if sorted(da) != sorted(db) or not keys:
            sys.exit(f"{group}: the files hold different datasets")
        a = np.concatenate([np.ravel(da[k]).astype(np.float64) for k in keys])
        b = np.concatenate([np.ravel(db[k]).astype(np.float64) for k in keys])
        err = np.max(np.abs(a - b)) / np.max(np.abs(b))

        def tensor_err(k):
            x, y = np.ravel(da[k]).astype(np.float64), np.ravel(db[k]).astype(np.float64)
            return np.max(np.abs(x - y)) / max(np.max(np.abs(y)), 1e-30)

        worst = max(keys, key=tensor_err)
        print(f"{group}: relative difference {err:.3g} over {a.size} values "
              f"(largest per tensor: {worst}, {tensor_err(worst):.3g} of its own scale)")
        if not err <= tol:
            sys.exit(f"{group}: relative difference {err:.3g} > {tol:g}")
        checked += len(keys)
    print(f"compare_results: {checked} datasets agree ({args.a} vs {args.b})")


if __name__ == "__main__":
    main()
