/*
 * Scenario: the handlers start while no broker listens on their URL.
 * They respond with 503 until the broker starts, then serve without a
 * restart of lighttpd, and create the stream on the new broker.
 */
#include <criterion/criterion.h>

#include "faults.h"

Test(faults, broker_down_at_start, .timeout = 120)
{
	pvt_broker broker;
	pvt_stack web;
	pvt_load *load;

	cr_assert(pvt_broker_init(&broker, "solo"));
	fault_start_web(&web, broker.url, NULL);
	load = fault_start_load(&web);
	cr_assert(pvt_load_wait_failed(load, 20, FAULT_RECOVERY_TIMEOUT_MS),
	    "no request failed while the broker was down");

	cr_assert(pvt_broker_start(&broker));
	cr_assert(pvt_broker_wait_ready(&broker, FAULT_START_TIMEOUT_MS));
	fault_wait_recovered(load);

	fault_check(load, "broker down at start", broker.url, "election", 0,
	    true);

	pvt_load_free(load);
	pvt_stack_stop(&web);
	pvt_broker_free(&broker);
}
