#include "cuda/gpu_group.h"

#include <string.h>

int ddad_gpu_group(const unsigned char *uuids, int n, int me, int *sharing)
{
    const unsigned char *mine = uuids + (size_t)me * DDAD_GPU_UUID_BYTES;
    int first = me, count = 0;
    for (int r = 0; r < n; r++)
        if (memcmp(uuids + (size_t)r * DDAD_GPU_UUID_BYTES, mine, DDAD_GPU_UUID_BYTES) == 0) {
            if (r < first) first = r;
            count++;
        }
    *sharing = count;
    return first;
}
