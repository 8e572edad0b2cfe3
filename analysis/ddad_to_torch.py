#!/usr/bin/env python3
"""Converts the trained networks of a ddad run into PyTorch state dicts.

usage: ddad_to_torch.py RUN_DIR OUT_DIR

Reads RUN_DIR/results.h5: /members/ndm_<k>/, /members/udm_<k>/ and /refiner/, each a group
written by ddad_paramset_save (tensors under their PyTorch state_dict names, BatchNorm
num_batches_tracked as int64 scalars, the Adam state under optimizer/, which is skipped).
Writes OUT_DIR/ndm_<k>.pth, OUT_DIR/udm_<k>.pth and OUT_DIR/refine.pth; each loads with
load_state_dict(strict=True) into the public reference's AE / RefineNetwork."""
import collections
import os
import sys

import h5py
import numpy as np
import torch


def group_state_dict(group):
    sd = collections.OrderedDict()
    for name, obj in group.items():
        if not isinstance(obj, h5py.Dataset):
            continue   # optimizer/ and anything else that is not a tensor
        arr = obj[()]
        if name.endswith("num_batches_tracked"):
            sd[name] = torch.tensor(int(arr), dtype=torch.int64)
        else:
            sd[name] = torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))
    return sd


def convert(run_dir, out_dir):
    path = os.path.join(run_dir, "results.h5")
    if not os.path.isfile(path):
        sys.exit(f"ddad_to_torch: {path} not found: pass the run's output directory (Exp.out_dir)")
    os.makedirs(out_dir, exist_ok=True)
    written = []
    with h5py.File(path, "r") as f:
        nets = []
        if "members" in f:
            nets += [(f"members/{k}", k) for k in sorted(f["members"]) if k.startswith(("ndm_", "udm_"))]
        if "refiner" in f:
            nets.append(("refiner", "refine"))
        if not nets:
            sys.exit(f"ddad_to_torch: {path} has no /members/ndm_<k>, /members/udm_<k> or /refiner groups")
        for h5name, outname in nets:
            sd = group_state_dict(f[h5name])
            if not sd:
                sys.exit(f"ddad_to_torch: {path}:/{h5name} holds no tensors")
            target = os.path.join(out_dir, outname + ".pth")
            tmp = target + ".tmp"
            torch.save(sd, tmp)
            os.replace(tmp, target)
            written.append(target)
    for w in written:
        print(w)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: ddad_to_torch.py RUN_DIR OUT_DIR")
    convert(sys.argv[1], sys.argv[2])


if __name__ == "__main__":
    main()
