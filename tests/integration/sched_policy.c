/*
 * A handler started under SCHED_OTHER runs every thread, nats.c's
 * included, under SCHED_BATCH, unless PHOTOVOTE_SCHED_BATCH=false keeps
 * SCHED_OTHER.  A policy the operator chose stays.  Each test first
 * stores an event, so that the connection's threads exist and have
 * served a publish.
 */
#define _GNU_SOURCE	/* SCHED_BATCH */

#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "../harness/pvt_fcgi.h"
#include "../harness/pvt_solo.h"
#include "../harness/pvt_suite.h"

#define WORKERS 2
#define WAIT_MS 5000

static pvt_solo solo;

static void
setup(void)
{
	cr_assert(pvt_solo_open(&solo, "sched-policy"));
}

static void
teardown(void)
{
	pvt_solo_close(&solo);
}

/*
 * Expects policy in every thread of the handler (the reset-on-fork flag
 * aside) and returns how many there are.
 */
static int
expect_policy(int policy)
{
	char path[64];
	struct dirent *e;
	int threads = 0, got;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%ld/task", (long)solo.handler);
	d = opendir(path);
	cr_assert_not_null(d, "%s", path);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		/* (Given a thread id, Linux returns that thread's policy.) */
		got = sched_getscheduler((pid_t)strtol(e->d_name, NULL, 10));
		if (got > 0)
			got &= ~SCHED_RESET_ON_FORK;
		cr_expect_eq(got, policy, "thread %s: policy %d", e->d_name,
		    got);
		threads++;
	}
	closedir(d);
	return threads;
}

/*
 * Starts the handler, stores the event with id digit and expects policy
 * in its main thread, its workers and at least three of nats.c's.
 */
static void
expect_policy_after_publish(int digit, int policy)
{
	int threads;

	cr_assert(pvt_solo_serve(&solo, WORKERS));
	pvt_solo_store_event(&solo, digit);
	threads = expect_policy(policy);
	cr_expect_geq(threads, 1 + WORKERS + 3, "%d threads", threads);
	cr_expect(pvt_solo_end(&solo, WAIT_MS), "the handler did not exit "
	    "cleanly");
}

TestSuite(sched_policy, .init = setup, .fini = teardown);

/* The runner's own policy must not decide the handler's. */
Test(sched_policy, batch_by_default)
{
	solo.start_policy = SCHED_OTHER;
	expect_policy_after_publish(1, SCHED_BATCH);
}

Test(sched_policy, other_when_disabled)
{
	snprintf(solo.setting, sizeof(solo.setting),
	    "PHOTOVOTE_SCHED_BATCH=false");
	solo.start_policy = SCHED_OTHER;
	expect_policy_after_publish(2, SCHED_OTHER);
}

Test(sched_policy, idle_policy_kept)
{
	solo.start_policy = SCHED_IDLE;
	expect_policy_after_publish(3, SCHED_IDLE);
}

/* chrt -R: SCHED_OTHER with the reset-on-fork flag, which stays set. */
Test(sched_policy, reset_on_fork_moves_to_batch)
{
	int main_policy;

	solo.start_policy = SCHED_OTHER | SCHED_RESET_ON_FORK;
	cr_assert(pvt_solo_serve(&solo, WORKERS));
	pvt_solo_store_event(&solo, 4);
	main_policy = sched_getscheduler(solo.handler);
	cr_expect_eq(main_policy, SCHED_BATCH | SCHED_RESET_ON_FORK,
	    "main thread: policy %d", main_policy);
	expect_policy(SCHED_BATCH);
	cr_expect(pvt_solo_end(&solo, WAIT_MS), "the handler did not exit "
	    "cleanly");
}
