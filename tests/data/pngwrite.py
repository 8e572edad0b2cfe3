"""A minimal PNG encoder (standard library only) for test images Pillow cannot write:
16-bit RGB, RGBA and gray+alpha, 2/4-bit gray and palette, Adam7-interlaced files, and
plain files for the refusal tests."""
import struct
import zlib

# colour types
GRAY, RGB, PALETTE, GRAY_ALPHA, RGBA = 0, 2, 3, 4, 6
CHANNELS = {GRAY: 1, RGB: 3, PALETTE: 1, GRAY_ALPHA: 2, RGBA: 4}


def _chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def _pack_row(row, bit_depth):
    """Samples of one row -> bytes (big-endian; low bit depths packed MSB first)."""
    if bit_depth == 16:
        return b"".join(struct.pack(">H", v) for v in row)
    if bit_depth == 8:
        return bytes(row)
    per = 8 // bit_depth
    out = bytearray()
    for i in range(0, len(row), per):
        b = 0
        group = row[i:i + per]
        for j, v in enumerate(group):
            b |= v << (8 - bit_depth * (j + 1))
        out.append(b)
    return bytes(out)


# Adam7 passes: (first row, first column, row step, column step)
ADAM7 = [(0, 0, 8, 8), (0, 4, 8, 8), (4, 0, 8, 4), (0, 2, 4, 4), (2, 0, 4, 2), (0, 1, 2, 2), (1, 0, 2, 1)]


def encode(rows, width, height, color_type, bit_depth, extra_chunks=(), interlace=False):
    """rows: list of `height` lists of samples (ints), width*channels each. extra_chunks:
    (type, data) pairs written before IDAT (PLTE, tRNS, ...)."""
    ch = CHANNELS[color_type]
    raw = bytearray()
    if not interlace:
        for row in rows:
            assert len(row) == width * ch
            raw.append(0)  # filter type None
            raw += _pack_row(row, bit_depth)
    else:
        for r0, c0, rs, cs in ADAM7:
            for y in range(r0, height, rs):
                cols = range(c0, width, cs)
                if not cols:
                    continue
                sub = [rows[y][x * ch + k] for x in cols for k in range(ch)]
                raw.append(0)
                raw += _pack_row(sub, bit_depth)
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 1 if interlace else 0)
    out = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
    for kind, data in extra_chunks:
        out += _chunk(kind, data)
    out += _chunk(b"IDAT", zlib.compress(bytes(raw), 6)) + _chunk(b"IEND", b"")
    return out


def write(path, rows, width, height, color_type, bit_depth, extra_chunks=(), interlace=False):
    with open(path, "wb") as f:
        f.write(encode(rows, width, height, color_type, bit_depth, extra_chunks, interlace))
