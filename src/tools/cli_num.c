#include "cli_num.h"

#include <errno.h>
#include <stdlib.h>

#include "commands.h"

int cli_parse_i64(const char *sub, const char *opt, const char *val, int64_t lo, int64_t hi, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(val, &end, 10);
    if (errno || !end || end == val || *end) {
        cmd_usage_error(sub, "%s expects an integer, got '%s'", opt, val);
        return -1;
    }
    if (v < lo || v > hi) {
        cmd_usage_error(sub, "%s must be between %lld and %lld, got %lld", opt, (long long)lo, (long long)hi, v);
        return -1;
    }
    *out = (int64_t)v;
    return 0;
}

const char *cli_value(const char *sub, int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        cmd_usage_error(sub, "%s needs a value", argv[*i]);
        return NULL;
    }
    (*i)++;
    return argv[*i];
}

int cli_parse_range(const char *sub, const char *opt, const char *val, double lo, double hi, double *a, double *b)
{
    char *end = NULL;
    errno = 0;
    double x = strtod(val, &end), y = x;
    if (!errno && end != val && *end == ',') {
        const char *second = end + 1;
        y = strtod(second, &end);
        if (end == second) end = NULL;
    }
    if (errno || !end || end == val || *end) {
        cmd_usage_error(sub, "%s expects a number or two numbers 'A,B', got '%s'", opt, val);
        return -1;
    }
    if (!(x >= lo && y <= hi && x <= y)) {
        cmd_usage_error(sub, "%s needs %g <= A <= B <= %g, got '%s'", opt, lo, hi, val);
        return -1;
    }
    *a = x;
    *b = y;
    return 0;
}
