/*
 * Strict parsing of request bodies with json-c.
 *
 * json-c 0.16 in strict mode still accepts raw control characters in
 * strings, single-quoted strings, "-Infinity", "1.", overlong and CESU-8
 * byte sequences, and it turns an unpaired \ud800 escape into U+FFFD.  A
 * lexical scan of the body rejects all of these before json-c builds the
 * object, and counts the top-level keys so that a duplicate key, which
 * json-c drops silently, is found too.
 */
#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv_json.h"
#include "pv_json_python.h"

#include "pv_format.h"
#include "pv_utf8.h"

/* The scan keeps one bit per nesting level in a uint32_t. */
_Static_assert(PV_JSON_MAX_DEPTH <= 32, "PV_JSON_MAX_DEPTH exceeds 32");

struct pv_json_parser {
	struct json_tokener *tokener;
};

/* State of the lexical scan of one body. */
struct body_scan {
	const unsigned char *body;
	size_t len;
	size_t pos;		/* next byte to read */
	unsigned depth;		/* open objects and arrays */
	uint32_t objects;	/* bit d set: nesting level d + 1 is an object */
	bool expect_key;	/* the next string is an object key */
	size_t key_start;	/* last top-level key, opening quote */
	size_t key_end;		/* last top-level key, past the closing quote */
	size_t error_offset;
	const char *error;
};

enum scan_event {
	SCAN_DONE,		/* the end of the body was reached */
	SCAN_TOP_KEY,		/* a key of the top-level object was read */
	SCAN_ERROR		/* error and error_offset are set */
};

pv_status
pv_json_parser_new(pv_json_parser **out)
{
	pv_json_parser *parser;

	*out = NULL;
	parser = calloc(1, sizeof(*parser));
	if (parser == NULL)
		return PV_ERR_NOMEM;

	/* json-c counts the top-level value's slot in its depth: N + 1
	 * accepts N levels of nesting. */
	parser->tokener = json_tokener_new_ex(PV_JSON_MAX_DEPTH + 1);
	if (parser->tokener == NULL) {
		free(parser);
		return PV_ERR_NOMEM;
	}
	json_tokener_set_flags(parser->tokener,
	    JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);

	*out = parser;
	return PV_OK;
}

void
pv_json_parser_free(pv_json_parser *parser)
{
	if (parser == NULL)
		return;

	json_tokener_free(parser->tokener);
	free(parser);
}

static bool
is_json_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t
skip_space(const char *body, size_t pos, size_t len)
{
	while (pos < len && is_json_space((unsigned char)body[pos]))
		pos++;
	return pos;
}

static enum scan_event
scan_fail(struct body_scan *s, size_t offset, const char *error)
{
	s->error_offset = offset;
	s->error = error;
	return SCAN_ERROR;
}

/*
 * Checks that a "\uDC00".."\uDFFF" escape starts at offset at.  Returns 1
 * if so, 0 if not, -1 if the body ends before that can be told.
 */
static int
low_surrogate_at(const struct body_scan *s, size_t at)
{
	static const char pattern[] = "\\uXXXX";
	size_t i;
	long value;

	for (i = 0; i < 6; i++) {
		if (at + i >= s->len)
			return -1;
		if (pattern[i] == 'X' ? !isxdigit(s->body[at + i]) :
		    s->body[at + i] != (unsigned char)pattern[i])
			return 0;
	}
	value = pv_format_hex4(s->body + at + 2);
	return value >= 0xdc00 && value <= 0xdfff;
}

/*
 * Returns true when a \u escape starts at offset at and reaches the end
 * of the body: Python's json module takes it as invalid when at most four
 * characters follow the 'u', even when they are four digits.  (It counts
 * characters, so a UTF-8 sequence counts once.)
 */
static bool
u_escape_at_end(const struct body_scan *s, size_t at)
{
	size_t i, chars = 0;

	if (at + 1 >= s->len || s->body[at] != '\\' || s->body[at + 1] != 'u')
		return false;
	for (i = at + 2; i < s->len && chars <= 4; i++)
		if ((s->body[i] & 0xc0) != 0x80)
			chars++;
	return chars <= 4;
}

/*
 * Scans the escape at pos.  Only \u escapes are checked here; json-c
 * rejects unknown escape letters and short hex sequences itself.
 */
static enum scan_event
scan_escape(struct body_scan *s, bool is_key)
{
	size_t at = s->pos;
	long value;
	int low;

	if (u_escape_at_end(s, at))
		return scan_fail(s, at + 1, "Invalid \\uXXXX escape");
	if (at + 6 > s->len || s->body[at + 1] != 'u' ||
	    (value = pv_format_hex4(s->body + at + 2)) < 0) {
		s->pos = at + 2 < s->len ? at + 2 : s->len;
		return SCAN_DONE;
	}

	/* json-c cuts an object key at an escaped NUL, so "id\u0000x"
	 * would be read as "id". */
	if (value == 0 && is_key)
		return scan_fail(s, at, "NUL character in an object key");
	if (value >= 0xdc00 && value <= 0xdfff)
		return scan_fail(s, at, "Unpaired surrogate in a \\u escape");
	if (value < 0xd800 || value > 0xdbff) {
		s->pos = at + 6;
		return SCAN_DONE;
	}

	if (u_escape_at_end(s, at + 6))
		return scan_fail(s, at + 7, "Invalid \\uXXXX escape");

	/* A malformed escape after it is Python's error, not the pairing. */
	if (at + 12 <= s->len && s->body[at + 6] == '\\' &&
	    s->body[at + 7] == 'u' && pv_format_hex4(s->body + at + 8) < 0)
		return scan_fail(s, at + 7, "Invalid \\uXXXX escape");
	low = low_surrogate_at(s, at + 6);
	if (low == 0)
		return scan_fail(s, at, "Unpaired surrogate in a \\u escape");
	s->pos = low < 0 ? s->len : at + 12;
	return SCAN_DONE;
}

/* Scans the string whose opening quote is at pos. */
static enum scan_event
scan_string(struct body_scan *s, bool is_key)
{
	enum scan_event event;
	size_t start = s->pos, n;
	unsigned char c;
	uint32_t cp;

	s->pos++;
	while (s->pos < s->len) {
		c = s->body[s->pos];
		if (c == '"') {
			s->pos++;
			return SCAN_DONE;
		}

		if (c == '\\') {
			event = scan_escape(s, is_key);
			if (event != SCAN_DONE)
				return event;
		} else if (c == '\0') {
			return scan_fail(s, s->pos, "NUL byte in a string");
		} else if (c < 0x20) {
			return scan_fail(s, s->pos,
			    "Invalid control character in a string");
		} else if (c >= 0x80) {
			/* Overlong forms, surrogates and values past U+10FFFF
			 * are invalid too. */
			n = pv_utf8_decode(s->body + s->pos, s->len - s->pos,
			    &cp);
			if (n == 0)
				return scan_fail(s, s->pos, "Invalid UTF-8");
			s->pos += n;
		} else {
			s->pos++;
		}
	}

	/* Python's json module reports where the string starts. */
	return scan_fail(s, start, "Unterminated string starting at");
}

/* Python's json takes these, so they get a text of their own. */
#define NON_FINITE "NaN and Infinity are not valid JSON"

/* Returns true when the n bytes at word are NaN or Infinity. */
static bool
is_non_finite(const unsigned char *word, size_t n)
{
	return (n == 3 && memcmp(word, "NaN", 3) == 0) ||
	    (n == 8 && memcmp(word, "Infinity", 8) == 0);
}

/*
 * Skips digits from pos.  A missing digit is an error, also at the end of
 * the body, because strict json-c takes "1." and "1e" there for numbers.
 */
static enum scan_event
scan_digits(struct body_scan *s)
{
	size_t start = s->pos;

	while (s->pos < s->len && isdigit(s->body[s->pos]))
		s->pos++;
	if (s->pos == start)
		return scan_fail(s, s->pos, "Expecting a digit");
	return SCAN_DONE;
}

/* Scans a number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static enum scan_event
scan_number(struct body_scan *s)
{
	size_t start = s->pos;

	if (s->body[s->pos] == '-')
		s->pos++;
	if (s->len - s->pos >= 8 &&
	    is_non_finite(s->body + s->pos, 8))
		return scan_fail(s, start, NON_FINITE);
	if (s->pos < s->len && s->body[s->pos] == '0') {
		s->pos++;
		if (s->pos < s->len && isdigit(s->body[s->pos]))
			return scan_fail(s, s->pos, "Leading zero in a number");
	} else if (scan_digits(s) != SCAN_DONE)
		return SCAN_ERROR;

	if (s->pos < s->len && s->body[s->pos] == '.') {
		s->pos++;
		if (scan_digits(s) != SCAN_DONE)
			return SCAN_ERROR;
	}

	if (s->pos < s->len && (s->body[s->pos] | 0x20) == 'e') {
		s->pos++;
		if (s->pos < s->len &&
		    (s->body[s->pos] == '+' || s->body[s->pos] == '-'))
			s->pos++;
		if (scan_digits(s) != SCAN_DONE)
			return SCAN_ERROR;
	}
	return SCAN_DONE;
}

/* Scans a word outside strings, which must be true, false or null. */
static enum scan_event
scan_literal(struct body_scan *s)
{
	static const char *const literals[] = { "true", "false", "null" };
	size_t start = s->pos, n, i;

	while (s->pos < s->len && isalpha(s->body[s->pos]))
		s->pos++;
	n = s->pos - start;

	for (i = 0; i < sizeof(literals) / sizeof(literals[0]); i++) {
		/* A prefix at the end of the body is a truncated literal. */
		if (strlen(literals[i]) < n ||
		    memcmp(s->body + start, literals[i], n) != 0)
			continue;
		if (strlen(literals[i]) == n || s->pos == s->len)
			return SCAN_DONE;
	}
	if (is_non_finite(s->body + start, n))
		return scan_fail(s, start, NON_FINITE);
	return scan_fail(s, start, "Expecting value");
}

static enum scan_event
scan_open(struct body_scan *s, bool object)
{
	if (s->depth == PV_JSON_MAX_DEPTH)
		return scan_fail(s, s->pos, "Nesting too deep");

	if (object)
		s->objects |= UINT32_C(1) << s->depth;
	else
		s->objects &= ~(UINT32_C(1) << s->depth);
	s->depth++;
	s->expect_key = object;
	s->pos++;
	return SCAN_DONE;
}

static void
scan_close(struct body_scan *s)
{
	if (s->depth > 0)
		s->depth--;
	s->expect_key = false;
	s->pos++;
}

/* Scans a string token and reports it when it is a top-level key. */
static enum scan_event
scan_string_token(struct body_scan *s)
{
	bool is_key = s->expect_key;
	size_t start = s->pos;

	s->expect_key = false;
	if (scan_string(s, is_key) != SCAN_DONE)
		return SCAN_ERROR;

	if (!is_key || s->depth != 1)
		return SCAN_DONE;
	s->key_start = start;
	s->key_end = s->pos;
	return SCAN_TOP_KEY;
}

/* Fails at the first byte other than white space after the top-level value. */
static enum scan_event
scan_after_value(struct body_scan *s)
{
	while (s->pos < s->len && is_json_space(s->body[s->pos]))
		s->pos++;
	if (s->pos < s->len)
		return scan_fail(s, s->pos, "Extra data after the value");
	return SCAN_DONE;
}

/* Scans up to the next top-level key, the end of the body or an error. */
static enum scan_event
scan_next(struct body_scan *s)
{
	enum scan_event event;
	unsigned char c;

	while (s->pos < s->len) {
		c = s->body[s->pos];
		if (is_json_space(c) || c == ':') {
			s->pos++;
			continue;
		}

		if (c == '{' || c == '[')
			event = scan_open(s, c == '{');
		else if (c == '}' || c == ']') {
			scan_close(s);
			event = s->depth == 0 ? scan_after_value(s) : SCAN_DONE;
		} else if (c == ',') {
			s->expect_key = s->depth > 0 &&
			    (s->objects >> (s->depth - 1) & 1);
			s->pos++;
			event = SCAN_DONE;
		} else if (c == '"')
			event = scan_string_token(s);
		else if (c == '-' || isdigit(c))
			event = scan_number(s);
		else if (isalpha(c))
			event = scan_literal(s);
		else
			event = scan_fail(s, s->pos, c == '\0' ?
			    "NUL byte" : "Unexpected character");

		if (event != SCAN_DONE)
			return event;
	}
	return SCAN_DONE;
}

static void
scan_init(struct body_scan *s, const char *body, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->body = (const unsigned char *)body;
	s->len = len;
}

/* Records the one json_invalid violation and returns PV_ERR_JSON. */
static pv_status
reject(pv_violations *v, size_t offset, const char *error)
{
	pv_violation *item;

	pv_violations_clear(v);
	item = pv_violations_add(v, "json_invalid", NULL, (long)offset,
	    "JSON decode error");
	pv_violation_set_ctx_string(item, "error", error);
	item->ctx_value[0] = (char)toupper((unsigned char)item->ctx_value[0]);
	return PV_ERR_JSON;
}

/*
 * Returns the offset of the first top-level key that repeats an earlier
 * one.  Keys are compared after json-c decoded their escapes, so "a" and
 * "\u0061" are the same key.
 */
static size_t
find_duplicate_key(pv_json_parser *parser, const char *body, size_t len)
{
	struct json_object *seen, *key;
	struct body_scan scan;
	const char *name;
	size_t offset = 0;
	bool repeated;

	seen = json_object_new_object();
	if (seen == NULL)
		return 0;

	scan_init(&scan, body, len);
	while (offset == 0 && scan_next(&scan) == SCAN_TOP_KEY) {
		json_tokener_reset(parser->tokener);
		key = json_tokener_parse_ex(parser->tokener,
		    body + scan.key_start, (int)(scan.key_end - scan.key_start));
		if (key == NULL)
			continue;

		name = json_object_get_string(key);
		repeated = json_object_object_get_ex(seen, name, NULL);
		if (repeated)
			offset = scan.key_start;
		else if (json_object_object_add(seen, name, NULL) != 0)
			offset = scan.key_start;
		json_object_put(key);
	}

	json_object_put(seen);
	return offset;
}

/* Reports why json-c returned no object for the first limit bytes. */
static pv_status
reject_parse_error(pv_json_parser *parser, const struct body_scan *scan,
	size_t limit, pv_violations *v)
{
	enum json_tokener_error error;

	error = json_tokener_get_error(parser->tokener);
	if (error != json_tokener_continue)
		return reject(v, json_tokener_get_parse_end(parser->tokener),
		    json_tokener_error_desc(error));

	/* json-c wanted more bytes: the scan stopped it, or the body ends. */
	if (scan->error != NULL)
		return reject(v, scan->error_offset, scan->error);
	return reject(v, limit, "Unexpected end of input");
}

/*
 * Scans body for what strict json-c accepts but JSON does not, then has
 * json-c parse it up to the first byte the scan rejected, so the earlier
 * of the two errors is the one reported.  Returns json-c's result, and
 * sets *limit to the bytes json-c read and *keys to the top-level keys.
 */
static struct json_object *
scan_and_parse(pv_json_parser *parser, const char *body, size_t len,
	struct body_scan *scan, size_t *limit, size_t *keys)
{
	*keys = 0;
	scan_init(scan, body, len);
	while (scan_next(scan) == SCAN_TOP_KEY)
		(*keys)++;

	*limit = scan->error != NULL ? scan->error_offset : len;
	json_tokener_reset(parser->tokener);
	return json_tokener_parse_ex(parser->tokener, body, (int)*limit);
}

/*
 * Rejects a body that does not start with '{'.  Other valid JSON fails
 * as FastAPI's check of the event failed (pv_violations_add_not_object),
 * so PV_ERR_SCHEMA; anything else is json_invalid, checked by the same
 * scan and json-c as an object.
 */
static pv_status
reject_non_object(pv_json_parser *parser, const char *body, size_t len,
	size_t start, pv_violations *v)
{
	struct json_object *value;
	enum json_tokener_error error;
	struct body_scan scan;
	size_t end, limit, keys;
	bool is_null;

	if (start == len)
		return reject(v, start, "Expecting value");

	/* json-c reports any other first byte, a BOM too, as invalid UTF-8. */
	if (strchr("[\"-0123456789tfnNI", body[start]) == NULL ||
	    body[start] == '\0')
		return reject(v, start, "Expecting value");

	value = scan_and_parse(parser, body, len, &scan, &limit, &keys);
	error = json_tokener_get_error(parser->tokener);
	end = json_tokener_get_parse_end(parser->tokener);

	/* A number or literal ends only with the input, which a NUL marks. */
	if (error == json_tokener_continue && scan.error == NULL) {
		value = json_tokener_parse_ex(parser->tokener, "", 1);
		error = json_tokener_get_error(parser->tokener);
		end = len;
	}
	if (error == json_tokener_continue)
		return reject_parse_error(parser, &scan, limit, v);
	if (error != json_tokener_success) {
		json_object_put(value);
		return reject(v, end, end == len ? "Unexpected end of input" :
		    json_tokener_error_desc(error));
	}

	/* json-c returns NULL for the JSON null. */
	is_null = value == NULL;
	json_object_put(value);
	end = skip_space(body, end, len);
	if (end < len)
		return reject(v, end, "Extra data after the value");

	pv_violations_clear(v);
	pv_violations_add_not_object(v, is_null);
	return PV_ERR_SCHEMA;
}

/* Parses the body after its byte order mark, if any. */
static pv_status
parse_object(pv_json_parser *parser, const char *body, size_t len,
	struct json_object **out, pv_violations *v)
{
	struct json_object *obj;
	struct body_scan scan;
	size_t keys, limit, start, end;

	*out = NULL;
	pv_violations_clear(v);
	if (len > INT_MAX)
		return reject(v, 0, "Body is too large to parse");

	start = skip_space(body, 0, len);
	if (start == len || body[start] != '{')
		return reject_non_object(parser, body, len, start, v);

	obj = scan_and_parse(parser, body, len, &scan, &limit, &keys);
	if (obj == NULL)
		return reject_parse_error(parser, &scan, limit, v);

	/* Strict mode stops quietly after the object, even at a NUL byte. */
	end = skip_space(body, json_tokener_get_parse_end(parser->tokener),
	    len);
	if (end < len) {
		json_object_put(obj);
		return reject(v, end, "Extra data after the object");
	}

	if ((size_t)json_object_object_length(obj) != keys) {
		json_object_put(obj);
		return reject(v, find_duplicate_key(parser, body, len),
		    "Duplicate object key");
	}

	*out = obj;
	return PV_OK;
}

/*
 * Returns true for the texts of the scan that stand in for one of
 * Python's errors at the same place, as opposed to the checks Python
 * does not make.
 */
static bool
is_python_stand_in(const char *error)
{
	static const char *const texts[] = {
		"Unterminated string starting at", "Invalid \\uXXXX escape",
		"Invalid control character in a string", "Expecting value",
		"Expecting a digit",
	};
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (strcmp(error, texts[i]) == 0)
			return true;
	return false;
}

/*
 * Reports the error Python's json module finds instead, when it finds
 * one no later in the body, or when the handler's own text is a
 * stand-in for Python's: its text and position are what the old service
 * gave.  The handler's own finding is kept where Python accepts the body
 * up to it (NaN, invalid UTF-8, a repeated key, deep nesting).
 */
static void
prefer_python_error(const char *body, size_t len, pv_violations *v)
{
	const char *error;
	size_t offset;

	if (v->count == 0 || !pv_json_python_error(body, len,
	    PV_JSON_MAX_DEPTH, &offset, &error))
		return;
	if ((long)offset > v->items[0].offset &&
	    !is_python_stand_in(v->items[0].ctx_value))
		return;
	v->items[0].offset = (long)offset;
	pv_violation_set_ctx_string(&v->items[0], "error", error);
}

/*
 * Returns true for a body that Python's json.loads reads as UTF-16 or
 * UTF-32 (json.detect_encoding).  Such a body starts with their byte
 * order mark, or has a NUL in its first two bytes and is 2 or at least
 * 4 bytes long.
 */
static bool
is_utf16_or_utf32(const char *body, size_t len)
{
	const unsigned char *bytes = (const unsigned char *)body;

	if (len >= 2 && ((bytes[0] == 0xff && bytes[1] == 0xfe) ||
	    (bytes[0] == 0xfe && bytes[1] == 0xff)))
		return true;
	return (len == 2 || len >= 4) && (bytes[0] == 0 || bytes[1] == 0);
}

pv_status
pv_json_parse_body(pv_json_parser *parser, const char *body, size_t len,
	struct json_object **out, pv_violations *v)
{
	size_t skip = 0;
	pv_status st;

	/* FastAPI took an empty body for a missing one. */
	*out = NULL;
	if (len == 0) {
		pv_violations_clear(v);
		pv_violations_add_not_object(v, true);
		return PV_ERR_SCHEMA;
	}

	/* The old service decoded these, but events are UTF-8 only. */
	if (is_utf16_or_utf32(body, len))
		return reject(v, 0, "JSON must be UTF-8, not UTF-16 or UTF-32");

	/* Python's json.loads, behind the old service, skips a UTF-8 BOM. */
	if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0)
		skip = 3;
	st = parse_object(parser, body + skip, len - skip, out, v);
	if (st == PV_ERR_JSON)
		prefer_python_error(body + skip, len - skip, v);

	/* Offsets count from the start of the body as sent. */
	if (st == PV_ERR_JSON && v->count > 0 && v->items[0].offset >= 0)
		v->items[0].offset += (long)skip;
	return st;
}
