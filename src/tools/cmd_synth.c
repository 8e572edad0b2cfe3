/* ddad synth: a synthetic OC-SSL dataset (chest-radiograph-like phantoms with lesions). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_num.h"
#include "cli_signals.h"
#include "commands.h"
#include "core/error.h"
#include "core/util.h"
#include "data/dataset_write.h"
#include "data/synth.h"

#define SUB "synth"
#define BATCH 1024   /* images rendered and written at a time (a multiple of the chunk size) */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ddad synth --out FILE.h5 [--preset demo|ci] [--seed S] [--img-size N]\n"
            "                  [--normal N] [--pool0 N] [--pool1 N] [--test-normal N] [--test-abnormal N]\n"
            "                  [--lesion-contrast A,B] [--lesion-size A,B] [--lesions N] [--noise S]\n"
            "                  [--shards N] [--deflate 0-9]\n"
            "\n"
            "Writes a synthetic OC-SSL dataset: chest-radiograph-like images; pool1 and the abnormal\n"
            "test images carry lesions, and the test set has pixel masks. Deterministic given the seed.\n"
            "\n"
            "  --out FILE.h5      output dataset file (required)\n"
            "  --preset NAME      demo (img 64; 600 normal, pools 300+300, test 150+150; the default)\n"
            "                     or ci (img 32; 96 normal, pools 64+64, test 32+32)\n"
            "  --seed S           random seed (default 1)\n"
            "  --img-size N       image side, a multiple of 16 (16..1024)\n"
            "  --normal N         known normal training images (D_n)\n"
            "  --pool0 N          unlabeled pool 0 (normal)\n"
            "  --pool1 N          unlabeled pool 1 (abnormal)\n"
            "  --test-normal N    normal test images\n"
            "  --test-abnormal N  abnormal test images\n"
            "  --lesion-contrast A,B  lesion brightness range, 0..1 gray scale (default 0.10,0.28)\n"
            "  --lesion-size A,B  lesion radius range, fraction of the image width (default 0.05,0.14)\n"
            "  --lesions N        at most N lesions per abnormal image (default 3)\n"
            "  --noise S          pixel noise standard deviation, 0..1 gray scale (default 0.02)\n"
            "  --shards N         write an index file plus N shard files (default 1: one file)\n"
            "  --deflate L        deflate level for images, 0 = none (default 1)\n");
}

static int64_t total_images(const int64_t c[DDAD_NUM_SPLITS])
{
    int64_t t = 0;
    for (int s = 0; s < DDAD_NUM_SPLITS; s++) t += c[s];
    return t;
}

static void make_names(int split, const ddad_synth_params *p, int64_t start, int64_t count, char *names)
{
    static const char *const prefix[DDAD_NUM_SPLITS] = {"normal", "pool0", "pool1", "test"};
    for (int64_t i = 0; i < count; i++) {
        int64_t k = start + i;
        char *slot = names + (size_t)i * DDAD_NAME_MAX;
        memset(slot, 0, DDAD_NAME_MAX);
        if (split == DDAD_SPLIT_TEST)
            snprintf(slot, DDAD_NAME_MAX, "test_%s_%06lld", ddad_synth_is_abnormal(p, split, k) ? "abnormal" : "normal",
                     (long long)(k >= p->test_normal ? k - p->test_normal : k));
        else
            snprintf(slot, DDAD_NAME_MAX, "%s_%06lld", prefix[split], (long long)k);
    }
}

static int write_all(ddad_dataset_writer *w, const ddad_synth_params *p, const int64_t count[DDAD_NUM_SPLITS],
                     ddad_error *err)
{
    size_t px = (size_t)p->img_size * (size_t)p->img_size;
    uint8_t *imgs = ddad_malloc(px * BATCH, "synthetic images");
    uint8_t *masks = ddad_malloc(px * BATCH, "synthetic masks");
    int8_t *labels = ddad_malloc(BATCH, "labels");
    char *names = ddad_malloc((size_t)DDAD_NAME_MAX * BATCH, "names");
    int rc = 0;
    for (int s = 0; s < DDAD_NUM_SPLITS && rc == 0; s++) {
        for (int64_t start = 0; start < count[s] && rc == 0; start += BATCH) {
            int64_t n = count[s] - start < BATCH ? count[s] - start : BATCH;
            int test = s == DDAD_SPLIT_TEST;
            ddad_synth_render_range(p, s, start, n, imgs, test ? masks : NULL);
            for (int64_t i = 0; i < n; i++) labels[i] = (int8_t)ddad_synth_is_abnormal(p, s, start + i);
            make_names(s, p, start, n, names);
            rc = ddad_dataset_write(w, s, start, n, imgs, labels, names, err);
            if (rc == 0 && test) rc = ddad_dataset_write_masks(w, start, n, masks, err);
        }
    }
    free(imgs);
    free(masks);
    free(labels);
    free(names);
    return rc;
}

int cmd_synth(int argc, char **argv)
{
    const char *out = NULL, *preset = "demo";
    double lc[2] = {-1, -1}, ls[2] = {-1, -1}, noise = -1, unused;
    int64_t lesions = -1;
    int64_t seed = 1, img = -1, normal = -1, pool0 = -1, pool1 = -1, tn = -1, ta = -1, shards = 1, deflate = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return DDAD_EXIT_OK;
        }
        struct {
            const char *name;
            int64_t *dst, lo, hi;
        } nums[] = {{"--seed", &seed, 0, INT64_MAX},      {"--img-size", &img, 16, 1024},
                    {"--normal", &normal, 1, 10000000},   {"--pool0", &pool0, 0, 10000000},
                    {"--pool1", &pool1, 0, 10000000},     {"--test-normal", &tn, 1, 10000000},
                    {"--test-abnormal", &ta, 1, 10000000}, {"--shards", &shards, 1, 32},
                    {"--deflate", &deflate, 0, 9}};
        int matched = 0;
        for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
            if (strcmp(a, nums[k].name)) continue;
            matched = 1;
            if (!(v = cli_value(SUB, argc, argv, &i))) return DDAD_EXIT_USAGE;
            if (cli_parse_i64(SUB, a, v, nums[k].lo, nums[k].hi, nums[k].dst) < 0) return DDAD_EXIT_USAGE;
        }
        if (matched) continue;
        if (!strcmp(a, "--out")) {
            if (!(out = cli_value(SUB, argc, argv, &i))) return DDAD_EXIT_USAGE;
        } else if (!strcmp(a, "--lesion-contrast")) {
            if (!(v = cli_value(SUB, argc, argv, &i)) || cli_parse_range(SUB, a, v, 0.0, 1.0, &lc[0], &lc[1]) < 0)
                return DDAD_EXIT_USAGE;
        } else if (!strcmp(a, "--lesion-size")) {
            if (!(v = cli_value(SUB, argc, argv, &i)) || cli_parse_range(SUB, a, v, 0.005, 0.5, &ls[0], &ls[1]) < 0)
                return DDAD_EXIT_USAGE;
        } else if (!strcmp(a, "--noise")) {
            if (!(v = cli_value(SUB, argc, argv, &i)) || cli_parse_range(SUB, a, v, 0.0, 0.5, &noise, &unused) < 0)
                return DDAD_EXIT_USAGE;
        } else if (!strcmp(a, "--lesions")) {
            if (!(v = cli_value(SUB, argc, argv, &i)) || cli_parse_i64(SUB, a, v, 1, 8, &lesions) < 0)
                return DDAD_EXIT_USAGE;
        } else if (!strcmp(a, "--preset")) {
            if (!(preset = cli_value(SUB, argc, argv, &i))) return DDAD_EXIT_USAGE;
        } else {
            return cmd_usage_error(SUB, "unknown option '%s'", a);
        }
    }
    if (!out) return cmd_usage_error(SUB, "--out FILE.h5 is required");
    ddad_synth_params p;
    if (ddad_synth_preset(preset, &p) < 0) return cmd_usage_error(SUB, "unknown preset '%s' (use demo or ci)", preset);
    p.seed = (uint64_t)seed;
    if (img > 0) p.img_size = (int)img;
    if (p.img_size % 16) return cmd_usage_error(SUB, "--img-size must be a multiple of 16 (got %d)", p.img_size);
    if (normal > 0) p.normal = normal;
    if (pool0 >= 0) p.pool0 = pool0;
    if (pool1 >= 0) p.pool1 = pool1;
    if (tn > 0) p.test_normal = tn;
    if (ta > 0) p.test_abnormal = ta;
    if (lc[0] >= 0) p.lesion_contrast_min = lc[0], p.lesion_contrast_max = lc[1];
    if (ls[0] >= 0) p.lesion_radius_min = ls[0], p.lesion_radius_max = ls[1];
    if (noise >= 0) p.noise = noise;
    if (lesions > 0) p.lesions_max = (int)lesions;

    int64_t count[DDAD_NUM_SPLITS];
    ddad_synth_counts(&p, count);
    char source[256];
    snprintf(source, sizeof source,
             "synth preset=%s seed=%lld lesion_contrast=%g,%g lesion_size=%g,%g lesions=%d noise=%g", preset,
             (long long)seed, p.lesion_contrast_min, p.lesion_contrast_max, p.lesion_radius_min, p.lesion_radius_max,
             p.lesions_max, p.noise);
    ddad_dataset_spec spec = {.img_size = p.img_size, .with_masks = 1, .shards = (int)shards,
                              .deflate = (int)deflate, .source = source};
    memcpy(spec.count, count, sizeof count);

    cli_cleanup_on_signal();
    double t0 = ddad_now();
    ddad_error err = {0};
    ddad_dataset_writer *w = ddad_dataset_create(out, &spec, &err);
    if (!w) ddad_fatal_error(&err);
    if (write_all(w, &p, count, &err) < 0) {
        ddad_dataset_discard(w);
        ddad_fatal_error(&err);
    }
    if (ddad_dataset_finish(w, &err) < 0) ddad_fatal_error(&err);
    struct stat st;
    double mb = stat(out, &st) == 0 ? (double)st.st_size / 1e6 : 0.0;
    printf("wrote %s%s: %lld images of %dx%d (train normal %lld, pool0 %lld, pool1 %lld, test %lld+%lld "
           "with masks), seed %lld, %.1f MB, %.2f s\n",
           out, shards > 1 ? " (+ shards)" : "", (long long)total_images(count), p.img_size, p.img_size,
           (long long)p.normal, (long long)p.pool0, (long long)p.pool1, (long long)p.test_normal,
           (long long)p.test_abnormal, (long long)seed, mb, ddad_now() - t0);
    return DDAD_EXIT_OK;
}
