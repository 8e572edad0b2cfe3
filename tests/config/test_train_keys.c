/* The configuration key table against the key that ties checkpoints to their setup
 * (ddad_config_train_key): every key says what it changes in training (members, refiner or
 * neither), and changing a key changes the members' key iff it is flagged for the members,
 * the refiner's key iff it is flagged for either. A key added to the table without a
 * classification, or flagged but left out of the key, fails here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/config.h"
#include "io/config_keys.h"
#include "pipeline/run.h"

#include "../test_check.h"

enum { MEMBERS = DDAD_TRAINS_MEMBERS, REFINER = DDAD_TRAINS_REFINER, BOTH = MEMBERS | REFINER };

/* Gives key k of c another value of its type. */
static void change(const ddad_cfg_key *k, ddad_config *c)
{
    char *base = (char *)c;
    switch (k->type) {
    case DDAD_CFG_INT: *(int *)(base + k->off) += 1; break;
    case DDAD_CFG_U64: *(uint64_t *)(base + k->off) += 1; break;
    case DDAD_CFG_DOUBLE: *(double *)(base + k->off) = *(double *)(base + k->off) * 2 + 0.375; break;
    case DDAD_CFG_BOOL: *(int *)(base + k->off) = !*(int *)(base + k->off); break;
    case DDAD_CFG_PAIR: *(double *)(base + k->off2) = *(double *)(base + k->off2) / 2; break;
    case DDAD_CFG_ENUM:
        for (int i = 0; k->choices[i]; i++)
            if (strcmp(k->choices[i], base + k->off)) {
                memset(base + k->off, 0, k->size);
                snprintf(base + k->off, k->size, "%s", k->choices[i]);
                break;
            }
        break;
    case DDAD_CFG_STRING: snprintf(base + k->off, k->size, "%s", "changed"); break;
    }
}

static void key_of(const ddad_config *c, unsigned trains, char *buf)
{
    int len = ddad_config_train_key(c, trains, buf, DDAD_KEY_MAX);
    CHECK(len > 0 && len < DDAD_KEY_MAX - 64, "the key is %d characters, DDAD_KEY_MAX %d", len, DDAD_KEY_MAX);
}

int main(void)
{
    static char m0[DDAD_KEY_MAX], r0[DDAD_KEY_MAX], m1[DDAD_KEY_MAX], r1[DDAD_KEY_MAX];
    ddad_config base;
    ddad_config_defaults(&base);
    key_of(&base, MEMBERS, m0);
    key_of(&base, BOTH, r0);
    printf("members key: %s\nrefiner key: %s\n", m0, r0);
    int flagged = 0;
    for (size_t i = 0; i < DDAD_CFG_NKEYS; i++) {
        const ddad_cfg_key *k = &DDAD_CFG_KEYS[i];
        char name[96], token[100];
        snprintf(name, sizeof name, "%s.%s", k->section, k->name);
        snprintf(token, sizeof token, "%s=", name);
        const unsigned t = k->trains;
        CHECK(t == DDAD_TRAINS_NONE || t == MEMBERS || t == REFINER || t == BOTH,
              "%s is not classified: give it DDAD_TRAINS_NONE, _MEMBERS and/or _REFINER in src/io/config_keys.c "
              "(got %u)",
              name, t);
        if (t & BOTH) {
            flagged++;
            /* tokens are split at spaces: free text could hold one */
            CHECK(k->type != DDAD_CFG_STRING, "%s is free text and cannot be part of the key", name);
        }
        ddad_config c = base;
        change(k, &c);
        CHECK(memcmp(&c, &base, sizeof c) != 0, "%s: the test could not change its value", name);
        key_of(&c, MEMBERS, m1);
        key_of(&c, BOTH, r1);
        int in_members = strstr(m0, token) != NULL, in_refiner = strstr(r0, token) != NULL;
        CHECK(in_members == !!(t & MEMBERS), "%s is %sin the members' key: %s", name, in_members ? "" : "not ", m0);
        CHECK(in_refiner == !!(t & BOTH), "%s is %sin the refiner's key: %s", name, in_refiner ? "" : "not ", r0);
        CHECK((strcmp(m0, m1) != 0) == !!(t & MEMBERS), "changing %s %s the members' key", name,
              strcmp(m0, m1) ? "changes" : "does not change");
        CHECK((strcmp(r0, r1) != 0) == !!(t & BOTH), "changing %s %s the refiner's key", name,
              strcmp(r0, r1) ? "changes" : "does not change");
    }
    CHECK(flagged >= 20, "only %d keys flagged as training keys", flagged);
    /* nothing flagged for neither: the key of no stage is empty */
    char none[8];
    CHECK(ddad_config_train_key(&base, DDAD_TRAINS_NONE, none, sizeof none) == 0, "a key for DDAD_TRAINS_NONE");
    printf("%zu keys, %d of them training keys: %s\n", DDAD_CFG_NKEYS, flagged, failures ? "FAILED" : "ok");
    return failures != 0;
}
