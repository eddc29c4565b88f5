/*
 * Scenario: the handlers start while no broker listens on their URL.
 * They respond with 503 until the broker starts, then serve without a
 * restart of lighttpd, create the stream on the new broker, and log how
 * many failures they held back from the log.
 */
#include <stdio.h>

#include <criterion/criterion.h>

#include "faults.h"

#include "../harness/pvt_auth.h"

Test(faults, broker_down_at_start, .timeout = 120)
{
	pvt_broker broker;
	pvt_stack web;
	pvt_load *load;
	char path[PVT_PATH_MAX + 32];

	cr_assert(pvt_broker_init(&broker, "solo"));
	fault_start_web(&web, broker.url, NULL);
	load = fault_start_load(&web);
	/* More failures than the log prints of one kind (5 per process). */
	cr_assert(pvt_load_wait_failed(load, 40, FAULT_RECOVERY_TIMEOUT_MS),
	    "too few requests failed while the broker was down");

	cr_assert(pvt_broker_start(&broker));
	cr_assert(pvt_broker_wait_ready(&broker, FAULT_START_TIMEOUT_MS));
	fault_wait_recovered(load);

	/*
	 * The failures held back from the log are counted once the process
	 * connects.  The process that failed most may connect one reconnect
	 * wait later than the other, which may have served the 200s above.
	 */
	snprintf(path, sizeof(path), "%s/log/handlers.log", web.web_dir);
	cr_expect(pvt_auth_wait_file(path, "suppressed ",
	    FAULT_START_TIMEOUT_MS), "no count of held-back failures in %s",
	    path);

	fault_check(load, "broker down at start", broker.url, "election", 0,
	    true);

	pvt_load_free(load);
	pvt_stack_stop(&web);
	pvt_broker_free(&broker);
}
