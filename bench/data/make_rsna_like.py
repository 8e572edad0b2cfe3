"""Generates a Med-AD folder of RSNA size for timing `ddad prepare`: 512x512 8-bit gray PNGs
with chest-radiograph-like content (smooth anatomy, texture and noise; about the size of the
real PNGs). Default: the 9,851 images the public reference loads at every start (train 3,851;
from the pools the first 1,600 normal and 2,400 abnormal, i.e. extra_data 4000 at ar 0.6;
test 1,000 + 1,000). --full writes the whole pools (4,000 + 5,012; 14,863 images).

usage: /usr/bin/python3 bench/data/make_rsna_like.py [--out /tmp/rsna_like] [--full] [--jobs N]"""
import argparse
import json
import os
from multiprocessing import Pool

import numpy as np
from PIL import Image, ImageFilter

SIZE = 512


def render(args):
    path, seed = args
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[-1:1:SIZE * 1j, -1:1:SIZE * 1j]
    body = np.clip(1.2 - np.hypot(x / 0.9, (y - 0.1) / 1.15), 0, 0.2) * 4
    lungs = sum(np.clip(1 - np.hypot((x - s * rng.uniform(0.3, 0.4)) / 0.27, (y + 0.05) / 0.6), 0, 0.15) * 6
                for s in (-1, 1))
    ribs = 0.08 * (np.sin((y - 0.5 * x * x) * rng.uniform(20, 26)) > 0.6)
    img = 0.15 + 0.55 * body - 0.35 * np.clip(lungs, 0, 1) + ribs * (lungs > 0.1)
    img += rng.normal(0, 0.03, img.shape)
    im = Image.fromarray(np.clip(img * 255, 0, 255).astype(np.uint8), "L").filter(ImageFilter.GaussianBlur(1.2))
    arr = np.asarray(im).astype(np.int16) + rng.integers(-3, 4, (SIZE, SIZE))
    Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L").save(path, compress_level=6)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/tmp/rsna_like")
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    a = ap.parse_args()
    sizes = {"train0": 3851, "pool0": 4000 if a.full else 1600, "pool1": 5012 if a.full else 2400,
             "test0": 1000, "test1": 1000}
    os.makedirs(os.path.join(a.out, "images"), exist_ok=True)
    names = {k: [f"{k}_{i:05d}.png" for i in range(n)] for k, n in sizes.items()}
    doc = {"train": {"0": names["train0"], "unlabeled": {"0": names["pool0"], "1": names["pool1"]}},
           "test": {"0": names["test0"], "1": names["test1"]}}
    with open(os.path.join(a.out, "data.json"), "w") as f:
        json.dump(doc, f)
    jobs = [(os.path.join(a.out, "images", n), i) for i, n in enumerate(sum(names.values(), []))]
    jobs = [j for j in jobs if not os.path.exists(j[0])]
    with Pool(a.jobs) as p:
        for k, _ in enumerate(p.imap_unordered(render, jobs, chunksize=16)):
            if k % 1000 == 0:
                print(f"{k}/{len(jobs)}", flush=True)
    print(f"{sum(sizes.values())} images in {a.out}")


if __name__ == "__main__":
    main()
