/*
 * pv_punycode_decode: the samples of RFC 3492 section 7.1, and inputs
 * that are no Punycode.  pv_punycode_encoded_length: the lengths of
 * those samples' encodings.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "pv_punycode.h"

static size_t
decode(const char *in, uint32_t *out, size_t max)
{
	size_t n = 0;

	cr_assert(pv_punycode_decode(in, strlen(in), out, max, &n),
	    "%s was not decoded", in);
	return n;
}

/* RFC 3492 7.1 (A) Arabic (Egyptian) and (B) Chinese (simplified). */
Test(punycode, rfc_samples)
{
	static const uint32_t arabic[] = { 0x644, 0x64a, 0x647, 0x645, 0x627,
	    0x628, 0x62a, 0x643, 0x644, 0x645, 0x648, 0x634, 0x639, 0x631,
	    0x628, 0x64a, 0x61f };
	static const uint32_t chinese[] = { 0x4ed6, 0x4eec, 0x4e3a, 0x4ec0,
	    0x4e48, 0x4e0d, 0x8bf4, 0x4e2d, 0x6587 };
	uint32_t out[64];
	size_t n;

	n = decode("egbpdaj6bu4bxfgehfvwxn", out, 64);
	cr_assert_eq(n, sizeof(arabic) / sizeof(arabic[0]));
	cr_assert_arr_eq(out, arabic, sizeof(arabic));
	n = decode("ihqwcrb4cv8a8dqg056pqjye", out, 64);
	cr_assert_eq(n, sizeof(chinese) / sizeof(chinese[0]));
	cr_assert_arr_eq(out, chinese, sizeof(chinese));
}

/* Basic code points before the last '-', and upper-case digits. */
Test(punycode, basic_and_case)
{
	static const uint32_t muenchen[] = { 'm', 0xfc, 'n', 'c', 'h', 'e',
	    'n' };
	uint32_t out[16];
	size_t n;

	n = decode("mnchen-3ya", out, 16);
	cr_assert_eq(n, 7);
	cr_assert_arr_eq(out, muenchen, sizeof(muenchen));
	n = decode("mnchen-3YA", out, 16);
	cr_assert_eq(n, 7);
	cr_assert_arr_eq(out, muenchen, sizeof(muenchen));
	n = decode("abc-", out, 16);
	cr_assert_eq(n, 3);
}

Test(punycode, invalid_rejected)
{
	static const char *const bad[] = { "zz", "1234", "0", "a\xc3\xa9-b",
	    "a!", "-a", "99999999999" };
	uint32_t out[16];
	size_t n, i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_not(pv_punycode_decode(bad[i], strlen(bad[i]), out,
		    16, &n), "%s was decoded", bad[i]);

	/* More code points than out holds. */
	cr_expect_not(pv_punycode_decode("egbpdaj6bu4bxfgehfvwxn", 22, out, 4,
	    &n));
}

/* Decodes each encoding and checks that the encoder would give its length. */
Test(punycode, encoded_length_of_samples)
{
	static const char *const samples[] = { "egbpdaj6bu4bxfgehfvwxn",
	    "ihqwcrb4cv8a8dqg056pqjye", "mnchen-3ya", "abc-",
	    "b1abfaaepdrnnbgefbadotcwatmq2g4l", "-> $1.00 <--",
	    "3B-ww4c5e180e575a65lsy2b", "bcher-kva" };
	uint32_t cps[64];
	size_t n, len, i;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		n = decode(samples[i], cps, 64);
		cr_assert(pv_punycode_encoded_length(cps, n, &len), "%s",
		    samples[i]);
		cr_expect_eq(len, strlen(samples[i]), "%s: %zu", samples[i],
		    len);
	}
}

/* A code point far above the others in a long label overflows no count. */
Test(punycode, encoded_length_large_deltas)
{
	uint32_t cps[63];
	size_t len, i;

	for (i = 0; i < 63; i++)
		cps[i] = i % 2 == 0 ? 0x10ffff : 0x80;
	cr_assert(pv_punycode_encoded_length(cps, 63, &len));
	cr_expect_gt(len, 63);
	cr_assert(pv_punycode_encoded_length(cps, 0, &len));
	cr_expect_eq(len, 0);
}
