#include "fuzz_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/h5attr.h"

#define FUZZ_MAX_FILES 8

static char g_dir[512];
static char g_files[FUZZ_MAX_FILES][640];
static int g_nfiles;

/* The sanitizer settings bench/fuzz/run.sh uses, also when a harness runs by hand: a
 * damaged HDF5 file can make HDF5 ask for absurd sizes, and malloc then returns NULL (as it
 * does outside the sanitizer) for HDF5 to report; full stacks let tests/fuzz/lsan.supp name
 * functions inside HDF5, which the fast unwinder cannot walk. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1:fast_unwind_on_malloc=0"; }

static void remove_scratch(void)
{
    for (int i = 0; i < g_nfiles; i++) unlink(g_files[i]);
    if (g_dir[0]) rmdir(g_dir);
}

static _Noreturn void harness_fail(const char *what, const char *path)
{
    perror(what);
    fprintf(stderr, "fuzz harness: %s failed for %s\n", what, path);
    abort();
}

const char *fuzz_scratch_dir(void)
{
    if (g_dir[0]) return g_dir;
    const char *base = getenv("TMPDIR");
    snprintf(g_dir, sizeof g_dir, "%s/ddad-fuzz-XXXXXX", base && base[0] ? base : "/tmp");
    if (!mkdtemp(g_dir)) harness_fail("mkdtemp", g_dir);
    atexit(remove_scratch);
    ddad_h5_quiet();   /* the readers report their own errors; HDF5's stack would flood the log */
    return g_dir;
}

const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size)
{
    const char *dir = fuzz_scratch_dir();
    int slot = -1;
    char path[640];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    for (int i = 0; i < g_nfiles; i++)
        if (!strcmp(g_files[i], path)) slot = i;
    if (slot < 0) {
        if (g_nfiles == FUZZ_MAX_FILES) harness_fail("too many scratch files", path);
        slot = g_nfiles++;
        snprintf(g_files[slot], sizeof g_files[slot], "%s", path);
    }
    FILE *f = fopen(path, "wb");
    if (!f) harness_fail("fopen", path);
    if ((size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) harness_fail("write", path);
    return g_files[slot];
}
