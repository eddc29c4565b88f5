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
 * Returns true for a character that shows nothing in a host: those
 * that UTS #46 ignores in internationalized names (the zero-width
 * space, soft hyphen, word joiner, variation selectors...) and the
 * zero-width joiners.  pydantic 2.13 reports a host of only these as
 * empty.  (The other characters that pv_utf8_is_invisible lists, such
 * as direction overrides and the Hangul fillers, are rejected in a host
 * instead.)
 */
static bool
shows_nothing_in_host(uint32_t cp)
{
	return cp == 0xad || cp == 0x34f || (cp >= 0x180b && cp <= 0x180d) ||
	    cp == 0x180f || (cp >= 0x200b && cp <= 0x200d) ||
	    cp == 0x2060 || cp == 0x2064 || (cp >= 0xfe00 && cp <= 0xfe0f) ||
	    cp == 0xfeff || (cp >= 0x1bca0 && cp <= 0x1bca3) ||
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
 * Returns true for format controls (general category Cf) that UTS #46
 * does not ignore: the bidirectional controls, the joiners (which IDNA
 * allows only after a virama) and the rest, which pydantic rejects.
 */
static bool
is_format_control(uint32_t cp)
{
	return (cp >= 0x600 && cp <= 0x605) || cp == 0x61c || cp == 0x6dd ||
	    cp == 0x70f || cp == 0x890 || cp == 0x891 || cp == 0x8e2 ||
	    cp == 0x180e || (cp >= 0x200c && cp <= 0x200f) ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2061 && cp <= 0x2063) ||
	    (cp >= 0x2066 && cp <= 0x206f) || (cp >= 0xfff9 && cp <= 0xfffb) ||
	    cp == 0x110bd || cp == 0x110cd || (cp >= 0x13430 && cp <= 0x1343f) ||
	    (cp >= 0x1d173 && cp <= 0x1d17a) || cp == 0xe0001 ||
	    (cp >= 0xe0020 && cp <= 0xe007f);
}

/*
 * Returns true for the blocks whose characters UTS #46 maps to ASCII
 * letters, digits or punctuation.  These are superscripts, modifier
 * letters, letter-like symbols, number forms, enclosed, small and
 * compatibility forms, mathematical letters and digits, segmented
 * digits, Latin ligatures, Greek spacing accents and Latin-1 symbols.
 * They are rejected, stricter than pydantic, because without the whole
 * mapping table the host that pydantic would see, a number or "a/c" for
 * U+2100, is not known.
 */
static bool
is_compatibility_form(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0xbf) || (cp >= 0x2000 && cp <= 0x218f) ||
	    (cp >= 0x2460 && cp <= 0x24ff) || (cp >= 0x3200 && cp <= 0x33ff) ||
	    (cp >= 0xfe10 && cp <= 0xfe1f) || (cp >= 0xfe30 && cp <= 0xfe6f) ||
	    (cp >= 0xfff0 && cp <= 0xfffd) ||
	    (cp >= 0x1d400 && cp <= 0x1d7ff) ||
	    (cp >= 0x1f100 && cp <= 0x1f1e5) ||
	    cp == 0x132 || cp == 0x133 || cp == 0x17f ||
	    (cp >= 0x1c4 && cp <= 0x1cc) || (cp >= 0x1f1 && cp <= 0x1f3) ||
	    (cp >= 0x2b0 && cp <= 0x2b8) || (cp >= 0x2d8 && cp <= 0x2dd) ||
	    (cp >= 0x2e0 && cp <= 0x2e4) || cp == 0x37a || cp == 0x37e ||
	    (cp >= 0x1d2c && cp <= 0x1d6a) || cp == 0x1d78 ||
	    (cp >= 0x1d9b && cp <= 0x1dbf) || cp == 0x1fbd ||
	    (cp >= 0x1fbf && cp <= 0x1fc1) || (cp >= 0x1fcd && cp <= 0x1fcf) ||
	    (cp >= 0x1fdd && cp <= 0x1fdf) || (cp >= 0x1fed && cp <= 0x1fef) ||
	    cp == 0x1ffd || cp == 0x1ffe || (cp >= 0x2a74 && cp <= 0x2a76) ||
	    cp == 0x2c7c || cp == 0x2c7d || (cp >= 0xa7f2 && cp <= 0xa7f4) ||
	    (cp >= 0xfb00 && cp <= 0xfb06) || (cp >= 0x10780 && cp <= 0x107ba) ||
	    (cp >= 0x1fbf0 && cp <= 0x1fbf9);
}

/*
 * Returns true for code points that UTS #46 disallows and that the
 * other checks miss: private use, noncharacters, planes 4 to 13, which
 * no Unicode version up to 16.0 assigns, the Mongolian todo soft hyphen
 * U+1806 and the ideographic description characters.
 * NOTE: no other IDNA rule is applied: pydantic also rejects the other
 * unassigned code points, an Indic combining mark that starts a label,
 * and in "xn--" labels the characters that UTS #46 maps to others and
 * text not in Unicode normalization form C (a letter then U+0308).
 */
static bool
is_disallowed_in_domain(uint32_t cp)
{
	return pv_utf8_is_private_use_or_noncharacter(cp) ||
	    (cp >= 0x40000 && cp <= 0xdffff) || cp == 0x1806 ||
	    (cp >= 0x2ff0 && cp <= 0x2fff) || cp == 0x31ef ||
	    is_format_control(cp) || is_compatibility_form(cp);
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

bool
pv_host_is_ascii_look_alike(uint32_t cp)
{
	return map_to_ascii(cp) != cp;
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
 * Bidirectional classes, from the Unicode blocks rather than the full
 * table: R and AL (right-to-left letters), their combining marks (NSM),
 * AN (Arabic-Indic digits) and EN (European digits).
 */
static bool
is_arabic_number(uint32_t cp)
{
	return (cp >= 0x660 && cp <= 0x669) || cp == 0x66b || cp == 0x66c ||
	    (cp >= 0x10e60 && cp <= 0x10e7e);
}

static bool
is_european_number(uint32_t cp)
{
	return (cp >= '0' && cp <= '9') || (cp >= 0x6f0 && cp <= 0x6f9);
}

static bool
is_rtl_mark(uint32_t cp)
{
	return (cp >= 0x591 && cp <= 0x5bd) || cp == 0x5bf || cp == 0x5c1 ||
	    cp == 0x5c2 || cp == 0x5c4 || cp == 0x5c5 || cp == 0x5c7 ||
	    (cp >= 0x610 && cp <= 0x61a) || (cp >= 0x64b && cp <= 0x65f) ||
	    cp == 0x670 || (cp >= 0x6d6 && cp <= 0x6dc) ||
	    (cp >= 0x6df && cp <= 0x6e4) || cp == 0x6e7 || cp == 0x6e8 ||
	    (cp >= 0x6ea && cp <= 0x6ed);
}

static bool
is_rtl(uint32_t cp)
{
	if (is_arabic_number(cp) || is_european_number(cp) ||
	    is_rtl_mark(cp))
		return false;
	return (cp >= 0x590 && cp <= 0x8ff) ||
	    (cp >= 0xfb1d && cp <= 0xfdff) || (cp >= 0xfe70 && cp <= 0xfeff) ||
	    (cp >= 0x10800 && cp <= 0x10fff) ||
	    (cp >= 0x1e800 && cp <= 0x1efff);
}

/*
 * Checks an RTL label by RFC 5893's rules 1 to 4: it starts with an RTL
 * letter, contains no ASCII letter, ends (marks aside) with an RTL
 * letter or a digit, and does not mix the two kinds of digits.  Letters
 * of other left-to-right scripts are not recognized.
 */
static bool
rtl_label_valid(const uint32_t *cps, size_t count)
{
	bool european = false, arabic = false;
	size_t i, last = count;

	if (!is_rtl(cps[0]))
		return false;
	for (i = 0; i < count; i++) {
		if ((cps[i] | 0x20) >= 'a' && (cps[i] | 0x20) <= 'z')
			return false;
		european = european || is_european_number(cps[i]);
		arabic = arabic || is_arabic_number(cps[i]);
	}
	while (last > 1 && is_rtl_mark(cps[last - 1]))
		last--;
	if (!is_rtl(cps[last - 1]) && !is_european_number(cps[last - 1]) &&
	    !is_arabic_number(cps[last - 1]))
		return false;
	return !(european && arabic);
}

/*
 * Checks an LTR label of a host that has an RTL label, by RFC 5893's
 * rules 1, 5 and 6: it starts with a letter, ends with a letter or a
 * digit, and contains no Arabic-Indic digit.
 */
static bool
ltr_label_valid(const uint32_t *cps, size_t count)
{
	uint32_t first = cps[0], last = cps[count - 1];
	size_t i;

	if (first < 0x80 && !((first | 0x20) >= 'a' && (first | 0x20) <= 'z'))
		return false;
	if (last < 0x80 && !((last | 0x20) >= 'a' && (last | 0x20) <= 'z') &&
	    !is_european_number(last))
		return false;
	for (i = 0; i < count; i++)
		if (is_arabic_number(cps[i]))
			return false;
	return true;
}

/*
 * Decodes the label after "xn--" into cps (*count of them) and checks
 * it as IDNA does, in part.  It must be valid Punycode that decodes to
 * at least one non-ASCII character, and to none that the other host
 * checks reject or that map_to_ascii would change.
 */
static bool
decode_ace_label(const char *label, size_t len, uint32_t *cps,
	size_t *count)
{
	size_t i;
	bool non_ascii = false;

	if (!pv_punycode_decode(label, len, cps, HOST_MAX, count))
		return false;
	for (i = 0; i < *count; i++) {
		/* (UTS #46 lower-cases the label before decoding it.) */
		if (cps[i] >= 'A' && cps[i] <= 'Z')
			cps[i] |= 0x20;
		if (is_disallowed_in_domain(cps[i]) ||
		    is_forbidden_in_domain(cps[i]) ||
		    map_to_ascii(cps[i]) != cps[i] ||
		    shows_nothing_in_host(cps[i]) ||
		    pv_utf8_is_invisible(cps[i]))
			return false;
		non_ascii = non_ascii || cps[i] >= 0x80;
	}
	return non_ascii;
}

/*
 * Sets cps to the code points of the label s (len bytes of valid UTF-8,
 * already mapped), Punycode-decoded after "xn--".  Returns false for an
 * "xn--" label that decode_ace_label rejects.
 */
static bool
label_code_points(const char *s, size_t len, uint32_t *cps, size_t *count)
{
	const unsigned char *bytes = (const unsigned char *)s;
	size_t at, n;

	if (len >= 4 && strncasecmp(s, "xn--", 4) == 0)
		return decode_ace_label(s + 4, len - 4, cps, count);
	*count = 0;
	for (at = 0; at < len; at += n) {
		n = pv_utf8_decode(bytes + at, len - at, &cps[*count]);
		if (n == 0)
			return false;
		(*count)++;
	}
	return true;
}

/*
 * Calls check on the code points of every label of the mapped host s,
 * and returns false as soon as one fails or is an invalid "xn--" label.
 */
static bool
each_label(const char *s, size_t len, bool (*check)(const uint32_t *,
	size_t, void *), void *arg)
{
	uint32_t cps[HOST_MAX];
	size_t start = 0, end, count;

	while (start <= len) {
		end = start;
		while (end < len && s[end] != '.')
			end++;
		if (!label_code_points(s + start, end - start, cps, &count) ||
		    !check(cps, count, arg))
			return false;
		start = end + 1;
	}
	return true;
}

/* Returns true for a label that RFC 5893 calls RTL: R, AL or AN in it. */
static bool
is_rtl_label(const uint32_t *cps, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (is_rtl(cps[i]) || is_arabic_number(cps[i]))
			return true;
	return false;
}

/*
 * Returns true for the combining marks of the blocks that contain
 * nothing else, which IDNA forbids at the start of a label.  The marks
 * of the Indic and other scripts, whose blocks contain letters too, are
 * not recognized.
 */
static bool
is_combining_mark(uint32_t cp)
{
	return (cp >= 0x300 && cp <= 0x36f) || (cp >= 0x483 && cp <= 0x489) ||
	    (cp >= 0x1ab0 && cp <= 0x1aff) || (cp >= 0x1dc0 && cp <= 0x1dff) ||
	    (cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0xfe20 && cp <= 0xfe2f) ||
	    is_rtl_mark(cp);
}

/* Records in *found whether a label is RTL; fails one that starts with
 * a combining mark. */
static bool
note_rtl(const uint32_t *cps, size_t count, void *found)
{
	if (count > 0 && is_combining_mark(cps[0]))
		return false;
	if (is_rtl_label(cps, count))
		*(bool *)found = true;
	return true;
}

/* Applies the Bidi Rule to a label of a host that has an RTL label. */
static bool
check_bidi(const uint32_t *cps, size_t count, void *unused)
{
	(void)unused;
	if (count == 0)
		return true;
	if (is_rtl_label(cps, count))
		return rtl_label_valid(cps, count);
	return ltr_label_valid(cps, count);
}

/* Checks every label: "xn--" labels, then the Bidi Rule if it applies. */
static bool
labels_valid(const char *s, size_t len)
{
	bool has_rtl = false;

	if (!each_label(s, len, note_rtl, &has_rtl))
		return false;
	return !has_rtl || each_label(s, len, check_bidi, NULL);
}

const char *
pv_host_domain_error(const char *host, size_t len)
{
	unsigned char bytes[HOST_MAX];
	size_t used, at, n, visible_len = 0;
	uint32_t cp;

	if (len == 0)
		return "empty host";
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
		if (n == 0)
			return "invalid international domain name";
		if (shows_nothing_in_host(cp) && cp != 0x200c && cp != 0x200d)
			continue;
		if (is_disallowed_in_domain(cp) || pv_utf8_is_invisible(cp))
			return "invalid international domain name";
		cp = map_to_ascii(cp);
		if (is_forbidden_in_domain(cp))
			return "invalid international domain name";
		if (cp < 0x80) {
			bytes[visible_len++] = (unsigned char)cp;
		} else {
			memmove(bytes + visible_len, bytes + at, n);
			visible_len += n;
		}
	}
	if (visible_len == 0)
		return "empty host";
	if (!labels_valid((const char *)bytes, visible_len))
		return "invalid international domain name";

	if (ends_in_number((const char *)bytes, visible_len) &&
	    !is_ipv4((const char *)bytes, visible_len))
		return "invalid IPv4 address";
	return NULL;
}
