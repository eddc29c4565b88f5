/*
 * Punycode decoding and encoded length; see pv_punycode.h.  The steps are
 * RFC 3492's 6.2 and 6.3.
 */
#include "pv_punycode.h"

#include <string.h>

/* The parameters RFC 3492 gives for Punycode (section 5). */
#define BASE		36
#define TMIN		1
#define TMAX		26
#define SKEW		38
#define DAMP		700
#define INITIAL_BIAS	72
#define INITIAL_N	0x80

/* Returns the value of digit c, or -1. */
static int
digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0' + 26;
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return (c | 0x20) - 'a';
	return -1;
}

/* The bias adaptation of RFC 3492 section 6.1. */
static uint32_t
adapt(uint32_t delta, uint32_t points, bool first)
{
	uint32_t k = 0;

	delta = first ? delta / DAMP : delta / 2;
	delta += delta / points;
	while (delta > ((BASE - TMIN) * TMAX) / 2) {
		delta /= BASE - TMIN;
		k += BASE;
	}
	return k + (BASE - TMIN + 1) * delta / (delta + SKEW);
}

/*
 * Reads one variable-length number from in[*at..len) into *i, as the
 * inner loop of RFC 3492's decoder does.  Returns false on a bad digit,
 * the end of the input or an overflow.
 */
static bool
read_delta(const char *in, size_t len, size_t *at, uint32_t bias,
	uint32_t *i)
{
	uint32_t w = 1, t, k;
	int digit;

	for (k = BASE;; k += BASE) {
		if (*at >= len || (digit = digit_value(in[(*at)++])) < 0)
			return false;
		if ((uint32_t)digit > (UINT32_MAX - *i) / w)
			return false;
		*i += (uint32_t)digit * w;
		if (k <= bias)
			t = TMIN;
		else if (k >= bias + TMAX)
			t = TMAX;
		else
			t = k - bias;
		if ((uint32_t)digit < t)
			return true;
		if (w > UINT32_MAX / (BASE - t))
			return false;
		w *= BASE - t;
	}
}

bool
pv_punycode_decode(const char *in, size_t len, uint32_t *out, size_t max,
	size_t *out_len)
{
	uint32_t n = INITIAL_N, i = 0, bias = INITIAL_BIAS, old_i, points;
	size_t count = 0, at = 0, basic = 0, j;

	/* The basic code points come before the last '-'; a '-' at the
	 * start delimits nothing. */
	for (j = 0; j < len; j++)
		if (in[j] == '-')
			basic = j;
	if (basic > 0) {
		if (basic > max)
			return false;
		for (j = 0; j < basic; j++) {
			if ((unsigned char)in[j] >= 0x80)
				return false;
			out[count++] = (unsigned char)in[j];
		}
		at = basic + 1;
	}

	while (at < len) {
		old_i = i;
		if (!read_delta(in, len, &at, bias, &i) || count == max)
			return false;
		points = (uint32_t)count + 1;
		bias = adapt(i - old_i, points, old_i == 0);
		if (i / points > UINT32_MAX - n)
			return false;
		n += i / points;
		i %= points;
		if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff))
			return false;

		memmove(out + i + 1, out + i, (count - i) * sizeof(*out));
		out[i++] = n;
		count++;
	}
	*out_len = count;
	return true;
}

/* Returns the threshold t of RFC 3492 for the digit at position k. */
static uint32_t
threshold(uint32_t k, uint32_t bias)
{
	if (k <= bias)
		return TMIN;
	if (k >= bias + TMAX)
		return TMAX;
	return k - bias;
}

/* Returns the number of digits that encode delta q as a variable number. */
static size_t
delta_digits(uint32_t q, uint32_t bias)
{
	size_t digits = 1;
	uint32_t k, t;

	for (k = BASE;; k += BASE) {
		t = threshold(k, bias);
		if (q < t)
			return digits;
		q = (q - t) / (BASE - t);
		digits++;
	}
}

bool
pv_punycode_encoded_length(const uint32_t *in, size_t count,
	size_t *out_len)
{
	uint32_t n = INITIAL_N, delta = 0, bias = INITIAL_BIAS, m;
	size_t basic = 0, handled, j, len;

	for (j = 0; j < count; j++)
		if (in[j] < 0x80)
			basic++;
	len = basic > 0 ? basic + 1 : 0;

	/* Each round encodes every occurrence of the next code point m. */
	for (handled = basic; handled < count; delta++, n++) {
		m = UINT32_MAX;
		for (j = 0; j < count; j++)
			if (in[j] >= n && in[j] < m)
				m = in[j];
		if (m - n > (UINT32_MAX - delta) / (handled + 1))
			return false;
		delta += (m - n) * (uint32_t)(handled + 1);
		n = m;
		for (j = 0; j < count; j++) {
			if (in[j] < n && ++delta == 0)
				return false;
			if (in[j] != n)
				continue;
			len += delta_digits(delta, bias);
			bias = adapt(delta, (uint32_t)(handled + 1),
			    handled == basic);
			delta = 0;
			handled++;
		}
	}
	*out_len = len;
	return true;
}
