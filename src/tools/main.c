/* ddad: one executable, several subcommands. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "core/error.h"
#include "ddad_version.h"
#include "nn/threads.h"

typedef struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} subcommand;

static const subcommand SUBCOMMANDS[] = {
    {"prepare", cmd_prepare, "convert a Med-AD dataset folder into an HDF5 dataset file"},
    {"synth", cmd_synth, "make a synthetic OC-SSL dataset (demo and tests)"},
    {"info", cmd_info, "summarise a dataset or results file"},
    {"config", cmd_config, "validate a config and print the effective config"},
    {"run", cmd_run, "run the DDAD job (under mpirun or srun)"},
};
#define N_SUBCOMMANDS (sizeof SUBCOMMANDS / sizeof SUBCOMMANDS[0])

static void print_help(FILE *f)
{
    fprintf(f,
            "ddad %s: dual-distribution discrepancy anomaly detection (DDAD-ASR), distributed\n"
            "\n"
            "usage: ddad <command> [options]\n"
            "       ddad <command> --help\n"
            "\n"
            "commands:\n",
            DDAD_VERSION);
    for (size_t i = 0; i < N_SUBCOMMANDS; i++) fprintf(f, "  %-9s %s\n", SUBCOMMANDS[i].name, SUBCOMMANDS[i].summary);
    fprintf(f,
            "\n"
            "options:\n"
            "  -h, --help     this help\n"
            "  -V, --version  print the version and git revision\n"
            "\n"
            "Exit status: 0 success, 2 usage or input error, 1 runtime failure.\n"
            "Example:  mpirun -np 6 ddad run --config configs/demo.yaml\n");
}

int cmd_usage_error(const char *sub, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ddad %s: ", sub);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'ddad %s --help'.\n", sub);
    return DDAD_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    ddad_nn_single_blas_pool(argv);
    if (argc < 2) {
        print_help(stderr);
        return DDAD_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        print_help(stdout);
        return DDAD_EXIT_OK;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("ddad %s (git %s)\n", DDAD_VERSION, DDAD_GIT_REV);
        return DDAD_EXIT_OK;
    }
    for (size_t i = 0; i < N_SUBCOMMANDS; i++)
        if (!strcmp(cmd, SUBCOMMANDS[i].name)) return SUBCOMMANDS[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "ddad: unknown command '%s'\n\n", cmd);
    print_help(stderr);
    return DDAD_EXIT_USAGE;
}
