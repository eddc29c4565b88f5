/*
 * A handler that runs out of file descriptors keeps all its workers:
 * accept() fails with EMFILE while the shortage lasts, the workers try
 * again, and they serve requests again once descriptors are free.
 *
 * (On Linux a worker blocked in accept() has already reserved the number
 * of its next descriptor, so the limit bites only once a worker has
 * served a request and calls accept() again.)
 */
#define _GNU_SOURCE	/* prlimit */

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "../harness/pvt_fcgi.h"
#include "../harness/pvt_solo.h"
#include "../harness/pvt_suite.h"

#define WORKERS 4
#define WAIT_MS 5000

static pvt_solo solo;
static pid_t handler = -1;

static void
setup(void)
{
	cr_assert(pvt_solo_open(&solo, "fd-exhaustion"));
}

static void
teardown(void)
{
	if (handler > 0) {
		kill(handler, SIGTERM);
		pvt_solo_wait_exit(handler, WAIT_MS);
	}
	pvt_solo_close(&solo);
}

/* Returns the number of entries in /proc/<pid>/<what>, "." and ".." aside. */
static int
count_entries(pid_t pid, const char *what)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%ld/%s", (long)pid, what);
	d = opendir(path);
	cr_assert_not_null(d, "%s", path);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/*
 * Returns the descriptor limit that leaves pid exactly free_slots unused
 * descriptor numbers (the kernel hands out the lowest free number below
 * the limit, and the handler's numbers have gaps).
 */
static rlim_t
limit_leaving(pid_t pid, int free_slots)
{
	char path[64];
	bool used[4096] = { false };
	struct dirent *e;
	long fd;
	int limit, free_below = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	d = opendir(path);
	cr_assert_not_null(d, "%s", path);
	while ((e = readdir(d)) != NULL) {
		fd = strtol(e->d_name, NULL, 10);
		if (e->d_name[0] != '.' && fd >= 0 && fd < 4096)
			used[fd] = true;
	}
	closedir(d);

	/* The limit is the number of the free descriptor after those left. */
	for (limit = 0; limit < 4096; limit++) {
		if (used[limit])
			continue;
		if (free_below == free_slots)
			return (rlim_t)limit;
		free_below++;
	}
	cr_assert_fail("no limit leaves %d descriptors", free_slots);
	return 0;
}

static bool
answers_404(void)
{
	return pvt_solo_answers_404(&solo, WAIT_MS);
}

static bool
log_contains(void *text)
{
	char path[PVT_PATH_MAX + 16], buf[8192];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/handler.log", solo.dir);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return strstr(buf, text) != NULL;
}

static bool
has_threads(void *expected)
{
	return count_entries(handler, "task") == *(int *)expected;
}

static bool
has_threads_at_least(void *least)
{
	return count_entries(handler, "task") >= *(int *)least;
}

TestSuite(fd_exhaustion, .init = setup, .fini = teardown);

Test(fd_exhaustion, workers_survive_emfile)
{
	struct rlimit saved, tight;
	int threads = WORKERS + 1, i;

	/* The main thread and every worker run before the count. */
	handler = pvt_solo_start(&solo, "handler.log", WORKERS);
	cr_assert_gt(handler, 0);
	cr_assert(answers_404(), "handler did not start");
	cr_assert(pvt_wait_until(has_threads_at_least, &threads, handler,
	    WAIT_MS), "%d threads", count_entries(handler, "task"));
	threads = count_entries(handler, "task");

	/*
	 * No descriptor left: each worker serves one request with the number
	 * it reserved, then meets EMFILE when it calls accept() again.
	 */
	cr_assert_eq(prlimit(handler, RLIMIT_NOFILE, NULL, &saved), 0);
	tight.rlim_cur = limit_leaving(handler, 0);
	tight.rlim_max = saved.rlim_max;
	cr_assert_eq(prlimit(handler, RLIMIT_NOFILE, &tight, NULL), 0);
	for (i = 0; i < WORKERS; i++)
		cr_assert(answers_404(), "request %d at the limit", i);
	cr_expect(pvt_wait_until(log_contains, "Too many open files; trying "
	    "again", handler, WAIT_MS), "no accept failure logged");

	/* Descriptors again: every worker serves requests. */
	cr_assert_eq(prlimit(handler, RLIMIT_NOFILE, &saved, NULL), 0,
	    "the handler exited");
	for (i = 0; i < 2 * WORKERS; i++)
		cr_assert(answers_404(), "request %d after the shortage", i);
	cr_expect(pvt_wait_until(has_threads, &threads, handler, WAIT_MS),
	    "%d threads before, %d after", threads,
	    count_entries(handler, "task"));
}
