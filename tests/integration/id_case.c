/*
 * Ids are case-insensitive: the broker sees a UUID in lower case and a
 * ULID in upper case, so the subject and the de-duplication key do not
 * depend on how a client spells an id, while the body keeps it as sent.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "../harness/pvt_suite.h"

static const char lower_ids[] =
    "{'id':'5A6B7C8D-9E0F-4A1B-8C2D-3E4F5A6B7C8D',"
    "'election_id':'01hv6z3r8y5a0b9c7d2e4f6c45',"
    "'name':'Case Contest'}";
static const char upper_ids[] =
    "{'id':'5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d',"
    "'election_id':'01HV6Z3R8Y5A0B9C7D2E4F6C45',"
    "'name':'Case Contest'}";

Test(id_case, subject_and_msg_id_canonical)
{
	char *body = pvt_json(lower_ids);
	pvt_stream_state after;
	pvt_http_response resp;
	pvt_stored msg;

	pvt_suite_send_json("PUT", "/election/name-changed", body, &resp);
	after = pvt_suite_stream_state();
	cr_assert_eq(resp.status, 200, "status %d, body %s", resp.status,
	    resp.body);

	pvt_suite_stored(after.last_seq, &msg);
	cr_expect_str_eq(msg.subject, "election.01HV6Z3R8Y5A0B9C7D2E4F6C45."
	    "election.ElectionNameChanged");
	cr_expect_str_eq(msg.msg_id ? msg.msg_id : "(none)",
	    "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d");
	cr_expect_not_null(strstr(msg.data,
	    "\"election_id\":\"01hv6z3r8y5a0b9c7d2e4f6c45\""),
	    "body changed the id: %s", msg.data);

	pvt_stored_free(&msg);
	pvt_http_response_free(&resp);
	free(body);
}

Test(id_case, other_case_is_duplicate)
{
	char *first = pvt_json(lower_ids), *second = pvt_json(upper_ids);
	pvt_stream_state before, after;
	pvt_http_response resp1, resp2;

	pvt_suite_send_json("PUT", "/election/name-changed", first, &resp1);
	before = pvt_suite_stream_state();
	pvt_suite_send_json("PUT", "/election/name-changed", second, &resp2);
	after = pvt_suite_stream_state();

	cr_expect_eq(resp1.status, 200);
	cr_expect_eq(resp2.status, 200);
	cr_expect_eq(after.messages, before.messages,
	    "the same id in another case was stored again");

	pvt_http_response_free(&resp1);
	pvt_http_response_free(&resp2);
	free(first);
	free(second);
}
