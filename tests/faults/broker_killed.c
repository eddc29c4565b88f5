/*
 * Scenario: the broker is killed with SIGKILL under load and restarted
 * on the same port and store directory.  Events are published to two
 * streams, so a kill between the two acknowledgements leaves one stream
 * without the event until the client's retry.
 */
#include <criterion/criterion.h>

#include "faults.h"

Test(faults, broker_killed, .timeout = 120)
{
	pvt_broker broker;
	pvt_stack web;
	pvt_load *load;

	load = fault_start_solo(&broker, &web,
	    "PHOTOVOTE_STREAMS=election,audit");

	cr_assert(pvt_broker_kill(&broker));
	cr_assert(pvt_load_wait_failed(load, 10, FAULT_RECOVERY_TIMEOUT_MS),
	    "no request failed while the broker was down");
	cr_assert(pvt_broker_start(&broker));
	cr_assert(pvt_broker_wait_ready(&broker, FAULT_START_TIMEOUT_MS));
	fault_wait_recovered(load);

	fault_check(load, "broker killed/election", broker.url, "election", 0,
	    true);
	fault_check(load, "broker killed/audit", broker.url, "audit", 0, true);

	fault_stop_solo(load, &web, &broker);
}
