/*
 * Errors that nginx and Apache send themselves, before a handler receives
 * the request, have the handlers' JSON form behind nginx.conf.sample and
 * apache.conf.sample: Content-Type application/json and
 * {"detail":"<reason phrase>"}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "../harness/pvt_hosting.h"

enum error_case {
	MALFORMED_REQUEST_LINE,
	TWO_HOST_HEADERS,
	URI_TOO_LONG,
	HEADER_TOO_LARGE,
	UNKNOWN_TRANSFER_CODING,
	UNSUPPORTED_VERSION,
	BODY_OVER_OUTER_LIMIT,
	ERROR_PAGE_REQUESTED,
	CASE_COUNT
};

static const struct {
	const char *name;
	int status;
	const char *body;
} cases[CASE_COUNT] = {
	[MALFORMED_REQUEST_LINE] = { "malformed request line", 400,
	    "{\"detail\":\"Bad Request\"}" },
	[TWO_HOST_HEADERS] = { "two Host headers", 400,
	    "{\"detail\":\"Bad Request\"}" },
	[URI_TOO_LONG] = { "URI of 9000 bytes", 414,
	    "{\"detail\":\"URI Too Long\"}" },
	[HEADER_TOO_LARGE] = { "header of 9000 bytes", 431,
	    "{\"detail\":\"Request Header Fields Too Large\"}" },
	[UNKNOWN_TRANSFER_CODING] = { "Transfer-Encoding: gzip", 501,
	    "{\"detail\":\"Not Implemented\"}" },
	[UNSUPPORTED_VERSION] = { "HTTP/2.0 request line", 505,
	    "{\"detail\":\"HTTP Version Not Supported\"}" },
	[BODY_OVER_OUTER_LIMIT] = { "Content-Length of 2 MiB", 413,
	    "{\"detail\":\"Request body too large\"}" },
	[ERROR_PAGE_REQUESTED] = { "GET of an internal error page", 404,
	    "{\"detail\":\"Not Found\"}" },
};

ParameterizedTestParameters(hosting_server_errors, nginx_json)
{
	return pvt_hosting_indexes(CASE_COUNT);
}

/* Writes the request of case c to out (size bytes); returns its length. */
static size_t
build(enum error_case c, char *out, size_t size)
{
	static char filler[9001];

	memset(filler, 'a', sizeof(filler) - 1);
	switch (c) {
	case MALFORMED_REQUEST_LINE:
		return (size_t)snprintf(out, size, "GARBAGE\r\n\r\n");
	case TWO_HOST_HEADERS:
		return (size_t)snprintf(out, size, "GET /voter/health HTTP/1.1"
		    "\r\nHost: a\r\nHost: b\r\n\r\n");
	case URI_TOO_LONG:
		return (size_t)snprintf(out, size, "GET /voter/%s HTTP/1.1\r\n"
		    "Host: a\r\n\r\n", filler);
	case HEADER_TOO_LARGE:
		return (size_t)snprintf(out, size, "GET /voter/health HTTP/1.1"
		    "\r\nHost: a\r\nX-Filler: %s\r\n\r\n", filler);
	case UNKNOWN_TRANSFER_CODING:
		return (size_t)snprintf(out, size, "POST /voter/ HTTP/1.1\r\n"
		    "Host: a\r\nTransfer-Encoding: gzip\r\n\r\n");
	case UNSUPPORTED_VERSION:
		return (size_t)snprintf(out, size, "GET /voter/health "
		    "HTTP/2.0\r\nHost: a\r\n\r\n");
	case BODY_OVER_OUTER_LIMIT:
		return (size_t)snprintf(out, size, "POST /voter/ HTTP/1.1\r\n"
		    "Host: a\r\nContent-Type: application/json\r\n"
		    "Content-Length: 2097152\r\n\r\n{}");
	case ERROR_PAGE_REQUESTED:
		return (size_t)snprintf(out, size, "GET /.errors/400 HTTP/1.1"
		    "\r\nHost: a\r\nConnection: close\r\n\r\n");
	case CASE_COUNT:
		break;
	}
	cr_assert_fail("unknown case");
	return 0;
}

ParameterizedTest(size_t *param, hosting_server_errors, nginx_json)
{
	enum error_case c = (enum error_case)*param;
	char request[10240];
	pvt_http_response resp;
	size_t len;

	len = build(c, request, sizeof(request));
	cr_assert_lt(len, sizeof(request));
	pvt_hosting_send_raw(PVT_NGINX, request, len, false, &resp);

	cr_expect_eq(resp.status, cases[c].status, "%s: status %d, body %s",
	    cases[c].name, resp.status, resp.body != NULL ? resp.body : "");
	cr_expect_str_eq(resp.body != NULL ? resp.body : "", cases[c].body,
	    "%s", cases[c].name);
	cr_expect(resp.headers != NULL && strstr(resp.headers,
	    "Content-Type: application/json") != NULL, "%s: headers %s",
	    cases[c].name, resp.headers != NULL ? resp.headers : "");
	pvt_http_response_free(&resp);
}

/*
 * Apache's own errors behind apache.conf.sample, whose ErrorDocument
 * lines pass some of them to the handler of "/", and a handler's own
 * error, which keeps its body.
 */
enum apache_case {
	APACHE_UNKNOWN_EXPECTATION,
	APACHE_BODY_OVER_OUTER_LIMIT,
	APACHE_HANDLER_422,
	APACHE_CASE_COUNT
};

static const char *const apache_case_names[APACHE_CASE_COUNT] = {
	"Expect: something-else", "body of 2 MiB",
	"event that breaks its schema",
};

/*
 * Expected status and start of the JSON body per case, under mod_fcgid
 * and as CGI.  mod_fcgid's 500 for a body over FcgidMaxRequestLen keeps
 * Apache's page (body NULL), because the sample redirects no 500.
 */
static const struct {
	int status;
	const char *body;
} apache_expected[APACHE_CASE_COUNT][2] = {
	[APACHE_UNKNOWN_EXPECTATION] = {
	    { 417, "{\"detail\":\"Expectation Failed\"}" },
	    { 417, "{\"detail\":\"Expectation Failed\"}" } },
	[APACHE_BODY_OVER_OUTER_LIMIT] = {
	    { 500, NULL },
	    { 413, "{\"detail\":\"Content Too Large\"}" } },
	[APACHE_HANDLER_422] = {
	    { 422, "{\"detail\":[{\"type\":\"missing\"" },
	    { 422, "{\"detail\":[{\"type\":\"missing\"" } },
};

ParameterizedTestParameters(hosting_server_errors, apache_json)
{
	return pvt_hosting_indexes(APACHE_CASE_COUNT * 2);
}

/*
 * Writes the request of case c to out (size bytes); returns its length.
 * The body of 2 MiB is sent whole, because mod_fcgid reads a body to its
 * end before it responds.
 */
static size_t
build_apache(enum apache_case c, char *out, size_t size)
{
	int n;

	switch (c) {
	case APACHE_UNKNOWN_EXPECTATION:
		return (size_t)snprintf(out, size, "POST /voter/ HTTP/1.1\r\n"
		    "Host: a\r\nConnection: close\r\nExpect: something-else"
		    "\r\nContent-Type: application/json\r\nContent-Length: 2"
		    "\r\n\r\n{}");
	case APACHE_BODY_OVER_OUTER_LIMIT:
		n = snprintf(out, size, "POST /voter/ HTTP/1.1\r\n"
		    "Host: a\r\nConnection: close\r\nContent-Type: "
		    "application/json\r\nContent-Length: 2097152\r\n\r\n");
		cr_assert(n > 0 && (size_t)n + 2097152 < size);
		memset(out + n, ' ', 2097152);
		return (size_t)n + 2097152;
	case APACHE_HANDLER_422:
		return (size_t)snprintf(out, size, "POST /voter/ HTTP/1.1\r\n"
		    "Host: a\r\nConnection: close\r\nContent-Type: "
		    "application/json\r\nContent-Length: 2\r\n\r\n{}");
	case APACHE_CASE_COUNT:
		break;
	}
	cr_assert_fail("unknown case");
	return 0;
}

ParameterizedTest(size_t *param, hosting_server_errors, apache_json)
{
	enum apache_case c = (enum apache_case)(*param / 2);
	pvt_server server = *param % 2 == 0 ? PVT_APACHE_FCGID :
	    PVT_APACHE_CGI;
	const char *body = apache_expected[c][*param % 2].body;
	size_t size = 2097152 + 1024, len;
	char *request = malloc(size);
	pvt_http_response resp;

	cr_assert_not_null(request);
	len = build_apache(c, request, size);
	cr_assert_lt(len, size);
	pvt_hosting_send_raw(server, request, len, false, &resp);
	free(request);

	cr_expect_eq(resp.status, apache_expected[c][*param % 2].status,
	    "%s through %s: status %d, body %s", apache_case_names[c],
	    pvt_server_name(server), resp.status,
	    resp.body != NULL ? resp.body : "");
	if (body != NULL) {
		cr_expect(resp.body != NULL && strncmp(resp.body, body,
		    strlen(body)) == 0, "%s through %s: body %s",
		    apache_case_names[c], pvt_server_name(server),
		    resp.body != NULL ? resp.body : "(none)");
		cr_expect(resp.headers != NULL && strstr(resp.headers,
		    "Content-Type: application/json") != NULL, "%s through "
		    "%s: headers %s", apache_case_names[c],
		    pvt_server_name(server),
		    resp.headers != NULL ? resp.headers : "");
	}
	pvt_http_response_free(&resp);
}
