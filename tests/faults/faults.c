/* Steps shared by the fault tests; see faults.h. */
#include <stdio.h>

#include <criterion/criterion.h>

#include "faults.h"

/* Load: at most 40 requests/s, new events for 12 s, 8 in flight. */
static const pvt_load_options load_options = {
	.rate = 40,
	.duration_ms = 12000,
	.workers = 8,
	.retry_pause_ms = 250,
	.retry_deadline_ms = 40000,
	.request_timeout_ms = 15000,
};

void
fault_start_web(pvt_stack *web, const char *nats_url, const char *extra_env)
{
	char env[256];

	snprintf(env, sizeof(env), "PHOTOVOTE_PUBLISH_TIMEOUT_MS=%d%s%s",
	    FAULT_PUBLISH_TIMEOUT_MS, extra_env != NULL ? " " : "",
	    extra_env != NULL ? extra_env : "");
	cr_assert(pvt_stack_start_web(web, nats_url, env),
	    "lighttpd did not start");
}

pvt_load *
fault_start_load_for(const pvt_stack *web, int duration_ms)
{
	pvt_load_options opts = load_options;
	pvt_load *load;

	opts.http_port = web->http_port;
	opts.duration_ms = duration_ms;
	cr_assert(pvt_load_start(&load, &opts), "the load did not start");
	return load;
}

pvt_load *
fault_start_load(const pvt_stack *web)
{
	return fault_start_load_for(web, load_options.duration_ms);
}

void
fault_start_broker_web(pvt_broker *broker, pvt_stack *web)
{
	cr_assert(pvt_broker_init(broker, "solo"));
	cr_assert(pvt_broker_start(broker));
	cr_assert(pvt_broker_wait_ready(broker, FAULT_START_TIMEOUT_MS));
	fault_start_web(web, broker->url, NULL);
}

pvt_load *
fault_start_solo(pvt_broker *broker, pvt_stack *web, const char *extra_env)
{
	pvt_load *load;

	cr_assert(pvt_broker_init(broker, "solo"));
	cr_assert(pvt_broker_start(broker));
	cr_assert(pvt_broker_wait_ready(broker, FAULT_START_TIMEOUT_MS));
	fault_start_web(web, broker->url, extra_env);
	load = fault_start_load(web);
	fault_wait_recovered(load);
	return load;
}

void
fault_stop_solo(pvt_load *load, pvt_stack *web, pvt_broker *broker)
{
	pvt_load_free(load);
	pvt_stack_stop(web);
	pvt_broker_free(broker);
}

void
fault_wait_recovered(pvt_load *load)
{
	pvt_load_stats before, after;
	bool recovered;

	pvt_load_stats_get(load, &before);
	recovered = pvt_load_wait_ok(load, before.ok + FAULT_OK_BATCH,
	    FAULT_RECOVERY_TIMEOUT_MS);

	/* The clients' results during the wait separate a stall from errors. */
	pvt_load_stats_get(load, &after);
	cr_assert(recovered, "fewer than %d events answered 200 within %d ms: "
	    "meanwhile %d answered 200, %d 503, %d another status, %d no "
	    "answer", FAULT_OK_BATCH, FAULT_RECOVERY_TIMEOUT_MS,
	    after.ok - before.ok, after.unavailable - before.unavailable,
	    after.other - before.other, after.unanswered - before.unanswered);
}

void
fault_check(pvt_load *load, const char *scenario, const char *nats_url,
	const char *stream, long long since_ms, bool broker_fault)
{
	pvt_load_stats stats;
	pvt_load_check check;

	pvt_load_finish(load);
	pvt_load_stats_get(load, &stats);
	cr_assert(pvt_load_check_stream(load, nats_url, stream, since_ms,
	    &check), "stream %s could not be read", stream);
	pvt_load_report(scenario, &stats, &check);

	cr_expect_eq(check.lost, 0, "%s: %d ids answered 200 are not in "
	    "stream %s", scenario, check.lost, stream);
	cr_expect_eq(check.doubled, 0, "%s: stream %s holds %d extra copies",
	    scenario, stream, check.doubled);
	cr_expect_eq(check.unconfirmed, 0, "%s: stream %s holds %d ids never "
	    "answered 200", scenario, stream, check.unconfirmed);
	cr_expect_eq(stats.unanswered, 0, "%s: %d requests got no answer",
	    scenario, stats.unanswered);
	cr_expect_eq(stats.events_given_up, 0, "%s: %d events never got 200",
	    scenario, stats.events_given_up);
	cr_expect_eq(stats.unavailable_bad, 0, "%s: %d 503s without "
	    "Retry-After or JSON detail", scenario, stats.unavailable_bad);
	if (!broker_fault)
		return;
	cr_expect_eq(stats.other, 0, "%s: %d answers were neither 200 nor "
	    "503", scenario, stats.other);
}
