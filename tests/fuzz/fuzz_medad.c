/* Fuzzes the Med-AD data.json reader (data/medad.c): the input is ROOT/data.json. */
#include <stdio.h>

#include "data/medad.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write_file("data.json", data, size);
    ddad_medad_list l;
    ddad_error err = {0};
    if (ddad_medad_read(fuzz_scratch_dir(), &l, &err) == 0) {
        /* Every name the reader accepted must pass its own check. */
        for (int s = 0; s < DDAD_NUM_SPLITS; s++)
            for (int64_t i = 0; i < l.count[s]; i++)
                if (ddad_medad_bad_name(l.names[s][i])) __builtin_trap();
        ddad_medad_free(&l);
    } else if (!err.msg[0]) {
        fprintf(stderr, "data.json reader failed without a message\n");
        __builtin_trap();
    }
    return 0;
}
