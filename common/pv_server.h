/*
 * The main program of every handler executable.
 *
 * Started by a web server with a listening socket on descriptor 0, it
 * serves FastCGI requests on cfg->threads worker threads until SIGTERM,
 * SIGUSR1, SIGINT or SIGHUP, finishing the requests in hand before it
 * exits.
 * Started as a CGI program (descriptor 0 is no socket and
 * GATEWAY_INTERFACE is set), it handles the one request in its
 * environment and exits.  Run from a terminal with
 * options, it carries them out (pv_cli.h).
 */
#ifndef PV_SERVER_H
#define PV_SERVER_H

#include "pv_handler.h"

/* Runs aggregate's handler; returns the process exit status. */
int pv_server_main(const pv_aggregate *aggregate, int argc, char **argv);

#endif
