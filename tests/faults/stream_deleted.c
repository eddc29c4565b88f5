/*
 * Scenario: the stream is deleted under load.  The handlers create it
 * again on their next publish.  Events answered 200 before the deletion
 * went with the old stream, so only events first sent after it must be
 * in the new one; nothing may be doubled or stored without a 200.
 */
#include <criterion/criterion.h>

#include "faults.h"

Test(faults, stream_deleted, .timeout = 120)
{
	pvt_broker broker;
	pvt_stack web;
	pvt_load *load;
	long long deleted_ms;

	load = fault_start_solo(&broker, &web, NULL);

	cr_assert(pvt_stream_delete(broker.url, "election"));
	deleted_ms = pvt_now_ms();
	fault_wait_recovered(load);

	fault_check(load, "stream deleted", broker.url, "election", deleted_ms,
	    true);

	fault_stop_solo(load, &web, &broker);
}
