"""Every refusal of `ddad prepare`: exit code 2, a message that names the culprit, and no
output file (nor temporary file) left behind. Standard library only.

usage: test_prepare_refusals.py DDAD_EXE WORK_DIR"""
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pngwrite  # noqa: E402


def good_png(w=24, h=20):
    return pngwrite.encode([[(x * 7 + y * 3) & 255 for x in range(w)] for y in range(h)], w, h, pngwrite.GRAY, 8)


def layout(names):
    """A data.json document with every split non-empty."""
    t0, p0, p1, s0, s1 = names
    return {"train": {"0": t0, "unlabeled": {"0": p0, "1": p1}}, "test": {"0": s0, "1": s1}}


GOOD = [["a.png", "b.png"], ["c.png"], ["d.png"], ["e.png"], ["f.png"]]


def build(root, doc=None, raw_json=None, files=None, skip=()):
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "images"))
    if raw_json is not None:
        with open(os.path.join(root, "data.json"), "w") as f:
            f.write(raw_json)
    elif doc is not None:
        with open(os.path.join(root, "data.json"), "w") as f:
            json.dump(doc, f, indent=1)
    names = set()
    for lst in GOOD:
        names.update(lst)
    for n in names:
        if n not in skip:
            with open(os.path.join(root, "images", n), "wb") as f:
                f.write(good_png())
    for n, data in (files or {}).items():
        p = os.path.join(root, "images", n)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if data is None:
            os.makedirs(p, exist_ok=True)  # a directory where an image should be
        else:
            with open(p, "wb") as f:
                f.write(data)


# A valid 16x16 baseline gray JPEG (made once with Pillow; stored here to keep this test
# free of Python packages).
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb0043000302020302020303030304030304050805050404050a070706"
    "080c0a0c0c0b0a0b0b0d0e12100d0e110e0b0b1016101113141515150c0f171816141812141514ffc0000b08001000100101"
    "1100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b51000020103030204030505"
    "04040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a"
    "25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a8384858687"
    "88898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2"
    "e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00f922dbf66de9fe8bff008ed6b5b7ecdbd3fd17ff001d"
    "afd40b6fd9b7a7fa2ffe3b5ab6dfb36f4ff45ffc76bfffd9")


def cases():
    png = good_png()
    truncated = png[: len(png) // 2]
    bad_crc = bytearray(png)
    bad_crc[40] ^= 0xFF  # inside IDAT: data and CRC disagree
    many_missing = [f"m{i}.png" for i in range(8)]
    yield "missing data.json", dict(), r"data\.json: missing"
    yield "malformed JSON", dict(raw_json='{"train": {"0": ["a.png",\n   ]}}'), r"data\.json:2:[0-9]+: malformed JSON"
    yield "duplicate key", dict(raw_json='{"train": {}, "train": {}}'), r"data\.json:1:[0-9]+: malformed JSON"
    doc = layout(GOOD)
    del doc["test"]["1"]
    yield "missing key", dict(doc=doc), r'missing key "test\.1"'
    doc = layout(GOOD)
    del doc["train"]["unlabeled"]
    yield "missing group", dict(doc=doc), r'missing key "train\.unlabeled"'
    doc = layout(GOOD)
    doc["train"]["unlabeled"]["1"] = []
    yield "empty split", dict(doc=doc), r'"train\.unlabeled\.1" is empty'
    doc = layout(GOOD)
    doc["test"]["0"] = "e.png"
    yield "not a list", dict(doc=doc), r'"test\.0" must be a list'
    doc = layout(GOOD)
    doc["test"]["0"] = ["e.png", 5]
    yield "not a string", dict(doc=doc), r"test\.0\[1\] is not a string"
    doc = layout([["a.png", "b.png"], ["c.png"], ["d.png"], ["e.png", "a.png"], ["f.png"]])
    yield "duplicate names", dict(doc=doc), r'duplicate name: "a\.png" \(in train/normal and test\)'
    doc = layout([["a.png", "../b.png"], ["c.png"], ["d.png"], ["e.png"], ["f.png"]])
    yield "dot-dot", dict(doc=doc), r'train\.0\[1\] "\.\./b\.png": \'\.\.\' component'
    doc = layout([["a.png", "x/../../b.png"], ["c.png"], ["d.png"], ["e.png"], ["f.png"]])
    yield "dot-dot inside", dict(doc=doc), r'"x/\.\./\.\./b\.png": \'\.\.\' component'
    doc = layout([["a.png", "/etc/passwd"], ["c.png"], ["d.png"], ["e.png"], ["f.png"]])
    yield "absolute path", dict(doc=doc), r'"/etc/passwd": absolute path'
    yield "missing image", dict(doc=layout(GOOD), skip={"d.png"}), r"1 of 6 images could not be read:\n.*images/d\.png: missing"
    yield "truncated PNG", dict(doc=layout(GOOD), files={"c.png": truncated}), r"images/c\.png: corrupt PNG \(truncated"
    yield "PNG with bad CRC", dict(doc=layout(GOOD), files={"c.png": bytes(bad_crc)}), r"images/c\.png: corrupt PNG"
    yield "not an image", dict(doc=layout(GOOD), files={"e.png": b"hello, this is text\n"}), \
        r"images/e\.png: not a PNG or JPEG"
    yield "empty image file", dict(doc=layout(GOOD), files={"e.png": b""}), r"images/e\.png: empty file"
    yield "truncated JPEG", dict(doc=layout([["a.png", "b.png"], ["c.png"], ["d.png"], ["e.png"], ["j.jpg"]]),
                                 files={"j.jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"}), r"images/j\.jpg: corrupt JPEG"
    yield "half a JPEG", dict(doc=layout([["a.png", "b.png"], ["c.png"], ["d.png"], ["e.png"], ["j.jpg"]]),
                              files={"j.jpg": JPEG[:-20]}), r"images/j\.jpg: corrupt JPEG \(truncated"
    yield "directory as image", dict(doc=layout(GOOD), files={"f.png": None}, skip={"f.png"}), \
        r"images/f\.png: unreadable"
    doc = layout([["a.png", "b.png"] + many_missing, ["c.png"], ["d.png"], ["e.png"], ["f.png"]])
    yield "many bad images", dict(doc=doc), r"8 of 14 images could not be read \(the first ones follow\):\n.*m0\.png: missing(.|\n)*\.\.\."


def main():
    exe, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    failures = []
    for label, spec, pattern in cases():
        root = os.path.join(work, "root")
        outdir = os.path.join(work, "out")
        shutil.rmtree(outdir, ignore_errors=True)
        os.makedirs(outdir)
        build(root, **spec)
        out = os.path.join(outdir, "data.h5")
        r = subprocess.run([exe, "prepare", "medad", "--root", root, "--out", out, "--img-size", "16"],
                           capture_output=True, text=True)
        problems = []
        if r.returncode != 2:
            problems.append(f"exit code {r.returncode}, expected 2")
        if not re.search(pattern, r.stderr):
            problems.append(f"stderr does not match {pattern!r}")
        left = os.listdir(outdir)
        if left:
            problems.append(f"files left behind: {left}")
        status = "ok" if not problems else "FAIL: " + "; ".join(problems)
        print(f"{label:22s} {status}\n    {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else '(no stderr)'}")
        if problems:
            failures.append(label)
            print(r.stderr)
    # and the good folder is accepted, so the refusals above are not refusals of everything
    build(os.path.join(work, "root"), doc=layout(GOOD))
    out = os.path.join(work, "out", "good.h5")
    r = subprocess.run([exe, "prepare", "medad", "--root", os.path.join(work, "root"), "--out", out,
                        "--img-size", "16"], capture_output=True, text=True)
    if r.returncode != 0 or not os.path.exists(out):
        failures.append("good folder")
        print("good folder refused:", r.stderr)
    if failures:
        sys.exit(f"{len(failures)} case(s) failed: {failures}")
    shutil.rmtree(work, ignore_errors=True)
    print("ok")


if __name__ == "__main__":
    main()
