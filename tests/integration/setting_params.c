/*
 * Request variables named like settings (nginx's fastcgi_param, Apache's
 * SetEnv) change nothing, and the handler logs one warning: a
 * PHOTOVOTE_MAX_BODY of 10 sent with a request does not make the
 * handler reject a larger event.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "../harness/pvt_fcgi.h"
#include "../harness/pvt_proc.h"
#include "../harness/pvt_solo.h"
#include "../harness/pvt_suite.h"

#define WAIT_MS 5000

static const char event[] =
    "{\"id\":\"3f0c5d1e-7a2b-4c8d-9e6f-0a1b2c3d4e71\","
    "\"voter_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6VTR\","
    "\"election_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6G8H\","
    "\"name\":\"Ada\",\"email\":\"ada@example.org\"}";

static pvt_solo solo;

static void
setup(void)
{
	cr_assert(pvt_solo_open(&solo, "setting-params"));
	cr_assert(pvt_solo_serve(&solo, 2));
}

static void
teardown(void)
{
	pvt_solo_close(&solo);
}

static bool
log_contains(void *text)
{
	return pvt_solo_log_contains(&solo, "handler.log", text);
}

TestSuite(setting_params, .init = setup, .fini = teardown);

Test(setting_params, ignored_and_warned)
{
	char length[16], *out = NULL;
	const char *params[] = { "REQUEST_METHOD", "POST", "REQUEST_URI",
	    "/voter/", "GATEWAY_INTERFACE", "CGI/1.1", "CONTENT_TYPE",
	    "application/json", "CONTENT_LENGTH", length,
	    "PHOTOVOTE_MAX_BODY", "10", "NATS_URL", "nats://elsewhere:1",
	    "PHOTOVOTE_UNKNOWN_SETTING_NO_1", "1",
	    "PHOTOVOTE_UNKNOWN_SETTING_NO_2", "2",
	    "PHOTOVOTE_UNKNOWN_SETTING_NO_3", "3",
	    "PHOTOVOTE_UNKNOWN_SETTING_NO_4", "4",
	    "PHOTOVOTE_UNKNOWN_SETTING_NO_5", "5", NULL };
	pvt_stream_state before = pvt_suite_stream_state(), after;

	snprintf(length, sizeof(length), "%zu", strlen(event));
	cr_assert(pvt_fcgi_request(solo.socket_path, params, event,
	    strlen(event), WAIT_MS, &out));
	cr_expect(strstr(out, "Status: 200") != NULL, "response: %s", out);
	free(out);
	after = pvt_suite_stream_state();
	cr_expect_eq(after.messages, before.messages + 1);

	cr_expect(pvt_wait_until(log_contains, "request variables "
	    "PHOTOVOTE_MAX_BODY, NATS_URL, PHOTOVOTE_UNKNOWN_SETTING_NO_1",
	    solo.handler, WAIT_MS));

	/* The list keeps whole names and marks the ones left out. */
	cr_expect(pvt_solo_log_contains(&solo, "handler.log",
	    "PHOTOVOTE_UNKNOWN_SETTING_NO_4, ... (such as nginx's "
	    "fastcgi_param or Apache's SetEnv set) are not settings"));
	cr_expect(pvt_solo_end(&solo, WAIT_MS), "the handler did not exit "
	    "cleanly");
}
