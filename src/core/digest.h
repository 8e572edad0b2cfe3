/* FNV-1a, 64 bits (offset basis and prime of the FNV specification): a fast digest of
 * bytes that tells accidental differences apart (another seed, another preparation of a
 * dataset); it is not a defence against deliberate forgery. */
#ifndef DDAD_CORE_DIGEST_H
#define DDAD_CORE_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define DDAD_FNV1A64_INIT 0xcbf29ce484222325ULL

static inline uint64_t ddad_fnv1a64(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* v as 8 little-endian bytes, whatever the host's byte order. */
static inline uint64_t ddad_fnv1a64_i64(uint64_t h, int64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)v >> (8 * i));
    return ddad_fnv1a64(h, b, sizeof b);
}

#endif
