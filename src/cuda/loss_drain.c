#include "cuda/loss_drain.h"

#include "core/error.h"

/* Readings to collect now so that the next chunk fits in the ring: all but one chunk's
 * while more steps are to come, all of them at the end. */
static int64_t to_collect(int64_t steps, int64_t queued, int64_t collected, int64_t chunk)
{
    const int64_t keep = queued < steps ? chunk : 0;
    const int64_t pending = queued - collected;
    return pending > keep ? pending - keep : 0;
}

double ddad_run_summing_losses(const ddad_loss_source *src, int64_t steps)
{
    const int64_t chunk = DDAD_GPU_LOSS_RING / 2;
    int64_t queued = 0, collected = 0;
    double sum = 0.0;
    while (collected < steps) {
        const int64_t n = steps - queued < chunk ? steps - queued : chunk;
        if (n > 0) {
            src->run(src->trainer, n);
            queued += n;
        }
        for (int64_t k = to_collect(steps, queued, collected, chunk); k > 0; k--) {
            ddad_loss_reading r;
            if (!src->poll(src->trainer, 1, &r))
                ddad_fatal(DDAD_EXIT_RUNTIME, "%s: %lld of %lld loss readings arrived", src->what,
                           (long long)collected, (long long)steps);
            sum += r.loss;
            collected++;
        }
    }
    return sum;
}
