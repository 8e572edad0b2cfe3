#include "pipeline/fault_inject.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int parsed, active, stage, rank;
    long step;
} fault_spec;

static fault_spec g_fault;
static long g_reads[DDAD_N_STAGES];

static void parse(const char *s)
{
    g_fault.parsed = 1;
    if (!s || !*s) return;
    char stage[16] = "";
    int rank = -1, used = 0;
    long step = 0;
    if (sscanf(s, "read_batch:stage=%15[a-z]:rank=%d:step=%ld%n", stage, &rank, &step, &used) != 3 ||
        s[used] != '\0' || rank < 0 || step < 1)
        ddad_fatal(DDAD_EXIT_USAGE, "DDAD_FAULT_INJECT=%s: expected read_batch:stage=<members|refine|eval>:rank=<r>:step=<n>"
                   " (a test hook; unset it for a normal run)", s);
    for (int i = 0; i < DDAD_N_STAGES; i++)
        if (!strcmp(stage, ddad_stage_name(i)) && i != DDAD_STAGE_SCORE) {
            g_fault = (fault_spec){1, 1, i, rank, step};
            return;
        }
    ddad_fatal(DDAD_EXIT_USAGE, "DDAD_FAULT_INJECT=%s: the stage is members, refine or eval", s);
}

void ddad_fault_read_batch(const ddad_run *run, int stage)
{
    if (!g_fault.parsed) parse(getenv("DDAD_FAULT_INJECT"));
    if (!g_fault.active || stage != g_fault.stage || run->dist.rank != g_fault.rank) return;
    if (++g_reads[stage] == g_fault.step)
        ddad_fatal(DDAD_EXIT_RUNTIME, "cannot read batch %ld of the %s stage: injected fault (DDAD_FAULT_INJECT=%s)",
                   g_fault.step, ddad_stage_name(stage), getenv("DDAD_FAULT_INJECT"));
}
