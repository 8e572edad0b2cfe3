/* Exact ROC / precision-recall / Dice statistics over distinct thresholds (see metrics.h). */
#include "eval/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* Monotone map float -> uint32 (a < b  <=>  key(a) < key(b)); -0 and +0 share a key. */
static inline uint32_t float_key(float x)
{
    if (x == 0.0f) x = 0.0f;
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

static inline float key_float(uint32_t k)
{
    uint32_t u = (k & 0x80000000u) ? (k & 0x7fffffffu) : ~k;
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* Ascending LSD radix sort, two passes of 16 bits; tmp holds n keys. */
static void radix_sort_u32(uint32_t *a, uint32_t *tmp, size_t n)
{
    if (n < 2) return;
    if (n < 256) {
        for (size_t i = 1; i < n; i++) {
            uint32_t v = a[i];
            size_t j = i;
            while (j > 0 && a[j - 1] > v) a[j] = a[j - 1], j--;
            a[j] = v;
        }
        return;
    }
    size_t *count = ddad_calloc(65536, sizeof *count, "radix sort counts");
    uint32_t *src = a, *dst = tmp;
    for (int shift = 0; shift < 32; shift += 16) {
        memset(count, 0, 65536 * sizeof *count);
        for (size_t i = 0; i < n; i++) count[(src[i] >> shift) & 0xffffu]++;
        size_t sum = 0;
        for (size_t b = 0; b < 65536; b++) {
            size_t c = count[b];
            count[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) dst[count[(src[i] >> shift) & 0xffffu]++] = src[i];
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    free(count);   /* two passes: the result is back in a */
}

typedef struct {
    uint64_t P, N;
    double auroc, ap, best_dice, best_threshold;
} curve_stats;

/* Splits the keys into positives and negatives (labels as bytes; is_signed: int8 labels,
 * positive when > 0), sorts both, and walks the distinct thresholds from the top.
 * Returns -1 when a score is NaN. */
static int curve_walk(const float *scores, const void *labels, int is_signed, size_t n, curve_stats *st)
{
    memset(st, 0, sizeof *st);
    const int8_t *l8 = labels;
    const uint8_t *u8 = labels;
    size_t P = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(scores[i])) return -1;
        P += is_signed ? l8[i] > 0 : u8[i] != 0;
    }
    size_t N = n - P;
    uint32_t *keys = ddad_malloc((n ? n : 1) * sizeof *keys, "metric sort keys");
    uint32_t *pos = keys, *neg = keys + P;
    size_t ip = 0, in = 0;
    for (size_t i = 0; i < n; i++) {
        int positive = is_signed ? l8[i] > 0 : u8[i] != 0;
        if (positive) pos[ip++] = float_key(scores[i]);
        else neg[in++] = float_key(scores[i]);
    }
    uint32_t *tmp = ddad_malloc((P > N ? P : N) * sizeof *tmp + 1, "metric sort buffer");
    radix_sort_u32(pos, tmp, P);
    radix_sort_u32(neg, tmp, N);
    free(tmp);

    /* Highest threshold first. auc2 = 2 * sum over groups fp_g * (tp_before + tp_g / 2): exact
     * in integers for n < 2^31, so the AUROC is one rounding away from the true value. */
    uint64_t tp = 0, fp = 0, auc2 = 0;
    double ap = 0.0, best_dice = P ? 0.0 : NAN, best_t = P ? INFINITY : NAN;
    size_t a = P, b = N;   /* unconsumed: pos[0..a), neg[0..b) */
    while (a > 0 || b > 0) {
        uint32_t k = 0;
        if (a > 0) k = pos[a - 1];
        if (b > 0 && (a == 0 || neg[b - 1] > k)) k = neg[b - 1];
        uint64_t tg = 0, fg = 0;
        while (a > 0 && pos[a - 1] == k) a--, tg++;
        while (b > 0 && neg[b - 1] == k) b--, fg++;
        auc2 += fg * (2 * tp + tg);
        tp += tg;
        fp += fg;
        if (tg) ap += ((double)tg / (double)P) * ((double)tp / (double)(tp + fp));
        if (P) {
            double dice = 2.0 * (double)tp / (double)(tp + fp + P);
            if (dice > best_dice) best_dice = dice, best_t = key_float(k);
        }
    }
    free(keys);
    st->P = P;
    st->N = N;
    st->auroc = (P && N) ? (double)auc2 / (2.0 * (double)P * (double)N) : NAN;
    st->ap = P ? ap : NAN;
    st->best_dice = best_dice;
    st->best_threshold = best_t;
    return 0;
}

double ddad_auroc(const float *scores, const int8_t *labels, size_t n)
{
    curve_stats st;
    return curve_walk(scores, labels, 1, n, &st) ? NAN : st.auroc;
}

double ddad_average_precision(const float *scores, const int8_t *labels, size_t n)
{
    curve_stats st;
    return curve_walk(scores, labels, 1, n, &st) ? NAN : st.ap;
}

void ddad_pixel_auroc_dice(const float *scores, const uint8_t *mask, size_t n, double *auroc, double *best_dice,
                           double *best_threshold)
{
    curve_stats st;
    if (curve_walk(scores, mask, 0, n, &st)) st.auroc = st.best_dice = st.best_threshold = NAN;
    if (auroc) *auroc = st.auroc;
    if (best_dice) *best_dice = st.best_dice;
    if (best_threshold) *best_threshold = st.best_threshold;
}

double ddad_pixel_auroc(const float *scores, const uint8_t *mask, size_t n)
{
    double auroc;
    ddad_pixel_auroc_dice(scores, mask, n, &auroc, NULL, NULL);
    return auroc;
}

double ddad_best_dice(const float *scores, const uint8_t *mask, size_t n, double *best_threshold)
{
    double dice;
    ddad_pixel_auroc_dice(scores, mask, n, NULL, &dice, best_threshold);
    return dice;
}
