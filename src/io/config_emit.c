/* The effective configuration as YAML: every key, sections in a fixed order, values written
 * so that ddad_config_load reads back exactly the same struct (and PyYAML reads the same
 * values: floats always carry a '.', text is double-quoted). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/config.h"
#include "io/config_keys.h"

typedef struct {
    char *buf;
    size_t n, len;   /* len counts everything, as snprintf does, even past n */
} out_buf;

static void put(out_buf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out_buf *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->n ? o->n - o->len : 0;
    int w = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (w > 0) o->len += (size_t)w;
}

void ddad_cfg_format_double(double v, int yaml_float, char *s, size_t n)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(s, n, "%.*g", prec, v);
        if (strtod(s, NULL) == v) break;
    }
    if (!yaml_float || strchr(s, '.') || strchr(s, 'n') || strchr(s, 'i')) return;
    char tmp[64];
    char *e = strchr(s, 'e');
    if (e) snprintf(tmp, sizeof tmp, "%.*s.0%s", (int)(e - s), s, e);
    else snprintf(tmp, sizeof tmp, "%s.0", s);
    snprintf(s, n, "%s", tmp);
}

static void put_quoted(out_buf *o, const char *s)
{
    put(o, "\"");
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') put(o, "\\%c", ch);
        else if (ch < 0x20 || ch == 0x7f) put(o, "\\x%02x", ch);
        else put(o, "%c", ch);
    }
    put(o, "\"");
}

static void put_value(out_buf *o, const ddad_cfg_key *k, const ddad_config *c)
{
    const char *base = (const char *)c;
    char num[64];
    switch (k->type) {
    case DDAD_CFG_INT: {
        int v = *(const int *)(base + k->off);
        if (k->nullable && v == 0 && strcmp(k->name, "gpu")) put(o, "null");
        else put(o, "%d", v);
        break;
    }
    case DDAD_CFG_U64: put(o, "%" PRIu64, *(const uint64_t *)(base + k->off)); break;
    case DDAD_CFG_DOUBLE: {
        double v = *(const double *)(base + k->off);
        if (!strcmp(k->name, "grad_clip") && v <= 0) {
            put(o, "null");
        } else {
            ddad_cfg_format_double(v, 1, num, sizeof num);
            put(o, "%s", num);
        }
        break;
    }
    case DDAD_CFG_BOOL: put(o, "%s", *(const int *)(base + k->off) ? "true" : "false"); break;
    case DDAD_CFG_PAIR:
        ddad_cfg_format_double(*(const double *)(base + k->off), 1, num, sizeof num);
        put(o, "[%s, ", num);
        ddad_cfg_format_double(*(const double *)(base + k->off2), 1, num, sizeof num);
        put(o, "%s]", num);
        break;
    case DDAD_CFG_STRING:
    case DDAD_CFG_ENUM:
        if (k->nullable && !base[k->off]) put(o, "null");
        else put_quoted(o, base + k->off);
        break;
    }
}

int ddad_config_to_yaml(const ddad_config *c, char *buf, size_t n)
{
    out_buf o = {buf, n, 0};
    if (n) buf[0] = '\0';
    put(&o, "# ddad effective configuration");
    if (c->source_path[0]) {   /* a comment line: control characters would end it */
        put(&o, " from ");
        for (const char *p = c->source_path; *p; p++) put(&o, "%c", (unsigned char)*p < 0x20 ? '?' : *p);
    }
    put(&o, "\n");
    for (size_t s = 0; s < DDAD_CFG_NSECTIONS; s++) {
        put(&o, "%s%s:\n", s ? "\n" : "", DDAD_CFG_SECTIONS[s]);
        for (size_t i = 0; i < DDAD_CFG_NKEYS; i++) {
            const ddad_cfg_key *k = &DDAD_CFG_KEYS[i];
            if (strcmp(k->section, DDAD_CFG_SECTIONS[s])) continue;
            put(&o, "  %s: ", k->name);
            put_value(&o, k, c);
            put(&o, "\n");
        }
    }
    if (n && o.len >= n) buf[n - 1] = '\0';
    return o.len > (size_t)2147483647 ? 2147483647 : (int)o.len;
}
