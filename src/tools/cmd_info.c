/* ddad info FILE.h5: summarises a ddad file. The root attribute "kind" says what the file
 * is; each kind has its own summary (add one to INFO_KINDS). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "core/error.h"
#include "data/dataset.h"
#include "data/dataset_storage.h"
#include "io/h5attr.h"
#include "info_kinds.h"

#define SUB "info"

static const struct {
    const char *kind;
    int (*summarise)(const char *path);
} INFO_KINDS[] = {
    {"dataset", info_dataset},
    {"results", info_results},
};
#define N_INFO_KINDS (sizeof INFO_KINDS / sizeof INFO_KINDS[0])

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ddad info FILE.h5\n"
            "\n"
            "Summarises a ddad file: for a dataset file the format version, image size, images per\n"
            "split, labels, masks, source, content digest, creation time, size on disk, chunking\n"
            "and compression.\n");
}

int info_dataset(const char *path)
{
    ddad_error err = {0};
    ddad_dataset *d = ddad_dataset_open(path, MPI_COMM_NULL, &err);
    if (!d) ddad_fatal_error(&err);
    const ddad_dataset_info *in = ddad_dataset_get_info(d);
    ddad_dataset_storage st;
    if (ddad_dataset_get_storage(path, &st, &err) < 0) ddad_fatal_error(&err);

    printf("%s: ddad dataset, format version %d\n", path, in->format_version);
    printf("  created       %s by ddad %s\n", in->created, in->tool_version);
    printf("  source        %s\n", in->source);
    if (in->digest[0])
        printf("  digest        %s (images, labels, masks)\n", in->digest);
    else
        printf("  digest        none: written by an older ddad; ddad run needs one (make it again)\n");
    printf("  image size    %d x %d, uint8 gray\n", in->img_size, in->img_size);
    int64_t total = 0;
    for (int s = 0; s < DDAD_NUM_SPLITS; s++) {
        int64_t n = in->count[s], abnormal = 0;
        total += n;
        int8_t *lab = malloc((size_t)(n ? n : 1));
        if (!lab) ddad_fatal(DDAD_EXIT_RUNTIME, "out of memory");
        if (ddad_dataset_read_labels(d, s, 0, n, lab, &err) < 0) ddad_fatal_error(&err);
        for (int64_t i = 0; i < n; i++) abnormal += lab[i] != 0;
        free(lab);
        const char *what = s == DDAD_SPLIT_TEST ? "labels" : s == DDAD_SPLIT_NORMAL ? "labels" : "hidden labels";
        printf("  %-13s %-22s %7lld images (%s: %lld normal, %lld abnormal)\n", s == 0 ? "splits" : "",
               ddad_split_name(s), (long long)n, what, (long long)(n - abnormal), (long long)abnormal);
    }
    printf("  %-13s %-22s %7lld images\n", "", "total", (long long)total);
    printf("  test masks    %s\n", in->has_masks ? "yes (0/1 per pixel)" : "no");
    char chunk[96] = "not chunked";
    if (st.image_chunk[0])
        snprintf(chunk, sizeof chunk, "chunks of %lld x %lld x %lld", (long long)st.image_chunk[0],
                 (long long)st.image_chunk[1], (long long)st.image_chunk[2]);
    char comp[96] = "no compression";
    if (st.deflate_level >= 0)
        snprintf(comp, sizeof comp, "deflate level %d%s, %.2fx smaller", st.deflate_level, st.shuffle ? " + shuffle" : "",
                 st.image_bytes_stored > 0 ? (double)st.image_bytes_raw / (double)st.image_bytes_stored : 0.0);
    if (st.files > 1)
        printf("  storage       index + %d shard files, %.2f MB in all\n", st.files - 1, st.bytes_on_disk / 1e6);
    else
        printf("  storage       1 file, %.2f MB\n", st.bytes_on_disk / 1e6);
    printf("  images        %s, %s\n", chunk, comp);
    ddad_dataset_close(d);
    return DDAD_EXIT_OK;
}

int cmd_info(int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return DDAD_EXIT_OK;
        }
        if (argv[i][0] == '-') return cmd_usage_error(SUB, "unknown option '%s'", argv[i]);
        if (path) return cmd_usage_error(SUB, "one file at a time ('%s' and '%s')", path, argv[i]);
        path = argv[i];
    }
    if (!path) return cmd_usage_error(SUB, "which file? usage: ddad info FILE.h5");
    char kind[64];
    ddad_error err = {0};
    if (ddad_h5_file_kind(path, kind, sizeof kind, &err) < 0) ddad_fatal_error(&err);
    for (size_t k = 0; k < N_INFO_KINDS; k++)
        if (!strcmp(kind, INFO_KINDS[k].kind)) return INFO_KINDS[k].summarise(path);
    if (!strcmp(kind, "dataset-shard"))
        ddad_fatal(DDAD_EXIT_USAGE, "%s is one shard of a dataset; run 'ddad info' on its index file", path);
    char known[256] = "";
    for (size_t k = 0; k < N_INFO_KINDS; k++) {
        size_t n = strlen(known);
        snprintf(known + n, sizeof known - n, "%s%s", k ? ", " : "", INFO_KINDS[k].kind);
    }
    ddad_fatal(DDAD_EXIT_USAGE, "%s has kind \"%s\", which 'ddad info' does not know (it knows: %s)", path, kind,
               known);
}
