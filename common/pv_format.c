/* String formats of the event schemas; see pv_format.h. */
#include "pv_format.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "pv_utf8.h"

int
pv_format_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
is_hex(char c)
{
	return pv_format_hex_value(c) >= 0;
}

/* The canonical 8-4-4-4-12 form, any version, either case. */
bool
pv_format_is_uuid(const char *s, size_t len)
{
	size_t i;

	if (len != 36)
		return false;
	for (i = 0; i < len; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!is_hex(s[i])) {
			return false;
		}
	}
	return true;
}

/* 26 characters of Crockford base32 (no I, L, O or U), either case; a
 * first character above 7 would not fit in 128 bits. */
bool
pv_format_is_ulid(const char *s, size_t len)
{
	static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
	size_t i;
	char c;

	if (len != 26 || s[0] < '0' || s[0] > '7')
		return false;
	for (i = 0; i < len; i++) {
		c = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] | 0x20 : s[i]);
		if (c == '\0' || strchr(alphabet, c) == NULL)
			return false;
	}
	return true;
}

/*
 * Checks the unquoted local part (RFC 5322 dot-atom): no leading,
 * trailing or doubled dot, and none of the specials that only a quoted
 * local part may hold.  Returns NULL when valid.
 */
static const char *
local_part_error(const char *local, size_t len)
{
	size_t i;

	if (local[0] == '.' || local[len - 1] == '.')
		return "the part before the @-sign starts or ends with a dot";
	for (i = 0; i < len; i++) {
		if (local[i] == '.' && local[i + 1] == '.')
			return "the part before the @-sign has two dots in a "
			    "row";
		if (strchr("()<>[]:;,\\\"", local[i]) != NULL)
			return "the part before the @-sign contains a "
			    "character that needs quoting";
	}
	return NULL;
}

/* Returns NULL for a valid address, else the reason it is not. */
const char *
pv_format_email_error(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	const char *at, *reason;
	size_t pos = 0, n, local_len, label_start;
	uint32_t cp;

	while (pos < len) {
		n = pv_utf8_decode(s + pos, len - pos, &cp);
		if (n == 0 || pv_utf8_is_control(cp) || pv_utf8_is_white_space(cp))
			return "it must not contain white space or control "
			    "characters";
		pos += n;
	}

	at = memchr(str, '@', len);
	if (at == NULL || memchr(at + 1, '@', len - (size_t)(at - str) - 1))
		return "it must have exactly one @-sign";
	local_len = (size_t)(at - str);
	if (local_len == 0)
		return "there must be something before the @-sign";
	if (local_len > 64)
		return "the part before the @-sign is longer than 64 bytes";
	if (memchr(at + 1, '.', len - local_len - 1) == NULL)
		return "the part after the @-sign must contain a dot";
	if ((reason = local_part_error(str, local_len)) != NULL)
		return reason;

	/*
	 * Every label between dots is non-empty, of letters, digits and '-'
	 * (or non-ASCII, for internationalized names), and neither starts
	 * nor ends with '-'.
	 */
	label_start = local_len + 1;
	for (pos = label_start; pos <= len; pos++) {
		if (pos < len && str[pos] != '.') {
			if (s[pos] < 0x80 && !isalnum(s[pos]) && s[pos] != '-')
				return "the part after the @-sign may only "
				    "contain letters, digits, '-' and dots";
			continue;
		}
		if (pos == label_start)
			return "the part after the @-sign has an empty label";
		if (str[label_start] == '-' || str[pos - 1] == '-')
			return "a label after the @-sign starts or ends "
			    "with '-'";
		label_start = pos + 1;
	}
	return NULL;
}

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

/*
 * Returns true for a character that shows nothing in a host.  Besides
 * those that pv_utf8_is_invisible lists, these are the ones UTS #46
 * ignores in internationalized names, such as the soft hyphen and the
 * variation selectors.  pydantic 2.13 reports a host of only these as
 * empty.
 */
static bool
shows_nothing_in_host(uint32_t cp)
{
	return pv_utf8_is_invisible(cp) || cp == 0xad || cp == 0x34f ||
	    (cp >= 0x180b && cp <= 0x180f) || cp == 0x2064 ||
	    (cp >= 0xfe00 && cp <= 0xfe0f) ||
	    (cp >= 0x1bca0 && cp <= 0x1bca3) ||
	    (cp >= 0xe0100 && cp <= 0xe01ef);
}

/*
 * Returns true when no character in the first len bytes of host shows
 * anything, by shows_nothing_in_host, after %XX escapes are decoded as
 * URL parsers decode them in a host.
 */
static bool
host_is_invisible(const char *host, size_t len)
{
	unsigned char bytes[2048];
	size_t at, used = 0, n;
	uint32_t cp;

	for (at = 0; at < len && used < sizeof(bytes); at++, used++) {
		if (host[at] == '%' && at + 2 < len && is_hex(host[at + 1]) &&
		    is_hex(host[at + 2])) {
			bytes[used] = (unsigned char)(pv_format_hex_value(
			    host[at + 1]) * 16 + pv_format_hex_value(host[at + 2]));
			at += 2;
		} else {
			bytes[used] = (unsigned char)host[at];
		}
	}
	if (at < len)
		return false;

	for (at = 0; at < used; at += n) {
		n = pv_utf8_decode(bytes + at, used - at, &cp);
		if (n == 0 || !shows_nothing_in_host(cp))
			return false;
	}
	return true;
}

/* Checks host[:port] from an authority, userinfo already removed. */
static const char *
host_error(const char *host, size_t len)
{
	size_t i = 0, port_start;
	long port = 0;

	if (len > 0 && host[0] == '[') {
		/* An IP literal such as [2001:db8::1]. */
		for (i = 1; i < len && host[i] != ']'; i++)
			if (!is_hex(host[i]) && host[i] != ':' && host[i] != '.')
				return "invalid IPv6 address";
		if (i == len || i == 1)
			return "invalid IPv6 address";
		i++;
	} else {
		while (i < len && host[i] != ':' && is_host_char(host[i]))
			i++;
		if (i == 0 || host_is_invisible(host, i))
			return "empty host";
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

	start = scheme + 3;
	end = start;
	while (end < len && s[end] != '/' && s[end] != '?' && s[end] != '#')
		end++;
	host = start;
	for (i = start; i < end; i++)
		if (s[i] == '@')
			host = i + 1;
	return host_error(s + host, end - host);
}

static bool
read_digits(const char *s, size_t n, unsigned *out)
{
	size_t i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*out = *out * 10 + (unsigned)(s[i] - '0');
	}
	return true;
}

static unsigned
days_in_month(unsigned year, unsigned month)
{
	static const unsigned days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/*
 * Checks "Z" or "+HH:MM" / "-HH:MM" making up all of s, and sets
 * *offset_min to the zone's offset from UTC in minutes.
 */
static const char *
zone_error(const char *s, size_t len, int *offset_min)
{
	unsigned hours, minutes;

	*offset_min = 0;
	if (len == 1 && (s[0] == 'Z' || s[0] == 'z'))
		return NULL;
	if (s[0] != '+' && s[0] != '-')
		return "invalid timezone sign";
	if (len != 6 || s[3] != ':' || !read_digits(s + 1, 2, &hours) ||
	    !read_digits(s + 4, 2, &minutes))
		return "invalid timezone offset, expected +HH:MM or -HH:MM";
	if (hours > 23)
		return "timezone offset must be less than 24 hours";
	if (minutes > 59)
		return "timezone offset minutes must be 0-59";
	*offset_min = (int)(hours * 60 + minutes) * (s[0] == '-' ? -1 : 1);
	return NULL;
}

/*
 * Returns true when the moment leaves the years 1 to 9999 once moved to
 * UTC, which Python's datetime cannot hold (astimezone fails).
 */
static bool
outside_utc_years(unsigned year, unsigned month, unsigned day,
	unsigned minute_of_day, int offset_min)
{
	int utc = (int)minute_of_day - offset_min;

	if (year == 1 && month == 1 && day == 1 && utc < 0)
		return true;
	return year == 9999 && month == 12 && day == 31 && utc >= 24 * 60;
}

/*
 * Checks an RFC 3339 date-time.  Returns NULL when it is valid, with
 * *zone_missing set when all but the zone is valid; otherwise the reason.
 */
const char *
pv_format_date_time_error(const char *s, size_t len, bool *zone_missing)
{
	unsigned year, month, day, hour, minute, second;
	size_t pos = 19, digits;
	const char *error;
	int offset_min;

	*zone_missing = false;
	if (len < 19)
		return "input is too short";
	if (!read_digits(s, 4, &year))
		return "invalid character in year";
	/* Python's datetime, which the consumers use, has no year 0. */
	if (year == 0)
		return "year value is outside expected range of 1-9999";
	if (s[4] != '-' || s[7] != '-')
		return "invalid date separator, expected `-`";
	if (!read_digits(s + 5, 2, &month) || month < 1 || month > 12)
		return "month value is outside expected range of 1-12";
	if (!read_digits(s + 8, 2, &day) || day < 1 ||
	    day > days_in_month(year, month))
		return "day value is outside expected range";
	if (s[10] != 'T' && s[10] != 't')
		return "invalid date and time separator, expected `T`";
	if (s[13] != ':' || s[16] != ':')
		return "invalid time separator, expected `:`";
	if (!read_digits(s + 11, 2, &hour) || hour > 23)
		return "hour value is outside expected range of 0-23";
	if (!read_digits(s + 14, 2, &minute) || minute > 59)
		return "minute value is outside expected range of 0-59";
	/*
	 * RFC 3339 allows a leap second (60), but Python's datetime, which
	 * the consumers use, cannot hold one.
	 */
	if (!read_digits(s + 17, 2, &second) || second > 59)
		return "second value is outside expected range of 0-59";

	if (pos < len && s[pos] == '.') {
		for (digits = 0; ++pos < len && s[pos] >= '0' &&
		    s[pos] <= '9'; digits++)
			;
		if (digits == 0)
			return "second fraction must have at least one digit";
	}

	if (pos == len) {
		*zone_missing = true;
		return NULL;
	}
	if ((error = zone_error(s + pos, len - pos, &offset_min)) != NULL)
		return error;
	if (outside_utc_years(year, month, day, hour * 60 + minute,
	    offset_min))
		return "date-time is outside the years 1 to 9999 in UTC";
	return NULL;
}
