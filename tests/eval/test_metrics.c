/* Evaluation metrics on hand-computed cases, edge cases, a brute-force pair count, and the
 * 2000 x 64 x 64 pixel case (time and memory). scikit-learn itself is compared in
 * compare_sklearn.py. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/rng.h"
#include "core/util.h"
#include "eval/metrics.h"

static int failures = 0;
#define EXPECT(cond)                                                              \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);       \
            failures++;                                                           \
        }                                                                         \
    } while (0)
#define NEAR(a, b) (fabs((a) - (b)) <= 1e-12)

static void test_hand_cases(void)
{
    /* scikit-learn's documentation example */
    float s1[] = {0.1f, 0.4f, 0.35f, 0.8f};
    int8_t l1[] = {0, 0, 1, 1};
    EXPECT(NEAR(ddad_auroc(s1, l1, 4), 0.75));
    EXPECT(NEAR(ddad_average_precision(s1, l1, 4), 0.5 * 1.0 + 0.5 * (2.0 / 3.0)));
    /* a tie between a positive and a negative counts 1/2 */
    float s2[] = {1, 1, 0};
    int8_t l2[] = {1, 0, 0};
    EXPECT(NEAR(ddad_auroc(s2, l2, 3), 0.75));
    EXPECT(NEAR(ddad_average_precision(s2, l2, 3), 0.5));
    /* all scores equal: AUROC 1/2, AP the positive fraction */
    float s3[] = {2, 2, 2, 2, 2};
    int8_t l3[] = {1, 0, 0, 1, 0};
    EXPECT(NEAR(ddad_auroc(s3, l3, 5), 0.5));
    EXPECT(NEAR(ddad_average_precision(s3, l3, 5), 0.4));
    /* perfect and inverted rankings; negative labels (-1) are negatives */
    float s4[] = {-3, -2, 5, 7};
    int8_t l4[] = {-1, 0, 1, 1};
    EXPECT(ddad_auroc(s4, l4, 4) == 1.0 && ddad_average_precision(s4, l4, 4) == 1.0);
    int8_t l5[] = {1, 1, 0, 0};
    EXPECT(ddad_auroc(s4, l5, 4) == 0.0);
    /* one class only, no positives, NaN scores, empty input */
    int8_t zeros[] = {0, 0, 0, 0}, ones[] = {1, 1, 1, 1};
    EXPECT(isnan(ddad_auroc(s4, zeros, 4)) && isnan(ddad_auroc(s4, ones, 4)));
    EXPECT(isnan(ddad_average_precision(s4, zeros, 4)));
    EXPECT(ddad_average_precision(s4, ones, 4) == 1.0);
    float s5[] = {0.1f, NAN, 0.3f, 0.4f};
    EXPECT(isnan(ddad_auroc(s5, l1, 4)) && isnan(ddad_average_precision(s5, l1, 4)));
    EXPECT(isnan(ddad_auroc(s1, l1, 0)));
}

static void test_dice(void)
{
    /* thresholds 0.9: 2/3, 0.8: 2/4, 0.7: 4/5 (best), 0.2: 4/6, 0.1: 4/7 */
    float s[] = {0.9f, 0.8f, 0.7f, 0.2f, 0.1f};
    uint8_t m[] = {1, 0, 1, 0, 0};
    double t = 0;
    EXPECT(NEAR(ddad_best_dice(s, m, 5, &t), 0.8));
    EXPECT(t == (double)0.7f);
    EXPECT(ddad_best_dice(s, m, 5, NULL) == ddad_best_dice(s, m, 5, &t));
    /* equal Dice at two thresholds: the higher one is kept (0.9: 2/3; 0.5: 4/6; 0.1: 4/7) */
    float s2[] = {0.9f, 0.5f, 0.5f, 0.5f, 0.1f};
    uint8_t m2[] = {1, 1, 0, 0, 0};
    EXPECT(NEAR(ddad_best_dice(s2, m2, 5, &t), 2.0 / 3.0) && t == (double)0.9f);
    /* a perfect map */
    float s3[] = {0.1f, 0.9f, 0.8f, 0.2f};
    uint8_t m3[] = {0, 1, 1, 0};
    EXPECT(ddad_best_dice(s3, m3, 4, &t) == 1.0 && t == (double)0.8f);
    EXPECT(ddad_pixel_auroc(s3, m3, 4) == 1.0);
    /* no positive pixel */
    uint8_t m4[] = {0, 0, 0, 0};
    EXPECT(isnan(ddad_best_dice(s3, m4, 4, &t)) && isnan(t) && isnan(ddad_pixel_auroc(s3, m4, 4)));
}

static void test_chi2(void)
{
    /* one normal at 0, one abnormal at 1: densities 100 in bins 0 and 99, the other 98 bins
     * empty in both (each contributes 1e-15 / 1e-15 = 1): 0.5 * (100 + 100 + 98) */
    float s[] = {3.0f, 5.0f};
    int8_t l[] = {0, 1};
    EXPECT(fabs(ddad_chi2_histogram_distance(s, l, 2) - 149.0) < 1e-9);
    float s2[] = {1, 1};
    EXPECT(isnan(ddad_chi2_histogram_distance(s2, l, 2)));   /* max == min */
    int8_t l2[] = {1, 1};
    EXPECT(isnan(ddad_chi2_histogram_distance(s, l2, 2)));   /* one class */
}

/* The AUROC against an O(n^2) count of ordered pairs, ties counted 1/2. */
static void test_brute_force(void)
{
    ddad_rng r;
    ddad_rng_init(&r, 7, 0, 0, 0, 0);
    enum { N = 3000 };
    static float s[N];
    static int8_t l[N];
    static uint8_t m[N];
    for (int i = 0; i < N; i++) {
        l[i] = (ddad_rng_u32(&r) % 4) == 0;
        m[i] = (uint8_t)l[i];
        s[i] = (float)(ddad_rng_u32(&r) % 97) * 0.125f - 5.0f + (l[i] ? 1.0f : 0.0f);
    }
    double num = 0, pairs = 0;
    for (int i = 0; i < N; i++)
        if (l[i])
            for (int j = 0; j < N; j++)
                if (!l[j]) {
                    num += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
                    pairs += 1;
                }
    EXPECT(NEAR(ddad_auroc(s, l, N), num / pairs));
    EXPECT(NEAR(ddad_pixel_auroc(s, m, N), num / pairs));
}

/* 2000 test images of 64 x 64: 8.2M pixels. */
static void test_large_pixel_set(void)
{
    size_t n = (size_t)2000 * 64 * 64;
    float *s = ddad_malloc(n * sizeof *s, "scores");
    uint8_t *m = ddad_malloc(n, "mask");
    ddad_rng r;
    ddad_rng_init(&r, 11, 0, 0, 0, 0);
    for (size_t i = 0; i < n; i++) {
        m[i] = (ddad_rng_u32(&r) % 20) == 0;
        s[i] = (float)(ddad_rng_u32(&r) >> 8) * (1.0f / 16777216.0f) + (m[i] ? 0.5f : 0.0f);
    }
    double t0 = ddad_now();
    double auc, dice, thr;
    ddad_pixel_auroc_dice(s, m, n, &auc, &dice, &thr);
    double dt = ddad_now() - t0;
    printf("pixel metrics on %zu pixels: %.3f s (AUROC %.6f, best Dice %.6f at %.6f)\n", n, dt, auc, dice, thr);
    /* positives uniform on [0.5, 1.5), negatives on [0, 1): AUROC = 1 - 0.5 * 0.5 * 0.5 = 0.875 */
    EXPECT(fabs(auc - 0.875) < 2e-3);
    /* 1 positive in 20: the best cut is near 1.0 (half the positives, no negatives): 2/3 */
    EXPECT(fabs(dice - 2.0 / 3.0) < 0.01 && thr > 0.95 && thr < 1.05);
    EXPECT(dt < 30.0);
    free(s);
    free(m);
}

int main(void)
{
    test_hand_cases();
    test_dice();
    test_chi2();
    test_brute_force();
    test_large_pixel_set();
    if (failures) fprintf(stderr, "%d failure(s)\n", failures);
    else printf("metrics: all checks passed\n");
    return failures ? 1 : 0;
}
