/*
 * Scenario: the broker process is stopped with SIGSTOP for longer than
 * the publish time-out, then resumed with SIGCONT.  Its TCP connections
 * stay open, so handlers see time-outs rather than a lost connection,
 * and the broker stores what it received when it resumes.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "faults.h"
#include "../harness/pvt_http.h"

/* How long the broker stays stopped, at least: three publish time-outs. */
#define PAUSE_MS (3 * FAULT_PUBLISH_TIMEOUT_MS)

typedef struct pause_goal {
	pvt_load *load;
	long long since_ms;
} pause_goal;

/* Returns the status of GET /ballot/health. */
static int
health_status(const pvt_stack *web)
{
	pvt_http_request req = { "GET", "/ballot/health", NULL, NULL, NULL,
	    0 };
	pvt_http_response resp;
	int status;

	cr_assert(pvt_http_send(web->http_port, &req, 20000, &resp),
	    "no answer from the health route");
	status = resp.status;
	pvt_http_response_free(&resp);
	return status;
}

/* The pause has lasted PAUSE_MS and requests have timed out in it. */
static bool
pause_long_enough(void *arg)
{
	const pause_goal *goal = arg;
	pvt_load_stats stats;

	pvt_load_stats_get(goal->load, &stats);
	return pvt_now_ms() - goal->since_ms >= PAUSE_MS &&
	    stats.unavailable >= 4;
}

Test(faults, broker_paused, .timeout = 120)
{
	pvt_broker broker;
	pvt_stack web;
	pvt_load *load;
	pause_goal goal;

	load = fault_start_solo(&broker, &web, NULL);

	cr_assert(pvt_broker_pause(&broker));
	goal.load = load;
	goal.since_ms = pvt_now_ms();
	cr_assert(pvt_wait_until(pause_long_enough, &goal, 0,
	    FAULT_RECOVERY_TIMEOUT_MS), "requests did not time out while the "
	    "broker was stopped");

	/* A load balancer must see the stopped broker. */
	cr_expect_eq(health_status(&web), 503);
	cr_assert(pvt_broker_resume(&broker));
	fault_wait_recovered(load);

	fault_check(load, "broker paused", broker.url, "election", 0, true);

	fault_stop_solo(load, &web, &broker);
}
