/* The key of what a configuration trains, made from the flags of the key table. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "io/config.h"
#include "io/config_keys.h"

static void value_text(const ddad_cfg_key *k, const ddad_config *c, char *s, size_t n)
{
    const char *base = (const char *)c;
    char a[40], b[40];
    switch (k->type) {
    case DDAD_CFG_INT: snprintf(s, n, "%d", *(const int *)(base + k->off)); break;
    case DDAD_CFG_U64: snprintf(s, n, "%" PRIu64, *(const uint64_t *)(base + k->off)); break;
    case DDAD_CFG_DOUBLE: ddad_cfg_format_double(*(const double *)(base + k->off), 0, s, n); break;
    case DDAD_CFG_BOOL: snprintf(s, n, "%s", *(const int *)(base + k->off) ? "true" : "false"); break;
    case DDAD_CFG_PAIR:
        ddad_cfg_format_double(*(const double *)(base + k->off), 0, a, sizeof a);
        ddad_cfg_format_double(*(const double *)(base + k->off2), 0, b, sizeof b);
        snprintf(s, n, "%s,%s", a, b);
        break;
    case DDAD_CFG_STRING:
    case DDAD_CFG_ENUM: snprintf(s, n, "%.*s", (int)k->size, base + k->off); break;
    }
}

int ddad_config_train_key(const ddad_config *c, unsigned trains, char *buf, size_t n)
{
    size_t len = 0;
    if (n) buf[0] = '\0';
    for (size_t i = 0; i < DDAD_CFG_NKEYS; i++) {
        const ddad_cfg_key *k = &DDAD_CFG_KEYS[i];
        if (!(k->trains & trains & (DDAD_TRAINS_MEMBERS | DDAD_TRAINS_REFINER))) continue;
        char v[DDAD_PATH_MAX];
        value_text(k, c, v, sizeof v);
        size_t room = len < n ? n - len : 0;
        int w = snprintf(room ? buf + len : NULL, room, "%s%s.%s=%s", len ? " " : "", k->section, k->name, v);
        if (w > 0) len += (size_t)w;
    }
    return (int)len;
}
