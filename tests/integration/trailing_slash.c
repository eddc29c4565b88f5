/*
 * Every path works with and without a trailing slash: "/voter" and
 * "/voter/", "/election/opened" and "/election/opened/".
 */
#include <stdlib.h>

#include <criterion/criterion.h>

#include "../harness/pvt_suite.h"

/* Sends a valid event and checks it was accepted and stored once. */
static void
expect_stored(const char *method, const char *path, const char *event)
{
	char *body = pvt_json(event);
	pvt_stream_state before, after;
	pvt_http_response resp;

	before = pvt_suite_stream_state();
	pvt_suite_send_json(method, path, body, &resp);
	after = pvt_suite_stream_state();

	cr_expect_eq(resp.status, 200, "%s %s: status %d, body %s", method,
	    path, resp.status, resp.body);
	cr_expect_eq(after.messages, before.messages + 1,
	    "%s %s did not store the event", method, path);

	pvt_http_response_free(&resp);
	free(body);
}

Test(trailing_slash, aggregate_root_without_slash)
{
	expect_stored("POST", "/voter",
	    "{'id':'2c5d8e1f-7a3b-4c6d-9e0f-1a2b3c4d5e61',"
	    "'voter_id':'01HV6Z3R8Y5A0B9C7D2E4F6VT1',"
	    "'election_id':'01HV6Z3R8Y5A0B9C7D2E4F6G8H',"
	    "'name':'Grace Hopper','email':'grace@example.org'}");
}

Test(trailing_slash, aggregate_root_with_slash)
{
	expect_stored("POST", "/voter/",
	    "{'id':'2c5d8e1f-7a3b-4c6d-9e0f-1a2b3c4d5e62',"
	    "'voter_id':'01HV6Z3R8Y5A0B9C7D2E4F6VT2',"
	    "'election_id':'01HV6Z3R8Y5A0B9C7D2E4F6G8H',"
	    "'name':'Alan Turing','email':'alan@example.org'}");
}

Test(trailing_slash, event_path_without_slash)
{
	expect_stored("PUT", "/election/opened",
	    "{'id':'2c5d8e1f-7a3b-4c6d-9e0f-1a2b3c4d5e63',"
	    "'election_id':'01HV6Z3R8Y5A0B9C7D2E4F6G8H',"
	    "'open_date':'2025-06-01T08:00:00Z'}");
}

Test(trailing_slash, event_path_with_slash)
{
	expect_stored("PUT", "/election/opened/",
	    "{'id':'2c5d8e1f-7a3b-4c6d-9e0f-1a2b3c4d5e64',"
	    "'election_id':'01HV6Z3R8Y5A0B9C7D2E4F6G8H',"
	    "'open_date':'2025-06-01T08:00:00+00:00'}");
}
