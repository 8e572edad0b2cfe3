/* Where the job runs: Exp.device against the GPUs the ranks can see. With a GPU every stage
 * uses it: the members and the refiner train there, and the score and eval stages run
 * their networks there (docs/GPU.md). */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "pipeline/run.h"
#ifdef DDAD_WITH_CUDA
#include "cuda/device.h"
#endif

int ddad_run_pick_device(ddad_run *run, ddad_error *err)
{
    const ddad_config *c = &run->cfg;
    const ddad_dist *d = &run->dist;
    run->gpu = -1;
    snprintf(run->devices, sizeof run->devices, "cpu: %d rank(s) x %d thread(s)", d->size, d->threads);
    if (!strcmp(c->device, "cpu")) return 0;
#ifdef DDAD_WITH_CUDA
    ddad_gpu_placement pl;
    int none = ddad_gpu_place(d->world, &pl) != 0;
    int any_none = ddad_dist_agree_max(d, none);
    if (any_none) {
        char why[256];
        ddad_gpu_describe(why, sizeof why);
        if (!strcmp(c->device, "cuda"))
            return ddad_error_set(err, DDAD_EXIT_USAGE,
                                  "Exp.device is cuda but %s rank sees no GPU (%s): run on a GPU node, check "
                                  "CUDA_VISIBLE_DEVICES, or set Exp.device auto or cpu",
                                  none ? "this" : "another", why);
        log_info("run: Exp.device auto, %s (%s rank): the job runs on the CPU", why, none ? "this" : "another");
        return 0;
    }
    run->gpu = pl.device;
    snprintf(run->devices, sizeof run->devices, "cuda: %d rank(s), every stage on %s (%s)", d->size, pl.name,
             c->precision);
    log_info("run: members and the refiner train on the GPU, and score and eval run there (Exp.device %s, "
             "precision %s)", c->device, c->precision);
    return 0;
#else
    return 0;   /* auto without CUDA; cuda without CUDA is refused with the configuration */
#endif
}
