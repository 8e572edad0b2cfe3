#include "pipeline/members_io.h"

#include <string.h>

#include "core/util.h"
#include "pipeline/ckpt.h"

int ddad_member_channels(const ddad_config *c) { return strcmp(c->network, "AE-U") == 0 ? 2 : 1; }

ddad_ae *ddad_member_load_eval(ddad_run *run, int member, int max_batch)
{
    const ddad_config *c = &run->cfg;
    ddad_ae_shape shape = {c->img_size, c->mp, c->ls, ddad_member_channels(c) == 2};
    ddad_ae *ae = ddad_ae_create(&shape, max_batch, 0);
    if (!ae) ddad_fatal(DDAD_EXIT_RUNTIME, "cannot create an inference network (out of memory?)");
    char path[DDAD_PATH_MAX + 64];
    ddad_member_ckpt_path(run, member, path, sizeof path);
    if (!ddad_file_exists(path))
        ddad_fatal(DDAD_EXIT_USAGE, "%s is missing: run the members stage first (--stage members)", path);
    ddad_error err = {0};
    ddad_train_state st;
    ddad_train_state_init(&st, c->num_epoch);
    double t0 = ddad_now();
    if (ddad_run_ckpt_load(run, DDAD_STAGE_MEMBERS, path, ddad_ae_paramset(ae), 0, &st, &err) != 0) ddad_fatal_error(&err);
    run->phase_time[DDAD_PHASE_IO] += ddad_now() - t0;
    if (st.epoch < c->num_epoch)
        ddad_fatal(DDAD_EXIT_USAGE, "%s holds %lld of %d epochs: finish the members stage first (--resume)", path,
                   (long long)st.epoch, c->num_epoch);
    ddad_train_state_free(&st);
    return ae;
}
