/* The open-file limit of a handler process; see pv_fdlimit.h. */
#include "pv_fdlimit.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

/* Descriptors looked at when counting the open ones. */
#define PV_FDLIMIT_SCAN_MAX	65536

/* Counts the descriptors open below limit (at most PV_FDLIMIT_SCAN_MAX). */
static rlim_t
count_open(rlim_t limit)
{
	rlim_t fd, open = 0;

	if (limit == RLIM_INFINITY || limit > PV_FDLIMIT_SCAN_MAX)
		limit = PV_FDLIMIT_SCAN_MAX;
	for (fd = 0; fd < limit; fd++)
		if (fcntl((int)fd, F_GETFD) != -1)
			open++;
	return open;
}

rlim_t
pv_fdlimit_needed(int threads)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		rl.rlim_cur = PV_FDLIMIT_SCAN_MAX;
	return count_open(rl.rlim_cur) + (rlim_t)threads + PV_FDLIMIT_SPARE;
}

pv_status
pv_fdlimit_ensure(int threads, rlim_t *raised_from, pv_error *err)
{
	struct rlimit rl;
	rlim_t needed = pv_fdlimit_needed(threads), old;

	*raised_from = 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return pv_error_set(err, PV_ERR_INTERNAL, "getrlimit "
		    "RLIMIT_NOFILE failed: %s", strerror(errno));
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= needed)
		return PV_OK;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < needed)
		return pv_error_set(err, PV_ERR_CONFIG, "PHOTOVOTE_THREADS=%d "
		    "needs %llu open files, but the open-file limit (ulimit "
		    "-n, RLIMIT_NOFILE) is %llu, at most %llu; raise the limit "
		    "or lower PHOTOVOTE_THREADS", threads,
		    (unsigned long long)needed,
		    (unsigned long long)rl.rlim_cur,
		    (unsigned long long)rl.rlim_max);

	/* The soft limit may rise up to the hard one without privileges. */
	old = rl.rlim_cur;
	rl.rlim_cur = needed;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		return pv_error_set(err, PV_ERR_INTERNAL, "setrlimit "
		    "RLIMIT_NOFILE to %llu failed: %s",
		    (unsigned long long)needed, strerror(errno));
	*raised_from = old;
	return PV_OK;
}
