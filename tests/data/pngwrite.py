"""A minimal PNG encoder (standard library only) for test images Pillow cannot write:
16-bit RGB, RGBA and gray+alpha, and plain files for the refusal tests."""
import struct
import zlib

# colour types
GRAY, RGB, PALETTE, GRAY_ALPHA, RGBA = 0, 2, 3, 4, 6
CHANNELS = {GRAY: 1, RGB: 3, PALETTE: 1, GRAY_ALPHA: 2, RGBA: 4}


def _chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def encode(rows, width, height, color_type, bit_depth, extra_chunks=()):
    """rows: list of `height` lists of samples (ints), width*channels each."""
    ch = CHANNELS[color_type]
    raw = bytearray()
    for row in rows:
        assert len(row) == width * ch
        raw.append(0)  # filter type None
        if bit_depth == 16:
            for v in row:
                raw += struct.pack(">H", v)
        else:
            raw += bytes(row)
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    out = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
    for kind, data in extra_chunks:
        out += _chunk(kind, data)
    out += _chunk(b"IDAT", zlib.compress(bytes(raw), 6)) + _chunk(b"IEND", b"")
    return out


def write(path, rows, width, height, color_type, bit_depth):
    with open(path, "wb") as f:
        f.write(encode(rows, width, height, color_type, bit_depth))
