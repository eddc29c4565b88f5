/*
 * The command line of a handler executable, for operators at a terminal:
 * --help, --version, --check and --validate.
 */
#ifndef PV_CLI_H
#define PV_CLI_H

#include "pv_handler.h"

/* Exit statuses, as in sysexits.h. */
#define PV_EXIT_OK		0
#define PV_EXIT_USAGE		64
#define PV_EXIT_DATAERR		65
#define PV_EXIT_NOINPUT		66
#define PV_EXIT_UNAVAILABLE	69
#define PV_EXIT_SOFTWARE	70
#define PV_EXIT_CONFIG		78

#define PV_VERSION "0.1.0"

/*
 * Carries out the options in argv (envp is the environment, for --check).
 * Returns -1 when there are none and the process is to serve requests,
 * otherwise the exit status.
 */
int pv_cli_run(const pv_aggregate *agg, int argc, char **argv,
	char *const *envp);

#endif
