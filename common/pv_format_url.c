/*
 * The "uri" format of the event schemas: an absolute http or https URL,
 * checked as pydantic 2.13's HttpUrl checks one (the WHATWG URL Standard)
 * where the two can be compared, and stricter on raw characters in a host.
 */
#include "pv_format.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "pv_host.h"
#include "pv_utf8.h"

/* Returns the length of an RFC 3986 scheme followed by ':', or 0. */
static size_t
scheme_length(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z'))
		return 0;
	for (i = 1; i < len; i++) {
		if (s[i] == ':')
			return i;
		if (!(((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '+' ||
		    s[i] == '-' || s[i] == '.'))
			return 0;
	}
	return 0;
}

/* Accepts the bytes of non-ASCII characters too: internationalized names. */
static bool
is_host_char(char c)
{
	return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	    (c >= '0' && c <= '9') || (unsigned char)c >= 0x80 ||
	    strchr("-._~%!$&'()*+,;=", c) != NULL;
}

/* Checks host[:port] from an authority, userinfo already removed. */
static const char *
host_error(const char *host, size_t len)
{
	char literal[INET6_ADDRSTRLEN];
	struct in6_addr address;
	const char *reason;
	size_t i = 0, at, port_start;
	long port = 0;

	if (len > 0 && host[0] == '[') {
		/* An IP literal such as [2001:db8::1], checked as an address. */
		for (i = 1; i < len && host[i] != ']'; i++)
			continue;
		if (i == len || i - 1 >= sizeof(literal))
			return "invalid IPv6 address";
		memcpy(literal, host + 1, i - 1);
		literal[i - 1] = '\0';
		if (inet_pton(AF_INET6, literal, &address) != 1)
			return "invalid IPv6 address";
		i++;
	} else {
		while (i < len && host[i] != ':')
			i++;
		if (i == 0)
			return "empty host";
		reason = pv_host_domain_error(host, i);
		if (reason != NULL)
			return reason;

		/* Stricter than pydantic, which also takes '"', '`', '{', '}'. */
		for (at = 0; at < i; at++)
			if (!is_host_char(host[at]))
				return "invalid host character";
	}

	if (i < len && host[i] != ':')
		return "invalid host character";
	port_start = i + 1;
	for (i = port_start; i < len; i++) {
		if (host[i] < '0' || host[i] > '9' || (port = port * 10 +
		    (host[i] - '0')) > 65535)
			return "invalid port number";
	}
	return NULL;
}

/*
 * Checks an absolute http or https URL.  Returns NULL when it is valid;
 * otherwise *type is the pydantic error type and the result the reason.
 */
const char *
pv_format_url_error(const char *s, size_t len, const char **type)
{
	const unsigned char *bytes = (const unsigned char *)s;
	const char *reason;
	size_t scheme, i, n, start, end, host;
	uint32_t cp;

	*type = "url_parsing";
	scheme = scheme_length(s, len);
	if (scheme == 0)
		return "relative URL without a base";
	if (!((scheme == 4 && strncasecmp(s, "http", 4) == 0) ||
	    (scheme == 5 && strncasecmp(s, "https", 5) == 0))) {
		*type = "url_scheme";
		return "scheme";
	}

	/*
	 * Non-ASCII characters are taken as sent, but no white space or
	 * control.  (pydantic 2.13's HttpUrl accepts such URLs too, and
	 * percent-encodes the path and converts the host to punycode.)
	 */
	for (i = 0; i < len; i += n) {
		n = pv_utf8_decode(bytes + i, len - i, &cp);
		if (n == 0 || cp == ' ' || pv_utf8_is_control(cp) ||
		    pv_utf8_is_white_space(cp))
			return "invalid character";
	}
	if (len < scheme + 3 || memcmp(s + scheme, "://", 3) != 0)
		return "expected \"//\" after the scheme";

	/*
	 * For http and https, URL parsers end the authority at '\\' too,
	 * and take it as a '/'.  The host is checked as they read it, and
	 * then the backslash is rejected, so that no reader can take
	 * "http://a.example\\@b.example/" for a URL of b.example.
	 */
	start = scheme + 3;
	end = start;
	while (end < len && s[end] != '/' && s[end] != '?' && s[end] != '#' &&
	    s[end] != '\\')
		end++;
	host = start;
	for (i = start; i < end; i++)
		if (s[i] == '@')
			host = i + 1;
	reason = host_error(s + host, end - host);
	if (reason == NULL && end < len && s[end] == '\\')
		return "invalid host character";
	return reason;
}
