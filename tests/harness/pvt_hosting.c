/* strdup with a strict -std=c11. */
#define _DEFAULT_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "pvt_hosting.h"
#include "pvt_suite.h"

pvt_server pvt_hosting_servers[PVT_SERVER_COUNT] = {
	PVT_LIGHTTPD, PVT_APACHE_FCGID, PVT_APACHE_CGI, PVT_NGINX
};

/* Largest request head that pvt_chunked_request writes. */
#define HEAD_MAX 2048

struct criterion_test_params
pvt_hosting_indexes(size_t count)
{
	static size_t indexes[PVT_HOSTING_INDEXES_MAX];
	size_t i;

	cr_assert_leq(count, PVT_HOSTING_INDEXES_MAX);
	for (i = 0; i < count; i++)
		indexes[i] = i;
	return cr_make_param_array(size_t, indexes, count);
}

void
pvt_hosting_event_id(char *out, unsigned scenario, pvt_server server,
	unsigned n)
{
	snprintf(out, 37, "7a1c2a9e-4b3d-4e8a-9c71-%04x%02x%06x",
	    scenario & 0xffffu, (unsigned)server & 0xffu, n & 0xffffffu);
}

/* Size of the buffer for one Voter.VoterRegistered body. */
#define VOTER_EVENT_MAX 512

char *
pvt_hosting_voter_event(const char *id)
{
	char *text = malloc(VOTER_EVENT_MAX);

	cr_assert_not_null(text);
	snprintf(text, VOTER_EVENT_MAX, "{\"email\":\"ada@example.org\","
	    "\"name\":\"Ada Lovelace\","
	    "\"election_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6G8H\","
	    "\"voter_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6VTR\",\"id\":\"%s\"}", id);
	return text;
}

char *
pvt_hosting_voter_stored(const char *id)
{
	char *text = malloc(VOTER_EVENT_MAX);

	cr_assert_not_null(text);
	snprintf(text, VOTER_EVENT_MAX, "{\"id\":\"%s\","
	    "\"voter_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6VTR\","
	    "\"election_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6G8H\","
	    "\"name\":\"Ada Lovelace\",\"email\":\"ada@example.org\"}", id);
	return text;
}

static int
required_port(pvt_server server)
{
	int port = pvt_server_port(server);

	cr_assert(port > 0, "%s is not set: the %s server did not start "
	    "(see the messages before the first test)",
	    pvt_server_env(server), pvt_server_name(server));
	return port;
}

void
pvt_hosting_send(pvt_server server, const pvt_http_request *req,
	pvt_http_response *out)
{
	int port = required_port(server);

	cr_assert(pvt_http_send(port, req, PVT_REQUEST_TIMEOUT_MS, out),
	    "%s %s through %s: no HTTP response", req->method, req->path,
	    pvt_server_name(server));
}

void
pvt_hosting_send_raw(pvt_server server, const char *request, size_t len,
	bool half_close, pvt_http_response *out)
{
	int port = required_port(server);

	cr_assert(pvt_http_send_raw(port, request, len, half_close,
	    PVT_REQUEST_TIMEOUT_MS, out), "raw request through %s failed",
	    pvt_server_name(server));
}

void
pvt_hosting_expect(pvt_server server, const char *what, int expected,
	const pvt_http_response *resp, pvt_stream_state before,
	const char *stored)
{
	pvt_stream_state after = pvt_suite_stream_state();
	const char *name = pvt_server_name(server);
	pvt_stored msg;

	cr_expect_eq(resp->status, expected, "%s through %s: status %d, "
	    "expected %d; body %s", what, name, resp->status, expected,
	    resp->body != NULL ? resp->body : "(none)");
	if (expected != 200) {
		cr_expect_eq(after.messages, before.messages, "%s through %s "
		    "(status %d) changed the message count from %llu to %llu",
		    what, name, resp->status,
		    (unsigned long long)before.messages,
		    (unsigned long long)after.messages);
		cr_expect_eq(after.last_seq, before.last_seq, "%s through %s "
		    "changed the last sequence", what, name);
		return;
	}

	cr_assert_eq(after.messages, before.messages + 1, "%s through %s "
	    "stored %llu messages, expected 1", what, name,
	    (unsigned long long)(after.messages - before.messages));
	pvt_suite_stored(after.last_seq, &msg);
	cr_expect_str_eq(msg.data, stored, "%s through %s stored another "
	    "body", what, name);
	pvt_stored_free(&msg);
}

char *
pvt_chunked_request(const char *method, const char *path,
	const char *extra_headers, const char *body, size_t chunk_size,
	bool last, size_t *len)
{
	size_t body_len = strlen(body), chunks, cap, used, n, i;
	char *out;
	int w;

	cr_assert_gt(chunk_size, 0);
	chunks = body_len / chunk_size + 1;
	cap = HEAD_MAX + body_len + chunks * 16 + 8;
	out = malloc(cap);
	cr_assert_not_null(out);

	w = snprintf(out, HEAD_MAX, "%s %s HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\n"
	    "Connection: close\r\n"
	    "Content-Type: application/json\r\n"
	    "Transfer-Encoding: chunked\r\n"
	    "%s\r\n", method, path, extra_headers != NULL ? extra_headers : "");
	cr_assert(w > 0 && w < HEAD_MAX, "request head too long");
	used = (size_t)w;

	for (i = 0; i < body_len; i += n) {
		n = body_len - i < chunk_size ? body_len - i : chunk_size;
		used += (size_t)snprintf(out + used, cap - used, "%zx\r\n", n);
		memcpy(out + used, body + i, n);
		used += n;
		memcpy(out + used, "\r\n", 2);
		used += 2;
	}
	if (last)
		used += (size_t)snprintf(out + used, cap - used, "0\r\n\r\n");
	*len = used;
	return out;
}
