#include "data/prepare.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "data/dataset_write.h"
#include "data/image.h"
#include "data/medad.h"
#include "data/resize.h"

#define BLOCK 4096          /* images decoded before they are written */
#define MAX_REPORTED 5      /* bad images named in the error */

typedef struct {
    const ddad_prepare_opts *o;
    const char **paths;     /* this block's image paths */
    uint8_t *pixels;        /* this block's output, BLOCK * S * S */
    char **errors;          /* per image: NULL or a message */
    int64_t n;
    atomic_llong next, done;
} block_job;

static void *worker(void *arg)
{
    block_job *j = arg;
    const size_t S = (size_t)j->o->img_size;
    for (;;) {
        int64_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->n) break;
        ddad_gray_image im;
        ddad_error e = {0};
        if (ddad_image_load_gray(j->paths[i], &im, &e) < 0) {
            j->errors[i] = ddad_strdup(e.msg);
        } else {
            if (ddad_resize_bilinear_u8(im.pixels, im.width, im.height, j->pixels + (size_t)i * S * S, (int)S, (int)S) < 0)
                j->errors[i] = ddad_strdup("out of memory while resizing");
            free(im.pixels);
        }
        atomic_fetch_add(&j->done, 1);
    }
    return NULL;
}

typedef struct {
    int tty;
    double t0, last;
    int64_t total;
} progress;

static void progress_show(progress *p, int64_t done, int final)
{
    double now = ddad_now(), el = now - p->t0;
    if (!final && now - p->last < (p->tty ? 0.2 : 5.0)) return;
    p->last = now;
    double rate = el > 0 ? done / el : 0;
    double eta = rate > 0 ? (p->total - done) / rate : 0;
    fprintf(stderr, "%sprepare: %lld/%lld images, %.0f/s, ETA %.0f s%s", p->tty ? "\r" : "", (long long)done,
            (long long)p->total, rate, eta, p->tty ? (final ? "\n" : "   ") : "\n");
    fflush(stderr);
}

/* Decodes block [0, j->n) with `threads` threads while showing progress. */
static int run_block(block_job *j, int threads, progress *pr, int64_t done_before)
{
    pthread_t tid[256];
    if (threads > 256) threads = 256;
    if (threads > j->n) threads = (int)j->n;
    atomic_store(&j->next, 0);
    atomic_store(&j->done, 0);
    int started = 0;
    for (; started < threads; started++)
        if (pthread_create(&tid[started], NULL, worker, j) != 0) break;
    if (started == 0) worker(j);   /* no threads available: decode here */
    while (atomic_load(&j->done) < j->n) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
        progress_show(pr, done_before + atomic_load(&j->done), 0);
    }
    for (int t = 0; t < started; t++) pthread_join(tid[t], NULL);
    return 0;
}

int ddad_prepare_medad(const ddad_prepare_opts *o, ddad_error *err)
{
    ddad_medad_list list;
    if (ddad_medad_read(o->root, &list, err) < 0) return -1;
    int64_t total = 0;
    for (int s = 0; s < DDAD_NUM_SPLITS; s++) total += list.count[s];

    char abs_root[PATH_MAX], source[PATH_MAX + 32];
    if (!realpath(o->root, abs_root)) snprintf(abs_root, sizeof abs_root, "%s", o->root);
    snprintf(source, sizeof source, "medad root=%s", abs_root);
    ddad_dataset_spec spec = {.img_size = o->img_size, .with_masks = 0, .shards = o->shards, .deflate = o->deflate,
                              .source = source};
    memcpy(spec.count, list.count, sizeof spec.count);
    ddad_dataset_writer *w = ddad_dataset_create(o->out, &spec, err);
    if (!w) {
        ddad_medad_free(&list);
        return -1;
    }

    const size_t S = (size_t)o->img_size;
    block_job j;
    memset(&j, 0, sizeof j);
    j.o = o;
    j.paths = ddad_calloc(BLOCK, sizeof(char *), "image paths");
    j.errors = ddad_calloc(BLOCK, sizeof(char *), "image errors");
    j.pixels = ddad_malloc((size_t)BLOCK * S * S, "decoded images");
    char *names = ddad_malloc((size_t)BLOCK * DDAD_NAME_MAX, "names");
    progress pr = {isatty(2), ddad_now(), 0, total};
    int64_t done = 0, nbad = 0;
    char bad[MAX_REPORTED * 300] = "";
    int rc = 0;

    for (int s = 0; s < DDAD_NUM_SPLITS && rc == 0; s++) {
        for (int64_t start = 0; start < list.count[s] && rc == 0; start += BLOCK) {
            int64_t n = list.count[s] - start < BLOCK ? list.count[s] - start : BLOCK;
            j.n = n;
            for (int64_t i = 0; i < n; i++) {
                const char *name = list.names[s][start + i];
                size_t len = strlen(o->root) + strlen(name) + 16;
                char *p = ddad_malloc(len, "image path");
                snprintf(p, len, "%s/images/%s", o->root, name);
                j.paths[i] = p;
                j.errors[i] = NULL;
            }
            run_block(&j, o->threads, &pr, done);
            done += n;
            for (int64_t i = 0; i < n; i++) {
                if (j.errors[i]) {
                    if (nbad++ < MAX_REPORTED) {
                        size_t m = strlen(bad);
                        snprintf(bad + m, sizeof bad - m, "\n  %s", j.errors[i]);
                    }
                    free(j.errors[i]);
                }
                free((char *)j.paths[i]);
            }
            if (nbad) continue;   /* keep decoding to count every bad image, but write nothing */
            for (int64_t i = 0; i < n; i++) {
                memset(names + i * DDAD_NAME_MAX, 0, DDAD_NAME_MAX);
                snprintf(names + i * DDAD_NAME_MAX, DDAD_NAME_MAX, "%s", list.names[s][start + i]);
            }
            rc = ddad_dataset_write(w, s, start, n, j.pixels, list.labels[s] + start, names, err);
        }
    }
    progress_show(&pr, done, 1);
    free(j.paths);
    free(j.errors);
    free(j.pixels);
    free(names);
    if (rc == 0 && nbad) {
        rc = ddad_error_set(err, DDAD_EXIT_USAGE, "%lld of %lld images could not be read%s:%s%s\nnothing was written; "
                            "fix or remove these images (and their data.json entries) and run again",
                            (long long)nbad, (long long)total, nbad > MAX_REPORTED ? " (the first ones follow)" : "",
                            bad, nbad > MAX_REPORTED ? "\n  ..." : "");
    }
    if (rc < 0) {
        ddad_dataset_discard(w);
        ddad_medad_free(&list);
        return -1;
    }
    if (ddad_dataset_finish(w, err) < 0) {
        ddad_medad_free(&list);
        return -1;
    }
    double el = ddad_now() - pr.t0;
    struct stat st;
    double mb = stat(o->out, &st) == 0 ? (double)st.st_size / 1e6 : 0.0;
    int64_t test_abnormal = 0;
    for (int64_t i = 0; i < list.count[DDAD_SPLIT_TEST]; i++) test_abnormal += list.labels[DDAD_SPLIT_TEST][i];
    printf("wrote %s%s: %lld images of %dx%d (train normal %lld, pool0 %lld, pool1 %lld, test %lld+%lld), "
           "%.1f MB, %.2f s with %d thread%s (%.0f images/s)\n",
           o->out, o->shards > 1 ? " (+ shards)" : "", (long long)total, o->img_size, o->img_size,
           (long long)list.count[0], (long long)list.count[1], (long long)list.count[2],
           (long long)(list.count[3] - test_abnormal), (long long)test_abnormal, mb, el, o->threads,
           o->threads == 1 ? "" : "s", el > 0 ? total / el : 0.0);
    ddad_medad_free(&list);
    return 0;
}
