/*
 * A handler process on a listening Unix socket of the test's own, as
 * spawn-fcgi or mod_fcgid start one, for tests that talk FastCGI to it
 * directly (pvt_fcgi) or signal it.  It publishes to the suite's broker.
 */
#ifndef PVT_SOLO_H
#define PVT_SOLO_H

#include <stdbool.h>
#include <sys/types.h>

#include "pvt_proc.h"

/* A temporary directory with the listening socket. */
typedef struct pvt_solo {
	char dir[PVT_PATH_MAX];
	char socket_path[PVT_PATH_MAX + 16];	/* <dir>/h.sock */
	int listener;				/* -1 when closed */
} pvt_solo;

/* Creates the directory and the listening socket; tag names the directory. */
bool pvt_solo_open(pvt_solo *solo, const char *tag);

/*
 * Starts voter.fcgi (from $PV_BUILD) with threads workers, the socket as
 * its descriptor 0 and its standard error in <dir>/<log_name>.  Returns
 * the pid, or -1.  The caller stops it, for example with SIGTERM and
 * pvt_solo_wait_exit.
 */
pid_t pvt_solo_start(const pvt_solo *solo, const char *log_name,
	int threads);

/*
 * Waits up to timeout_ms for pid to exit and returns its wait status; on
 * time-out kills it and returns -1.
 */
int pvt_solo_wait_exit(pid_t pid, int timeout_ms);

/*
 * Sends a request that a running handler answers without the broker
 * (POST /nowhere) and returns true when it answered 404.
 */
bool pvt_solo_answers_404(const pvt_solo *solo, int timeout_ms);

/* Closes the socket and removes the directory. */
void pvt_solo_close(pvt_solo *solo);

#endif
