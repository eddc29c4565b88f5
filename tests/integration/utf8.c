/*
 * Non-ASCII text is stored as raw UTF-8: "Zoë" arrives either raw or as
 * the escape \u00eb and is stored as the bytes 5a 6f c3 ab.  A body may
 * start with a UTF-8 byte order mark, which is not stored.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "../harness/pvt_suite.h"

static void
expect_name_stored(const char *event, const char *stored)
{
	char *body = pvt_json(event);
	char *expected = pvt_json(stored);
	pvt_stream_state before, after;
	pvt_http_response resp;
	pvt_stored msg;

	before = pvt_suite_stream_state();
	pvt_suite_send_json("POST", "/voter/", body, &resp);
	after = pvt_suite_stream_state();

	cr_assert_eq(resp.status, 200, "status %d, body %s", resp.status,
	    resp.body);
	cr_assert_eq(after.messages, before.messages + 1);
	pvt_suite_stored(after.last_seq, &msg);
	cr_expect_str_eq(msg.data, expected);
	cr_expect_not_null(strstr(msg.data, "\"Zo\xc3\xab\""),
	    "name not stored as raw UTF-8: %s", msg.data);

	pvt_stored_free(&msg);
	pvt_http_response_free(&resp);
	free(expected);
	free(body);
}

Test(utf8, raw_name_stored_raw)
{
	expect_name_stored(
	    "{'id':'4e5f6071-8a9b-4c0d-9e1f-2a3b4c5d6e70',"
	    "'voter_id':'01HV6Z3R8Y5A0B9C7D2E4F6VT4',"
	    "'election_id':'01HV6Z3R8Y5A0B9C7D2E4F6G8H',"
	    "'name':'Zo\xc3\xab','email':'zoe@example.org'}",
	    "{'id':'4e5f6071-8a9b-4c0d-9e1f-2a3b4c5d6e70',"
	    "'voter_id':'01HV6Z3R8Y5A0B9C7D2E4F6VT4',"
	    "'election_id':'01HV6Z3R8Y5A0B9C7D2E4F6G8H',"
	    "'name':'Zo\xc3\xab','email':'zoe@example.org'}");
}

Test(utf8, escaped_name_stored_raw)
{
	expect_name_stored(
	    "{'id':'4e5f6071-8a9b-4c0d-9e1f-2a3b4c5d6e71',"
	    "'voter_id':'01HV6Z3R8Y5A0B9C7D2E4F6VT5',"
	    "'election_id':'01HV6Z3R8Y5A0B9C7D2E4F6G8H',"
	    "'name':'Zo\\u00eb','email':'zoe2@example.org'}",
	    "{'id':'4e5f6071-8a9b-4c0d-9e1f-2a3b4c5d6e71',"
	    "'voter_id':'01HV6Z3R8Y5A0B9C7D2E4F6VT5',"
	    "'election_id':'01HV6Z3R8Y5A0B9C7D2E4F6G8H',"
	    "'name':'Zo\xc3\xab','email':'zoe2@example.org'}");
}

Test(utf8, byte_order_mark_not_stored)
{
	expect_name_stored(
	    "\xef\xbb\xbf{'id':'4e5f6071-8a9b-4c0d-9e1f-2a3b4c5d6e72',"
	    "'voter_id':'01HV6Z3R8Y5A0B9C7D2E4F6VT6',"
	    "'election_id':'01HV6Z3R8Y5A0B9C7D2E4F6G8H',"
	    "'name':'Zo\xc3\xab','email':'zoe3@example.org'}",
	    "{'id':'4e5f6071-8a9b-4c0d-9e1f-2a3b4c5d6e72',"
	    "'voter_id':'01HV6Z3R8Y5A0B9C7D2E4F6VT6',"
	    "'election_id':'01HV6Z3R8Y5A0B9C7D2E4F6G8H',"
	    "'name':'Zo\xc3\xab','email':'zoe3@example.org'}");
}
