/*
 * Errors that lighttpd answers itself, before a handler sees the
 * request, still carry a JSON body: the sample configuration hands them
 * to the handler of "/" with server.error-handler.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "../harness/pvt_suite.h"

/* Sends raw bytes to lighttpd and returns the whole response (static). */
static const char *
send_raw(const char *request)
{
	static char response[8192];
	struct sockaddr_in addr;
	struct timeval tv = { 10, 0 };
	size_t used = 0;
	ssize_t n;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)atoi(getenv(PVT_ENV_HTTP_PORT)));
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	cr_assert_eq(write(fd, request, strlen(request)),
	    (ssize_t)strlen(request));

	while (used < sizeof(response) - 1 &&
	    (n = read(fd, response + used, sizeof(response) - 1 - used)) > 0)
		used += (size_t)n;
	response[used] = '\0';
	close(fd);
	return response;
}

static void
expect_json_error(const char *request, const char *status_line,
	const char *body)
{
	const char *response = send_raw(request);

	cr_expect(strncmp(response, status_line, strlen(status_line)) == 0,
	    "expected %s, got: %.200s", status_line, response);
	cr_expect(strstr(response, "Content-Type: application/json\r\n") !=
	    NULL, "not JSON: %.300s", response);
	cr_expect(strstr(response, body) != NULL, "body: %.300s", response);
}

Test(server_errors, bad_content_length_json)
{
	expect_json_error("POST /voter/ HTTP/1.1\r\nHost: t\r\n"
	    "Content-Type: application/json\r\nContent-Length: abc\r\n"
	    "Connection: close\r\n\r\n", "HTTP/1.1 400",
	    "{\"detail\":\"Bad Request\"}");
}

Test(server_errors, missing_length_json)
{
	expect_json_error("POST /voter/ HTTP/1.1\r\nHost: t\r\n"
	    "Content-Type: application/json\r\nConnection: close\r\n\r\n",
	    "HTTP/1.1 411", "{\"detail\":\"Length Required\"}");
}

Test(server_errors, unknown_method_json)
{
	expect_json_error("FOO /voter/ HTTP/1.1\r\nHost: t\r\n"
	    "Connection: close\r\n\r\n", "HTTP/1.1 501",
	    "{\"detail\":\"Not Implemented\"}");
}

/* A route whose handlers cannot be reached, as while they restart. */
Test(server_errors, unreachable_handler_503_retry_after)
{
	const char *response = send_raw("POST " PVT_UNREACHABLE_PATH
	    "/ HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
	    "Content-Length: 2\r\nConnection: close\r\n\r\n{}");

	cr_expect(strncmp(response, "HTTP/1.1 503", 12) == 0, "got: %.200s",
	    response);
	cr_expect(strstr(response, "Retry-After: 1\r\n") != NULL,
	    "no Retry-After: %.300s", response);
	cr_expect(strstr(response, "Content-Type: application/json\r\n") !=
	    NULL, "not JSON: %.300s", response);
	cr_expect(strstr(response, "{\"detail\":\"Service Unavailable\"}") !=
	    NULL, "body: %.300s", response);
}
