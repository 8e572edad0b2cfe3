#!/usr/bin/env python3
"""Figures and a short summary from a ddad results file.

  analysis/report.py RESULTS.h5 OUTDIR

Writes OUTDIR/roc.png (ROC curve of every score), OUTDIR/histograms.png (normal vs abnormal
score histograms with their chi-square distance, as the reference's test.py draws them),
OUTDIR/maps.png (test images with their maps, when the run saved maps) and
OUTDIR/summary.md. Needs h5py, numpy and matplotlib (Debian's python3 packages)."""
import json
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

SCORES = ["rec", "intra", "inter", "r_dual", "r_intra"]
LABELS = {"rec": "A_rec", "intra": "A_intra", "inter": "A_inter", "r_dual": "R_dual", "r_intra": "R_intra"}


def roc_curve(y, s):
    """ROC points over distinct thresholds (ties grouped), as sklearn.metrics.roc_curve."""
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    distinct = np.where(np.diff(s))[0]
    idx = np.r_[distinct, y.size - 1]
    tps = np.cumsum(y)[idx]
    fps = 1 + idx - tps
    tpr = np.r_[0, tps / max(tps[-1], 1)]
    fpr = np.r_[0, fps / max(fps[-1], 1)]
    return fpr, tpr


def chi2_distance(s, y):
    """The reference's chi-square distance: min-max normalised scores, 100 bins, densities."""
    lo, hi = float(s.min()), float(s.max())
    z = (s - lo) / (hi - lo) if hi > lo else np.zeros_like(s)
    a, _ = np.histogram(z[y == 0], bins=100, range=(0, 1), density=True)
    b, _ = np.histogram(z[y == 1], bins=100, range=(0, 1), density=True)
    return 0.5 * np.sum(((a - b) ** 2 + 1e-15) / (a + b + 1e-15)), z


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    path, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    f = h5py.File(path, "r")
    if f.attrs.get("kind", b"") not in (b"results", "results"):
        sys.exit(f"report.py: {path} is not a ddad results file")
    test = f["scores/test"]
    y = test["labels"][()].astype(np.int64)
    names = [k for k in SCORES if k in test]
    metrics = {k: dict(f["metrics"][k].attrs) for k in names if "metrics" in f and k in f["metrics"]}

    # ROC curves
    plt.figure(figsize=(6, 6))
    for k in names:
        fpr, tpr = roc_curve(y, test[k][()].astype(np.float64))
        auc = metrics.get(k, {}).get("auc", float("nan"))
        plt.plot(fpr, tpr, label=f"{LABELS[k]} (AUC {auc:.3f})")
    plt.plot([0, 1], [0, 1], "k:", lw=1)
    plt.xlabel("false positive rate")
    plt.ylabel("true positive rate")
    plt.legend(loc="lower right")
    plt.tight_layout()
    plt.savefig(os.path.join(out, "roc.png"), dpi=100)
    plt.close()

    # Histograms with the chi-square distance
    chi2 = {}
    fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 3.5), squeeze=False)
    for ax, k in zip(axes[0], names):
        chi2[k], z = chi2_distance(test[k][()].astype(np.float64), y)
        ax.hist(z[y == 0], bins=100, range=(0, 1), density=True, color="blue", alpha=0.5, label="normal")
        ax.hist(z[y == 1], bins=100, range=(0, 1), density=True, color="red", alpha=0.5, label="abnormal")
        ax.set_title(f"{LABELS[k]}: $\\chi^2$ = {chi2[k]:.2f}")
        ax.set_xlim(0, 1)
        ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "histograms.png"), dpi=100)
    plt.close(fig)

    # Test images with their maps
    have_maps = "maps/test" in f
    if have_maps:
        maps = f["maps/test"]
        mnames = [k for k in names if k in maps]
        n = y.size
        pick = list(np.where(y == 0)[0][:2]) + list(np.where(y == 1)[0][:4])
        rec = maps["rec"][()] if "rec" in maps else None
        fig, axes = plt.subplots(len(pick), len(mnames) + 1, figsize=(2 * (len(mnames) + 1), 2 * len(pick)),
                                 squeeze=False)
        for r, i in enumerate(pick):
            # The image itself is not stored; A_rec's square root shows its structure when it is not.
            img = f["images/test"][i] if "images/test" in f else (np.sqrt(rec[i]) if rec is not None else None)
            if img is not None:
                axes[r][0].imshow(img, cmap="gray")
            axes[r][0].set_title(f"#{i} {'abnormal' if y[i] else 'normal'}", fontsize=8)
            for c, k in enumerate(mnames):
                axes[r][c + 1].imshow(maps[k][i], cmap="jet")
                if r == 0:
                    axes[r][c + 1].set_title(LABELS[k], fontsize=8)
            for ax in axes[r]:
                ax.axis("off")
        fig.tight_layout()
        fig.savefig(os.path.join(out, "maps.png"), dpi=80)
        plt.close(fig)
        del n

    with open(os.path.join(out, "summary.md"), "w") as s:
        s.write(f"# ddad results: {os.path.basename(os.path.dirname(os.path.abspath(path)))}\n\n")
        s.write(f"- file: `{path}`\n- git revision: {f.attrs.get('git_rev', b'?').decode() if isinstance(f.attrs.get('git_rev'), bytes) else f.attrs.get('git_rev')}\n")
        s.write(f"- ranks: {int(f.attrs.get('n_ranks', 0))}\n- test images: {y.size} ({int((y == 1).sum())} abnormal)\n\n")
        s.write("| score | AUC | AP | chi2 |\n| --- | --- | --- | --- |\n")
        for k in names:
            m = metrics.get(k, {})
            s.write(f"| {LABELS[k]} | {m.get('auc', float('nan')):.4f} | {m.get('ap', float('nan')):.4f} | {chi2[k]:.2f} |\n")
        s.write("\n![ROC](roc.png)\n\n![histograms](histograms.png)\n")
        if have_maps:
            s.write("\n![maps](maps.png)\n")
    print(json.dumps({k: {"auc": float(metrics.get(k, {}).get("auc", float("nan"))), "chi2": float(chi2[k])} for k in names}))


if __name__ == "__main__":
    main()
