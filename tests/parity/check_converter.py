"""Converts a results file written by write_results into .pth files with
analysis/ddad_to_torch.py, loads each into this project's PyTorch modules with
load_state_dict(strict=True), and checks the eval-mode outputs against the C forward.
usage: check_converter.py RUN_DIR OUT_DIR"""
import os
import subprocess
import sys

import h5py
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ddad_modules import AE, RefineNetwork  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def rel(a, b):
    return float(np.abs(a - b).max() / np.abs(b).max())


def main():
    run_dir, out_dir = sys.argv[1], sys.argv[2]
    subprocess.run([sys.executable, os.path.join(ROOT, "analysis", "ddad_to_torch.py"), run_dir, out_dir], check=True)
    torch.set_num_threads(2)
    fails = 0
    with h5py.File(os.path.join(run_dir, "results.h5"), "r") as f:
        x = torch.from_numpy(f["check/x"][()])
        for name in ["ndm_0", "ndm_1", "udm_0", "udm_1"]:
            m = AE(16, 1, True, 64)
            m.load_state_dict(torch.load(os.path.join(out_dir, name + ".pth")), strict=True)
            m.eval()
            with torch.no_grad():
                out = m(x).numpy()
            e = rel(out, f[f"check/{name}_out"][()])
            print(f"{name}.pth strict load ok, eval output rel err {e:.2e}")
            fails += e > 1e-5
        r = RefineNetwork(2)
        r.load_state_dict(torch.load(os.path.join(out_dir, "refine.pth")), strict=True)
        r.eval()
        with torch.no_grad():
            p1 = torch.softmax(r(torch.from_numpy(f["check/refine_in"][()])), dim=1)[:, 1].numpy()
        e = rel(p1, f["check/refine_prob1"][()])
        print(f"refine.pth strict load ok, eval probability rel err {e:.2e}")
        fails += e > 1e-5
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
