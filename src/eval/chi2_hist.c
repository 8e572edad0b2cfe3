/* The chi-square distance between the normal and abnormal score histograms, as the reference's
 * test.py computes it for its figures: scores min-max normalised to [0, 1], numpy's
 * histogram(bins=100, range=(0, 1), density=True) per class, then
 * 0.5 * sum(((a - b)^2 + 1e-15) / (a + b + 1e-15)). */
#include <math.h>
#include <string.h>

#include "eval/metrics.h"

#define NBINS 100

/* numpy's bin index for a value in [0, 1] with uniform edges i/100 (histogram's fast path). */
static int bin_of(double v, const double *edges)
{
    int i = (int)(v * NBINS);
    if (i == NBINS) i--;
    if (v < edges[i]) i--;
    else if (i != NBINS - 1 && v >= edges[i + 1]) i++;
    return i;
}

double ddad_chi2_histogram_distance(const float *scores, const int8_t *labels, size_t n)
{
    if (n == 0) return NAN;
    double lo = scores[0], hi = scores[0];
    for (size_t i = 0; i < n; i++) {
        if (isnan(scores[i])) return NAN;
        if (scores[i] < lo) lo = scores[i];
        if (scores[i] > hi) hi = scores[i];
    }
    if (!(hi > lo)) return NAN;   /* the reference divides by zero here */

    double edges[NBINS + 1];   /* numpy.linspace(0, 1, 101) */
    for (int i = 0; i < NBINS; i++) edges[i] = i * (1.0 / NBINS);
    edges[NBINS] = 1.0;

    double count[2][NBINS];
    memset(count, 0, sizeof count);
    double total[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        double v = ((double)scores[i] - lo) / (hi - lo);
        int c = labels[i] > 0;
        count[c][bin_of(v, edges)] += 1;
        total[c] += 1;
    }
    if (total[0] == 0 || total[1] == 0) return NAN;

    double sum = 0.0;
    for (int i = 0; i < NBINS; i++) {
        double width = edges[i + 1] - edges[i];
        double a = count[0][i] / width / total[0];   /* density = n / db / n.sum() */
        double b = count[1][i] / width / total[1];
        sum += ((a - b) * (a - b) + 1e-15) / (a + b + 1e-15);
    }
    return 0.5 * sum;
}
