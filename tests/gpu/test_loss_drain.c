/* ddad_run_summing_losses (cuda/loss_drain.h) against a trainer that behaves like the GPU
 * trainers' loss rings (DDAD_GPU_LOSS_RING readings, the oldest dropped when full, a
 * reading per step): every reading of an epoch must arrive, none dropped, for epochs
 * shorter than, equal to and far longer than the ring (the RSNA refiner epoch is 481
 * steps). Runs without a GPU: it checks the host-side schedule only. */
#include <stdint.h>

#include "cuda/loss_drain.h"
#include "test_check.h"

typedef struct {
    float ring[DDAD_GPU_LOSS_RING];
    int head, count;
    int64_t done, dropped, max_pending;
} ring_trainer;

static float loss_of(int64_t step) { return (float)(step % 7) + 0.25f; }

static void run(void *p, int64_t steps)
{
    ring_trainer *t = p;
    for (int64_t i = 0; i < steps; i++) {
        t->done++;
        if (t->count == DDAD_GPU_LOSS_RING) {   /* as ddad_loss_ring_record: drop the oldest */
            t->head = (t->head + 1) % DDAD_GPU_LOSS_RING;
            t->count--;
            t->dropped++;
        }
        t->ring[(t->head + t->count) % DDAD_GPU_LOSS_RING] = loss_of(t->done);
        t->count++;
        if (t->count > t->max_pending) t->max_pending = t->count;
    }
}

static int poll(void *p, int wait, ddad_loss_reading *out)
{
    ring_trainer *t = p;
    (void)wait;
    if (t->count == 0) return 0;
    out->loss = t->ring[t->head];
    t->head = (t->head + 1) % DDAD_GPU_LOSS_RING;
    t->count--;
    return 1;
}

int main(void)
{
    const int64_t epochs[] = {0, 1, 31, 32, 33, 63, 64, 65, 122, 481, 1000};
    for (size_t e = 0; e < sizeof epochs / sizeof *epochs; e++) {
        ring_trainer t = {0};
        const ddad_loss_source src = {&t, run, poll, "test trainer"};
        const int64_t steps = epochs[e];
        double want = 0.0;
        for (int64_t s = 1; s <= steps; s++) want += loss_of(s);
        const double got = ddad_run_summing_losses(&src, steps);
        CHECK(got == want, "%lld steps: sum %.2f, expected %.2f", (long long)steps, got, want);
        CHECK(t.done == steps && t.count == 0, "%lld steps: %lld run, %d readings left", (long long)steps,
              (long long)t.done, t.count);
        CHECK(t.dropped == 0, "%lld steps: %lld readings dropped", (long long)steps, (long long)t.dropped);
        CHECK(t.max_pending <= DDAD_GPU_LOSS_RING, "%lld steps: %lld pending", (long long)steps,
              (long long)t.max_pending);
        /* the device is never left idle: a chunk is queued before the previous one drains */
        if (steps > DDAD_GPU_LOSS_RING)
            CHECK(t.max_pending == DDAD_GPU_LOSS_RING, "%lld steps: at most %lld pending, not two chunks",
                  (long long)steps, (long long)t.max_pending);
        printf("%5lld steps: sum %.2f, at most %lld pending, %lld dropped\n", (long long)steps, got,
               (long long)t.max_pending, (long long)t.dropped);
    }
    return failures != 0;
}
