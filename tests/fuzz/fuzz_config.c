/* Fuzzes the YAML configuration loader with its validation (io/config*.c): the input is
 * the config file. The first line may hold --set overrides ("#set Section.key=value ..."),
 * so the override parser is fuzzed too. */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "fuzz_util.h"
#include "io/config.h"

#define MAX_SETS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ddad_log_quiet(1);
    const char *path = fuzz_write_file("config.yaml", data, size);
    char line[512] = "";
    const char *sets[MAX_SETS];
    int nsets = 0;
    if (size > 5 && !memcmp(data, "#set ", 5)) {
        size_t n = 0;
        while (5 + n < size && n < sizeof line - 1 && data[5 + n] != '\n') n++;
        memcpy(line, data + 5, n);
        line[n] = '\0';
        for (char *save = NULL, *t = strtok_r(line, " ", &save); t && nsets < MAX_SETS; t = strtok_r(NULL, " ", &save))
            sets[nsets++] = t;
    }
    ddad_config c;
    ddad_error err = {0};
    if (ddad_config_load(path, sets, nsets, &c, &err) == 0) {
        /* A loaded config must print: `ddad config` and results.h5 write this text. */
        char yaml[16384];
        ddad_config_to_yaml(&c, yaml, sizeof yaml);
    } else if (!err.msg[0]) {
        fprintf(stderr, "config loader failed without a message\n");
        __builtin_trap();
    }
    return 0;
}
