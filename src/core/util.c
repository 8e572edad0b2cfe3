#include "core/util.h"
#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void *ddad_malloc(size_t n, const char *what)
{
    void *p = malloc(n ? n : 1);
    if (!p) ddad_fatal(DDAD_EXIT_RUNTIME, "out of memory allocating %zu bytes for %s", n, what);
    return p;
}

void *ddad_calloc(size_t count, size_t size, const char *what)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) ddad_fatal(DDAD_EXIT_RUNTIME, "out of memory allocating %zu x %zu bytes for %s", count, size, what);
    return p;
}

void *ddad_malloc_aligned(size_t n, const char *what)
{
    void *p = NULL;
    size_t rounded = (n + 63) & ~(size_t)63;
    if (posix_memalign(&p, 64, rounded ? rounded : 64) != 0 || !p)
        ddad_fatal(DDAD_EXIT_RUNTIME, "out of memory allocating %zu bytes for %s", n, what);
    return p;
}

char *ddad_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = ddad_malloc(n, "string");
    memcpy(d, s, n);
    return d;
}

double ddad_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void ddad_tmp_path(const char *final_path, char *out, size_t outlen)
{
    const char *slash = strrchr(final_path, '/');
    if (slash)
        snprintf(out, outlen, "%.*s.%s.tmp.%ld", (int)(slash - final_path + 1), final_path, slash + 1,
                 (long)getpid());
    else
        snprintf(out, outlen, ".%s.tmp.%ld", final_path, (long)getpid());
    ddad_tmpfile_register(out);
}

int ddad_commit_file(const char *tmp_path, const char *final_path)
{
    if (rename(tmp_path, final_path) != 0) return -1;
    ddad_tmpfile_unregister(tmp_path);
    return 0;
}

int ddad_mkdirs(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
    return 0;
}

int ddad_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}
