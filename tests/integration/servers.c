/*
 * Starts the servers once for the whole run, in the runner process,
 * before the first test, and stops them after the last one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/hooks.h>

#include "../harness/pvt_suite.h"

static pvt_stack stack;

/*
 * Runs after Criterion printed its synthesis and main returned, so the
 * counts stay visible while the exit status reports the failure.
 */
static void
exit_failure(void)
{
	fflush(NULL);
	_exit(EXIT_FAILURE);
}

ReportHook(PRE_ALL)(struct criterion_test_set *tests)
{
	(void)tests;
	pvt_reap_exited();
	stack.unreachable_route = true;
	if (!pvt_stack_start(&stack) || !pvt_suite_export(&stack)) {
		fprintf(stderr, "pvt: the servers did not start, so every "
		    "test will fail\n");
		return;
	}
	fprintf(stderr, "pvt: lighttpd on 127.0.0.1:%d, nats-server at %s\n",
	    stack.http_port, stack.nats_url);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	(void)stats;
	if (pvt_stack_stop(&stack) && pvt_reaped_count() == 0)
		return;

	fprintf(stderr, "pvt: the servers did not stop cleanly\n");

	/*
	 * No test can fail after the last one, so the exit status reports
	 * it: a server that exited during the run, or handler errors that
	 * valgrind reported at stop.
	 */
	if (stack.valgrind || pvt_reaped_count() > 0)
		atexit(exit_failure);
}
