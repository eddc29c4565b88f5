/*
 * The open-file limit of a handler process.  On Linux, accept() takes
 * its descriptor number before it waits, so every worker thread waiting
 * for a request reserves one.  With RLIMIT_NOFILE close to
 * PHOTOVOTE_THREADS the broker connection then finds no descriptor, and
 * every request fails as if the broker were down.
 */
#ifndef PV_FDLIMIT_H
#define PV_FDLIMIT_H

#include <sys/resource.h>

#include "pv_status.h"

/*
 * Descriptors kept for the broker connection, the files read when it
 * connects (NATS_CREDS, NATS_CA, NATS_CERT, NATS_KEY), the syslog socket
 * and a reconnect, beyond the workers' and those open at start.
 */
#define PV_FDLIMIT_SPARE	8

/*
 * Raises the soft RLIMIT_NOFILE of the process when it is lower than the
 * descriptors open now plus one per worker of threads plus
 * PV_FDLIMIT_SPARE, and the hard limit allows; *raised_from is then the
 * old soft limit, otherwise 0.  Fails with PV_ERR_CONFIG when the hard
 * limit is too low, with the limit, the need and the remedy in err.
 */
pv_status pv_fdlimit_ensure(int threads, rlim_t *raised_from,
    pv_error *err);

#endif
