/*
 * Punycode (RFC 3492) decoding, for checking the "xn--" labels of a
 * URL's host as IDNA does, and the length of an encoding, for checking
 * the DNS limit on a non-ASCII label.
 */
#ifndef PV_PUNYCODE_H
#define PV_PUNYCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the len bytes of in (the label after "xn--") into at most max
 * code points at out, and sets *out_len.  Returns false when in is not
 * valid Punycode (a character outside it, a truncated number, an
 * overflow, a surrogate or a value past U+10FFFF) or when more than max
 * code points would come out.
 */
bool pv_punycode_decode(const char *in, size_t len, uint32_t *out,
	size_t max, size_t *out_len);

/*
 * Sets *out_len to the length in bytes of the Punycode encoding of the
 * count code points at in (without "xn--"), as RFC 3492's encoder would
 * write it.  Returns false when the encoder would overflow.
 */
bool pv_punycode_encoded_length(const uint32_t *in, size_t count,
	size_t *out_len);

#endif
