/*
 * Request bodies whose length is missing, wrong or over a limit, through
 * every server.  Whatever a server passes on ends in a 4xx (or, where
 * the server itself gives up, its own error or a closed connection) and
 * never stores an event, empty or cut short.
 *
 * The expected status of each case and server was read from lighttpd
 * 1.4.69, Apache 2.4 with mod_fcgid 2.3.9 and mod_cgid, and nginx 1.22
 * on Debian 12; 0 means the server closes the connection without a
 * response.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "../harness/pvt_hosting.h"
#include "../harness/pvt_suite.h"

#define SCENARIO 3

enum length_case {
	SHORTER_THAN_BODY,	/* Content-Length ends inside the event */
	LONGER_THAN_BODY,	/* 20 bytes missing, then EOF */
	NO_LENGTH,		/* HTTP/1.1, no Content-Length, a body */
	NO_LENGTH_HTTP10,	/* HTTP/1.0, no Content-Length, a body */
	ONE_OVER_MAX_BODY,	/* 65537 bytes */
	OVER_OUTER_LIMIT,	/* 2 MiB, over every server's own limit */
	CASE_COUNT
};

static const char *const case_names[CASE_COUNT] = {
	"Content-Length shorter than the body",
	"Content-Length longer than the body",
	"no Content-Length", "no Content-Length over HTTP/1.0",
	"body one byte over PHOTOVOTE_MAX_BODY", "body of 2 MiB",
};

/* Expected status per case and server (lighttpd, apache-fcgid,
 * apache-cgi, nginx). */
static const int expected[CASE_COUNT][PVT_SERVER_COUNT] = {
	[SHORTER_THAN_BODY] =	{ 422, 422, 422, 422 },
	[LONGER_THAN_BODY] =	{ 0, 500, 400, 0 },
	[NO_LENGTH] =		{ 411, 422, 411, 411 },
	[NO_LENGTH_HTTP10] =	{ 411, 422, 411, 411 },
	[ONE_OVER_MAX_BODY] =	{ 413, 413, 413, 413 },
	[OVER_OUTER_LIMIT] =	{ 413, 500, 413, 413 },
};

ParameterizedTestParameters(hosting_content_length, outcome)
{
	return pvt_hosting_indexes(CASE_COUNT * PVT_SERVER_COUNT);
}

/*
 * Builds "POST /voter/" with the given protocol, Content-Length header
 * (length < 0 for none) and body padded with spaces to body_size bytes.
 */
static char *
build(const char *protocol, long length, const char *event, size_t body_size,
	size_t *len)
{
	size_t event_len = strlen(event), head_len;
	char head[256], *request;

	cr_assert_geq(body_size, event_len);
	if (length >= 0)
		snprintf(head, sizeof(head), "POST /voter/ %s\r\nHost: "
		    "127.0.0.1\r\nConnection: close\r\nContent-Type: "
		    "application/json\r\nContent-Length: %ld\r\n\r\n",
		    protocol, length);
	else
		snprintf(head, sizeof(head), "POST /voter/ %s\r\nHost: "
		    "127.0.0.1\r\nConnection: close\r\nContent-Type: "
		    "application/json\r\n\r\n", protocol);
	head_len = strlen(head);

	request = malloc(head_len + body_size + 1);
	cr_assert_not_null(request);
	memcpy(request, head, head_len);
	memcpy(request + head_len, event, event_len);
	memset(request + head_len + event_len, ' ', body_size - event_len);
	*len = head_len + body_size;
	return request;
}

ParameterizedTest(size_t *param, hosting_content_length, outcome)
{
	enum length_case c = (enum length_case)(*param / PVT_SERVER_COUNT);
	pvt_server server = (pvt_server)(*param % PVT_SERVER_COUNT);
	char id[40], *event, *request = NULL;
	pvt_stream_state before;
	pvt_http_response resp;
	size_t len = 0, n;

	pvt_hosting_event_id(id, SCENARIO, server, (unsigned)c);
	event = pvt_hosting_voter_event(id);
	n = strlen(event);
	switch (c) {
	case SHORTER_THAN_BODY:
		request = build("HTTP/1.1", (long)n - 10, event, n, &len);
		break;
	case LONGER_THAN_BODY:
		request = build("HTTP/1.1", (long)n + 20, event, n, &len);
		break;
	case NO_LENGTH:
		request = build("HTTP/1.1", -1, event, n, &len);
		break;
	case NO_LENGTH_HTTP10:
		request = build("HTTP/1.0", -1, event, n, &len);
		break;
	case ONE_OVER_MAX_BODY:
		request = build("HTTP/1.1", 65537, event, 65537, &len);
		break;
	case OVER_OUTER_LIMIT:
		request = build("HTTP/1.1", 2 * 1024 * 1024, event,
		    2 * 1024 * 1024, &len);
		break;
	case CASE_COUNT:
		cr_assert_fail("unknown case");
	}

	before = pvt_suite_stream_state();
	pvt_hosting_send_raw(server, request, len, c == LONGER_THAN_BODY,
	    &resp);
	pvt_hosting_expect(server, case_names[c], expected[c][server], &resp,
	    before, NULL);

	pvt_http_response_free(&resp);
	free(request);
	free(event);
}
