/*
 * Scenario: a load balancer's view.  The broker is stopped until a
 * publish times out, then resumed while no event arrives (the balancer
 * has taken the handler out of rotation).  The health route must report
 * the stall and then recover on its own, without a publish.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "faults.h"
#include "../harness/pvt_http.h"

static int
request_status(const pvt_stack *web, const char *method, const char *path,
	const char *body)
{
	pvt_http_request req = { method, path, body != NULL ?
	    "application/json" : NULL, NULL, body, body != NULL ?
	    strlen(body) : 0 };
	pvt_http_response resp;
	int status;

	cr_assert(pvt_http_send(web->http_port, &req, 20000, &resp),
	    "%s %s: no answer", method, path);
	status = resp.status;
	pvt_http_response_free(&resp);
	return status;
}

static bool
health_ok(void *arg)
{
	return request_status(arg, "GET", "/ballot/health", NULL) == 200;
}

Test(faults, health_recovers, .timeout = 120)
{
	static const char event[] = "{\"id\":\"7e8f9a0b-1c2d-4e3f-8a4b-"
	    "5c6d7e8f9a0b\",\"ballot_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6B4T\","
	    "\"election_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6G8H\"}";
	pvt_broker broker;
	pvt_stack web;

	fault_start_broker_web(&broker, &web);
	cr_assert(pvt_wait_until(health_ok, &web, 0, FAULT_START_TIMEOUT_MS),
	    "health never reported the broker up");

	/* A publish that times out marks the broker as stalled. */
	cr_assert(pvt_broker_pause(&broker));
	cr_expect_eq(request_status(&web, "POST", "/ballot/cast", event), 503);
	cr_expect_eq(request_status(&web, "GET", "/ballot/health", NULL), 503);

	/* Resumed, with no event sent: health alone must see it. */
	cr_assert(pvt_broker_resume(&broker));
	cr_expect(pvt_wait_until(health_ok, &web, 0, 10000),
	    "health still 503 after the broker resumed");

	pvt_stack_stop(&web);
	pvt_broker_free(&broker);
}
