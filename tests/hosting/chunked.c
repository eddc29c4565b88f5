/*
 * Chunked request bodies through every server.  A server either decodes
 * the body and passes its length on, and the event is then stored
 * exactly as sent, or it passes no length and the handler responds 411.
 * A broken or unfinished chunked body never stores anything.
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

#define SCENARIO 2

/* A body over PHOTOVOTE_MAX_BODY (65536) but under every outer limit. */
#define OVER_LIMIT 70000

enum chunked_case {
	WHOLE_EVENT,		/* one chunk, then the last chunk */
	SMALL_CHUNKS,		/* 7-byte chunks */
	EMPTY_BODY,		/* the last chunk only */
	OVER_MAX_BODY,		/* OVER_LIMIT bytes in 8 KiB chunks */
	WITH_CONTENT_LENGTH,	/* Content-Length: 3 as well */
	CUT_IN_CHUNK,		/* a chunk shorter than its size, then EOF */
	NO_LAST_CHUNK,		/* the whole event, no last chunk, then EOF */
	CASE_COUNT
};

static const char *const case_names[CASE_COUNT] = {
	"whole event in one chunk", "event in 7-byte chunks",
	"empty chunked body", "chunked body over PHOTOVOTE_MAX_BODY",
	"chunked body with Content-Length", "chunk cut short",
	"no last chunk",
};

/* Expected status per case and server (lighttpd, apache-fcgid,
 * apache-cgi, nginx). */
static const int expected[CASE_COUNT][PVT_SERVER_COUNT] = {
	[WHOLE_EVENT] =		{ 200, 200, 411, 200 },
	[SMALL_CHUNKS] =	{ 200, 200, 411, 200 },
	[EMPTY_BODY] =		{ 422, 422, 411, 422 },
	[OVER_MAX_BODY] =	{ 413, 413, 411, 413 },
	[WITH_CONTENT_LENGTH] =	{ 400, 200, 411, 400 },
	[CUT_IN_CHUNK] =	{ 0, 500, 400, 0 },
	[NO_LAST_CHUNK] =	{ 0, 500, 400, 0 },
};

ParameterizedTestParameters(hosting_chunked, outcome)
{
	return pvt_hosting_indexes(CASE_COUNT * PVT_SERVER_COUNT);
}

/* Returns event padded with JSON white space to size bytes. */
static char *
padded(const char *event, size_t size)
{
	size_t len = strlen(event);
	char *body = malloc(size + 1);

	cr_assert_not_null(body);
	cr_assert_lt(len, size);
	memcpy(body, event, len);
	memset(body + len, ' ', size - len);
	body[size] = '\0';
	return body;
}

/* Builds the request of one case and sets *half_close for sending it. */
static char *
build(enum chunked_case c, const char *event, size_t *len, bool *half_close)
{
	char *body, *request, *head;

	*half_close = c == CUT_IN_CHUNK || c == NO_LAST_CHUNK;
	switch (c) {
	case WHOLE_EVENT:
		return pvt_chunked_request("POST", "/voter/", NULL, event,
		    strlen(event), true, len);
	case SMALL_CHUNKS:
		return pvt_chunked_request("POST", "/voter/", NULL, event, 7,
		    true, len);
	case EMPTY_BODY:
		return pvt_chunked_request("POST", "/voter/", NULL, "", 1,
		    true, len);
	case OVER_MAX_BODY:
		body = padded(event, OVER_LIMIT);
		request = pvt_chunked_request("POST", "/voter/", NULL, body,
		    8192, true, len);
		free(body);
		return request;
	case WITH_CONTENT_LENGTH:
		return pvt_chunked_request("POST", "/voter/",
		    "Content-Length: 3\r\n", event, strlen(event), true, len);
	case CUT_IN_CHUNK:
		/* The chunk size is 20 bytes more than the chunk contains. */
		head = pvt_chunked_request("POST", "/voter/", NULL, "", 1,
		    false, len);
		request = malloc(*len + strlen(event) + 32);
		cr_assert_not_null(request);
		*len = (size_t)sprintf(request, "%.*s%zx\r\n%s", (int)*len,
		    head, strlen(event) + 20, event);
		free(head);
		return request;
	case NO_LAST_CHUNK:
		return pvt_chunked_request("POST", "/voter/", NULL, event,
		    16, false, len);
	case CASE_COUNT:
		break;
	}
	cr_assert_fail("unknown case %d", (int)c);
	return NULL;
}

ParameterizedTest(size_t *param, hosting_chunked, outcome)
{
	enum chunked_case c = (enum chunked_case)(*param / PVT_SERVER_COUNT);
	pvt_server server = (pvt_server)(*param % PVT_SERVER_COUNT);
	char id[40], *event, *stored, *request;
	pvt_stream_state before;
	pvt_http_response resp;
	bool half_close;
	size_t len;

	pvt_hosting_event_id(id, SCENARIO, server, (unsigned)c);
	event = pvt_hosting_voter_event(id);
	stored = pvt_hosting_voter_stored(id);
	request = build(c, event, &len, &half_close);

	before = pvt_suite_stream_state();
	pvt_hosting_send_raw(server, request, len, half_close, &resp);
	pvt_hosting_expect(server, case_names[c], expected[c][server], &resp,
	    before, stored);

	pvt_http_response_free(&resp);
	free(request);
	free(stored);
	free(event);
}
