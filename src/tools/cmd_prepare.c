/* ddad prepare medad: a Med-AD folder -> a dataset file. */
#define _GNU_SOURCE   /* sched_getaffinity, CPU_COUNT */
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli_num.h"
#include "cli_signals.h"
#include "commands.h"
#include "core/error.h"
#include "data/prepare.h"

#define SUB "prepare"

/* The cores this process may run on (a Slurm or taskset allocation), not all the node's. */
static int usable_cores(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ddad prepare medad --root DIR --out FILE.h5 [--img-size 64] [--shards N]\n"
            "                          [--threads T] [--deflate 0-9]\n"
            "\n"
            "Reads a dataset in the Med-AD layout (DIR/data.json and DIR/images/*) and writes one\n"
            "HDF5 dataset file: gray images (Pillow's \"L\"; 16-bit images scaled to 8 bits) resized\n"
            "to img_size x img_size like Pillow's BILINEAR resize. The unlabeled pools are stored\n"
            "whole, in their listed order, with their hidden labels.\n"
            "\n"
            "  --root DIR       the Med-AD folder (required)\n"
            "  --out FILE.h5    the dataset file to write (required)\n"
            "  --img-size N     image side, a multiple of 16 (default 64)\n"
            "  --shards N       write an index file plus N shard files (default 1: one file)\n"
            "  --threads T      decoding threads (default: every core this process may use)\n"
            "  --deflate L      deflate level for images, 0 = none (default 1)\n");
}

int cmd_prepare(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        return DDAD_EXIT_OK;
    }
    if (argc < 2 || argv[1][0] == '-')
        return cmd_usage_error(SUB, "the first argument is the dataset layout: 'ddad prepare medad --root DIR ...'");
    if (strcmp(argv[1], "medad"))
        return cmd_usage_error(SUB, "unknown dataset layout '%s' (only 'medad' is supported)", argv[1]);
    ddad_prepare_opts o = {.img_size = 64, .shards = 1, .deflate = 1, .threads = usable_cores()};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v;
        int64_t x;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return DDAD_EXIT_OK;
        } else if (!strcmp(a, "--root")) {
            if (!(o.root = cli_value(SUB, argc, argv, &i))) return DDAD_EXIT_USAGE;
        } else if (!strcmp(a, "--out")) {
            if (!(o.out = cli_value(SUB, argc, argv, &i))) return DDAD_EXIT_USAGE;
        } else if (!strcmp(a, "--img-size")) {
            if (!(v = cli_value(SUB, argc, argv, &i)) || cli_parse_i64(SUB, a, v, 16, 4096, &x) < 0) return DDAD_EXIT_USAGE;
            if (x % 16) return cmd_usage_error(SUB, "--img-size must be a multiple of 16 (got %lld)", (long long)x);
            o.img_size = (int)x;
        } else if (!strcmp(a, "--shards")) {
            if (!(v = cli_value(SUB, argc, argv, &i)) || cli_parse_i64(SUB, a, v, 1, 32, &x) < 0) return DDAD_EXIT_USAGE;
            o.shards = (int)x;
        } else if (!strcmp(a, "--threads")) {
            if (!(v = cli_value(SUB, argc, argv, &i)) || cli_parse_i64(SUB, a, v, 1, 256, &x) < 0) return DDAD_EXIT_USAGE;
            o.threads = (int)x;
        } else if (!strcmp(a, "--deflate")) {
            if (!(v = cli_value(SUB, argc, argv, &i)) || cli_parse_i64(SUB, a, v, 0, 9, &x) < 0) return DDAD_EXIT_USAGE;
            o.deflate = (int)x;
        } else {
            return cmd_usage_error(SUB, "unknown option '%s'", a);
        }
    }
    if (!o.root) return cmd_usage_error(SUB, "--root DIR is required");
    if (!o.out) return cmd_usage_error(SUB, "--out FILE.h5 is required");
    cli_cleanup_on_signal();
    ddad_error err = {0};
    if (ddad_prepare_medad(&o, &err) < 0) ddad_fatal_error(&err);
    return DDAD_EXIT_OK;
}
