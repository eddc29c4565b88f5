/*
 * Python's json syntax errors; see pv_json_python.h.  Each step follows
 * CPython's Modules/_json.c (scanstring_unicode, _parse_object,
 * _parse_array, _match_number, scan_once) and json/decoder.py (decode):
 * the same checks in the same order, on bytes instead of characters.
 * 90,000 random bodies gave the messages and positions of Python
 * 3.11.2's json.loads.
 */
#include "pv_json_python.h"

#include <string.h>

#include "pv_format.h"

enum scan_result {
	SCAN_OK,
	SCAN_ERROR,	/* pos and error are set */
	SCAN_STOP	/* nested deeper than max_depth: give up */
};

struct py_scan {
	const unsigned char *s;
	size_t len;
	int max_depth;
	size_t error_at;
	const char *error;
};

static enum scan_result scan_value(struct py_scan *p, size_t at, int depth,
	size_t *end);

static enum scan_result
fail(struct py_scan *p, size_t at, const char *error)
{
	p->error_at = at;
	p->error = error;
	return SCAN_ERROR;
}

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static size_t
skip_space(const struct py_scan *p, size_t at)
{
	while (at < p->len && is_space(p->s[at]))
		at++;
	return at;
}

/* Scans a \u escape whose 'u' is at u; sets *next past what it took. */
static enum scan_result
scan_u_escape(struct py_scan *p, size_t u, size_t *next)
{
	size_t end = u + 5;
	long high, low;

	/* Python wants a character after the four digits (the quote). */
	if (end >= p->len)
		return fail(p, u, "Invalid \\uXXXX escape");
	high = pv_format_hex4(p->s + u + 1);
	if (high < 0)
		return fail(p, u, "Invalid \\uXXXX escape");
	*next = end;

	/* A high surrogate takes a following \u escape as its pair. */
	if (high < 0xd800 || high > 0xdbff || end + 6 >= p->len ||
	    p->s[end] != '\\' || p->s[end + 1] != 'u')
		return SCAN_OK;
	low = pv_format_hex4(p->s + end + 2);
	if (low < 0)
		return fail(p, end + 1, "Invalid \\uXXXX escape");
	if (low >= 0xdc00 && low <= 0xdfff)
		*next = end + 6;
	return SCAN_OK;
}

/* Scans a string whose opening quote is at start. */
static enum scan_result
scan_string(struct py_scan *p, size_t start, size_t *end)
{
	size_t at = start + 1;
	enum scan_result r;
	unsigned char c;

	for (;;) {
		while (at < p->len && p->s[at] != '"' && p->s[at] != '\\') {
			if (p->s[at] <= 0x1f)
				return fail(p, at, "Invalid control character "
				    "at");
			at++;
		}
		if (at >= p->len)
			return fail(p, start, "Unterminated string starting "
			    "at");
		if (p->s[at] == '"') {
			*end = at + 1;
			return SCAN_OK;
		}

		/* A backslash: at + 1 is the escape letter. */
		if (at + 1 >= p->len)
			return fail(p, start, "Unterminated string starting "
			    "at");
		c = p->s[at + 1];
		if (c == 'u') {
			r = scan_u_escape(p, at + 1, &at);
			if (r != SCAN_OK)
				return r;
		} else if (c != '\0' && strchr("\"\\/bfnrt", c) != NULL) {
			at += 2;
		} else {
			return fail(p, at, "Invalid \\escape");
		}
	}
}

/* Skips the digits from *at. */
static void
skip_digits(const struct py_scan *p, size_t *at)
{
	while (*at < p->len && is_digit(p->s[*at]))
		(*at)++;
}

/* Scans a number at start, as Python's regular expression matches one. */
static enum scan_result
scan_number(struct py_scan *p, size_t start, size_t *end)
{
	size_t at = start, e_start;

	if (p->s[at] == '-' && ++at >= p->len)
		return fail(p, start, "Expecting value");
	if (p->s[at] >= '1' && p->s[at] <= '9') {
		at++;
		skip_digits(p, &at);
	} else if (p->s[at] == '0') {
		at++;
	} else {
		return fail(p, start, "Expecting value");
	}

	/* A fraction needs a digit after the dot, or the number ends. */
	if (at + 1 < p->len && p->s[at] == '.' && is_digit(p->s[at + 1])) {
		at += 2;
		skip_digits(p, &at);
	}

	/* An exponent without digits is left out of the number. */
	if (at + 1 < p->len && (p->s[at] | 0x20) == 'e') {
		e_start = at++;
		if (at + 1 < p->len && (p->s[at] == '-' || p->s[at] == '+'))
			at++;
		skip_digits(p, &at);
		if (!is_digit(p->s[at - 1]))
			at = e_start;
	}
	*end = at;
	return SCAN_OK;
}

/* Matches word at start; Python checks that it fits before comparing. */
static bool
match_word(const struct py_scan *p, size_t start, const char *word,
	size_t *end)
{
	size_t n = strlen(word);

	if (start + n - 1 >= p->len || memcmp(p->s + start, word, n) != 0)
		return false;
	*end = start + n;
	return true;
}

/* Scans the members of an object whose '{' is at start. */
static enum scan_result
scan_object(struct py_scan *p, size_t start, int depth, size_t *end)
{
	size_t at = skip_space(p, start + 1);
	enum scan_result r;

	if (at < p->len && p->s[at] == '}') {
		*end = at + 1;
		return SCAN_OK;
	}
	for (;;) {
		if (at >= p->len || p->s[at] != '"')
			return fail(p, at, "Expecting property name enclosed "
			    "in double quotes");
		if ((r = scan_string(p, at, &at)) != SCAN_OK)
			return r;
		at = skip_space(p, at);
		if (at >= p->len || p->s[at] != ':')
			return fail(p, at, "Expecting ':' delimiter");
		at = skip_space(p, at + 1);
		if ((r = scan_value(p, at, depth, &at)) != SCAN_OK)
			return r;

		at = skip_space(p, at);
		if (at < p->len && p->s[at] == '}')
			break;
		if (at >= p->len || p->s[at] != ',')
			return fail(p, at, "Expecting ',' delimiter");
		at = skip_space(p, at + 1);
	}
	*end = at + 1;
	return SCAN_OK;
}

/* Scans the items of an array whose '[' is at start. */
static enum scan_result
scan_array(struct py_scan *p, size_t start, int depth, size_t *end)
{
	size_t at = skip_space(p, start + 1);
	enum scan_result r;

	if (at < p->len && p->s[at] == ']') {
		*end = at + 1;
		return SCAN_OK;
	}
	for (;;) {
		if ((r = scan_value(p, at, depth, &at)) != SCAN_OK)
			return r;
		at = skip_space(p, at);
		if (at < p->len && p->s[at] == ']')
			break;
		if (at >= p->len || p->s[at] != ',')
			return fail(p, at, "Expecting ',' delimiter");
		at = skip_space(p, at + 1);
	}
	*end = at + 1;
	return SCAN_OK;
}

/* Scans one value at start; depth counts the containers around it. */
static enum scan_result
scan_value(struct py_scan *p, size_t start, int depth, size_t *end)
{
	if (start >= p->len)
		return fail(p, start, "Expecting value");

	switch (p->s[start]) {
	case '"':
		return scan_string(p, start, end);
	case '{':
	case '[':
		if (depth == p->max_depth)
			return SCAN_STOP;
		return p->s[start] == '{' ? scan_object(p, start, depth + 1,
		    end) : scan_array(p, start, depth + 1, end);
	case 'n':
		if (match_word(p, start, "null", end))
			return SCAN_OK;
		break;
	case 't':
		if (match_word(p, start, "true", end))
			return SCAN_OK;
		break;
	case 'f':
		if (match_word(p, start, "false", end))
			return SCAN_OK;
		break;
	case 'N':
		if (match_word(p, start, "NaN", end))
			return SCAN_OK;
		break;
	case 'I':
		if (match_word(p, start, "Infinity", end))
			return SCAN_OK;
		break;
	case '-':
		if (match_word(p, start, "-Infinity", end))
			return SCAN_OK;
		break;
	default:
		break;
	}
	return scan_number(p, start, end);
}

bool
pv_json_python_error(const char *body, size_t len, int max_depth,
	size_t *offset, const char **error)
{
	struct py_scan p = { (const unsigned char *)body, len, max_depth, 0,
	    NULL };
	enum scan_result r;
	size_t end;

	r = scan_value(&p, skip_space(&p, 0), 0, &end);
	if (r == SCAN_OK) {
		end = skip_space(&p, end);
		if (end == len)
			return false;
		r = fail(&p, end, "Extra data");
	}
	if (r != SCAN_ERROR)
		return false;
	*offset = p.error_at;
	*error = p.error;
	return true;
}
