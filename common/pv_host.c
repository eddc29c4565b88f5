/*
 * Host names of URLs, checked as pydantic 2.13's HttpUrl checks them
 * (the URL Standard's host parser, with UTS #46 processing), in part;
 * see pv_host.h.
 */
#include "pv_host.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "pv_format.h"
#include "pv_punycode.h"
#include "pv_utf8.h"

/* The longest host that is decoded and checked, in bytes. */
#define HOST_MAX 2048

static bool
is_hex(char c)
{
	return pv_format_hex_value(c) >= 0;
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
 * Decodes the %XX escapes of host[0..len) into out (size bytes) as URL
 * parsers decode a host, leaving a '%' without two hex digits as it is.
 * Returns the decoded length, or 0 when out is too small.
 */
static size_t
percent_decode(const char *host, size_t len, unsigned char *out,
	size_t size)
{
	size_t at, used = 0;

	for (at = 0; at < len; at++, used++) {
		if (used == size)
			return 0;
		if (host[at] == '%' && at + 2 < len && is_hex(host[at + 1]) &&
		    is_hex(host[at + 2])) {
			out[used] = (unsigned char)(pv_format_hex_value(
			    host[at + 1]) * 16 + pv_format_hex_value(host[at + 2]));
			at += 2;
		} else {
			out[used] = (unsigned char)host[at];
		}
	}
	return used;
}

/*
 * Returns true for a character that no domain may hold once decoded: the
 * URL Standard's forbidden domain code points, plus C1 controls and white
 * space, which UTS #46 disallows or maps to a space.
 */
static bool
is_forbidden_in_domain(uint32_t cp)
{
	if (cp <= 0x20 || pv_utf8_is_control(cp) || pv_utf8_is_white_space(cp))
		return true;
	return cp < 0x80 && strchr("#%/:<>?@[\\]^|", (int)cp) != NULL;
}

/*
 * Returns true for code points that UTS #46 disallows and that the
 * other checks miss: private use, noncharacters, and planes 4 to 13,
 * which no Unicode version up to 16.0 assigns.
 * NOTE: no other IDNA rule is applied: pydantic also rejects the other
 * unassigned code points, a combining mark that starts a label, and in
 * "xn--" labels the characters that UTS #46 maps to others (U+2488).
 */
static bool
is_disallowed_in_domain(uint32_t cp)
{
	return (cp >= 0xe000 && cp <= 0xf8ff) || cp >= 0xf0000 ||
	    (cp >= 0x40000 && cp <= 0xdffff) ||
	    (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe;
}

/*
 * Returns the ASCII character that UTS #46 maps cp to when cp is a
 * full-width form of one (U+FF01 to U+FF5E) or a full stop (U+3002,
 * U+FF0E, U+FF61), else cp.
 */
static uint32_t
map_to_ascii(uint32_t cp)
{
	if (cp == 0x3002 || cp == 0xff0e || cp == 0xff61)
		return '.';
	if (cp >= 0xff01 && cp <= 0xff5e)
		return cp - 0xfee0;
	return cp;
}

/*
 * Parses one dot-separated part of an IPv4 host as the URL Standard does:
 * decimal, hexadecimal after "0x", or octal after a leading 0.  Values
 * above 2^32 are stored as 2^32, which no part may reach.
 */
static bool
parse_ipv4_number(const char *s, size_t len, uint64_t *value)
{
	unsigned radix = 10;
	size_t i = 0;
	int digit;

	if (len == 0)
		return false;
	if (len >= 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
		radix = 16;
		i = 2;
	} else if (len >= 2 && s[0] == '0') {
		radix = 8;
		i = 1;
	}

	*value = 0;
	for (; i < len; i++) {
		digit = pv_format_hex_value(s[i]);
		if (digit < 0 || (unsigned)digit >= radix)
			return false;
		*value = *value * radix + (unsigned)digit;
		if (*value > UINT64_C(0x100000000))
			*value = UINT64_C(0x100000000);
	}
	return true;
}

/*
 * Returns true when the last label of a domain (a trailing dot aside) is
 * a number, which makes URL parsers read the whole host as IPv4.
 */
static bool
ends_in_number(const char *s, size_t len)
{
	size_t start, i;
	uint64_t value;

	if (len > 1 && s[len - 1] == '.')
		len--;
	start = len;
	while (start > 0 && s[start - 1] != '.')
		start--;
	if (parse_ipv4_number(s + start, len - start, &value))
		return true;

	/* Decimal digits count too where octal fails, as in "09". */
	for (i = start; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		continue;
	return len > start && i == len;
}

/* Checks a host read as IPv4: at most four numbers, each in range. */
static bool
is_ipv4(const char *s, size_t len)
{
	uint64_t value, limit;
	size_t start = 0, end, parts = 0;

	if (len > 1 && s[len - 1] == '.')
		len--;
	for (start = 0; start <= len; start = end + 1) {
		end = start;
		while (end < len && s[end] != '.')
			end++;
		if (++parts > 4 || !parse_ipv4_number(s + start, end - start,
		    &value))
			return false;

		/* The last number fills the bytes that the others left. */
		limit = UINT64_C(1) << (8 * (end == len ? 5 - parts : 1));
		if (value >= limit)
			return false;
	}
	return true;
}

/*
 * Checks the label after "xn--" as IDNA does, in part: valid Punycode
 * that decodes to at least one non-ASCII character, and none that the
 * other host checks reject or that map_to_ascii would change.
 */
static bool
is_valid_ace_label(const char *label, size_t len)
{
	uint32_t decoded[HOST_MAX], cp;
	size_t count, i;
	bool non_ascii = false;

	if (!pv_punycode_decode(label, len, decoded, HOST_MAX, &count))
		return false;
	for (i = 0; i < count; i++) {
		cp = decoded[i];
		/* (UTS #46 lower-cases the label before decoding it.) */
		if (cp >= 'A' && cp <= 'Z')
			cp |= 0x20;
		if (is_disallowed_in_domain(cp) || is_forbidden_in_domain(cp) ||
		    map_to_ascii(cp) != cp || shows_nothing_in_host(cp))
			return false;
		non_ascii = non_ascii || cp >= 0x80;
	}
	return non_ascii;
}

/* Checks every "xn--" label of the mapped host s. */
static bool
ace_labels_valid(const char *s, size_t len)
{
	size_t start = 0, end;

	while (start <= len) {
		end = start;
		while (end < len && s[end] != '.')
			end++;
		if (end - start >= 4 && strncasecmp(s + start, "xn--", 4) == 0 &&
		    !is_valid_ace_label(s + start + 4, end - start - 4))
			return false;
		start = end + 1;
	}
	return true;
}

const char *
pv_host_domain_error(const char *host, size_t len)
{
	unsigned char bytes[HOST_MAX];
	size_t used, at, n, visible_len = 0;
	uint32_t cp;

	used = percent_decode(host, len, bytes, sizeof(bytes));
	if (used == 0)
		return "invalid international domain name";

	/*
	 * Map in place as UTS #46 does for what decides the checks below:
	 * drop what shows nothing, and turn full-width ASCII and the other
	 * full stops into ASCII, so "１２３" is a number as in pydantic.
	 */
	for (at = 0; at < used; at += n) {
		n = pv_utf8_decode(bytes + at, used - at, &cp);
		if (n == 0 || is_disallowed_in_domain(cp))
			return "invalid international domain name";
		cp = map_to_ascii(cp);
		if (is_forbidden_in_domain(cp))
			return "invalid international domain name";
		if (cp < 0x80) {
			bytes[visible_len++] = (unsigned char)cp;
		} else if (!shows_nothing_in_host(cp)) {
			memmove(bytes + visible_len, bytes + at, n);
			visible_len += n;
		}
	}
	if (visible_len == 0)
		return "empty host";
	if (!ace_labels_valid((const char *)bytes, visible_len))
		return "invalid international domain name";

	if (ends_in_number((const char *)bytes, visible_len) &&
	    !is_ipv4((const char *)bytes, visible_len))
		return "invalid IPv4 address";
	return NULL;
}
