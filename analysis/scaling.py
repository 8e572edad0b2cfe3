#!/usr/bin/python3
"""Scaling studies of `ddad run`: the timing table and the speed-up and efficiency plots.

  analysis/scaling.py table RUNS.csv --out SCALING.csv
      RUNS.csv is bench/scaling/driver.sh's list of runs (study, ranks, members, normal,
      repeat, wall_s, status, run_dir). Reads every successful run's results.h5, whose
      /timings/<stage> datasets hold seconds per rank (rows) and phase (columns, named by
      the attribute "phases"), and writes one row per run, stage, rank and phase.
  analysis/scaling.py plot SCALING.csv --out DIR
      One PNG per study in DIR (strong.png, weak-members.png, weak-data.png) and
      DIR/summary.csv. The time of a phase in a run is the slowest rank's (the others wait
      for it), summed over the stages; "total" is the run's wall-clock time. Repeats are
      averaged.
        strong: speed-up S(N) = T(N0) / T(N) and efficiency S(N) * N0 / N, N0 the fewest ranks
        weak:   efficiency T(N0) / T(N) (1 is perfect: more ranks, more work, same time)

Uses Debian's python3-h5py, python3-numpy and python3-matplotlib.
"""
import argparse
import csv
import os
import sys

TABLE_FIELDS = ["study", "ranks", "members", "normal", "repeat", "wall_s", "stage", "rank", "phase", "seconds"]


def fail(msg):
    print(f"scaling.py: {msg}", file=sys.stderr)
    sys.exit(2)


def read_csv(path, required):
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        fail(f"cannot read {path}: {e.strerror}")
    if rows:
        missing = [c for c in required if c not in rows[0]]
        if missing:
            fail(f"{path} lacks the column(s) {', '.join(missing)}")
    return rows


def write_csv(path, fields, rows):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, path)


def run_timings(results):
    """Yields (stage, rank, phase, seconds) from a results.h5."""
    import h5py
    import numpy as np

    with h5py.File(results, "r") as f:
        if "timings" not in f:
            fail(f"{results} has no /timings group: was it written by ddad run?")
        for stage, ds in f["timings"].items():
            t = np.asarray(ds[()], dtype=float)
            phases = ds.attrs.get("phases")
            if isinstance(phases, bytes):
                phases = phases.decode()
            if phases is None or t.ndim != 2:
                fail(f"{results}: /timings/{stage} is not a ranks x phases table with a 'phases' attribute")
            names = str(phases).split(",")
            if len(names) != t.shape[1]:
                fail(f"{results}: /timings/{stage} has {t.shape[1]} columns but {len(names)} phase names")
            for rank in range(t.shape[0]):
                for j, phase in enumerate(names):
                    yield stage, rank, phase, float(t[rank, j])


def cmd_table(args):
    runs = read_csv(args.runs, ["study", "ranks", "members", "normal", "repeat", "wall_s", "status", "run_dir"])
    out = []
    used = 0
    for r in runs:
        if r["status"] != "ok":
            print(f"scaling.py: skipping {r['run_dir']}: {r['status']}", file=sys.stderr)
            continue
        results = os.path.join(r["run_dir"], "results.h5")
        if not os.path.isfile(results):
            fail(f"{results} is missing although {args.runs} lists the run as ok")
        used += 1
        for stage, rank, phase, sec in run_timings(results):
            row = {k: r[k] for k in ["study", "ranks", "members", "normal", "repeat", "wall_s"]}
            row.update(stage=stage, rank=rank, phase=phase, seconds=f"{sec:.6f}")
            out.append(row)
    if used == 0:
        fail(f"no successful run in {args.runs}")
    write_csv(args.out, TABLE_FIELDS, out)
    print(f"scaling.py: {len(out)} rows from {used} runs -> {args.out}")


def summarise(rows):
    """{study: {ranks: {"members", "normal", "total", phase...}}} with repeats averaged."""
    per_run = {}   # (study, ranks, members, normal, repeat) -> {phase: {stage: max over ranks}}
    walls = {}
    for r in rows:
        key = (r["study"], int(r["ranks"]), int(r["members"]), int(r["normal"]), r["repeat"])
        walls[key] = float(r["wall_s"])
        stages = per_run.setdefault(key, {}).setdefault(r["phase"], {})
        stages[r["stage"]] = max(stages.get(r["stage"], 0.0), float(r["seconds"]))
    acc = {}
    for key, phases in per_run.items():
        study, ranks, members, normal, _ = key
        point = acc.setdefault(study, {}).setdefault(ranks, {"members": members, "normal": normal, "n": 0})
        point["n"] += 1
        point["total"] = point.get("total", 0.0) + walls[key]
        for phase, stages in phases.items():
            point[phase] = point.get(phase, 0.0) + sum(stages.values())
    for study in acc.values():
        for point in study.values():
            n = point.pop("n")
            for k in list(point):
                if k not in ("members", "normal"):
                    point[k] /= n
    return acc


def cmd_plot(args):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = read_csv(args.table, TABLE_FIELDS)
    if not rows:
        fail(f"{args.table} has no rows")
    os.makedirs(args.out, exist_ok=True)
    summary = []
    for study, points in sorted(summarise(rows).items()):
        ranks = sorted(points)
        if len(ranks) < 2:
            print(f"scaling.py: {study}: only {len(ranks)} rank count, nothing to compare", file=sys.stderr)
        n0 = ranks[0]
        phases = sorted({k for p in points.values() for k in p if k not in ("members", "normal", "total")})
        series = ["total"] + [p for p in phases if points[n0].get(p, 0.0) > 0.0]
        weak = study.startswith("weak")
        fig, (ax_t, ax_s, ax_e) = plt.subplots(1, 3, figsize=(15, 4.5))
        for s in series:
            t = [points[n].get(s, 0.0) for n in ranks]
            t0 = t[0]
            speedup = [t0 / x if x > 0 else float("nan") for x in t]
            eff = [sp if weak else sp * n0 / n for sp, n in zip(speedup, ranks)]
            style = dict(marker="o", linewidth=2.5 if s == "total" else 1.2)
            ax_t.plot(ranks, t, label=s, **style)
            ax_s.plot(ranks, speedup, label=s, **style)
            ax_e.plot(ranks, eff, label=s, **style)
            for n, x, sp, e in zip(ranks, t, speedup, eff):
                summary.append({"study": study, "ranks": n, "members": points[n]["members"],
                                "normal": points[n]["normal"], "series": s, "seconds": f"{x:.4f}",
                                "speedup": f"{sp:.4f}", "efficiency": f"{e:.4f}"})
        ideal = [1.0 for _ in ranks] if weak else [n / n0 for n in ranks]
        ax_s.plot(ranks, ideal, "k--", linewidth=1, label="ideal")
        ax_e.axhline(1.0, color="k", linestyle="--", linewidth=1, label="ideal")
        ax_t.set_title("time (s; phases: slowest rank)")
        ax_s.set_title("T(N0) / T(N)" + (" (ideal 1: weak scaling)" if weak else " (ideal N / N0)"))
        ax_e.set_title("efficiency" + (" T(N0) / T(N)" if weak else " speed-up x N0 / N"))
        for ax in (ax_t, ax_s, ax_e):
            ax.set_xlabel("MPI ranks N")
            ax.set_xticks(ranks)
            ax.grid(True, alpha=0.3)
        ax_e.set_ylim(bottom=0)
        ax_t.legend(fontsize=8)
        desc = ", ".join(f"N={n}: K={points[n]['members']}, D_n={points[n]['normal']}" for n in ranks)
        fig.suptitle(f"{study} scaling ({desc})", fontsize=10)
        fig.tight_layout()
        png = os.path.join(args.out, f"{study}.png")
        fig.savefig(png + ".tmp.png", dpi=100)
        os.replace(png + ".tmp.png", png)
        plt.close(fig)
        print(f"scaling.py: {png}")
    write_csv(os.path.join(args.out, "summary.csv"),
              ["study", "ranks", "members", "normal", "series", "seconds", "speedup", "efficiency"], summary)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("table", help="per-phase times of every run -> one CSV")
    t.add_argument("runs", help="runs.csv written by bench/scaling/driver.sh")
    t.add_argument("--out", required=True, help="the table to write (CSV)")
    p = sub.add_parser("plot", help="speed-up and efficiency plots (PNG) from the table")
    p.add_argument("table", help="the CSV written by 'scaling.py table'")
    p.add_argument("--out", required=True, help="directory for the PNGs and summary.csv")
    args = ap.parse_args()
    {"table": cmd_table, "plot": cmd_plot}[args.cmd](args)


if __name__ == "__main__":
    main()
