/* The subcommands of `ddad`. Each returns the process exit status (0, 1 or 2). */
#ifndef DDAD_TOOLS_COMMANDS_H
#define DDAD_TOOLS_COMMANDS_H

int cmd_prepare(int argc, char **argv);   /* ddad prepare medad --root DIR --out FILE.h5 */
int cmd_synth(int argc, char **argv);     /* ddad synth --out FILE.h5 [--preset demo|ci] */
int cmd_info(int argc, char **argv);      /* ddad info FILE.h5 */
int cmd_config(int argc, char **argv);    /* ddad config --config C.yaml [--set ...] */
int cmd_run(int argc, char **argv);       /* mpirun ... ddad run --config C.yaml */

/* Prints "ddad SUB: <msg>" and the hint to run --help; returns DDAD_EXIT_USAGE. */
int cmd_usage_error(const char *sub, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
