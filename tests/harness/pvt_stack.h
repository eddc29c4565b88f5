/*
 * The servers under test: a nats-server with JetStream and a lighttpd
 * running the handlers with a configuration generated from
 * lighttpd.conf.sample.  Each server gets its own temporary directory,
 * removed when the stack stops.
 *
 * The stack reads PV_BUILD (absolute directory of the *.fcgi) and
 * PV_SOURCE (repository root) from the environment.  With PV_VALGRIND=1
 * the handlers run under valgrind and its reports are kept in a
 * directory that pvt_stack_stop names.
 */
#ifndef PVT_STACK_H
#define PVT_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "pvt_proc.h"

/* Stream the generated configuration names in PHOTOVOTE_STREAMS. */
#define PVT_STREAM "election"

typedef struct pvt_stack {
	char nats_dir[PVT_PATH_MAX];	/* JetStream store and server log */
	char web_dir[PVT_PATH_MAX];	/* config, sockets, logs, document root */
	char nats_url[256];		/* one URL, or several comma-separated */
	int nats_port;
	int http_port;
	bool valgrind;
	pid_t nats_pid;
	pid_t lighttpd_pid;
	char handler_env[256];		/* "NAME=value ..." or empty */
	bool unreachable_route;		/* add PVT_UNREACHABLE_PATH */
} pvt_stack;

/*
 * Path prefix that a stack with unreachable_route set sends to a FastCGI
 * socket that nothing listens on, so that lighttpd responds 503 itself.
 */
#define PVT_UNREACHABLE_PATH "/unreachable"

/* One "var.NAME = VALUE" line of the sample to replace. */
typedef struct pvt_config_var {
	const char *name;	/* "port" for var.port */
	const char *value;	/* the value as text */
	bool quoted;		/* write value as a lighttpd string */
} pvt_config_var;

/*
 * Copies the sample at sample_path to out_path, replacing each line that
 * starts with "var.NAME =" (spaces around "=" optional) for every entry
 * of vars.  Fails when a var matches no line or more than one, or a
 * quoted value contains '"' or '\\'.
 */
bool pvt_config_generate(const char *sample_path, const char *out_path,
	const pvt_config_var *vars, size_t count);

/*
 * Starts nats-server, then lighttpd, each waited for with a deadline.
 * It clears every field of stack except unreachable_route.
 * On failure prints the servers' logs, stops what started and returns
 * false.
 */
bool pvt_stack_start(pvt_stack *stack);

/*
 * Starts lighttpd alone, for a broker that the caller runs (or has not
 * started yet): the handlers connect to nats_url.  handler_env (NULL for
 * none) holds space-separated NAME=value settings that env(1) sets for
 * each handler, over the sample's handler_environment, such as
 * "PHOTOVOTE_PUBLISH_TIMEOUT_MS=1000 PHOTOVOTE_STREAMS=a,b".  Stop it
 * with pvt_stack_stop, which leaves the caller's broker alone.  Like
 * pvt_stack_start, it keeps only unreachable_route of stack.
 */
bool pvt_stack_start_web(pvt_stack *stack, const char *nats_url,
	const char *handler_env);

/* Prints the ends of lighttpd's output, error log and handlers' log. */
void pvt_stack_print_logs(const pvt_stack *stack);

/*
 * Stops lighttpd, then nats-server, and removes their directories.
 * Returns false when a server had to be killed or, under valgrind, when
 * a handler reported errors (its logs are then kept).
 */
bool pvt_stack_stop(pvt_stack *stack);

#endif
