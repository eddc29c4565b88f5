/*
 * Checks shared by the libFuzzer targets.  A failed check prints what
 * broke and aborts, which libFuzzer reports as a crash with the input.
 */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

/*
 * Returns true when s is usable as a NATS subject token and header
 * value: 1 to max_len letters, digits, '-' or '_', so no '.', '*', '>',
 * white space, CR or LF.
 */
static inline bool
fuzz_is_token(const char *s, size_t max_len)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return i > 0 && i <= max_len;
}

#endif
