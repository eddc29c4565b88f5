/* The open-file limit of a handler process; see pv_fdlimit.h. */
#include "pv_fdlimit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

/* Descriptors looked at when /proc/self/fd cannot be read. */
#define PV_FDLIMIT_SCAN_MAX	65536

/*
 * Counts the open descriptors, those above the soft limit included (a
 * parent may have opened them under a higher one), or returns -1.
 */
static long
count_in_proc(void)
{
	struct dirent *e;
	long open = 0;
	DIR *d;

	d = opendir("/proc/self/fd");
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			open++;
	closedir(d);

	/* The directory's own descriptor was listed too. */
	return open - 1;
}

static rlim_t
count_open(void)
{
	struct rlimit rl;
	rlim_t fd, limit, open = 0;
	long counted = count_in_proc();

	if (counted >= 0)
		return (rlim_t)counted;
	limit = PV_FDLIMIT_SCAN_MAX;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_max != RLIM_INFINITY && rl.rlim_max < limit)
		limit = rl.rlim_max;
	for (fd = 0; fd < limit; fd++)
		if (fcntl((int)fd, F_GETFD) != -1)
			open++;
	return open;
}

pv_status
pv_fdlimit_ensure(int threads, rlim_t *raised_from, pv_error *err)
{
	struct rlimit rl;
	rlim_t open = count_open(), old;
	rlim_t needed = open + (rlim_t)threads + PV_FDLIMIT_SPARE;

	*raised_from = 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return pv_error_set(err, PV_ERR_INTERNAL, "getrlimit "
		    "RLIMIT_NOFILE failed: %s", strerror(errno));
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= needed)
		return PV_OK;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < needed)
		return pv_error_set(err, PV_ERR_CONFIG, "PHOTOVOTE_THREADS=%d "
		    "needs %llu open files (%llu open at start, one per "
		    "thread and %d more), but the hard open-file limit "
		    "(ulimit -Hn, RLIMIT_NOFILE) is %llu; raise the limit or "
		    "lower PHOTOVOTE_THREADS", threads,
		    (unsigned long long)needed, (unsigned long long)open,
		    PV_FDLIMIT_SPARE, (unsigned long long)rl.rlim_max);

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
