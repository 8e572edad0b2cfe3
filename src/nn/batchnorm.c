#include "nn/batchnorm.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "nn/sum_grain.h"

#define BN_LANES 8

typedef float v8f __attribute__((vector_size(BN_LANES * sizeof(float))));
typedef int v8i __attribute__((vector_size(BN_LANES * sizeof(int))));
typedef double v8d __attribute__((vector_size(BN_LANES * sizeof(double))));
#define BN_BLOCK 256

void ddad_bn_forward_train(const ddad_bn_shape *s, const float *x, const float *gamma, const float *beta, int relu,
                           float *y, float *running_mean, float *running_var, float *save_mean, float *save_invstd,
                           double *stats, double global_count, const ddad_reducer *red)
{
    const int C = s->c, HW = s->hw, N = s->n;
#pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++) {
        /* per sample: double lanes in a fixed order (vectorisable), then the sample's sums
         * grained (sum_grain.h) so the totals do not depend on the batch's split */
        double s1 = 0.0, s2 = 0.0;
        for (int n = 0; n < N; n++) {
            const float *p = x + ((size_t)n * C + c) * HW;
            double a[BN_LANES] = {0}, b[BN_LANES] = {0};
            int i = 0;
            if (HW >= BN_LANES) {
                /* the same lanes as vector types: the compiler left this loop scalar */
                v8d va = {0}, vb = {0};
                for (; i + BN_LANES <= HW; i += BN_LANES) {
                    v8f f;
                    memcpy(&f, p + i, sizeof f);
                    const v8d v = __builtin_convertvector(f, v8d);
                    va += v;
                    vb += v * v;
                }
                memcpy(a, &va, sizeof a);
                memcpy(b, &vb, sizeof b);
            }
            for (; i < HW; i++) {
                double v = p[i];
                a[0] += v;
                b[0] += v * v;
            }
            double t1 = 0.0, t2 = 0.0;
            for (int l = 0; l < BN_LANES; l++) {
                t1 += a[l];
                t2 += b[l];
            }
            s1 += ddad_sum_grain(t1);
            s2 += ddad_sum_grain(t2);
        }
        stats[c] = s1;
        stats[C + c] = s2;
    }
    if (red && red->allreduce_sum) red->allreduce_sum(stats, 2 * C, red->ctx);
#pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++) {
        double mean = stats[c] / global_count;
        double var = stats[C + c] / global_count - mean * mean;
        if (var < 0.0) var = 0.0;
        double invstd = 1.0 / sqrt(var + DDAD_BN_EPS);
        save_mean[c] = (float)mean;
        save_invstd[c] = (float)invstd;
        double unbiased = global_count > 1.0 ? var * global_count / (global_count - 1.0) : var;
        running_mean[c] = (float)((1.0 - DDAD_BN_MOMENTUM) * running_mean[c] + DDAD_BN_MOMENTUM * mean);
        running_var[c] = (float)((1.0 - DDAD_BN_MOMENTUM) * running_var[c] + DDAD_BN_MOMENTUM * unbiased);
        /* (x - mean) in double: small batches (BatchNorm1d) can have |mean| >> std */
        double scale = gamma[c] * invstd, b = beta[c];
        for (int n = 0; n < N; n++) {
            const float *p = x + ((size_t)n * C + c) * HW;
            float *q = y + ((size_t)n * C + c) * HW;
            for (int i = 0; i < HW; i++) {
                float v = (float)(((double)p[i] - mean) * scale + b);
                q[i] = relu && !(v > 0.0f) ? 0.0f : v;
            }
        }
    }
}

void ddad_bn_eval_affine(int C, const float *gamma, const float *beta, const float *running_mean,
                         const float *running_var, float *scale, float *shift)
{
    for (int c = 0; c < C; c++) {
        double invstd = 1.0 / sqrt((double)running_var[c] + DDAD_BN_EPS);
        scale[c] = (float)(gamma[c] * invstd);
        shift[c] = (float)(beta[c] - running_mean[c] * gamma[c] * invstd);
    }
}

void ddad_bn_forward_eval(const ddad_bn_shape *s, const float *x, const float *gamma, const float *beta, int relu,
                          const float *running_mean, const float *running_var, float *y)
{
    const int C = s->c, HW = s->hw, N = s->n;
    /* per channel once: y = x * scale + shift */
    float scale[C], shift[C];
    ddad_bn_eval_affine(C, gamma, beta, running_mean, running_var, scale, shift);
    if (HW == 1) {   /* BatchNorm1d: rows of C channels */
#pragma omp parallel for schedule(static)
        for (int n = 0; n < N; n++) {
            const float *p = x + (size_t)n * C;
            float *q = y + (size_t)n * C;
            for (int c = 0; c < C; c++) {
                float v = p[c] * scale[c] + shift[c];
                q[c] = relu && !(v > 0.0f) ? 0.0f : v;
            }
        }
        return;
    }
#pragma omp parallel for schedule(static)
    for (int pl = 0; pl < N * C; pl++) {
        const float sc = scale[pl % C], sh = shift[pl % C];
        const float *p = x + (size_t)pl * HW;
        float *q = y + (size_t)pl * HW;
        if (relu) {
            for (int i = 0; i < HW; i++) {
                float v = p[i] * sc + sh;
                q[i] = v > 0.0f ? v : 0.0f;
            }
        } else {
            for (int i = 0; i < HW; i++) q[i] = p[i] * sc + sh;
        }
    }
}

/* The backward pass; dgamma/dbeta get this process's part in float, or in double when the
 * float pointers are NULL. */
static void bn_backward(const ddad_bn_shape *s, const float *x, const float *y, const float *dy, const float *gamma,
                        const float *save_mean, const float *save_invstd, float *dx, float *dgamma, float *dbeta,
                        double *dgamma_sum, double *dbeta_sum, double *stats, double global_count,
                        const ddad_reducer *red)
{
    const int C = s->c, HW = s->hw, N = s->n;
#pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++) {
        /* sum dy and sum dy*(x - mean): float lanes over blocks of BN_BLOCK elements (a
         * fixed order the compiler can vectorise), each block flushed into double */
        double sdy = 0.0, sdyx = 0.0;
        const float mean = save_mean[c];
        for (int n = 0; n < N; n++) {
            double ndy = 0.0, ndyx = 0.0;   /* this sample's sums */
            size_t off = ((size_t)n * C + c) * HW;
            const float *p = x + off, *g = dy + off;
            const float *o = y ? y + off : NULL;
            if (HW < BN_LANES) {
                /* BatchNorm1d (hw = 1) and tiny planes: straight in double */
                for (int i = 0; i < HW; i++) {
                    double d = (o && !(o[i] > 0.0f)) ? 0.0 : (double)g[i];
                    ndy += d;
                    ndyx += d * ((double)p[i] - mean);
                }
            } else {
                for (int i0 = 0; i0 < HW; i0 += BN_BLOCK) {
                    int len = HW - i0 < BN_BLOCK ? HW - i0 : BN_BLOCK;
                    float a[BN_LANES] = {0}, b[BN_LANES] = {0};
                    const float *pb = p + i0, *gb = g + i0;
                    int i = 0;
                    if (o) {
                        const float *ob = o + i0;
                        /* the same lanes as vector types: the compiler will not vectorise
                         * the select on its own */
                        v8f va, vb;
                        memcpy(&va, a, sizeof va);
                        memcpy(&vb, b, sizeof vb);
                        const v8f zero = {0}, vmean = zero + mean;
                        for (; i + BN_LANES <= len; i += BN_LANES) {
                            v8f vo, vg, vp;
                            memcpy(&vo, ob + i, sizeof vo);
                            memcpy(&vg, gb + i, sizeof vg);
                            memcpy(&vp, pb + i, sizeof vp);
                            v8f d = (v8f)((v8i)vg & (vo > zero));
                            va += d;
                            vb += d * (vp - vmean);
                        }
                        memcpy(a, &va, sizeof va);
                        memcpy(b, &vb, sizeof vb);
                        for (; i < len; i++) {
                            float d = ob[i] > 0.0f ? gb[i] : 0.0f;
                            a[0] += d;
                            b[0] += d * (pb[i] - mean);
                        }
                    } else {
                        for (; i + BN_LANES <= len; i += BN_LANES)
                            for (int l = 0; l < BN_LANES; l++) {
                                a[l] += gb[i + l];
                                b[l] += gb[i + l] * (pb[i + l] - mean);
                            }
                        for (; i < len; i++) {
                            a[0] += gb[i];
                            b[0] += gb[i] * (pb[i] - mean);
                        }
                    }
                    for (int l = 0; l < BN_LANES; l++) {
                        ndy += a[l];
                        ndyx += b[l];
                    }
                }
            }
            sdy += ddad_sum_grain(ndy);
            sdyx += ddad_sum_grain(ndyx * save_invstd[c]);
        }
        stats[c] = sdy;
        stats[C + c] = sdyx;
        if (dgamma) {
            dbeta[c] = (float)sdy;
            dgamma[c] = (float)sdyx;
        } else {
            dbeta_sum[c] = sdy;
            dgamma_sum[c] = sdyx;
        }
    }
    if (red && red->allreduce_sum) red->allreduce_sum(stats, 2 * C, red->ctx);
#pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++) {
        /* dx = k (d - mean(d) - xhat mean(d xhat)), in float with per-channel constants:
         * dx = k d + a (x - mean) + b; (x - mean) is exact or nearly so when it matters */
        const double invstd = save_invstd[c];
        const double k = gamma[c] * invstd;
        const double mdy = stats[c] / global_count;
        const double mdyx = stats[C + c] / global_count;
        const float kf = (float)k, af = (float)(-k * invstd * mdyx), bf = (float)(-k * mdy);
        const float mean = save_mean[c];
        for (int n = 0; n < N; n++) {
            size_t off = ((size_t)n * C + c) * HW;
            const float *p = x + off, *g = dy + off;
            const float *o = y ? y + off : NULL;
            float *q = dx + off;
            if (o)
                for (int i = 0; i < HW; i++) {
                    float d = o[i] > 0.0f ? g[i] : 0.0f;
                    q[i] = kf * d + (af * (p[i] - mean) + bf);
                }
            else
                for (int i = 0; i < HW; i++) q[i] = kf * g[i] + (af * (p[i] - mean) + bf);
        }
    }
}

void ddad_bn_backward(const ddad_bn_shape *s, const float *x, const float *y, const float *dy, const float *gamma,
                      const float *save_mean, const float *save_invstd, float *dx, float *dgamma, float *dbeta,
                      double *stats, double global_count, const ddad_reducer *red)
{
    bn_backward(s, x, y, dy, gamma, save_mean, save_invstd, dx, dgamma, dbeta, NULL, NULL, stats, global_count, red);
}

void ddad_bn_backward_acc(const ddad_bn_shape *s, const float *x, const float *y, const float *dy, const float *gamma,
                          const float *save_mean, const float *save_invstd, float *dx, double *dgamma_sum,
                          double *dbeta_sum, double *stats, double global_count, const ddad_reducer *red)
{
    bn_backward(s, x, y, dy, gamma, save_mean, save_invstd, dx, NULL, NULL, dgamma_sum, dbeta_sum, stats, global_count,
                red);
}
