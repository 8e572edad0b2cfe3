/* ddad config --config C.yaml [--set Section.key=value ...]: validate, print the effective config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "core/error.h"
#include "io/config.h"

static void print_help(void)
{
    printf("usage: ddad config --config C.yaml [--set Section.key=value ...]\n"
           "\n"
           "Validates a configuration and prints the effective configuration (every key, defaults\n"
           "filled in) as YAML on stdout. The reference's config files load unchanged.\n"
           "\n"
           "options:\n"
           "  --config FILE          the YAML configuration (required)\n"
           "  --set Section.key=V    override one key after the file; V follows YAML's scalar\n"
           "                         rules (5.0e-4, null, true, [0.5, 0.999]); repeatable, applied in order\n"
           "  -h, --help             this help\n"
           "\n"
           "A data file (Data.file) that does not exist yet is a warning here, an error at run time.\n"
           "Exit status: 0 valid, 2 usage or configuration error, 1 runtime failure.\n"
           "Example:  ddad config --config configs/demo.yaml --set Solver.num_epoch=5\n"
           "Keys, types and defaults: docs/CONFIG.md\n");
}

/* "--opt VALUE" or "--opt=VALUE": returns the value and advances *i, or NULL if argv[*i] is not opt. */
static const char *option_value(int argc, char **argv, int *i, const char *opt, int *missing)
{
    size_t len = strlen(opt);
    const char *a = argv[*i];
    if (strncmp(a, opt, len)) return NULL;
    if (a[len] == '=') return a + len + 1;
    if (a[len] != '\0') return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

int cmd_config(int argc, char **argv)
{
    const char *path = NULL;
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    if (!sets) {
        fprintf(stderr, "ddad config: out of memory\n");
        return DDAD_EXIT_RUNTIME;
    }
    int nsets = 0, rc = DDAD_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        int missing = 0;
        const char *v;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            print_help();
            goto done;
        } else if ((v = option_value(argc, argv, &i, "--config", &missing))) {
            path = v;
        } else if ((v = option_value(argc, argv, &i, "--set", &missing))) {
            sets[nsets++] = v;
        } else if (missing) {
            rc = cmd_usage_error("config", "option '%s' needs a value", argv[i]);
            goto done;
        } else if (argv[i][0] == '-') {
            rc = cmd_usage_error("config", "unknown option '%s'", argv[i]);
            goto done;
        } else {
            rc = cmd_usage_error("config", "unexpected argument '%s' (the config goes after --config)", argv[i]);
            goto done;
        }
    }
    if (!path) {
        rc = cmd_usage_error("config", "--config FILE is required");
        goto done;
    }

    ddad_config *c = malloc(sizeof *c);
    if (!c) {
        fprintf(stderr, "ddad config: out of memory\n");
        rc = DDAD_EXIT_RUNTIME;
        goto done;
    }
    ddad_error err = {0};
    if (ddad_config_load(path, sets, nsets, c, &err)) {
        fprintf(stderr, "ddad config: error: %s\n", err.msg);
        rc = err.code ? err.code : DDAD_EXIT_USAGE;
    } else {
        int need = ddad_config_to_yaml(c, NULL, 0);
        char *yaml = malloc((size_t)need + 1);
        if (!yaml) {
            fprintf(stderr, "ddad config: out of memory\n");
            rc = DDAD_EXIT_RUNTIME;
        } else {
            ddad_config_to_yaml(c, yaml, (size_t)need + 1);
            fputs(yaml, stdout);
            if (fflush(stdout)) {
                fprintf(stderr, "ddad config: cannot write the configuration to stdout\n");
                rc = DDAD_EXIT_RUNTIME;
            }
            free(yaml);
        }
    }
    free(c);
done:
    free(sets);
    return rc;
}
