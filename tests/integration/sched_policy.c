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

/* A VoterRegistered event; each test gives it an id ending in its digit. */
static const char event_format[] =
    "{\"id\":\"5c4ed0a1-7a2b-4c8d-9e6f-0a1b2c3d4e5%d\","
    "\"voter_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6VTR\","
    "\"election_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6G8H\","
    "\"name\":\"Ada\",\"email\":\"ada@example.org\"}";

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

/* Posts the event with id digit to the handler and expects it stored. */
static void
store_event(int digit)
{
	static const char *params[] = { "REQUEST_METHOD", "POST",
	    "REQUEST_URI", "/voter/", "SCRIPT_NAME", "/voter", "PATH_INFO",
	    "/", "GATEWAY_INTERFACE", "CGI/1.1", "CONTENT_TYPE",
	    "application/json", "CONTENT_LENGTH", NULL, NULL };
	pvt_stream_state before = pvt_suite_stream_state(), after;
	char event[256], length[16], *out = NULL;

	snprintf(event, sizeof(event), event_format, digit);
	snprintf(length, sizeof(length), "%zu", strlen(event));
	params[13] = length;
	cr_assert(pvt_fcgi_request(solo.socket_path, params, event,
	    strlen(event), WAIT_MS, &out));
	after = pvt_suite_stream_state();
	cr_expect(strstr(out, "Status: 200") != NULL, "response: %s", out);
	cr_expect_eq(after.messages, before.messages + 1, "%llu -> %llu: %s",
	    (unsigned long long)before.messages,
	    (unsigned long long)after.messages, out);
	free(out);
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
	store_event(digit);
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
	store_event(4);
	main_policy = sched_getscheduler(solo.handler);
	cr_expect_eq(main_policy, SCHED_BATCH | SCHED_RESET_ON_FORK,
	    "main thread: policy %d", main_policy);
	expect_policy(SCHED_BATCH);
	cr_expect(pvt_solo_end(&solo, WAIT_MS), "the handler did not exit "
	    "cleanly");
}
