#include "core/free_space.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

static void human(double bytes, char *buf, size_t n)
{
    static const char *UNIT[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024.0 && u < 4) {
        bytes /= 1024.0;
        u++;
    }
    if (u == 0) snprintf(buf, n, "%.0f bytes", bytes);
    else snprintf(buf, n, "%.1f %s", bytes, UNIT[u]);
}

void ddad_free_space(const char *path, char *buf, size_t n)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == path) snprintf(dir, sizeof dir, "/");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    struct statvfs sv;
    if (statvfs(dir, &sv) != 0) {
        snprintf(buf, n, "the free space of %s is unknown (statvfs: %s)", dir, strerror(errno));
        return;
    }
    char avail[32], total[32];
    human((double)sv.f_bavail * (double)sv.f_frsize, avail, sizeof avail);
    human((double)sv.f_blocks * (double)sv.f_frsize, total, sizeof total);
    /* a filesystem can also run out of inodes, with blocks to spare (tmpfs nr_inodes) */
    const int no_inodes = sv.f_files > 0 && sv.f_favail == 0;
    snprintf(buf, n, "the filesystem of %s has %s free of %s%s", dir, avail, total, no_inodes ? " and no free inodes" : "");
}

int ddad_error_write_failed(ddad_error *err, const char *path, const char *cause, const char *next)
{
    char space[4096 + 128], why[sizeof err->msg];
    ddad_free_space(path, space, sizeof space);
    snprintf(why, sizeof why, "%s", cause ? cause : "");   /* cause may be err->msg itself */
    return ddad_error_set(err, DDAD_EXIT_RUNTIME, "writing %s failed%s%s%s: %s. %s", path, why[0] ? " (" : "", why,
                          why[0] ? ")" : "", space, next ? next : "");
}
