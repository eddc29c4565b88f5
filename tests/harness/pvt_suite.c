/* setenv and strdup with a strict -std=c11. */
#define _DEFAULT_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "pvt_suite.h"

bool
pvt_suite_export(const pvt_stack *stack)
{
	char port[16];

	snprintf(port, sizeof(port), "%d", stack->http_port);
	return setenv(PVT_ENV_HTTP_PORT, port, 1) == 0 &&
	    setenv(PVT_ENV_NATS_URL, stack->nats_url, 1) == 0;
}

static const char *
required_env(const char *name)
{
	const char *value = getenv(name);

	cr_assert(value != NULL && value[0] != '\0',
	    "%s is not set: the servers did not start (see the messages "
	    "before the first test)", name);
	return value;
}

void
pvt_suite_send(const char *method, const char *path,
	const char *content_type, const char *body, pvt_http_response *out)
{
	int port = atoi(required_env(PVT_ENV_HTTP_PORT));
	pvt_http_request req = {
		.method = method,
		.path = path,
		.content_type = content_type,
		.body = body,
		.body_len = body != NULL ? strlen(body) : 0,
	};

	cr_assert(pvt_http_send(port, &req, PVT_REQUEST_TIMEOUT_MS, out),
	    "%s %s: no HTTP response", method, path);
}

void
pvt_suite_send_json(const char *method, const char *path, const char *body,
	pvt_http_response *out)
{
	pvt_suite_send(method, path, "application/json", body, out);
}

void
pvt_suite_send_rejected(const char *method, const char *path,
	const char *content_type, const char *body, pvt_http_response *out)
{
	pvt_stream_state before, after;

	before = pvt_suite_stream_state();
	pvt_suite_send(method, path, content_type, body, out);
	after = pvt_suite_stream_state();

	cr_expect_eq(after.messages, before.messages,
	    "%s %s (status %d) changed the message count from %llu to %llu",
	    method, path, out->status, (unsigned long long)before.messages,
	    (unsigned long long)after.messages);
	cr_expect_eq(after.last_seq, before.last_seq,
	    "%s %s (status %d) changed the last sequence from %llu to %llu",
	    method, path, out->status, (unsigned long long)before.last_seq,
	    (unsigned long long)after.last_seq);
}

pvt_stream_state
pvt_suite_stream_state(void)
{
	const char *url = required_env(PVT_ENV_NATS_URL);
	pvt_stream_state state;
	pvt_nats *nats = NULL;
	bool ok;

	cr_assert(pvt_nats_open(&nats, url), "connecting to %s failed", url);
	ok = pvt_stream_state_get(nats, PVT_STREAM, &state);
	pvt_nats_close(nats);
	cr_assert(ok, "reading stream %s failed", PVT_STREAM);
	return state;
}

void
pvt_suite_stored(uint64_t seq, pvt_stored *out)
{
	const char *url = required_env(PVT_ENV_NATS_URL);
	pvt_nats *nats = NULL;
	bool ok;

	cr_assert(pvt_nats_open(&nats, url), "connecting to %s failed", url);
	ok = pvt_stored_get(nats, PVT_STREAM, seq, out);
	pvt_nats_close(nats);
	cr_assert(ok, "reading message %llu of stream %s failed",
	    (unsigned long long)seq, PVT_STREAM);
}

char *
pvt_json(const char *text)
{
	char *copy = strdup(text), *p;

	cr_assert_not_null(copy);
	for (p = copy; *p != '\0'; p++) {
		if (*p == '\'')
			*p = '"';
	}
	return copy;
}
