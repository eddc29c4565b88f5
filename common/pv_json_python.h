/*
 * The first syntax error that Python's json module (CPython 3.11's C
 * scanner, behind the old FastAPI service) finds in a body, with its
 * message, so that a json_invalid violation carries the same ctx.error
 * text and position as before.
 */
#ifndef PV_JSON_PYTHON_H
#define PV_JSON_PYTHON_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Looks for the first error json.loads would raise on the len bytes of
 * body (a byte order mark already removed).  Returns true and sets
 * *offset (in bytes, where Python counts characters) and *error (static
 * text such as "Expecting value") when it finds one.  Returns false when
 * Python would accept the body, or when the error lies deeper than
 * max_depth levels of nesting, where the caller rejects the body anyway.
 * Python accepts what the handlers reject (NaN, Infinity, unpaired
 * surrogates, invalid UTF-8 inside strings, repeated keys), so false does
 * not mean valid.
 */
bool pv_json_python_error(const char *body, size_t len, int max_depth,
	size_t *offset, const char **error);

#endif
