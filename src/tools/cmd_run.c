/* Placeholder until this subcommand lands. */
#include <stdio.h>
#include "commands.h"
#include "core/error.h"
int cmd_run(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "ddad run: not available in this build yet\n");
    return DDAD_EXIT_RUNTIME;
}
