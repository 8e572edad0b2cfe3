/* Ctrl-C or a kill during a long write removes the registered temporary files first. */
#ifndef DDAD_TOOLS_CLI_SIGNALS_H
#define DDAD_TOOLS_CLI_SIGNALS_H

void cli_cleanup_on_signal(void);   /* SIGINT, SIGTERM, SIGHUP */

#endif
