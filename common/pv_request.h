/*
 * HTTP request and response helpers, independent of how the request
 * arrived (FastCGI or CGI).
 *
 * A pv_request_io gives access to the CGI variables and the body, and a
 * way to write the response.  Everything it returns is untrusted: the
 * functions here check it once, and the handler sees only checked values.
 */
#ifndef PV_REQUEST_H
#define PV_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "pv_buf.h"
#include "pv_status.h"

typedef struct pv_request_io {
	void *ctx;
	/* Returns the CGI variable name, or NULL; valid until the response. */
	const char *(*param)(void *ctx, const char *name);
	/* Reads up to len body bytes: the count, 0 at the end, -1 on error. */
	ssize_t (*read)(void *ctx, char *buf, size_t len);
	/* Writes len bytes of response: 0, or -1 when the client is gone. */
	int (*write)(void *ctx, const char *buf, size_t len);
} pv_request_io;

/* Maximum length of a request path the router looks at. */
#define PV_REQUEST_PATH_MAX 256

/*
 * Copies the request path (REQUEST_URI without its query and with its
 * "%XX" escapes decoded, or else SCRIPT_NAME followed by PATH_INFO) into
 * path with a trailing '/' removed (but "/" stays).  Returns false when
 * there is none, it does not fit or it contains an escaped NUL.
 */
bool pv_request_path(const pv_request_io *io, char *path, size_t size);

/*
 * Returns true when CONTENT_TYPE is application/json, in any case, with
 * optional parameters; a charset parameter must then be utf-8.
 */
bool pv_request_is_json(const pv_request_io *io);

/* Outcome of reading the body. */
typedef enum pv_body_result {
	PV_BODY_OK = 0,
	PV_BODY_NO_LENGTH,	/* CONTENT_LENGTH missing: 411 */
	PV_BODY_BAD_LENGTH,	/* CONTENT_LENGTH not a number: 400 */
	PV_BODY_TOO_LARGE,	/* larger than the limit: 413, nothing read */
	PV_BODY_SHORT,		/* fewer bytes than announced: 400 */
	PV_BODY_LONG,		/* more bytes than announced: 400 */
	PV_BODY_BROKEN,		/* input failed after the body: 400 */
	PV_BODY_NOMEM
} pv_body_result;

/*
 * Reads the body into body (reset first) after checking CONTENT_LENGTH
 * against max_body.  A body over the limit is not read at all.
 */
pv_body_result pv_request_read_body(const pv_request_io *io, size_t max_body,
	pv_buf *body);

/*
 * Writes a complete response: the Status line, Content-Type:
 * application/json, Content-Length, the extra header lines in headers
 * (each ending in "\r\n", or NULL) and the body.  Returns -1 when the
 * client is gone.
 */
int pv_response_send(const pv_request_io *io, int status,
	const char *headers, const char *body, size_t body_len);

/*
 * Returns the reason phrase of status ("Unprocessable Entity"), or for a
 * 4xx or 5xx status without one, "Client Error" or "Server Error".
 */
const char *pv_response_reason(int status);

#endif
