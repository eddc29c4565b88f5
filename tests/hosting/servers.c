/*
 * Starts the servers once for the whole run, in the runner process,
 * before the first test, and stops them after the last one.  They are
 * nats-server and lighttpd (pvt_stack), then Apache with mod_fcgid,
 * Apache with CGI, and nginx with the handlers under spawn-fcgi
 * (pvt_web), all publishing to the same stream.
 *
 * The servers are children of the runner, and Criterion stalls on a
 * child of another kind that exits, so the runner reaps them as they
 * exit (pvt_reap_exited).  A server that dies takes the rest of its
 * process group with it, so its tests fail, and the run's exit status
 * reports it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/hooks.h>

#include "../harness/pvt_suite.h"
#include "../harness/pvt_web.h"

static pvt_stack stack;
static pvt_web web;

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
	if (!pvt_stack_start(&stack) || !pvt_suite_export(&stack)) {
		fprintf(stderr, "pvt: nats-server and lighttpd did not start, "
		    "so every test will fail\n");
		return;
	}
	if (!pvt_web_start(&web, stack.nats_url) || !pvt_web_export(&web)) {
		fprintf(stderr, "pvt: Apache or nginx did not start, so their "
		    "tests will fail\n");
		return;
	}
	fprintf(stderr, "pvt: nats-server at %s; lighttpd on port %d, "
	    "apache-fcgid %d, apache-cgi %d, nginx %d\n", stack.nats_url,
	    stack.http_port, web.apache_fcgid_port, web.apache_cgi_port,
	    web.nginx_port);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	bool clean;

	(void)stats;
	clean = pvt_web_stop(&web);
	clean = pvt_stack_stop(&stack) && clean;
	if (!clean)
		fprintf(stderr, "pvt: the servers did not stop cleanly\n");

	/* No test can fail after the last one, so the exit status reports it. */
	if (pvt_reaped_count() > 0)
		atexit(exit_failure);
}
