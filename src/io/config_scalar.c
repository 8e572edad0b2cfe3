/* YAML scalar resolution for config values (see config_scalar.h). */
#include "io/config_scalar.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(s, *list)) return 1;
    return 0;
}

int ddad_scalar_is_null(const char *s)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    return in_list(s, nulls);
}

int ddad_scalar_bool(const char *s, int *out)
{
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", NULL};
    static const char *const no[] = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", NULL};
    if (in_list(s, yes)) *out = 1;
    else if (in_list(s, no)) *out = 0;
    else return -1;
    return 0;
}

/* Copies s without '_' separators into buf; -1 if it does not fit or a '_' is misplaced. */
static int strip_underscores(const char *s, char *buf, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '_') {
            if (i == 0 || !isxdigit((unsigned char)s[i - 1]) || !s[i + 1]) return -1;
            continue;
        }
        if (j + 1 >= n) return -1;
        buf[j++] = s[i];
    }
    buf[j] = '\0';
    return 0;
}

/* Parses an unsigned magnitude (decimal or 0x hex) that must use the whole string. */
static int parse_magnitude(const char *s, uint64_t *out)
{
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    } else if (s[0] == '0' && s[1]) {
        return -1;   /* leading zero: YAML 1.1 octal, ambiguous */
    }
    if (!*s) return -1;
    for (const char *q = s; *q; q++)
        if (base == 10 ? !isdigit((unsigned char)*q) : !isxdigit((unsigned char)*q)) return -1;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, base);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

int ddad_scalar_int64(const char *s, int64_t *out)
{
    char buf[128];
    if (strip_underscores(s, buf, sizeof buf)) return -1;
    const char *p = buf;
    int neg = 0;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    uint64_t mag;
    if (parse_magnitude(p, &mag)) return -1;
    if (neg) {
        if (mag > (uint64_t)INT64_MAX + 1) return -1;
        *out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    } else {
        if (mag > (uint64_t)INT64_MAX) return -1;
        *out = (int64_t)mag;
    }
    return 0;
}

int ddad_scalar_uint64(const char *s, uint64_t *out)
{
    char buf[128];
    if (strip_underscores(s, buf, sizeof buf)) return -1;
    const char *p = buf;
    if (*p == '+') p++;
    return parse_magnitude(p, out);
}

int ddad_scalar_double(const char *s, double *out)
{
    char buf[128];
    if (strip_underscores(s, buf, sizeof buf)) return -1;
    /* sign? digits [. digits] [e sign? digits]  or  sign? . digits [e ...] */
    const char *p = buf;
    if (*p == '+' || *p == '-') p++;
    int digits = 0;
    while (isdigit((unsigned char)*p)) p++, digits++;
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) p++, digits++;
    }
    if (!digits) return -1;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!isdigit((unsigned char)*p)) return -1;
        while (isdigit((unsigned char)*p)) p++;
    }
    if (*p) return -1;
    errno = 0;
    char *end = NULL;
    double v = strtod(buf, &end);
    if (*end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}
