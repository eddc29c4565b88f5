/*
 * Request headers never choose what is published: headers named like the
 * message headers (Event-Type, Nats-Msg-Id, Producer), or like a route
 * or subject, change nothing in the stored message, through any server.
 * The route alone sets the event type, and the event's id the message id.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "../harness/pvt_hosting.h"
#include "../harness/pvt_suite.h"

#define SCENARIO 4

/* Headers a client might hope to publish with, one line each. */
#define SPOOFED_HEADERS \
	"Event-Type: PhotoVote.Event.Ballot.BallotCast\r\n" \
	"X-Event-Type: Ballot.BallotCast\r\n" \
	"Nats-Msg-Id: 00000000-0000-4000-8000-000000000000\r\n" \
	"Nats-Expected-Stream: other\r\n" \
	"Producer: ballot-00000000-0000-4000-8000-000000000000\r\n" \
	"Subject: election.01HV6Z3R8Y5A0B9C7D2E4F6G8H.ballot.BallotCast\r\n" \
	"X-Original-URL: /ballot/cast\r\n" \
	"X-Rewrite-URL: /ballot/cast\r\n" \
	"Script-Name: /ballot\r\n" \
	"Path-Info: /cast\r\n"

ParameterizedTestParameters(hosting_request_headers, ignored)
{
	return cr_make_param_array(pvt_server, pvt_hosting_servers,
	    PVT_SERVER_COUNT);
}

ParameterizedTest(pvt_server *server, hosting_request_headers, ignored)
{
	char id[40], *event, *stored;
	pvt_stream_state before, after;
	pvt_http_response resp;
	pvt_stored msg;

	pvt_hosting_event_id(id, SCENARIO, *server, 0);
	event = pvt_hosting_voter_event(id);
	stored = pvt_hosting_voter_stored(id);
	pvt_http_request req = {
		.method = "POST", .path = "/voter/",
		.content_type = "application/json",
		.extra_headers = SPOOFED_HEADERS,
		.body = event, .body_len = strlen(event),
	};

	before = pvt_suite_stream_state();
	pvt_hosting_send(*server, &req, &resp);
	after = pvt_suite_stream_state();

	cr_assert_eq(resp.status, 200, "through %s: status %d, body %s",
	    pvt_server_name(*server), resp.status, resp.body);
	cr_assert_eq(after.messages, before.messages + 1);
	pvt_suite_stored(after.last_seq, &msg);
	cr_expect_str_eq(msg.subject, PVT_STREAM
	    ".01HV6Z3R8Y5A0B9C7D2E4F6G8H.voter.VoterRegistered");
	cr_expect_str_eq(msg.event_type ? msg.event_type : "(none)",
	    "PhotoVote.Event.Voter.VoterRegistered");
	cr_expect_str_eq(msg.msg_id ? msg.msg_id : "(none)", id);
	cr_expect(msg.producer != NULL &&
	    strncmp(msg.producer, "voter-", 6) == 0,
	    "Producer is %s", msg.producer ? msg.producer : "(none)");
	cr_expect_str_eq(msg.data, stored);

	pvt_stored_free(&msg);
	pvt_http_response_free(&resp);
	free(stored);
	free(event);
}
