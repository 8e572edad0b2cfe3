/* Unit checks of the pipeline's pure pieces: OC-SSL counts, epoch order, FPI synthesis,
 * discrepancy maps, placement, the stage markers' timings and GPU memory peaks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/rng.h"
#include "data/batch.h"
#include "data/fpi.h"
#include "data/ocssl.h"
#include "dist/dist.h"
#include "io/h5util.h"
#include "io/results.h"
#include "pipeline/maps.h"
#include "pipeline/run.h"

static int failures = 0;
#define CHECK(cond, ...)                                   \
    do {                                                   \
        if (!(cond)) {                                     \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                  \
            fputc('\n', stderr);                           \
            failures++;                                    \
        }                                                  \
    } while (0)

static void test_ocssl(void)
{
    int64_t nn, an;
    ddad_ocssl_counts(4000, 0.6, &nn, &an);
    CHECK(an == 2400 && nn == 1600, "RSNA counts %lld %lld", (long long)nn, (long long)an);
    ddad_ocssl_counts(1000, 0.6, &nn, &an);
    CHECK(an == 600 && nn == 400, "Brain counts");
    ddad_ocssl_counts(1500, 0.6, &nn, &an);
    CHECK(an == 900 && nn == 600, "LAG counts");
    ddad_ocssl_counts(7, 0.5, &nn, &an);   /* int(3.5) = 3 */
    CHECK(an == 3 && nn == 4, "truncation");
    ddad_ocssl_counts(0, 0.6, &nn, &an);
    CHECK(an == 0 && nn == 0, "no extra data");
}

static void test_order(void)
{
    enum { N = 257 };
    int64_t a[N], b[N], c[N];
    ddad_epoch_order(7, DDAD_MOD_UDM, 2, 3, N, a);
    ddad_epoch_order(7, DDAD_MOD_UDM, 2, 3, N, b);
    ddad_epoch_order(7, DDAD_MOD_UDM, 2, 4, N, c);
    CHECK(memcmp(a, b, sizeof a) == 0, "same key, different order");
    CHECK(memcmp(a, c, sizeof a) != 0, "epochs 3 and 4 share an order");
    int seen[N] = {0};
    for (int i = 0; i < N; i++) seen[a[i]]++;
    for (int i = 0; i < N; i++) CHECK(seen[i] == 1, "not a permutation at %d", i);
    CHECK(ddad_pixel_to_float(0) == -1.0f && ddad_pixel_to_float(255) == 1.0f, "normalisation ends");
}

static void test_fpi(void)
{
    enum { H = 64, W = 64, N = 5, S = 4000 };
    uint8_t *img = malloc((size_t)N * H * W);
    for (int i = 0; i < N; i++) memset(img + (size_t)i * H * W, 40 * i + 10, H * W);
    float *x = malloc(sizeof(float) * H * W);
    uint8_t *t = malloc(H * W);
    int patched = 0;
    for (int s = 0; s < S; s++) {
        int self = s % N;
        int p = ddad_fpi_sample(3, (uint64_t)s, img, N, H, W, self, x, t);
        patched += p;
        int y0 = H, y1 = -1, x0 = W, x1 = -1, inside = 0;
        float a_seen = -1;
        for (int i = 0; i < H; i++)
            for (int j = 0; j < W; j++) {
                float orig = ddad_pixel_to_float(img[(size_t)self * H * W + (size_t)i * W + j]);
                if (t[i * W + j]) {
                    inside++;
                    if (i < y0) y0 = i;
                    if (i > y1) y1 = i;
                    if (j < x0) x0 = j;
                    if (j > x1) x1 = j;
                    CHECK(x[i * W + j] != orig || a_seen == 0, "patched pixel unchanged");
                    a_seen = 1;
                } else {
                    CHECK(x[i * W + j] == orig, "pixel outside the patch changed");
                }
            }
        if (!p) {
            CHECK(inside == 0, "no patch but a target");
            continue;
        }
        /* centres in [6, 57), half-widths in [3, 13): box edges within [0, 64] */
        int h = y1 - y0 + 1, w = x1 - x0 + 1;
        CHECK(h <= 24 && w <= 24 && h >= 1 && w >= 1, "box %dx%d out of range", h, w);
        CHECK(y0 >= 0 && x0 >= 0 && y1 < H && x1 < W, "box outside the image");
        /* a box not clipped is square with an even side in [6, 24] */
        if (y0 > 0 && x0 > 0 && y1 < H - 1 && x1 < W - 1) CHECK(h == w && h % 2 == 0 && h >= 6, "box %dx%d", h, w);
        /* the patch mixes in another image: self's value differs from the result */
    }
    CHECK(abs(patched - S / 2) < S / 10, "patched %d of %d (expected about half)", patched, S);
    /* The same stream gives the same sample. */
    float *x2 = malloc(sizeof(float) * H * W);
    uint8_t *t2 = malloc(H * W);
    ddad_fpi_sample(3, 17, img, N, H, W, 2, x, t);
    ddad_fpi_sample(3, 17, img, N, H, W, 2, x2, t2);
    CHECK(memcmp(x, x2, sizeof(float) * H * W) == 0 && memcmp(t, t2, H * W) == 0, "not deterministic");
    /* The drawn patch (what the GPU path uploads) describes the sample exactly: its box is
     * the target, its source another image, its pixels (1 - alpha) self + alpha src. */
    for (int s = 0; s < 200; s++) {
        const int self = s % N;
        ddad_fpi_patch pa;
        int made = ddad_fpi_draw(3, (uint64_t)s, N, H, W, self, &pa);
        CHECK(made == ddad_fpi_sample(3, (uint64_t)s, img, N, H, W, self, x, t), "draw and sample disagree");
        CHECK(pa.self == self && (made ? pa.src != self : pa.y0 == pa.y1), "patch %d: self/src/box", s);
        int ones = 0;
        for (int i = 0; i < H * W; i++) ones += t[i];
        int box = (pa.y1 - pa.y0) * (pa.x1 - pa.x0);
        CHECK(ones == (pa.alpha > 0.0f ? box : 0), "patch %d: %d target pixels, box %d", s, ones, box);
        if (made && box > 0) {
            const size_t q = (size_t)pa.y0 * W + (size_t)pa.x0;
            float want = (1.0f - pa.alpha) * ddad_pixel_to_float(img[(size_t)self * H * W + q]) +
                         pa.alpha * ddad_pixel_to_float(img[(size_t)pa.src * H * W + q]);
            CHECK(x[q] == want, "patch %d: pixel %g, expected %g", s, x[q], want);
        }
    }
    free(img);
    free(x);
    free(t);
    free(x2);
    free(t2);
}

static void test_maps(void)
{
    /* K = 2, one image of 2 pixels. NDM b = (1, 3) at p0 and (0, 0) at p1; UDM a = (2, 2), (1, 3). */
    const int K = 2, nb = 1;
    const size_t hw = 2;
    float outs[4 * 2] = {1, 0, /* ndm 0 */ 3, 0, /* ndm 1 */ 2, 1, /* udm 0 */ 2, 3 /* udm 1 */};
    float x[2] = {0.5f, 1.0f}, rec[2], intra[2], inter[2];
    ddad_discrepancy_maps(outs, K, 1, nb, hw, x, rec, intra, inter);
    CHECK(rec[0] == 2.25f && rec[1] == 1.0f, "rec %g %g", rec[0], rec[1]);
    CHECK(fabsf(intra[0] - sqrtf(2.0f)) < 1e-6f && intra[1] == 0.0f, "intra %g %g", intra[0], intra[1]);
    CHECK(inter[0] == 0.0f && inter[1] == 2.0f, "inter %g %g", inter[0], inter[1]);
    CHECK(ddad_map_mean(rec, 2) == 1.625f, "mean");
    /* AE-U: channel 1 is log-variance; v = mean exp(logvar) over NDM = 4 everywhere. */
    float l4 = logf(4.0f);
    float u[4 * 2 * 2] = {1, 0, l4, l4, 3, 0, l4, l4, 2, 1, 0, 0, 2, 3, 0, 0};
    ddad_discrepancy_maps(u, K, 2, nb, hw, x, rec, intra, inter);
    CHECK(fabsf(rec[0] - 2.25f / 4) < 1e-6f, "AE-U rec %g", rec[0]);
    CHECK(fabsf(intra[0] - sqrtf(2.0f) / 2) < 1e-6f, "AE-U intra %g", intra[0]);
    CHECK(fabsf(inter[1] - 1.0f) < 1e-6f, "AE-U inter %g", inter[1]);
}

static void test_names(void)
{
    char buf[16];
    int module, index;
    ddad_member_id(3, 4, &module, &index);
    CHECK(module == DDAD_MOD_UDM && index == 1, "member 4 of K=3");
    ddad_member_name(3, 2, buf, sizeof buf);
    CHECK(!strcmp(buf, "ndm_2"), "name %s", buf);
}

/* The refiner's batch over ranks: contiguous parts in order, covering the batch, sizes
 * differing by at most one with the larger ones first. */
static void test_batch_parts(void)
{
    for (int total = 1; total <= 24; total++)
        for (int parts = 1; parts <= total; parts++) {
            int next = 0, prev = total + 1;
            for (int i = 0; i < parts; i++) {
                int count = -1, offset = -1;
                ddad_batch_part(total, parts, i, &count, &offset);
                CHECK(offset == next, "batch %d in %d parts: part %d starts at %d, not %d", total, parts, i, offset,
                      next);
                CHECK(count >= total / parts && count <= total / parts + 1 && count <= prev,
                      "batch %d in %d parts: part %d has %d samples", total, parts, i, count);
                next = offset + count;
                prev = count;
            }
            CHECK(next == total, "batch %d in %d parts covers %d samples", total, parts, next);
        }
}

/* A marker holds the phase times and, from a GPU run, one peak per rank; both read back,
 * and the peaks go into a results file as /gpu_memory/<stage>. */
static void write_marker(const char *path, const char *peaks_line)
{
    FILE *f = fopen(path, "w");
    if (!f) return;
    fprintf(f, "stage members\nranks 2\n1 2 3 4 5\n6 7 8 9 10\n%skey network=AE\n", peaks_line);
    fclose(f);
}

static void test_marker_peaks(void)
{
    char dir[] = "/tmp/ddad-marker-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0, "mkdtemp failed");
        return;
    }
    ddad_run *run = calloc(1, sizeof *run);
    snprintf(run->ckpt_dir, sizeof run->ckpt_dir, "%s", dir);
    char marker[256], h5[256];
    snprintf(marker, sizeof marker, "%s/members.done", dir);
    snprintf(h5, sizeof h5, "%s/r.h5", dir);

    write_marker(marker, "gpu_peak_bytes 1048576 3145728\n");
    double *t = NULL;
    int64_t *b = NULL;
    CHECK(ddad_stage_read_times(run, DDAD_STAGE_MEMBERS, &t) == 2 && t && t[0] == 1 && t[9] == 10,
          "phase times not read back next to the peaks");
    CHECK(ddad_stage_read_gpu_peak(run, DDAD_STAGE_MEMBERS, &b) == 2 && b && b[0] == 1048576 && b[1] == 3145728,
          "GPU memory peaks not read back");
    ddad_error err = {0};
    hid_t f = H5Fcreate(h5, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(f >= 0 && ddad_results_write_gpu_peak(f, "members", b, 2, &err) == 0, "writing /gpu_memory: %s", err.msg);
    if (f >= 0) H5Fclose(f);
    int64_t back[2] = {0, 0};
    f = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(f >= 0 && ddad_h5_read(f, "gpu_memory/members", H5T_NATIVE_INT64, 2, back, &err) == 0 &&
              back[0] == 1048576 && back[1] == 3145728,
          "/gpu_memory/members does not hold the peaks: %s", err.msg);
    if (f >= 0) H5Fclose(f);
    free(t);
    free(b);

    /* a CPU run's marker has none; a cut line is not half-read */
    write_marker(marker, "");
    CHECK(ddad_stage_read_gpu_peak(run, DDAD_STAGE_MEMBERS, &b) == 0 && !b, "peaks read from a CPU run's marker");
    write_marker(marker, "gpu_peak_bytes 1048576\n");
    CHECK(ddad_stage_read_gpu_peak(run, DDAD_STAGE_MEMBERS, &b) == 0 && !b, "peaks read from a cut line");
    remove(marker);
    remove(h5);
    rmdir(dir);
    free(run);
}

int main(void)
{
    test_ocssl();
    test_order();
    test_fpi();
    test_maps();
    test_names();
    test_batch_parts();
    test_marker_peaks();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("pipeline units: all checks passed\n");
    return 0;
}
