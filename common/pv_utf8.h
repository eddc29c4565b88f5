/*
 * UTF-8 decoding and the character classes the field rules use.
 */
#ifndef PV_UTF8_H
#define PV_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the UTF-8 character at s (n bytes available) into *cp and
 * returns its length, or 0 for a malformed or overlong sequence, a
 * surrogate or a value above U+10FFFF.
 */
size_t pv_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* C0 controls, DEL and C1 controls. */
bool pv_utf8_is_control(uint32_t cp);

/* Returns true for private-use code points and Unicode's noncharacters. */
bool pv_utf8_is_private_use_or_noncharacter(uint32_t cp);

/* The Unicode White_Space property (Unicode 15). */
bool pv_utf8_is_white_space(uint32_t cp);

/*
 * Returns true for characters that show nothing: the
 * Default_Ignorable_Code_Point set, U+2800 and U+FFF9 to U+FFFB.
 */
bool pv_utf8_is_invisible(uint32_t cp);

#endif
