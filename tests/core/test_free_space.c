/* The message of a failed write: the file, the cause, the free space of its filesystem
 * (the directory's, as statvfs reports it) and the advice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "core/free_space.h"
#include "../test_check.h"

static int starts(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }
static int ends(const char *s, const char *p) { return strlen(s) >= strlen(p) && !strcmp(s + strlen(s) - strlen(p), p); }

int main(void)
{
    char buf[4096];
    /* a path in a directory that exists: its free space is known */
    ddad_free_space("/tmp/some-output.h5", buf, sizeof buf);
    CHECK(strstr(buf, "the filesystem of /tmp has ") && strstr(buf, " free of "), "%s", buf);
    ddad_free_space("/no-such-directory/x.h5", buf, sizeof buf);
    CHECK(strstr(buf, "the free space of /no-such-directory is unknown (statvfs: "), "%s", buf);
    ddad_free_space("relative.h5", buf, sizeof buf);
    CHECK(strstr(buf, "the filesystem of . has "), "%s", buf);

    /* the units follow the size: a filesystem of 1 MiB or more is not reported in bytes */
    struct statvfs sv;
    if (statvfs("/tmp", &sv) == 0 && (double)sv.f_blocks * (double)sv.f_frsize >= 1048576.0) {
        ddad_free_space("/tmp/x", buf, sizeof buf);
        const char *of = strstr(buf, " free of ");
        CHECK(of && (strstr(of, "MiB") || strstr(of, "GiB") || strstr(of, "TiB")), "%s", buf);
    }

    /* the cause may be the error's own message */
    ddad_error err = {0};
    ddad_error_set(&err, DDAD_EXIT_USAGE, "HDF5: cannot write dataset map_inter");
    EXPECT(ddad_error_write_failed(&err, "/tmp/out/score.h5", err.msg, "Free space.") == -1);
    EXPECT(err.code == DDAD_EXIT_RUNTIME);
    CHECK(starts(err.msg, "writing /tmp/out/score.h5 failed (HDF5: cannot write dataset map_inter): "), "%s", err.msg);
    CHECK(strstr(err.msg, "the free space of /tmp/out is unknown") || strstr(err.msg, "the filesystem of /tmp/out has"),
          "%s", err.msg);
    CHECK(ends(err.msg, ". Free space."), "%s", err.msg);
    /* no cause: no parentheses */
    ddad_error_write_failed(&err, "/tmp/a.done", NULL, "X");
    CHECK(starts(err.msg, "writing /tmp/a.done failed: the filesystem of /tmp has ") && ends(err.msg, ". X"), "%s",
          err.msg);
    EXPECT(ddad_error_write_failed(NULL, "/tmp/a", "c", "n") == -1);   /* no error to fill */
    if (failures) fprintf(stderr, "%d failure(s)\n", failures);
    return failures ? 1 : 0;
}
