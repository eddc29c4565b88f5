/* HTTP request and response helpers; see pv_request.h. */
#include "pv_request.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pv_buf.h"
#include "pv_format.h"

/*
 * Decodes "%XX" escapes of path in place.  A '%' without two hex digits
 * stays as it is.  Returns false when an escape decodes to NUL.
 */
static bool
percent_decode(char *path)
{
	char *in = path, *out = path;
	int high, low;

	while (*in != '\0') {
		high = in[0] == '%' ? pv_format_hex_value(in[1]) : -1;
		low = high >= 0 ? pv_format_hex_value(in[2]) : -1;
		if (low < 0) {
			*out++ = *in++;
			continue;
		}
		if (high == 0 && low == 0)
			return false;
		*out++ = (char)(high * 16 + low);
		in += 3;
	}
	*out = '\0';
	return true;
}

bool
pv_request_path(const pv_request_io *io, char *path, size_t size)
{
	const char *uri = io->param(io->ctx, "REQUEST_URI");
	const char *script, *info;
	size_t len;
	int n;

	if (uri != NULL && uri[0] == '/') {
		len = strcspn(uri, "?#");
		if (len >= size)
			return false;
		memcpy(path, uri, len);
		path[len] = '\0';

		/* The web server passes REQUEST_URI as the client sent it. */
		if (!percent_decode(path))
			return false;
		len = strlen(path);
	} else {
		script = io->param(io->ctx, "SCRIPT_NAME");
		info = io->param(io->ctx, "PATH_INFO");
		n = snprintf(path, size, "%s%s", script != NULL ? script : "",
		    info != NULL ? info : "");
		if (n <= 0 || (size_t)n >= size || path[0] != '/')
			return false;
		len = (size_t)n;
	}

	/* Every route matches with and without a trailing slash. */
	if (len > 1 && path[len - 1] == '/')
		path[len - 1] = '\0';
	return true;
}

/*
 * Checks the parameters after "application/json", p at the first ';'.
 * A charset parameter must be well formed (RFC 9110: name=value, no white
 * space around '=', the value a token or a quoted string) and utf-8 or
 * utf8.  Other parameters pass unless a quoted value never ends.
 */
static bool
json_parameters_acceptable(const char *p)
{
	char value[8];		/* "utf-8" fits; a longer value is no utf-8 */
	const char *name;
	size_t name_len, value_len;
	bool is_charset;

	while (*p != '\0') {
		p += strspn(p, "; \t");
		if (*p == '\0')
			break;

		name = p;
		name_len = strcspn(p, "=; \t\"");
		p += name_len;
		is_charset = name_len == 7 && strncasecmp(name, "charset", 7) == 0;
		if (*p != '=') {
			if (is_charset)
				return false;
			p += strcspn(p, ";");
			continue;
		}

		/* The value, unquoted: a backslash quotes the next byte. */
		p++;
		value_len = 0;
		if (*p == '"') {
			for (p++; *p != '\0' && *p != '"'; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				if (value_len < sizeof(value))
					value[value_len] = *p;
				value_len++;
			}
			if (*p != '"')
				return false;
			p++;
		} else {
			for (; *p != '\0' && strchr("; \t\"", *p) == NULL; p++) {
				if (value_len < sizeof(value))
					value[value_len] = *p;
				value_len++;
			}
		}
		p += strspn(p, " \t");
		if (!is_charset) {
			p += strcspn(p, ";");
			continue;
		}

		if (*p != '\0' && *p != ';')
			return false;
		if (!(value_len == 5 && strncasecmp(value, "utf-8", 5) == 0) &&
		    !(value_len == 4 && strncasecmp(value, "utf8", 4) == 0))
			return false;
	}
	return true;
}

bool
pv_request_is_json(const pv_request_io *io)
{
	const char *type = io->param(io->ctx, "CONTENT_TYPE");
	const char *p;

	if (type == NULL)
		return false;
	while (*type == ' ' || *type == '\t')
		type++;
	if (strncasecmp(type, "application/json", 16) != 0)
		return false;

	/* Only parameters may follow: "application/json; charset=utf-8". */
	p = type + 16;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return true;
	if (*p != ';')
		return false;
	return json_parameters_acceptable(p);
}

/* Parses CONTENT_LENGTH: digits only, no sign, no white space. */
static pv_body_result
content_length(const pv_request_io *io, size_t max_body, size_t *out)
{
	const char *value = io->param(io->ctx, "CONTENT_LENGTH");
	uint64_t n = 0;
	const char *p;

	if (value == NULL || value[0] == '\0')
		return PV_BODY_NO_LENGTH;
	for (p = value; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return PV_BODY_BAD_LENGTH;
		/* Anything past the limit is too large; stop before overflow. */
		if (n > max_body)
			return PV_BODY_TOO_LARGE;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (n > max_body)
		return PV_BODY_TOO_LARGE;
	*out = (size_t)n;
	return PV_BODY_OK;
}

pv_body_result
pv_request_read_body(const pv_request_io *io, size_t max_body, pv_buf *body)
{
	pv_body_result result;
	size_t want = 0;
	ssize_t n;
	char extra;

	pv_buf_reset(body);
	result = content_length(io, max_body, &want);
	if (result != PV_BODY_OK)
		return result;
	if (pv_buf_reserve(body, want) != PV_OK)
		return PV_BODY_NOMEM;

	while (body->len < want) {
		n = io->read(io->ctx, body->data + body->len, want - body->len);
		if (n <= 0)
			return PV_BODY_SHORT;
		body->len += (size_t)n;
	}
	body->data[body->len] = '\0';

	/*
	 * The input must end cleanly where announced: more bytes, or a
	 * stream that breaks instead of ending (an aborted request, a bad
	 * record), mean the body cannot be trusted as sent.
	 */
	n = io->read(io->ctx, &extra, 1);
	if (n > 0)
		return PV_BODY_LONG;
	if (n < 0)
		return PV_BODY_BROKEN;
	return PV_BODY_OK;
}

const char *
pv_response_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 417: return "Expectation Failed";
	case 421: return "Misdirected Request";
	case 422: return "Unprocessable Entity";
	case 426: return "Upgrade Required";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: break;
	}
	if (status >= 400 && status <= 499)
		return "Client Error";
	if (status >= 500 && status <= 599)
		return "Server Error";
	return "Unknown";
}

int
pv_response_send(const pv_request_io *io, int status, const char *headers,
	const char *body, size_t body_len)
{
	char head[512];
	int n;

	n = snprintf(head, sizeof(head), "Status: %d %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "%s\r\n", status, pv_response_reason(status), body_len,
	    headers != NULL ? headers : "");
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	if (io->write(io->ctx, head, (size_t)n) != 0)
		return -1;
	return io->write(io->ctx, body, body_len);
}
