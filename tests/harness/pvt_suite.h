/*
 * Glue between the Criterion tests and the servers of the run.
 *
 * The runner process starts one pvt_stack before the first test and
 * stops it after the last (tests/integration/servers.c).  It passes the
 * HTTP port and the NATS URL to the test processes in the environment
 * variables below, so every test talks to the same servers and stream.
 * Tests run one at a time (--jobs 1), so a test may compare the stream
 * before and after its own request.
 */
#ifndef PVT_SUITE_H
#define PVT_SUITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvt_http.h"
#include "pvt_nats.h"
#include "pvt_stack.h"

#define PVT_ENV_HTTP_PORT "PVT_HTTP_PORT"
#define PVT_ENV_NATS_URL "PVT_NATS_URL"

/* Receive time-out of a test request; above the 2 s publish time-out. */
#define PVT_REQUEST_TIMEOUT_MS 20000

/* Publishes the stack's port and URL for the test processes. */
bool pvt_suite_export(const pvt_stack *stack);

/*
 * Sends method path with body (NUL-terminated) and Content-Type
 * content_type (NULL for none) to lighttpd.  Aborts the test with a
 * failed assertion when the servers are not running or no response
 * arrives.
 */
void pvt_suite_send(const char *method, const char *path,
	const char *content_type, const char *body, pvt_http_response *out);

/* pvt_suite_send with Content-Type: application/json. */
void pvt_suite_send_json(const char *method, const char *path,
	const char *body, pvt_http_response *out);

/*
 * pvt_suite_send, then checks that nothing was stored: the stream's
 * message count and last sequence are the same as before the request.
 */
void pvt_suite_send_rejected(const char *method, const char *path,
	const char *content_type, const char *body, pvt_http_response *out);

/* Reads the counters of PVT_STREAM; aborts the test on a broker error. */
pvt_stream_state pvt_suite_stream_state(void);

/* Reads message seq of PVT_STREAM; aborts the test on a broker error. */
void pvt_suite_stored(uint64_t seq, pvt_stored *out);

/*
 * Returns a copy of text with every ' replaced by ", so that JSON can be
 * written in C strings without escapes.  The caller frees it.
 */
char *pvt_json(const char *text);

#endif
