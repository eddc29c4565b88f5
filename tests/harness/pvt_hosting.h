/*
 * Helpers of the hosting tests (tests/hosting), which send the same
 * requests through every web server of pvt_web.h and lighttpd, and read
 * what reached the stream with the pvt_suite functions.
 */
#ifndef PVT_HOSTING_H
#define PVT_HOSTING_H

#include <stdbool.h>
#include <stddef.h>

#include <criterion/parameterized.h>

#include "pvt_http.h"
#include "pvt_nats.h"
#include "pvt_web.h"

/* Every server, as the parameter array of a parameterized test. */
extern pvt_server pvt_hosting_servers[PVT_SERVER_COUNT];

/* Largest count that pvt_hosting_indexes takes. */
#define PVT_HOSTING_INDEXES_MAX 256

/*
 * Returns the parameters 0 to count - 1 of a parameterized test whose
 * cases are the rows of a table times the servers.  Criterion runs each
 * test in a new process, where pointers into a table may differ, so the
 * parameter is an index.
 */
struct criterion_test_params pvt_hosting_indexes(size_t count);

/*
 * Writes a UUID unique to the scenario, the server and n to out (at
 * least 37 bytes), so that no test's event is a duplicate of another's.
 */
void pvt_hosting_event_id(char *out, unsigned scenario, pvt_server server,
	unsigned n);

/* A valid Voter.VoterRegistered body with id, fields out of order. */
char *pvt_hosting_voter_event(const char *id);

/* The canonical body the stream stores for pvt_hosting_voter_event(id). */
char *pvt_hosting_voter_stored(const char *id);

/*
 * Sends req to server; aborts the test with a failed assertion when no
 * response arrives.
 */
void pvt_hosting_send(pvt_server server, const pvt_http_request *req,
	pvt_http_response *out);

/*
 * Sends len raw bytes to server, with pvt_http_send_raw; out->status is
 * 0 when the server closed the connection without a response.
 */
void pvt_hosting_send_raw(pvt_server server, const char *request, size_t len,
	bool half_close, pvt_http_response *out);

/*
 * Checks the outcome of one request sent through server, with before
 * the stream's counters read just before it.  With expected 200, the
 * response is 200 and the stream gained exactly one message whose body
 * is stored.  With any other expected status, including 0 for a
 * connection closed without a response, the response has that status
 * and the stream is unchanged.
 */
void pvt_hosting_expect(pvt_server server, const char *what, int expected,
	const pvt_http_response *resp, pvt_stream_state before,
	const char *stored);

/*
 * Builds a request with "Transfer-Encoding: chunked" and no
 * Content-Length: the request line, Host, "Connection: close",
 * "Content-Type: application/json", extra_headers (lines ending in
 * "\r\n", or NULL), then body in chunks of chunk_size bytes and, with
 * last set, the zero-size last chunk.  Returns the bytes (caller frees)
 * and their count in *len.
 */
char *pvt_chunked_request(const char *method, const char *path,
	const char *extra_headers, const char *body, size_t chunk_size,
	bool last, size_t *len);

#endif
