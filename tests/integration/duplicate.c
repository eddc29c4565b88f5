/*
 * An event sent twice with the same id within the duplicate window is
 * answered with 200 both times and stored once (JetStream drops the second
 * publish by its Nats-Msg-Id).
 */
#include <stdlib.h>

#include <criterion/criterion.h>

#include "../harness/pvt_suite.h"

static const char event[] =
    "{'id':'0b7e9a52-3c1d-4f6e-8a90-1d2c3b4a5f60',"
    "'election_id':'01HV6Z3R8Y5A0B9C7D2E4F6G8H',"
    "'name':'Duplicate Contest'}";

Test(duplicate, second_send_stored_once)
{
	char *body = pvt_json(event);
	pvt_stream_state before, after_first, after_second;
	pvt_http_response first, second;
	pvt_stored msg;

	before = pvt_suite_stream_state();
	pvt_suite_send_json("PUT", "/election/name-changed", body, &first);
	after_first = pvt_suite_stream_state();
	pvt_suite_send_json("PUT", "/election/name-changed", body, &second);
	after_second = pvt_suite_stream_state();

	cr_expect_eq(first.status, 200, "first send: status %d, body %s",
	    first.status, first.body);
	cr_expect_str_eq(first.body, "{}");
	cr_expect_eq(second.status, 200, "second send: status %d, body %s",
	    second.status, second.body);
	cr_expect_str_eq(second.body, "{}");
	cr_expect_eq(after_first.messages, before.messages + 1);
	cr_expect_eq(after_second.messages, after_first.messages);
	cr_expect_eq(after_second.last_seq, after_first.last_seq);

	pvt_suite_stored(after_second.last_seq, &msg);
	cr_expect_str_eq(msg.msg_id ? msg.msg_id : "(none)",
	    "0b7e9a52-3c1d-4f6e-8a90-1d2c3b4a5f60");

	pvt_stored_free(&msg);
	pvt_http_response_free(&first);
	pvt_http_response_free(&second);
	free(body);
}
