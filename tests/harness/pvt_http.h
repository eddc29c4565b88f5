/*
 * A minimal HTTP/1.1 client for the integration tests: one request per
 * TCP connection to 127.0.0.1, "Connection: close", the response read to
 * the end of the stream (chunked transfer coding is decoded).
 */
#ifndef PVT_HTTP_H
#define PVT_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/* A parsed response; the caller releases it with pvt_http_response_free. */
typedef struct pvt_http_response {
	int status;		/* status code, 0 when none was read */
	char *headers;		/* raw header lines, CRLF separated, owned */
	char *body;		/* body bytes plus a NUL (not counted), owned */
	size_t body_len;
} pvt_http_response;

/* A request; unset fields (NULL, 0) are left out. */
typedef struct pvt_http_request {
	const char *method;		/* "POST" */
	const char *path;		/* "/voter/" */
	const char *content_type;	/* Content-Type value or NULL */
	const char *extra_headers;	/* lines each ending in "\r\n", or NULL */
	const char *body;		/* body bytes or NULL */
	size_t body_len;
} pvt_http_request;

/*
 * Sends req to 127.0.0.1:port and reads the response into *out, waiting
 * at most timeout_ms for each receive.  A Content-Length header is always
 * sent, 0 without a body.  Returns false (and prints why) on a connection
 * error, a time-out or an unparsable response.
 */
bool pvt_http_send(int port, const pvt_http_request *req, int timeout_ms,
	pvt_http_response *out);

/*
 * Returns a copy of the first value of header name (case-insensitive),
 * without surrounding white space, or NULL.  The caller frees it.
 */
char *pvt_http_header(const pvt_http_response *resp, const char *name);

void pvt_http_response_free(pvt_http_response *resp);

/* Sets the send and receive time-outs of socket fd. */
void pvt_socket_timeouts(int fd, int timeout_ms);

/* Returns true when a TCP connection to 127.0.0.1:port succeeds. */
bool pvt_tcp_accepts(int port);

/*
 * Sends the len bytes of request as they are (for framings that
 * pvt_http_send cannot produce, such as chunked bodies), then, with
 * half_close, shuts down the sending side, and reads the response like
 * pvt_http_send.  A connection closed without any response is a success
 * with out->status 0.
 */
bool pvt_http_send_raw(int port, const char *request, size_t len,
	bool half_close, int timeout_ms, pvt_http_response *out);

#endif
