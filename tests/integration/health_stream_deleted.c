/*
 * The health route looks each bound stream up, so it returns 503 as soon
 * as the stream is deleted, before any publish notices.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "../harness/pvt_broker.h"
#include "../harness/pvt_fcgi.h"
#include "../harness/pvt_proc.h"
#include "../harness/pvt_solo.h"
#include "../harness/pvt_suite.h"

#define WAIT_MS 30000

static pvt_solo solo;
static char stream[32];

static void
setup(void)
{
	cr_assert(pvt_solo_open(&solo, "health-deleted"));
}

static void
teardown(void)
{
	pvt_solo_close(&solo);
}

/* Sends GET /voter/health; returns the response (caller frees). */
static char *
get_health(void)
{
	static const char *params[] = { "REQUEST_METHOD", "GET",
	    "REQUEST_URI", "/voter/health", "SCRIPT_NAME", "/voter",
	    "PATH_INFO", "/health", "GATEWAY_INTERFACE", "CGI/1.1", NULL };
	char *out = NULL;

	cr_assert(pvt_fcgi_request(solo.socket_path, params, "", 0, WAIT_MS,
	    &out));
	return out;
}

/*
 * Posts one event until it gets 200 or WAIT_MS pass.  For a second after
 * the loss, the handler returns 503 without creating the stream.
 */
static bool
post_until_stored(void)
{
	static const char event[] =
	    "{\"id\":\"5c4ed0a1-7a2b-4c8d-9e6f-0a1b2c3d4e60\","
	    "\"voter_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6VTR\","
	    "\"election_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6G8H\","
	    "\"name\":\"Ada\",\"email\":\"ada@example.org\"}";
	char length[16];
	const char *params[] = { "REQUEST_METHOD", "POST", "REQUEST_URI",
	    "/voter/", "SCRIPT_NAME", "/voter", "PATH_INFO", "/",
	    "GATEWAY_INTERFACE", "CGI/1.1", "CONTENT_TYPE",
	    "application/json", "CONTENT_LENGTH", length, NULL };
	const struct timespec pause = { 0, 50 * 1000 * 1000 };
	long long deadline = pvt_now_ms() + WAIT_MS;
	bool stored = false;
	char *out;

	snprintf(length, sizeof(length), "%zu", strlen(event));
	while (!stored && pvt_now_ms() < deadline) {
		out = NULL;
		cr_assert(pvt_fcgi_request(solo.socket_path, params, event,
		    strlen(event), WAIT_MS, &out));
		stored = strstr(out, "Status: 200") != NULL;
		free(out);
		if (!stored)
			nanosleep(&pause, NULL);
	}
	return stored;
}

TestSuite(health_stream_deleted, .init = setup, .fini = teardown);

Test(health_stream_deleted, deleted_stream_fails_health)
{
	char expected[96], *out;

	/* A stream of this run's own on the suite's broker. */
	snprintf(stream, sizeof(stream), "health_%ld", (long)getpid());
	snprintf(solo.setting, sizeof(solo.setting), "PHOTOVOTE_STREAMS=%s",
	    stream);
	cr_assert(pvt_solo_serve(&solo, 2));

	out = get_health();
	cr_expect(strstr(out, "Status: 200") != NULL, "before: %s", out);
	free(out);

	cr_assert(pvt_stream_delete(getenv(PVT_ENV_NATS_URL), stream));
	out = get_health();
	cr_expect(strstr(out, "Status: 503") != NULL, "after: %s", out);
	cr_expect(strstr(out, "Retry-After") != NULL, "after: %s", out);
	cr_expect(strstr(out, "was deleted; the first request 1000 ms after "
	    "that creates it again") != NULL, "after: %s", out);
	free(out);
	cr_expect(pvt_solo_log_contains(&solo, "handler.log", "no longer "
	    "takes messages"), "the loss of the stream was not logged");

	/* A publish creates it again, which warns that old events are gone. */
	cr_expect(post_until_stored(), "no event was stored again");
	snprintf(expected, sizeof(expected), "warning: created stream %s "
	    "again", stream);
	cr_expect(pvt_solo_log_contains(&solo, "handler.log", expected),
	    "the new stream was not logged as a warning");

	cr_expect(pvt_solo_end(&solo, WAIT_MS), "the handler did not exit "
	    "cleanly");
}
