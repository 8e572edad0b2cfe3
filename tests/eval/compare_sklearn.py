"""Checks the C metrics (written by metrics_dump) against scikit-learn and numpy.

usage: compare_sklearn.py DUMP.txt
AUROC and AP against sklearn.metrics.roc_auc_score / average_precision_score, the
chi-square histogram distance against the reference test.py's formula on numpy histograms,
pixel AUROC against sklearn and the best Dice against an independent numpy sweep over every
distinct threshold. Tolerance 1e-12 (absolute).
"""
import math
import sys

import numpy as np
from sklearn import metrics

TOL = 1e-12


def read_cases(path):
    with open(path) as f:
        lines = [ln.split() for ln in f if ln.strip()]
    for i in range(0, len(lines), 4):
        head, scores, labels, result = lines[i:i + 4]
        assert head[0] == "case" and scores[0] == "scores" and labels[0] == "labels" and result[0] == "result"
        n = int(head[3])
        s = np.array([float.fromhex(v) for v in scores[1:]], dtype=np.float64).astype(np.float32)
        y = np.array([int(v) for v in labels[1:]], dtype=np.int64)
        assert len(s) == n and len(y) == n
        yield head[1], head[2], s, y, [float(v) for v in result[1:]]


def chi2_reference(score, y):
    """As the reference's test.py: min-max normalise, density histograms, chi-square."""
    score = score.astype(np.float64)
    if score.max() == score.min():
        return math.nan
    score = (score - np.min(score)) / (np.max(score) - np.min(score))
    a, _ = np.histogram(score[y == 0], bins=100, range=(0, 1), density=True)
    b, _ = np.histogram(score[y == 1], bins=100, range=(0, 1), density=True)
    return 0.5 * np.sum([((p - q) ** 2 + 1e-15) / (p + q + 1e-15) for (p, q) in zip(a, b)])


def best_dice_reference(score, y):
    pos = np.sort(score[y == 1])
    neg = np.sort(score[y == 0])
    thresholds = np.unique(score)[::-1]          # highest first: ties keep the highest threshold
    tp = len(pos) - np.searchsorted(pos, thresholds, side="left")
    fp = len(neg) - np.searchsorted(neg, thresholds, side="left")
    fn = len(pos) - tp
    dice = 2.0 * tp / (2.0 * tp + fp + fn)
    k = int(np.argmax(dice))
    return float(dice[k]), float(thresholds[k])


def close(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= TOL


def main():
    failures = 0
    count = 0
    for name, kind, s, y, got in read_cases(sys.argv[1]):
        count += 1
        if kind == "image":
            want = [metrics.roc_auc_score(y, s), metrics.average_precision_score(y, s), chi2_reference(s, y)]
            labels = ["auroc", "ap", "chi2"]
        else:
            dice, thr = best_dice_reference(s, y)
            want = [metrics.roc_auc_score(y, s), dice, thr]
            labels = ["pixel auroc", "best dice", "best threshold"]
        for lab, g, w in zip(labels, got, want):
            ok = close(g, w) if lab != "chi2" else (close(g, w) or abs(g - w) <= TOL * max(1.0, abs(w)))
            print(f"{'ok  ' if ok else 'FAIL'} {name:24s} {lab:15s} C {g:.17g}  reference {w:.17g}")
            failures += not ok
    if count < 10:
        print(f"FAIL: only {count} cases in the dump")
        failures += 1
    print(f"{count} cases, {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
