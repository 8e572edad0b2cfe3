/* Evaluation metrics, in double precision, matching scikit-learn (ties included).
 *
 * Labels and masks: a sample is positive when its label is > 0 (int8 labels) or its mask
 * byte is non-zero. A NaN score makes every metric NAN. All metrics are exact (no binning):
 * scores are sorted once (radix sort, O(n)) and the curve is walked over the distinct score
 * values, highest first; tied scores form one threshold, as in sklearn's _binary_clf_curve.
 * Memory: about 8 bytes per sample on top of the inputs. */
#ifndef DDAD_EVAL_METRICS_H
#define DDAD_EVAL_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* sklearn.metrics.roc_auc_score(labels, scores). Returns NAN when only one class is present. */
double ddad_auroc(const float *scores, const int8_t *labels, size_t n);

/* sklearn.metrics.average_precision_score(labels, scores). NAN without positives. */
double ddad_average_precision(const float *scores, const int8_t *labels, size_t n);

/* Pixel-level AUROC over n pixels (masks as 0/1 bytes). */
double ddad_pixel_auroc(const float *scores, const uint8_t *mask, size_t n);

/* Best Dice over thresholds: max 2TP/(2TP+FP+FN). *best_threshold may be NULL.
 * The thresholds are every distinct score value t (a pixel is predicted anomalous when
 * score >= t); ties in Dice keep the highest threshold. NAN (and threshold NAN) when the
 * mask has no positive pixel. */
double ddad_best_dice(const float *scores, const uint8_t *mask, size_t n, double *best_threshold);

/* Pixel AUROC and best Dice from one sort (the same values as the two functions above).
 * Any output pointer may be NULL. */
void ddad_pixel_auroc_dice(const float *scores, const uint8_t *mask, size_t n, double *auroc, double *best_dice,
                           double *best_threshold);

/* The reference's chi-square distance between the normal and abnormal score histograms:
 * scores min-max normalised to [0,1], 100 bins, density histograms. */
double ddad_chi2_histogram_distance(const float *scores, const int8_t *labels, size_t n);

#endif
