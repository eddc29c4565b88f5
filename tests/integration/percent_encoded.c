/*
 * Paths with "%XX" escapes route as their decoded form, as in the old
 * service: "/election/%6Fpened" is "/election/opened".  A '%' without two
 * hex digits stays as it is, so such a path is not found.
 */
#include <stdlib.h>

#include <criterion/criterion.h>

#include "../harness/pvt_suite.h"

Test(percent_encoded, escaped_event_path_stored)
{
	char *body = pvt_json("{'id':'2c5d8e1f-7a3b-4c6d-9e0f-1a2b3c4d5e71',"
	    "'election_id':'01HV6Z3R8Y5A0B9C7D2E4F6G8H',"
	    "'open_date':'2025-06-01T08:00:00Z'}");
	pvt_stream_state before, after;
	pvt_http_response resp;
	pvt_stored msg;

	before = pvt_suite_stream_state();
	pvt_suite_send_json("PUT", "/election/%6Fpened", body, &resp);
	after = pvt_suite_stream_state();

	cr_assert_eq(resp.status, 200, "status %d, body %s", resp.status,
	    resp.body);
	cr_assert_eq(after.messages, before.messages + 1);
	pvt_suite_stored(after.last_seq, &msg);
	cr_expect_str_eq(msg.event_type,
	    "PhotoVote.Event.Election.ElectionOpened");

	pvt_stored_free(&msg);
	pvt_http_response_free(&resp);
	free(body);
}

Test(percent_encoded, broken_escape_not_found)
{
	pvt_http_response resp;

	pvt_suite_send_rejected("PUT", "/election/opened%2", "application/json",
	    "{}", &resp);

	cr_expect_eq(resp.status, 404, "status %d", resp.status);
	cr_expect_str_eq(resp.body, "{\"detail\":\"Not Found\"}");

	pvt_http_response_free(&resp);
}
