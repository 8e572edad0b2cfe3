/* Writes random score vectors (many ties, edge cases) with the C metrics for them, for
 * compare_sklearn.py to check against scikit-learn and numpy.
 * usage: metrics_dump OUT.txt
 * Format, per case:  case NAME KIND N / scores HEXFLOAT... / labels INT... / result V...
 * KIND image: result auroc ap chi2;  KIND pixel: result auroc best_dice best_threshold. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/rng.h"
#include "eval/metrics.h"

static FILE *out;
static ddad_rng rng;

static double uniform(void) { return (ddad_rng_u32(&rng) >> 8) * (1.0 / 16777216.0); }

static void write_case(const char *name, int pixel, const float *s, const int8_t *l, size_t n)
{
    fprintf(out, "case %s %s %zu\nscores", name, pixel ? "pixel" : "image", n);
    for (size_t i = 0; i < n; i++) fprintf(out, " %a", (double)s[i]);
    fprintf(out, "\nlabels");
    for (size_t i = 0; i < n; i++) fprintf(out, " %d", l[i]);
    if (pixel) {
        uint8_t *m = malloc(n ? n : 1);
        for (size_t i = 0; i < n; i++) m[i] = (uint8_t)(l[i] > 0);
        double auc, dice, thr;
        ddad_pixel_auroc_dice(s, m, n, &auc, &dice, &thr);
        /* the single-purpose functions agree with the combined one */
        double thr2;
        if (ddad_pixel_auroc(s, m, n) != auc || ddad_best_dice(s, m, n, &thr2) != dice || thr2 != thr) {
            fprintf(stderr, "pixel functions disagree on %s\n", name);
            exit(1);
        }
        fprintf(out, "\nresult %.17g %.17g %.17g\n", auc, dice, thr);
        free(m);
    } else {
        fprintf(out, "\nresult %.17g %.17g %.17g\n", ddad_auroc(s, l, n), ddad_average_precision(s, l, n),
                ddad_chi2_histogram_distance(s, l, n));
    }
}

/* n scores from `levels` distinct values (0: continuous), positives with probability p. */
static void random_case(const char *name, int pixel, size_t n, int levels, double p, double shift)
{
    float *s = malloc(n * sizeof *s);
    int8_t *l = malloc(n);
    for (size_t i = 0; i < n; i++) {
        l[i] = uniform() < p;
        double v = uniform() + (l[i] ? shift : 0.0);
        if (levels > 0) v = floor(v * levels) / levels;
        s[i] = (float)(v * 3.0 - 1.0);   /* negative and positive values */
    }
    write_case(name, pixel, s, l, n);
    free(s);
    free(l);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: metrics_dump OUT.txt\n");
        return 2;
    }
    out = fopen(argv[1], "w");
    if (!out) {
        perror(argv[1]);
        return 1;
    }
    ddad_rng_init(&rng, 1234, 0, 0, 0, 0);
    random_case("ties20", 0, 1000, 20, 0.3, 0.2);
    random_case("ties3", 0, 500, 3, 0.5, 0.3);
    random_case("ties2_rare_pos", 0, 300, 2, 0.05, 0.5);
    random_case("continuous", 0, 5000, 0, 0.4, 0.25);
    random_case("large_ties", 0, 200000, 1000, 0.3, 0.1);
    random_case("tiny", 0, 7, 4, 0.5, 0.0);
    random_case("pixel_ties", 1, 20480, 50, 0.1, 0.3);
    random_case("pixel_continuous", 1, 50000, 0, 0.02, 0.4);

    /* edge cases */
    float eq[50];
    int8_t eql[50];
    for (int i = 0; i < 50; i++) eq[i] = 0.25f, eql[i] = i % 3 == 0;
    write_case("all_equal", 0, eq, eql, 50);   /* AUROC 0.5, AP = positive fraction */
    write_case("all_equal_pixel", 1, eq, eql, 50);
    float one[100];
    int8_t onel[100];
    for (int i = 0; i < 100; i++) one[i] = (float)((i * 37) % 11) / 10.0f, onel[i] = i == 42;
    write_case("single_positive", 0, one, onel, 100);
    write_case("single_positive_pixel", 1, one, onel, 100);
    for (int i = 0; i < 100; i++) onel[i] = i != 42;
    write_case("single_negative", 0, one, onel, 100);
    float two[2] = {0.5f, -0.5f};
    int8_t twol[2] = {0, 1};
    write_case("two_inverted", 0, two, twol, 2);
    float zeros[6] = {0.0f, -0.0f, 0.0f, -0.0f, 1.0f, -1.0f};
    int8_t zl[6] = {1, 0, 0, 1, 1, 0};
    write_case("signed_zeros", 0, zeros, zl, 6);
    if (fclose(out)) {
        perror(argv[1]);
        return 1;
    }
    return 0;
}
