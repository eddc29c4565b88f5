/*
 * The health route looks each bound stream up, so it returns 503 as soon
 * as the stream is deleted, before any publish notices.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "../harness/pvt_broker.h"
#include "../harness/pvt_fcgi.h"
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

TestSuite(health_stream_deleted, .init = setup, .fini = teardown);

Test(health_stream_deleted, deleted_stream_fails_health)
{
	char *out;

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
	free(out);
	cr_expect(pvt_solo_log_contains(&solo, "handler.log", "no longer "
	    "takes messages"), "the loss of the stream was not logged");

	cr_expect(pvt_solo_end(&solo, WAIT_MS), "the handler did not exit "
	    "cleanly");
}
