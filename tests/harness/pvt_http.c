/* strncasecmp and strndup with a strict -std=c11. */
#define _DEFAULT_SOURCE

#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "pvt_http.h"

/* A response larger than this is a test failure, not something to read. */
#define RESPONSE_MAX (16 * 1024 * 1024)

void
pvt_socket_timeouts(int fd, int timeout_ms)
{
	struct timeval tv;

	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int
connect_loopback(int port, int timeout_ms)
{
	struct sockaddr_in addr;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;

	pvt_socket_timeouts(fd, timeout_ms);

	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = htons((unsigned short)port);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

bool
pvt_tcp_accepts(int port)
{
	int fd = connect_loopback(port, 1000);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static bool
write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, data, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		data += n;
		len -= (size_t)n;
	}
	return true;
}

static bool
send_request(int fd, int port, const pvt_http_request *req)
{
	char head[2048];
	int n;

	n = snprintf(head, sizeof(head),
	    "%s %s HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\n"
	    "Connection: close\r\n"
	    "Content-Length: %zu\r\n"
	    "%s%s%s"
	    "%s"
	    "\r\n",
	    req->method, req->path, port, req->body_len,
	    req->content_type ? "Content-Type: " : "",
	    req->content_type ? req->content_type : "",
	    req->content_type ? "\r\n" : "",
	    req->extra_headers ? req->extra_headers : "");
	if (n < 0 || (size_t)n >= sizeof(head)) {
		fprintf(stderr, "pvt: request head too long\n");
		return false;
	}

	if (!write_all(fd, head, (size_t)n))
		return false;
	return req->body_len == 0 || write_all(fd, req->body, req->body_len);
}

/* Reads until the peer closes; *out is NUL-terminated and owned by the caller. */
static bool
read_all(int fd, char **out, size_t *out_len)
{
	size_t len = 0, cap = 8192;
	char *data = malloc(cap), *grown;
	ssize_t n;

	while (data != NULL) {
		if (cap - len < 4096) {
			grown = cap < RESPONSE_MAX ? realloc(data, cap * 2) : NULL;
			if (grown == NULL)
				break;
			data = grown;
			cap *= 2;
		}
		n = recv(fd, data + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n == 0) {
			data[len] = '\0';
			*out = data;
			*out_len = len;
			return true;
		}
		len += (size_t)n;
	}
	free(data);
	return false;
}

/* Decodes a chunked body in place; returns false on malformed framing. */
static bool
dechunk(char *body, size_t *len)
{
	const char *in = body, *end = body + *len;
	char *out = body, *stop;
	unsigned long size;

	for (;;) {
		size = strtoul(in, &stop, 16);
		if (stop == in)
			return false;
		in = strstr(stop, "\r\n");
		if (in == NULL || in + 2 + size > end)
			return false;
		in += 2;
		if (size == 0)
			break;
		memmove(out, in, size);
		out += size;
		in += size + 2;
	}
	*len = (size_t)(out - body);
	*out = '\0';
	return true;
}

static bool
parse_response(char *raw, size_t raw_len, pvt_http_response *out)
{
	char *head_end, *te;
	size_t head_len;
	bool ok = true;

	head_end = strstr(raw, "\r\n\r\n");
	if (head_end == NULL || sscanf(raw, "HTTP/1.%*d %d", &out->status) != 1)
		return false;

	head_len = (size_t)(head_end - raw);
	out->headers = strndup(raw, head_len + 2);
	out->body_len = raw_len - head_len - 4;
	out->body = malloc(out->body_len + 1);
	if (out->headers == NULL || out->body == NULL)
		return false;
	memcpy(out->body, head_end + 4, out->body_len);
	out->body[out->body_len] = '\0';

	te = pvt_http_header(out, "Transfer-Encoding");
	if (te != NULL && strcasecmp(te, "chunked") == 0)
		ok = dechunk(out->body, &out->body_len);
	free(te);
	return ok;
}

/* Clears out and connects to port.  Returns the fd, or -1 after a message. */
static int
open_connection(int port, int timeout_ms, pvt_http_response *out)
{
	int fd;

	memset(out, 0, sizeof(*out));
	fd = connect_loopback(port, timeout_ms);
	if (fd < 0)
		fprintf(stderr, "pvt: connecting to 127.0.0.1:%d failed: %s\n",
		    port, strerror(errno));
	return fd;
}

bool
pvt_http_send(int port, const pvt_http_request *req, int timeout_ms,
	pvt_http_response *out)
{
	char *raw = NULL;
	size_t raw_len = 0;
	bool ok = false;
	int fd;

	fd = open_connection(port, timeout_ms, out);
	if (fd < 0)
		return false;

	if (!send_request(fd, port, req)) {
		fprintf(stderr, "pvt: sending %s %s failed: %s\n",
		    req->method, req->path, strerror(errno));
		goto out;
	}
	if (!read_all(fd, &raw, &raw_len)) {
		fprintf(stderr, "pvt: reading the response to %s %s failed "
		    "(time-out %d ms): %s\n", req->method, req->path,
		    timeout_ms, strerror(errno));
		goto out;
	}
	ok = parse_response(raw, raw_len, out);
	if (!ok)
		fprintf(stderr, "pvt: unparsable response to %s %s: %.200s\n",
		    req->method, req->path, raw);

out:
	free(raw);
	close(fd);
	return ok;
}

char *
pvt_http_header(const pvt_http_response *resp, const char *name)
{
	size_t name_len = strlen(name);
	const char *line, *value, *eol;

	if (resp->headers == NULL)
		return NULL;

	/* Skip the status line; each header line follows a CRLF. */
	for (line = strstr(resp->headers, "\r\n"); line != NULL;
	    line = strstr(line, "\r\n")) {
		line += 2;
		if (strncasecmp(line, name, name_len) != 0 ||
		    line[name_len] != ':')
			continue;

		value = line + name_len + 1;
		while (*value == ' ' || *value == '\t')
			value++;
		eol = strstr(value, "\r\n");
		if (eol == NULL)
			eol = value + strlen(value);
		while (eol > value && isspace((unsigned char)eol[-1]))
			eol--;
		return strndup(value, (size_t)(eol - value));
	}
	return NULL;
}

void
pvt_http_response_free(pvt_http_response *resp)
{
	free(resp->headers);
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

bool
pvt_http_send_raw(int port, const char *request, size_t len, bool half_close,
	int timeout_ms, pvt_http_response *out)
{
	char *raw = NULL;
	size_t raw_len = 0;
	bool ok = false;
	int fd;

	fd = open_connection(port, timeout_ms, out);
	if (fd < 0)
		return false;

	if (!write_all(fd, request, len)) {
		fprintf(stderr, "pvt: sending a raw request failed: %s\n",
		    strerror(errno));
		goto out;
	}
	if (half_close)
		shutdown(fd, SHUT_WR);

	/* A server may close the connection without any response. */
	if (!read_all(fd, &raw, &raw_len)) {
		fprintf(stderr, "pvt: reading the response to a raw request "
		    "failed (time-out %d ms): %s\n", timeout_ms,
		    strerror(errno));
		goto out;
	}
	ok = raw_len == 0 || parse_response(raw, raw_len, out);

	/*
	 * Apache with mod_cgid can close the connection before the last
	 * chunk of a response; the status and headers still count.
	 */
	if (!ok && out->status > 0 && out->headers != NULL &&
	    out->body != NULL) {
		fprintf(stderr, "pvt: response %d to a raw request has "
		    "incomplete chunked framing; only its status and "
		    "headers are reliable\n", out->status);
		ok = true;
	}
	if (!ok)
		fprintf(stderr, "pvt: unparsable response to a raw request: "
		    "%.200s\n", raw);

out:
	free(raw);
	close(fd);
	return ok;
}
