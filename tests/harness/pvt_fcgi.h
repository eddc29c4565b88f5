/*
 * A minimal FastCGI client for tests that talk to a handler process
 * directly, without a web server: one responder request per connection.
 */
#ifndef PVT_FCGI_H
#define PVT_FCGI_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Connects to the Unix socket at socket_path and sends one request with
 * the CGI variables in params (NAME, value, ..., NULL) and body.  Writes
 * what the handler sent on its standard output (CGI headers and body,
 * NUL-terminated, caller frees) to *out.  Gives up after timeout_ms.
 */
bool pvt_fcgi_request(const char *socket_path, const char *const *params,
	const char *body, size_t body_len, int timeout_ms, char **out);

/*
 * The same request in steps, for tests that act while a request is in
 * hand.  pvt_fcgi_begin connects and sends the variables, returning the
 * connection (or -1); pvt_fcgi_send_body sends body bytes, and with last
 * set, the end of the body; pvt_fcgi_read_response collects the output
 * like pvt_fcgi_request.  The caller closes the connection.
 */
int pvt_fcgi_begin(const char *socket_path, const char *const *params,
	int timeout_ms);
bool pvt_fcgi_send_body(int fd, const char *body, size_t len, bool last);
bool pvt_fcgi_read_response(int fd, char **out);

/* Like pvt_fcgi_begin, with FastCGI role role (1 responder, 2 authorizer). */
int pvt_fcgi_begin_role(const char *socket_path, int role,
	const char *const *params, int timeout_ms);

/* Sends one record of type (fastcgi.h) for request 1 with content. */
bool pvt_fcgi_send_record(int fd, int type, const void *content,
	size_t len);

#endif
