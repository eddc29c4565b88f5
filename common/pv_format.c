/* String formats of the event schemas; see pv_format.h. */
#include "pv_format.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "pv_host.h"
#include "pv_punycode.h"
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

long
pv_format_hex4(const unsigned char *p)
{
	long value = 0;
	int i, digit;

	for (i = 0; i < 4; i++) {
		digit = pv_format_hex_value((char)p[i]);
		if (digit < 0)
			return -1;
		value = value * 16 + digit;
	}
	return value;
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

/*
 * Returns the length of a label in DNS: its bytes when it is ASCII, else
 * the length of "xn--" and its Punycode encoding, as IDNA sends it (of the
 * label as written, without IDNA's case mapping).  A label longer than 63
 * in any form returns 64.  label is valid UTF-8.
 */
static size_t
dns_label_length(const char *label, size_t len)
{
	const unsigned char *s = (const unsigned char *)label;
	uint32_t cps[63];
	size_t pos, n, count = 0, encoded;
	bool ascii = true;

	/* Every form has at least one byte per code point. */
	for (pos = 0; pos < len; pos += n) {
		if (count == 63)
			return 64;
		n = pv_utf8_decode(s + pos, len - pos, &cps[count]);
		if (n == 0)
			return 64;
		ascii = ascii && cps[count] < 0x80;
		count++;
	}
	if (ascii)
		return len;

	if (!pv_punycode_encoded_length(cps, count, &encoded) ||
	    encoded > 63 - 4)
		return 64;
	return 4 + encoded;
}

/*
 * Checks the length and hyphens of one label of an address's domain.
 * "--" in its third and fourth places is allowed only after "xn", as in
 * Punycode.  Returns NULL when valid.
 */
static const char *
domain_label_error(const char *label, size_t len)
{
	if (len == 0)
		return "the part after the @-sign has an empty label";
	if (dns_label_length(label, len) > 63)
		return "a label after the @-sign is longer than 63 bytes "
		    "(in its xn-- form when not ASCII)";
	if (label[0] == '-' || label[len - 1] == '-')
		return "a label after the @-sign starts or ends with '-'";
	if (len >= 4 && label[2] == '-' && label[3] == '-' &&
	    strncasecmp(label, "xn", 2) != 0)
		return "a label after the @-sign has '--' in its third "
		    "and fourth places";
	return NULL;
}

/*
 * Checks the domain of an address (len bytes of valid UTF-8 after the
 * @-sign).  Returns NULL when valid.
 */
static const char *
domain_error(const char *domain, size_t len)
{
	const unsigned char *s = (const unsigned char *)domain;
	const char *reason;
	size_t pos, n, label_start = 0;
	uint32_t cp;

	/* The address is stored as sent, so look-alikes would stay. */
	for (pos = 0; pos < len; pos += n) {
		n = pv_utf8_decode(s + pos, len - pos, &cp);
		if (pv_host_is_ascii_look_alike(cp))
			return "the part after the @-sign contains a "
			    "full-width character or full stop";
	}

	for (pos = 0; pos <= len; pos++) {
		if (pos < len && domain[pos] != '.') {
			if (s[pos] < 0x80 && !isalnum(s[pos]) && s[pos] != '-')
				return "the part after the @-sign may only "
				    "contain letters, digits, '-' and dots";
			continue;
		}
		reason = domain_label_error(domain + label_start,
		    pos - label_start);
		if (reason != NULL)
			return reason;
		label_start = pos + 1;
	}

	/*
	 * The domain must also pass the checks of a URL host (Punycode,
	 * the Bidi Rule, characters that IDNA rejects), and its top-level
	 * name ends in a letter, so it is not an IPv4 address either.
	 */
	if (pv_host_domain_error(domain, len) != NULL)
		return "the part after the @-sign is not a valid domain name";
	if (s[len - 1] < 0x80 && !isalpha(s[len - 1]))
		return "the part after the @-sign does not end in a "
		    "top-level domain name";
	return NULL;
}

/* Returns NULL for a valid address, else the reason it is not. */
const char *
pv_format_email_error(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	const char *at, *reason;
	size_t pos = 0, n, local_len;
	uint32_t cp;

	while (pos < len) {
		n = pv_utf8_decode(s + pos, len - pos, &cp);
		if (n == 0 || pv_utf8_is_control(cp) ||
		    pv_utf8_is_white_space(cp))
			return "it must not contain white space or control "
			    "characters";
		if (pv_utf8_is_invisible(cp))
			return "it must not contain characters that show "
			    "nothing";
		if (pv_utf8_is_private_use_or_noncharacter(cp))
			return "it must not contain private-use characters "
			    "or noncharacters";
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
	return domain_error(at + 1, len - local_len - 1);
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
	if (len == 1 && s[0] == 'Z')
		return NULL;

	/* RFC 3339 allows "z", but Python 3.11's datetime.fromisoformat,
	 * which consumers may parse with, rejects it. */
	if (len == 1 && s[0] == 'z')
		return "a lower-case z is not accepted as the timezone, "
		    "expected Z";
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
