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
#include <sys/syscall.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "../harness/pvt_fcgi.h"
#include "../harness/pvt_solo.h"
#include "../harness/pvt_suite.h"

#define WORKERS 4
#define WAIT_MS 5000

static pvt_solo solo;

static void
setup(void)
{
	cr_assert(pvt_solo_open(&solo, "fd-exhaustion"));
}

static void
teardown(void)
{
	pvt_solo_close(&solo);
}

/*
 * Skips the test under valgrind, which keeps descriptors of its own and
 * watches the limit.  Criterion runs no .fini after a skip, so the
 * directory is removed first.
 */
static void
skip_under_valgrind(void)
{
	pvt_solo_close(&solo);
	cr_skip_test("not under valgrind");
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
	return pvt_solo_log_contains(&solo, "handler.log", text);
}

/* Returns true when at least *least threads of the handler wait in accept(). */
static bool
workers_in_accept(void *least)
{
	char path[384], line[64];
	struct dirent *e;
	int waiting = 0;
	long call;
	FILE *f;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%ld/task", (long)solo.handler);
	d = opendir(path);
	if (d == NULL)
		return false;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%s/syscall",
		    (long)solo.handler, e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fgets(line, sizeof(line), f) != NULL) {
			call = strtol(line, NULL, 10);
			if (call == SYS_accept || call == SYS_accept4)
				waiting++;
		}
		fclose(f);
	}
	closedir(d);
	return waiting >= *(int *)least;
}

static bool
has_threads_at_least(void *least)
{
	return count_entries(solo.handler, "task") >= *(int *)least;
}

TestSuite(fd_exhaustion, .init = setup, .fini = teardown);

Test(fd_exhaustion, workers_survive_emfile)
{
	struct rlimit saved, tight;
	int threads = WORKERS + 1, workers = WORKERS, i;

	if (pvt_solo_valgrind())
		skip_under_valgrind();

	/*
	 * The main thread and every worker run, and every worker waits in
	 * accept() with its next number reserved, before the count.
	 */
	cr_assert(pvt_solo_serve(&solo, WORKERS));
	cr_assert(answers_404(), "handler did not start");
	cr_assert(pvt_wait_until(has_threads_at_least, &threads, solo.handler,
	    WAIT_MS), "%d threads", count_entries(solo.handler, "task"));
	threads = count_entries(solo.handler, "task");
	cr_assert(pvt_wait_until(workers_in_accept, &workers, solo.handler,
	    WAIT_MS), "not every worker waits in accept()");

	/*
	 * No descriptor left: each worker serves one request with the number
	 * it reserved, then meets EMFILE when it calls accept() again.
	 */
	cr_assert_eq(prlimit(solo.handler, RLIMIT_NOFILE, NULL, &saved), 0);
	tight.rlim_cur = limit_leaving(solo.handler, 0);
	tight.rlim_max = saved.rlim_max;
	cr_assert_eq(prlimit(solo.handler, RLIMIT_NOFILE, &tight, NULL), 0);
	for (i = 0; i < WORKERS; i++)
		cr_assert(answers_404(), "request %d at the limit", i);
	cr_expect(pvt_wait_until(log_contains, "Too many open files; trying "
	    "again", solo.handler, WAIT_MS), "no accept failure logged");

	/* Descriptors again: every worker serves requests. */
	cr_assert_eq(prlimit(solo.handler, RLIMIT_NOFILE, &saved, NULL), 0,
	    "the handler exited");
	for (i = 0; i < 2 * WORKERS; i++)
		cr_assert(answers_404(), "request %d after the shortage", i);
	cr_expect(pvt_wait_until(has_threads_at_least, &threads, solo.handler,
	    WAIT_MS), "%d threads before, %d after", threads,
	    count_entries(solo.handler, "task"));
	cr_expect(pvt_solo_end(&solo, WAIT_MS), "the handler did not exit "
	    "cleanly");
}
