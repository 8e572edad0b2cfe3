#include "core/rng.h"

#include <math.h>

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static void philox10(const uint32_t key_in[2], const uint32_t ctr_in[4], uint32_t out[4])
{
    uint32_t k0 = key_in[0], k1 = key_in[1];
    uint32_t c0 = ctr_in[0], c1 = ctr_in[1], c2 = ctr_in[2], c3 = ctr_in[3];
    for (int round = 0; round < 10; round++) {
        uint64_t p0 = (uint64_t)PHILOX_M0 * c0;
        uint64_t p1 = (uint64_t)PHILOX_M1 * c2;
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
        uint32_t n1 = (uint32_t)p1;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
        uint32_t n3 = (uint32_t)p0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

void ddad_rng_init(ddad_rng *r, uint64_t seed, uint32_t module, uint32_t member, uint32_t purpose,
                   uint64_t substream)
{
    /* The key mixes who and what for; the high counter words hold the substream. */
    uint64_t k = splitmix64(seed);
    k = splitmix64(k ^ ((uint64_t)module << 48 | (uint64_t)purpose << 32 | member));
    r->key[0] = (uint32_t)k;
    r->key[1] = (uint32_t)(k >> 32);
    r->ctr[0] = 0;
    r->ctr[1] = 0;
    r->ctr[2] = (uint32_t)substream;
    r->ctr[3] = (uint32_t)(substream >> 32);
    r->pos = 4;
}

uint32_t ddad_rng_u32(ddad_rng *r)
{
    if (r->pos >= 4) {
        philox10(r->key, r->ctr, r->buf);
        if (++r->ctr[0] == 0) ++r->ctr[1];
        r->pos = 0;
    }
    return r->buf[r->pos++];
}

uint64_t ddad_rng_u64(ddad_rng *r)
{
    uint64_t hi = ddad_rng_u32(r);
    return hi << 32 | ddad_rng_u32(r);
}

double ddad_rng_uniform(ddad_rng *r) { return (double)(ddad_rng_u64(r) >> 11) * 0x1.0p-53; }

float ddad_rng_uniformf(ddad_rng *r) { return (float)(ddad_rng_u32(r) >> 8) * 0x1.0p-24f; }

int64_t ddad_rng_randint(ddad_rng *r, int64_t lo, int64_t hi)
{
    uint64_t range = (uint64_t)(hi - lo);
    if (range == 0) return lo;
    /* rejection sampling: no modulo bias */
    uint64_t limit = UINT64_MAX - UINT64_MAX % range;
    uint64_t x;
    do x = ddad_rng_u64(r);
    while (x >= limit);
    return lo + (int64_t)(x % range);
}

double ddad_rng_normal(ddad_rng *r)
{
    double u1 = ddad_rng_uniform(r), u2 = ddad_rng_uniform(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

void ddad_rng_shuffle(ddad_rng *r, int64_t *idx, int64_t n)
{
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = ddad_rng_randint(r, 0, i + 1);
        int64_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}
