"""ddad prepare vs Pillow: builds a small Med-AD folder with PNG (1/8/16 bit; L, LA, RGB,
RGBA, P with and without transparency; 2/4-bit gray and palette; Adam7-interlaced) and JPEG
(L, RGB, progressive) images of assorted sizes, runs
`ddad prepare`, and compares every image with Pillow's convert("L").resize(BILINEAR):
at most 1 gray level apart everywhere, identical on >= 99% of pixels. For 16-bit files the
reference scales each sample with (v*255 + 32767) // 65535 in numpy first (ddad's rule;
Pillow itself would clip or truncate). Also checks names, labels, order and attributes.

usage: test_prepare_pillow.py DDAD_EXE WORK_DIR [IMG_SIZE]"""
import json
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pngwrite  # noqa: E402

SIZES = [(64, 64), (512, 512), (37, 91), (300, 200), (20, 20), (65, 33), (1000, 700), (7, 130), (128, 96),
         (33, 500), (250, 250), (16, 48)]


def content(rng, w, h, channels, maxval):
    """Smooth structure plus noise, so that resampling errors would show."""
    yy, xx = np.mgrid[0:h, 0:w]
    planes = []
    for c in range(channels):
        fx, fy = rng.uniform(0.5, 6, 2)
        base = 0.5 + 0.35 * np.sin(2 * np.pi * (fx * xx / w + c * 0.3)) * np.cos(2 * np.pi * fy * yy / h)
        base += rng.normal(0, 0.12, (h, w))
        planes.append(np.clip(base, 0, 1) * maxval)
    a = np.stack(planes, axis=-1).round().astype(np.uint16 if maxval > 255 else np.uint8)
    return a if channels > 1 else a[..., 0]


def scale16(a):
    return ((a.astype(np.uint64) * 255 + 32767) // 65535).astype(np.uint8)


def make_image(kind, path, w, h, rng):
    """Writes one image of `kind`; returns the 8-bit gray reference at full size as a PIL image."""
    if kind == "png_L":
        a = content(rng, w, h, 1, 255)
        Image.fromarray(a, "L").save(path)
    elif kind == "png_1":
        a = (content(rng, w, h, 1, 255) > 128).astype(np.uint8) * 255
        Image.fromarray(a, "L").convert("1").save(path)
    elif kind == "png_LA":
        a = content(rng, w, h, 2, 255)
        Image.fromarray(a, "LA").save(path)
    elif kind == "png_RGB":
        a = content(rng, w, h, 3, 255)
        Image.fromarray(a, "RGB").save(path)
    elif kind == "png_RGBA":
        a = content(rng, w, h, 4, 255)
        Image.fromarray(a, "RGBA").save(path)
    elif kind in ("png_P", "png_P_trns_index", "png_P_trns_bytes"):
        a = content(rng, w, h, 3, 255)
        im = Image.fromarray(a, "RGB").quantize(colors=int(rng.integers(8, 256)))
        if kind == "png_P_trns_index":
            im.info["transparency"] = 3
            im.save(path, transparency=3)
        elif kind == "png_P_trns_bytes":
            im.save(path, transparency=bytes(range(0, 256, 7)))
        else:
            im.save(path)
    elif kind == "jpeg_L":
        Image.fromarray(content(rng, w, h, 1, 255), "L").save(path, "JPEG", quality=int(rng.integers(60, 96)))
    elif kind == "jpeg_RGB":
        Image.fromarray(content(rng, w, h, 3, 255), "RGB").save(path, "JPEG", quality=int(rng.integers(60, 96)),
                                                               subsampling=int(rng.integers(0, 3)))
    elif kind in ("png_L2", "png_L4"):
        bits = int(kind[-1])
        a = (content(rng, w, h, 1, 255).astype(np.int32) >> (8 - bits)).astype(np.uint8)
        pngwrite.write(path, a.tolist(), w, h, pngwrite.GRAY, bits)
    elif kind in ("png_P4_trns", "png_P2"):
        bits = 4 if kind == "png_P4_trns" else 2
        n = 1 << bits
        pal = rng.integers(0, 256, (n, 3)).astype(np.uint8)
        idx = (content(rng, w, h, 1, 255).astype(np.int32) * n // 256).astype(np.uint8)
        chunks = [(b"PLTE", pal.tobytes())]
        if bits == 4:
            chunks.append((b"tRNS", bytes(rng.integers(0, 256, n).astype(np.uint8))))
        pngwrite.write(path, idx.tolist(), w, h, pngwrite.PALETTE, bits, chunks)
    elif kind in ("png_L_adam7", "png_RGBA_adam7", "png16_RGB_adam7"):
        mode = {"png_L_adam7": "L", "png_RGBA_adam7": "RGBA", "png16_RGB_adam7": "RGB"}[kind]
        ch = len(mode)
        ct = {"L": pngwrite.GRAY, "RGBA": pngwrite.RGBA, "RGB": pngwrite.RGB}[mode]
        depth = 16 if kind.startswith("png16") else 8
        a = content(rng, w, h, ch, 65535 if depth == 16 else 255)
        pngwrite.write(path, a.reshape(h, w * ch).tolist(), w, h, ct, depth, interlace=True)
        if depth == 16:
            return Image.fromarray(scale16(a), "RGB").convert("L")
    elif kind == "jpeg_RGB_progressive":
        Image.fromarray(content(rng, w, h, 3, 255), "RGB").save(path, "JPEG", quality=85, progressive=True)
    elif kind.startswith("png16_"):
        mode = kind[len("png16_"):]
        ch = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}[mode]
        ct = {"L": pngwrite.GRAY, "LA": pngwrite.GRAY_ALPHA, "RGB": pngwrite.RGB, "RGBA": pngwrite.RGBA}[mode]
        a = content(rng, w, h, ch, 65535)
        pngwrite.write(path, a.reshape(h, w * ch).tolist(), w, h, ct, 16)
        a8 = scale16(a)
        if ch == 1:
            return Image.fromarray(a8, "L")
        if ch == 2:
            return Image.fromarray(a8[..., 0], "L")
        return Image.fromarray(a8[..., :3].copy(), "RGB").convert("L")
    else:
        raise ValueError(kind)
    return Image.open(path).convert("L")


KINDS = ["png_L", "png_1", "png_L2", "png_L4", "png_LA", "png_RGB", "png_RGBA", "png_P", "png_P2", "png_P4_trns",
         "png_P_trns_index", "png_P_trns_bytes", "png_L_adam7", "png_RGBA_adam7", "png16_RGB_adam7",
         "png16_L", "png16_LA", "png16_RGB", "png16_RGBA", "jpeg_L", "jpeg_RGB", "jpeg_RGB_progressive"]


def main():
    exe, work = sys.argv[1], sys.argv[2]
    img_size = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    shutil.rmtree(work, ignore_errors=True)
    root = os.path.join(work, "medad")
    os.makedirs(os.path.join(root, "images", "sub"))
    rng = np.random.default_rng(1234)
    # every kind at several sizes, spread over the five lists
    lists = {"train0": [], "pool0": [], "pool1": [], "test0": [], "test1": []}
    refs = {}
    keys = list(lists)
    n = 0
    for kind in KINDS:
        for rep in range(3):
            w, h = SIZES[(n * 5 + rep) % len(SIZES)]
            ext = ".jpg" if kind.startswith("jpeg") else ".png"
            name = ("sub/" if n % 7 == 0 else "") + f"{kind}_{rep}_{w}x{h}{ext}"
            refs[name] = make_image(kind, os.path.join(root, "images", name), w, h, rng)
            lists[keys[n % 5]].append(name)
            n += 1
    doc = {"train": {"0": lists["train0"], "unlabeled": {"0": lists["pool0"], "1": lists["pool1"]}},
           "test": {"0": lists["test0"], "1": lists["test1"]}}
    with open(os.path.join(root, "data.json"), "w") as f:
        json.dump(doc, f)
    out = os.path.join(work, "medad.h5")
    r = subprocess.run([exe, "prepare", "medad", "--root", root, "--out", out, "--img-size", str(img_size),
                        "--threads", "2"], capture_output=True, text=True)
    print(r.stdout, r.stderr)
    if r.returncode != 0:
        sys.exit(f"ddad prepare failed with exit code {r.returncode}")

    failures = []
    total = exact = 0
    worst = 0
    with h5py.File(out, "r") as f:
        assert f.attrs["kind"] == b"dataset", f.attrs["kind"]
        assert f.attrs["format_version"] == 1
        assert f.attrs["img_size"] == img_size
        groups = {"train/normal": (lists["train0"], [0] * len(lists["train0"])),
                  "train/unlabeled/pool0": (lists["pool0"], [0] * len(lists["pool0"])),
                  "train/unlabeled/pool1": (lists["pool1"], [1] * len(lists["pool1"])),
                  "test": (lists["test0"] + lists["test1"], [0] * len(lists["test0"]) + [1] * len(lists["test1"]))}
        for g, (names, labels) in groups.items():
            got_names = [x.decode() for x in f[g + "/names"][:]]
            if got_names != names:
                failures.append(f"{g}: names/order differ: {got_names[:3]} vs {names[:3]}")
            if list(f[g + "/labels"][:]) != labels:
                failures.append(f"{g}: labels differ")
            imgs = f[g + "/images"][:]
            assert imgs.shape == (len(names), img_size, img_size), imgs.shape
            for name, got in zip(names, imgs):
                want = np.asarray(refs[name].resize((img_size, img_size), Image.BILINEAR), dtype=np.int16)
                d = np.abs(got.astype(np.int16) - want)
                total += d.size
                exact += int((d == 0).sum())
                worst = max(worst, int(d.max()))
                if d.max() > 1:
                    failures.append(f"{name}: max difference {d.max()} gray levels")
    frac = exact / total
    print(f"{n} images, {total} pixels: {100 * frac:.3f}% identical to Pillow, max difference {worst}")
    if frac < 0.99:
        failures.append(f"only {100 * frac:.3f}% of pixels identical (need >= 99%)")
    if failures:
        print("\n".join(failures))
        sys.exit(1)
    shutil.rmtree(work, ignore_errors=True)
    print("ok")


if __name__ == "__main__":
    main()
