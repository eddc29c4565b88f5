/* UTF-8 decoding and character classes; see pv_utf8.h. */
#include "pv_utf8.h"

/*
 * Decodes the UTF-8 character at s (n bytes available) into *cp and
 * returns its length, or 0 for a malformed or overlong sequence, a
 * surrogate or a value above U+10FFFF.
 */
size_t
pv_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t min_value[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len, i;
	uint32_t value;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}

	/* The lead byte gives the length; 80-BF and F8-FF lead nothing. */
	if (s[0] >= 0xf8 || s[0] < 0xc0)
		return 0;
	if (s[0] >= 0xf0)
		len = 4;
	else if (s[0] >= 0xe0)
		len = 3;
	else
		len = 2;
	if (len > n)
		return 0;

	value = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		value = value << 6 | (s[i] & 0x3f);
	}

	if (value < min_value[len] || value > 0x10ffff ||
	    (value >= 0xd800 && value <= 0xdfff))
		return 0;
	*cp = value;
	return len;
}

/* C0 controls, DEL and C1 controls. */
bool
pv_utf8_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* Returns true for private-use code points and Unicode's noncharacters. */
bool
pv_utf8_is_private_use_or_noncharacter(uint32_t cp)
{
	return (cp >= 0xe000 && cp <= 0xf8ff) || cp >= 0xf0000 ||
	    (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe;
}

/* The Unicode White_Space property (Unicode 15). */
bool
pv_utf8_is_white_space(uint32_t cp)
{
	return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 ||
	    cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
	    cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f ||
	    cp == 0x3000;
}

/*
 * Returns true for characters that show nothing: Unicode's
 * Default_Ignorable_Code_Point set (such as the zero-width space, the
 * direction marks and the Hangul fillers), the braille pattern blank
 * U+2800 and the interlinear annotation characters U+FFF9 to U+FFFB.
 * A name of only these looks empty.
 */
bool
pv_utf8_is_invisible(uint32_t cp)
{
	if (cp < 0x2000)
		return cp == 0xad || cp == 0x34f || cp == 0x61c ||
		    cp == 0x115f || cp == 0x1160 || cp == 0x17b4 ||
		    cp == 0x17b5 || (cp >= 0x180b && cp <= 0x180f);
	if (cp < 0x10000)
		return (cp >= 0x200b && cp <= 0x200f) ||
		    (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2060 && cp <= 0x206f) || cp == 0x2800 ||
		    cp == 0x3164 || (cp >= 0xfe00 && cp <= 0xfe0f) ||
		    cp == 0xfeff || cp == 0xffa0 ||
		    (cp >= 0xfff0 && cp <= 0xfffb);
	return (cp >= 0x1bca0 && cp <= 0x1bca3) ||
	    (cp >= 0x1d173 && cp <= 0x1d17a) ||
	    (cp >= 0xe0000 && cp <= 0xe0fff);
}
