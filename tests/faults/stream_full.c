/*
 * Scenario: with two streams, the second one refuses new messages for a
 * while (full, discard policy "new") while the first keeps storing.
 * Each such request stores its event in the first stream and responds
 * with 503.  Once the second stream takes messages again, the retries
 * fill it, and the first stream must still hold each id once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "faults.h"

#include "../harness/pvt_auth.h"
#include "../harness/pvt_nats.h"

/* Returns the number of messages in stream. */
static uint64_t
stream_messages(const char *url, const char *stream)
{
	pvt_stream_state state;
	pvt_nats *nats;

	cr_assert(pvt_nats_open(&nats, url));
	cr_assert(pvt_stream_state_get(nats, stream, &state));
	pvt_nats_close(nats);
	return state.messages;
}

Test(faults, stream_full, .timeout = 120)
{
	pvt_broker broker;
	pvt_stack web;
	pvt_load *load;
	pvt_load_stats stats;
	uint64_t stored;
	char path[PVT_PATH_MAX + 32], *log;

	load = fault_start_solo(&broker, &web,
	    "PHOTOVOTE_STREAMS=election,audit");

	/* No request in flight, so that nothing is stored past the limit. */
	cr_assert(pvt_load_hold(load, true, FAULT_RECOVERY_TIMEOUT_MS),
	    "requests still in flight");
	cr_assert(pvt_stream_set_full(broker.url, "audit", true));
	pvt_load_hold(load, false, 0);
	cr_assert(pvt_load_wait_failed(load, 20, FAULT_RECOVERY_TIMEOUT_MS),
	    "no request failed while stream audit was full");

	/* No request gets 200 now, so the surplus was stored partially. */
	pvt_load_stats_get(load, &stats);
	stored = stream_messages(broker.url, "election");
	cr_expect_gt(stored, (uint64_t)stats.ok, "stream election holds %llu "
	    "ids for %d 200 answers: no partial failure happened",
	    (unsigned long long)stored, stats.ok);

	/* The log does not claim that such an event was not stored at all. */
	snprintf(path, sizeof(path), "%s/log/handlers.log", web.web_dir);
	log = pvt_auth_read_file(path);
	cr_assert_not_null(log, "cannot read %s", path);
	cr_expect_not_null(strstr(log, "the 1 stream(s) before it, of 2, "
	    "stored the event"), "%s", log);
	/* The broker's reason is kept: other limits share its error code. */
	cr_expect_not_null(strstr(log, "stream audit failed to store the "
	    "message: maximum messages exceeded"), "%s", log);
	free(log);

	cr_assert(pvt_stream_set_full(broker.url, "audit", false));
	fault_wait_recovered(load);

	fault_check(load, "stream full/election", broker.url, "election", 0,
	    true);
	fault_check(load, "stream full/audit", broker.url, "audit", 0, true);

	fault_stop_solo(load, &web, &broker);
}
