/* `ddad info RESULTS.h5`: the summary of a results file. cmd_info dispatches here when the
 * root attribute kind is "results". */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "io/h5util.h"
#include "io/results.h"

static herr_t count_group(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)g;
    (void)info;
    char *list = data;
    size_t len = strlen(list);
    if (len + strlen(name) + 3 < 512) snprintf(list + len, 512 - len, "%s%s", len ? ", " : "", name);
    return 0;
}

static const char *INFO_STAGES[] = {"members", "score", "refine", "eval"};

/* GROUP/<stage> as a [ranks x width] table of `type` (elem bytes each), in a new buffer;
 * NULL when the file has none or it does not read. */
static void *read_stage_table(hid_t f, const char *group, int stage, hid_t type, size_t elem, size_t width,
                              int64_t *ranks)
{
    char p[64];
    snprintf(p, sizeof p, "%s/%s", group, INFO_STAGES[stage]);
    if (H5Lexists(f, p, H5P_DEFAULT) <= 0) return NULL;
    *ranks = ddad_h5_rows(f, p);
    if (*ranks < 1 || *ranks > 1 << 20) return NULL;
    void *buf = calloc((size_t)*ranks * width, elem);
    ddad_error err = {0};
    if (buf && ddad_h5_read(f, p, type, (size_t)*ranks * width, buf, &err) == 0) return buf;
    free(buf);
    return NULL;
}

static void print_timings(hid_t f, FILE *out)
{
    if (H5Lexists(f, "timings", H5P_DEFAULT) <= 0) return;
    fprintf(out, "timings (s, max over ranks):\n");
    for (int s = 0; s < 4; s++) {
        int64_t ranks = 0;
        double *t = read_stage_table(f, "timings", s, H5T_NATIVE_DOUBLE, sizeof(double), 5, &ranks);
        if (!t) continue;
        double mx[5] = {0};
        for (int64_t r = 0; r < ranks; r++)
            for (int k = 0; k < 5; k++) mx[k] = fmax(mx[k], t[r * 5 + k]);
        fprintf(out, "  %-8s %lld rank(s): train %.2f  reduce %.2f  refine %.2f  eval %.2f  io %.2f\n", INFO_STAGES[s],
                (long long)ranks, mx[0], mx[1], mx[2], mx[3], mx[4]);
        free(t);
    }
}

/* GPU runs: the peak device memory ddad allocated, per stage (max and least over ranks). */
static void print_gpu_memory(hid_t f, FILE *out)
{
    if (H5Lexists(f, "gpu_memory", H5P_DEFAULT) <= 0) return;
    fprintf(out, "peak GPU memory allocated (MiB per rank):\n");
    for (int s = 0; s < 4; s++) {
        int64_t ranks = 0;
        int64_t *b = read_stage_table(f, "gpu_memory", s, H5T_NATIVE_INT64, sizeof(int64_t), 1, &ranks);
        if (!b) continue;
        int64_t lo = b[0], hi = b[0];
        for (int64_t r = 1; r < ranks; r++) {
            if (b[r] < lo) lo = b[r];
            if (b[r] > hi) hi = b[r];
        }
        fprintf(out, "  %-8s %lld rank(s): max %.1f  least %.1f\n", INFO_STAGES[s], (long long)ranks,
                (double)hi / 1048576.0, (double)lo / 1048576.0);
        free(b);
    }
}

int ddad_results_info(const char *path, FILE *out)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        fprintf(stderr, "ddad info: cannot open %s as HDF5\n", path);
        return DDAD_EXIT_USAGE;
    }
    ddad_error err = {0};
    char kind[64] = "", rev[128] = "?", devices[128] = "?";
    int64_t ranks = 0;
    ddad_h5_read_attr_str(f, "kind", kind, sizeof kind, &err);
    if (strcmp(kind, "results") != 0) {
        fprintf(stderr, "ddad info: %s is not a results file (kind '%s')\n", path, kind);
        H5Fclose(f);
        return DDAD_EXIT_USAGE;
    }
    ddad_h5_read_attr_str(f, "git_rev", rev, sizeof rev, &err);
    ddad_h5_read_attr_str(f, "devices", devices, sizeof devices, &err);
    ddad_h5_read_attr_i64(f, "n_ranks", &ranks, &err);
    fprintf(out, "%s: DDAD results\n", path);
    fprintf(out, "  git revision   %s\n  ranks          %lld\n  devices        %s\n", rev, (long long)ranks, devices);

    char members[512] = "";
    if (H5Lexists(f, "members", H5P_DEFAULT) > 0) {
        hid_t g = H5Gopen2(f, "members", H5P_DEFAULT);
        if (g >= 0) {
            H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, count_group, members);
            H5Gclose(g);
        }
    }
    fprintf(out, "  members        %s\n", members[0] ? members : "(none)");
    fprintf(out, "  refiner        %s\n", H5Lexists(f, "refiner", H5P_DEFAULT) > 0 ? "yes" : "no");
    int64_t n = H5Lexists(f, "scores", H5P_DEFAULT) > 0 ? ddad_h5_rows(f, "scores/test/labels") : -1;
    fprintf(out, "  test images    %lld\n", (long long)(n > 0 ? n : 0));
    fprintf(out, "  maps saved     %s\n", H5Lexists(f, "maps", H5P_DEFAULT) > 0 ? "yes" : "no");

    if (H5Lexists(f, "metrics", H5P_DEFAULT) > 0) {
        static const char *NAMES[] = {"rec", "intra", "inter", "r_dual", "r_intra"};
        ddad_score_entry e[5];
        int ne = 0;
        hid_t g = H5Gopen2(f, "metrics", H5P_DEFAULT);
        for (int i = 0; i < 5 && g >= 0; i++) {
            if (H5Lexists(g, NAMES[i], H5P_DEFAULT) <= 0) continue;
            hid_t s = H5Gopen2(g, NAMES[i], H5P_DEFAULT);
            if (s < 0) continue;
            memset(&e[ne], 0, sizeof e[ne]);
            snprintf(e[ne].name, sizeof e[ne].name, "%s", NAMES[i]);
            e[ne].pixel_auroc = e[ne].best_dice = NAN;
            ddad_h5_read_attr_f64(s, "auc", &e[ne].auc, &err);
            ddad_h5_read_attr_f64(s, "ap", &e[ne].ap, &err);
            ddad_h5_read_attr_f64(s, "chi2", &e[ne].chi2, &err);
            if (H5Aexists(s, "pixel_auroc") > 0) {
                ddad_h5_read_attr_f64(s, "pixel_auroc", &e[ne].pixel_auroc, &err);
                ddad_h5_read_attr_f64(s, "best_dice", &e[ne].best_dice, &err);
            }
            H5Gclose(s);
            ne++;
        }
        if (g >= 0) H5Gclose(g);
        ddad_results_print_table(e, ne, out);
    }
    print_timings(f, out);
    print_gpu_memory(f, out);
    H5Fclose(f);
    return DDAD_EXIT_OK;
}
