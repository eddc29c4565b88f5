/* A minimal FastCGI client; see pvt_fcgi.h. */
#include "pvt_fcgi.h"
#include "pvt_http.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define FCGI_BEGIN_REQUEST	1
#define FCGI_END_REQUEST	3
#define FCGI_PARAMS		4
#define FCGI_STDIN		5
#define FCGI_STDOUT		6
#define FCGI_RESPONDER		1

static bool
send_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	/*
	 * A socket with a time-out returns EINTR even under SA_RESTART, as
	 * when a test stops or continues a child and SIGCHLD comes.
	 */
	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static bool
recv_all(int fd, void *data, size_t len)
{
	char *p = data;
	ssize_t n;

	while (len > 0) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* Sends one record (content at most 65535 bytes) with request id 1. */
static bool
send_record(int fd, int type, const void *content, size_t len)
{
	unsigned char head[8] = { 1, (unsigned char)type, 0, 1,
	    (unsigned char)(len >> 8), (unsigned char)len, 0, 0 };

	return send_all(fd, head, sizeof(head)) &&
	    (len == 0 || send_all(fd, content, len));
}

/* Appends a FastCGI name-value length (1 or 4 bytes) to out. */
static size_t
put_length(unsigned char *out, size_t len)
{
	if (len < 128) {
		out[0] = (unsigned char)len;
		return 1;
	}
	out[0] = (unsigned char)(0x80 | (len >> 24));
	out[1] = (unsigned char)(len >> 16);
	out[2] = (unsigned char)(len >> 8);
	out[3] = (unsigned char)len;
	return 4;
}

static bool
send_params(int fd, const char *const *params)
{
	unsigned char buf[8192];
	size_t used = 0, name_len, value_len, i;

	for (i = 0; params[i] != NULL; i += 2) {
		name_len = strlen(params[i]);
		value_len = strlen(params[i + 1]);
		if (used + 8 + name_len + value_len > sizeof(buf))
			return false;
		used += put_length(buf + used, name_len);
		used += put_length(buf + used, value_len);
		memcpy(buf + used, params[i], name_len);
		used += name_len;
		memcpy(buf + used, params[i + 1], value_len);
		used += value_len;
	}
	return send_record(fd, FCGI_PARAMS, buf, used) &&
	    send_record(fd, FCGI_PARAMS, NULL, 0);
}

bool
pvt_fcgi_send_body(int fd, const char *body, size_t len, bool last)
{
	size_t chunk;

	for (; len > 0; body += chunk, len -= chunk) {
		chunk = len > 32768 ? 32768 : len;
		if (!send_record(fd, FCGI_STDIN, body, chunk))
			return false;
	}
	return !last || send_record(fd, FCGI_STDIN, NULL, 0);
}

/* Reads records until END_REQUEST, collecting STDOUT into *out. */
bool
pvt_fcgi_read_response(int fd, char **out)
{
	unsigned char head[8], content[65536 + 256];
	size_t used = 0, len;
	char *text = NULL, *grown;

	for (;;) {
		if (!recv_all(fd, head, sizeof(head)))
			goto fail;
		len = ((size_t)head[4] << 8) | head[5];
		if (!recv_all(fd, content, len + head[6]))
			goto fail;
		if (head[1] == FCGI_END_REQUEST)
			break;
		if (head[1] != FCGI_STDOUT || len == 0)
			continue;
		grown = realloc(text, used + len + 1);
		if (grown == NULL)
			goto fail;
		text = grown;
		memcpy(text + used, content, len);
		used += len;
	}
	if (text == NULL && (text = calloc(1, 1)) == NULL)
		return false;
	text[used] = '\0';
	*out = text;
	return true;
fail:
	free(text);
	return false;
}

int
pvt_fcgi_begin(const char *socket_path, const char *const *params,
	int timeout_ms)
{
	return pvt_fcgi_begin_role(socket_path, FCGI_RESPONDER, params,
	    timeout_ms);
}

bool
pvt_fcgi_send_record(int fd, int type, const void *content, size_t len)
{
	return send_record(fd, type, content, len);
}

int
pvt_fcgi_begin_role(const char *socket_path, int role,
	const char *const *params, int timeout_ms)
{
	unsigned char begin[8] = { 0, (unsigned char)role, 0 };
	struct sockaddr_un addr;
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;

	pvt_socket_timeouts(fd, timeout_ms);

	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", socket_path);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    !send_record(fd, FCGI_BEGIN_REQUEST, begin, sizeof(begin)) ||
	    !send_params(fd, params)) {
		perror("pvt_fcgi_begin");
		close(fd);
		return -1;
	}
	return fd;
}

bool
pvt_fcgi_request(const char *socket_path, const char *const *params,
	const char *body, size_t body_len, int timeout_ms, char **out)
{
	bool ok;
	int fd;

	*out = NULL;
	fd = pvt_fcgi_begin(socket_path, params, timeout_ms);
	if (fd < 0)
		return false;
	ok = pvt_fcgi_send_body(fd, body, body_len, true) &&
	    pvt_fcgi_read_response(fd, out);
	close(fd);
	return ok;
}
