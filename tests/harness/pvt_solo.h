/*
 * A handler process on a listening Unix socket of the test's own, as
 * spawn-fcgi or mod_fcgid start one, for tests that talk FastCGI to it
 * directly (pvt_fcgi) or signal it.  It publishes to the suite's broker.
 */
#ifndef PVT_SOLO_H
#define PVT_SOLO_H

#include <stdbool.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "pvt_proc.h"

/* A temporary directory with the listening socket. */
typedef struct pvt_solo {
	char dir[PVT_PATH_MAX];
	char socket_path[PVT_PATH_MAX + 16];	/* <dir>/h.sock */
	int listener;				/* -1 when closed */
	pid_t handler;				/* pvt_solo_serve's, or -1 */
	/*
	 * One more "NAME=value" for the handler, or "".  It replaces a
	 * default of the same name, such as PHOTOVOTE_ENV_FILE=/dev/null.
	 */
	char setting[PVT_PATH_MAX + 64];
	int start_policy;	/* sched(7) policy it starts under, or -1 */
	rlim_t fd_soft;		/* its RLIMIT_NOFILE soft limit, or 0 */
	rlim_t fd_hard;		/* its RLIMIT_NOFILE hard limit, or 0 */
} pvt_solo;

/* Creates the directory and the listening socket; tag names the directory. */
bool pvt_solo_open(pvt_solo *solo, const char *tag);

/* Returns true when PV_VALGRIND=1 requests the handlers under valgrind. */
bool pvt_solo_valgrind(void);

/*
 * Starts voter.fcgi (from $PV_BUILD) with threads workers,
 * solo->setting in its environment, solo->start_policy and the
 * descriptor limits solo->fd_soft and fd_hard, the socket as
 * its descriptor 0 and its standard error in <dir>/<log_name>, under
 * valgrind when pvt_solo_valgrind().  Returns the pid, or -1.  The caller
 * stops it with pvt_solo_stop or with a signal and pvt_solo_wait_exit.
 */
pid_t pvt_solo_start(const pvt_solo *solo, const char *log_name,
	int threads);

/*
 * Waits up to timeout_ms for pid to exit and returns its wait status; on
 * time-out kills it and returns -1.
 */
int pvt_solo_wait_exit(pid_t pid, int timeout_ms);

/*
 * Sends a request that a handler can reject without the broker (POST
 * /nowhere) and returns true when the response was 404.
 */
bool pvt_solo_answers_404(const pvt_solo *solo, int timeout_ms);

/*
 * Sends SIGTERM to the handler pid and waits up to timeout_ms.  Returns
 * true when it exited with status 0 (so no sanitizer or valgrind error
 * either); otherwise prints the ends of the logs in the directory.
 */
bool pvt_solo_stop(const pvt_solo *solo, pid_t pid, int timeout_ms);

/*
 * Starts the handler of a test that needs one (pvt_solo_start with log
 * handler.log) and keeps its pid in solo->handler.
 */
bool pvt_solo_serve(pvt_solo *solo, int threads);

/*
 * Stops solo->handler like pvt_solo_stop and sets it to -1; returns true
 * when it exited cleanly.  A test ends with it, because Criterion does
 * not count a failure in .fini.
 */
bool pvt_solo_end(pvt_solo *solo, int timeout_ms);

/*
 * Posts a VoterRegistered event with an id ending in digit to
 * solo->handler and expects 200 and one more message in the stream.
 */
void pvt_solo_store_event(const pvt_solo *solo, int digit);

/*
 * Writes text to the new file <dir>/<file_name> (mode 0600) and sets
 * solo->setting to "<name>=<that path>".  Returns the path (inside
 * solo->setting), or NULL when it does not fit or cannot be written.
 */
const char *pvt_solo_setting_file(pvt_solo *solo, const char *name,
	const char *file_name, const char *text);

/* Returns true when <dir>/<log_name> contains text. */
bool pvt_solo_log_contains(const pvt_solo *solo, const char *log_name,
	const char *text);

/* Copies the end of every log in the directory to stderr. */
void pvt_solo_print_logs(const pvt_solo *solo);

/* Stops solo->handler if it runs, closes the socket, removes the directory. */
void pvt_solo_close(pvt_solo *solo);

#endif
