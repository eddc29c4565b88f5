/*
 * Strict body parsing: what is json_invalid, and at which byte offset.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "pv_json.h"

/* Parses len bytes and asserts one json_invalid violation at offset. */
static const pv_violation *
expect_invalid_len(const char *body, size_t len, long offset)
{
	static pv_violations v;
	struct json_object *obj = (struct json_object *)1;
	pv_json_parser *parser;

	cr_assert_eq(pv_json_parser_new(&parser), PV_OK);
	cr_assert_eq(pv_json_parse_body(parser, body, len, &obj, &v),
	    PV_ERR_JSON, "accepted: %.*s", (int)len, body);
	cr_assert_null(obj);
	cr_assert_eq(v.count, 1);
	cr_assert_str_eq(v.items[0].type, "json_invalid");
	cr_assert_str_eq(v.items[0].msg, "JSON decode error");
	cr_assert_eq(v.items[0].offset, offset, "%.*s: offset %ld", (int)len,
	    body, v.items[0].offset);
	cr_assert_neq(v.items[0].ctx_value[0], '\0');
	pv_json_parser_free(parser);
	return &v.items[0];
}

static const pv_violation *
expect_invalid(const char *body, long offset)
{
	return expect_invalid_len(body, strlen(body), offset);
}

static void
expect_valid(const char *body)
{
	struct json_object *obj;
	pv_json_parser *parser;
	pv_violations v;

	cr_assert_eq(pv_json_parser_new(&parser), PV_OK);
	cr_assert_eq(pv_json_parse_body(parser, body, strlen(body), &obj, &v),
	    PV_OK, "rejected: %s (%s at %ld)", body, v.items[0].ctx_value,
	    v.items[0].offset);
	cr_assert(json_object_is_type(obj, json_type_object));
	json_object_put(obj);
	pv_json_parser_free(parser);
}

/* A body, the offset of its json_invalid entry and its ctx.error. */
struct invalid_case {
	const char *body;
	long offset;
	const char *error;
};

/* Asserts each case's offset and ctx.error. */
static void
expect_cases(const struct invalid_case *cases, size_t count)
{
	const pv_violation *found;
	size_t i;

	for (i = 0; i < count; i++) {
		found = expect_invalid(cases[i].body, cases[i].offset);
		cr_expect_str_eq(found->ctx_value, cases[i].error, "%s",
		    cases[i].body);
	}
}

Test(json_parse, valid_bodies)
{
	expect_valid("{}");
	expect_valid(" \t\r\n{\"a\" : 1 , \"b\":[ ],\"c\":{\"d\":null}} \n");
	expect_valid("{\"a\":-0.5e+10,\"b\":true,\"c\":false,\"d\":\"\\/\"}");
	expect_valid("{\"n\":\"Zo\xc3\xab\",\"e\":\"\\ud83d\\udcf7\"}");
	expect_valid("{\"a\":\"\\u0000\"}");
}

/* Parses body and asserts one violation of type at loc ["body"]. */
static void
expect_not_object(const char *body, const char *type)
{
	pv_violations v;
	struct json_object *obj = (struct json_object *)1;
	pv_json_parser *parser;

	cr_assert_eq(pv_json_parser_new(&parser), PV_OK);
	cr_assert_eq(pv_json_parse_body(parser, body, strlen(body), &obj, &v),
	    PV_ERR_SCHEMA, "%s", body);
	cr_assert_null(obj);
	cr_assert_eq(v.count, 1);
	cr_assert_str_eq(v.items[0].type, type, "%s", body);
	cr_assert_str_eq(v.items[0].field, "");
	pv_json_parser_free(parser);
}

/* Valid JSON of another type fails as FastAPI's model check failed. */
Test(json_parse, not_an_object)
{
	const pv_violation *found;

	expect_not_object("", "missing");
	expect_not_object("null", "missing");
	expect_not_object(" null\n", "missing");
	expect_not_object("[1,2]", "model_attributes_type");
	expect_not_object("\"text\"", "model_attributes_type");
	expect_not_object("42", "model_attributes_type");
	expect_not_object("true", "model_attributes_type");
	expect_not_object("  [ ]", "model_attributes_type");

	found = expect_invalid("   ", 3);
	cr_assert_str_eq(found->ctx_value, "Expecting value");
	expect_invalid("[1,", 3);
	expect_invalid("[1]x", 3);
	expect_invalid("nul", 0);
	expect_invalid("[1,]", 3);

	/* What strict json-c accepts but JSON does not. */
	expect_invalid("1.", 1);
	expect_invalid("1.e5", 1);
	expect_invalid("-.5", 0);
	expect_invalid("01", 1);
	found = expect_invalid("-Infinity", 0);
	cr_assert_str_eq(found->ctx_value, "NaN and Infinity are not valid "
	    "JSON");
	expect_invalid("[1.]", 2);
	expect_invalid("\"a\tb\"", 2);
	expect_invalid("\"\xc0\x80\"", 1);
	expect_invalid("\"\\ud800\"", 1);
	expect_invalid_len("\"a\0b\"", 5, 2);

	/* Valid UTF-8 that starts no JSON value: a second BOM, a no-break space. */
	found = expect_invalid("\xef\xbb\xbf\xef\xbb\xbf{}", 3);
	cr_assert_str_eq(found->ctx_value, "Expecting value");
	found = expect_invalid("\xc2\xa0{}", 0);
	cr_assert_str_eq(found->ctx_value, "Expecting value");
	found = expect_invalid("x", 0);
	cr_assert_str_eq(found->ctx_value, "Expecting value");
}

/* One UTF-8 byte order mark is skipped, as Python's json.loads does. */
Test(json_parse, byte_order_mark)
{
	const pv_violation *found;

	expect_valid("\xef\xbb\xbf{\"a\":1}");
	expect_valid("\xef\xbb\xbf {}");
	found = expect_invalid("\xef\xbb\xbf", 3);
	cr_assert_str_eq(found->ctx_value, "Expecting value");
	expect_invalid("\xef\xbb\xbf{\"a\":1,}", 10);
	expect_invalid("\xef\xbb\xbf\xef\xbb\xbf{}", 3);
	expect_invalid("{\"a\":1}\xef\xbb\xbf", 7);
	expect_invalid("\xef\xbb{}", 0);
}

Test(json_parse, trailing_comma)
{
	expect_invalid("{\"a\":1,}", 7);
	expect_invalid("{\"a\":[1,]}", 8);
}

Test(json_parse, trailing_bytes)
{
	const pv_violation *found;

	found = expect_invalid("{} x", 3);
	cr_assert_str_eq(found->ctx_value, "Extra data");
	found = expect_invalid("{}{}", 2);
	cr_assert_str_eq(found->ctx_value, "Extra data");
	found = expect_invalid("{} 1", 3);
	cr_assert_str_eq(found->ctx_value, "Extra data");
	found = expect_invalid("{}},", 2);
	cr_assert_str_eq(found->ctx_value, "Extra data");
	found = expect_invalid("[1] [2]", 4);
	cr_assert_str_eq(found->ctx_value, "Extra data");
	expect_invalid("{\"a\":1}x", 7);
	expect_invalid("{\"a\":1} \n {}", 10);
	expect_invalid("{\"a\":1}}", 7);
}

Test(json_parse, truncated)
{
	const pv_violation *found;

	found = expect_invalid("{\"a\":1", 6);
	cr_assert_str_eq(found->ctx_value, "Expecting ',' delimiter");
	found = expect_invalid("{\"a\":tr", 5);
	cr_assert_str_eq(found->ctx_value, "Expecting value");
	found = expect_invalid("{", 1);
	cr_assert_str_eq(found->ctx_value,
	    "Expecting property name enclosed in double quotes");
}

/*
 * A body cut inside a string gets the offset and text of Python's json
 * module: the opening quote of the string, or the 'u' of a \u escape that
 * at most four characters follow (Python counts characters, not bytes).
 */
Test(json_parse, cut_string_like_python)
{
	static const char *const unterminated =
	    "Unterminated string starting at";
	static const char *const escape = "Invalid \\uXXXX escape";
	static const struct invalid_case cases[] = {
		{ "{\"a\":\"xy", 5, unterminated },
		{ "{\"a\":\"x\\", 5, unterminated },
		{ "{\"ab", 1, unterminated },
		{ "{\"a\":\"\\u0041x", 5, unterminated },
		{ "{\"a\":\"\\u00", 7, escape },
		{ "{\"a\":\"\\u", 7, escape },
		{ "{\"a\":\"\\u0041", 7, escape },
		{ "{\"a\":\"\\ud83d", 7, escape },
		{ "{\"a\":\"\\ud83d\\udc", 13, escape },
		{ "{\"a\":\"\\ud83d\\ude00", 13, escape },
		{ "{\"a\":\"\\u000\xc3\xa9", 7, escape },
	};

	expect_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/*
 * ctx.error and the offset are those of Python 3.11's json.loads, which
 * the old service reported (its char positions are bytes here).
 */
Test(json_parse, errors_like_python)
{
	static const struct invalid_case cases[] = {
		{ "{\"a\" 1}", 5, "Expecting ':' delimiter" },
		{ "{\"a\":1 \"b\":2}", 7, "Expecting ',' delimiter" },
		{ "{\"a\":[1 2]}", 8, "Expecting ',' delimiter" },
		{ "{\"a\":1,}", 7,
		    "Expecting property name enclosed in double quotes" },
		{ "{\"a\":[1,]}", 8, "Expecting value" },
		{ "{\"a\":}", 5, "Expecting value" },
		{ "{\"a\":-}", 5, "Expecting value" },
		{ "{\"a\":1e}", 6, "Expecting ',' delimiter" },
		{ "{\"a\":\"\\q\"}", 6, "Invalid \\escape" },
		{ "{\"a\":\"\\u12x4\"}", 7, "Invalid \\uXXXX escape" },
		{ "{\"a\":\"x\ty\"}", 7, "Invalid control character at" },
		{ "{\"a\":\"x", 5, "Unterminated string starting at" },
		{ "{\"a\":\"\\q", 6, "Invalid \\escape" },
		{ "{\"a\":\"\\ud83d\\u00\"}", 13, "Invalid \\uXXXX escape" },
		{ "truetrue", 4, "Extra data" },
		{ "{\"\xc3\xa9\":1 x", 8, "Expecting ',' delimiter" },
		{ "{} x", 3, "Extra data" },
	};

	expect_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Where Python accepts a body up to a point, the handler's own error. */
Test(json_parse, stricter_than_python)
{
	const pv_violation *found;

	found = expect_invalid("NaN", 0);
	cr_expect_str_eq(found->ctx_value, "NaN and Infinity are not valid "
	    "JSON");
	found = expect_invalid(" Infinity", 1);
	cr_expect_str_eq(found->ctx_value, "NaN and Infinity are not valid "
	    "JSON");
	found = expect_invalid("{\"a\":NaN}", 5);
	cr_expect_str_eq(found->ctx_value, "NaN and Infinity are not valid "
	    "JSON");
	found = expect_invalid("{\"a\":NaN x}", 5);
	cr_expect_str_eq(found->ctx_value, "NaN and Infinity are not valid "
	    "JSON");
	found = expect_invalid("{\"a\":\"\\ud800\" x}", 6);
	cr_expect_str_eq(found->ctx_value, "Unpaired surrogate in a \\u "
	    "escape");
	found = expect_invalid("{\"a\":1,\"a\":2}", 7);
	cr_expect_str_eq(found->ctx_value, "Duplicate object key");
	expect_invalid("{\"a\":\"\xff\"}", 6);
}

Test(json_parse, nesting_depth)
{
	char body[128];
	size_t n = 0, i, levels;

	/* 16 levels (the object and 15 arrays) pass, 17 do not. */
	for (levels = 16; levels <= 17; levels++) {
		n = 0;
		body[n++] = '{';
		memcpy(body + n, "\"a\":", 4);
		n += 4;
		for (i = 1; i < levels; i++)
			body[n++] = '[';
		for (i = 1; i < levels; i++)
			body[n++] = ']';
		body[n++] = '}';
		body[n] = '\0';
		if (levels == 16)
			expect_valid(body);
		else
			expect_invalid(body, 5 + 15);
	}
}

Test(json_parse, invalid_utf8)
{
	expect_invalid("{\"a\":\"\xff\"}", 6);
	expect_invalid("{\"a\":\"ab\xc3\"}", 8);
	/* json-c 0.16 accepts these three with JSON_TOKENER_VALIDATE_UTF8. */
	expect_invalid("{\"a\":\"\xc0\x80\"}", 6);
	expect_invalid("{\"a\":\"\xed\xa0\x80\"}", 6);
	expect_invalid("{\"a\":\"\xf4\x90\x80\x80\"}", 6);
	expect_invalid("{\"\xe2\x82\":1}", 2);
}

Test(json_parse, unpaired_surrogate)
{
	expect_invalid("{\"a\":\"\\ud800\"}", 6);
	expect_invalid("{\"a\":\"x\\udc00\"}", 7);
	expect_invalid("{\"a\":\"\\ud800\\u0041\"}", 6);
}

Test(json_parse, control_in_string)
{
	const pv_violation *found;

	found = expect_invalid("{\"a\":\"x\x01y\"}", 7);
	cr_assert(strstr(found->ctx_value, "control character") != NULL);
	expect_invalid("{\"a\":\"x\ny\"}", 7);
	expect_invalid("{\"a\x1f\":1}", 3);
}

Test(json_parse, nul_bytes)
{
	expect_invalid_len("{\"a\":1}\0x", 9, 7);
	expect_invalid_len("{\"a\":1}\0", 8, 7);
	expect_invalid_len("{\"a\":\"x\0y\"}", 11, 7);
	expect_invalid_len("{\"a\":1\0}", 8, 6);
}

Test(json_parse, utf16_and_utf32)
{
	static const struct {
		const char *body;
		size_t len;
	} cases[] = {
		{ "{\0}\0", 4 },			/* UTF-16LE */
		{ "\0{\0}", 4 },			/* UTF-16BE */
		{ "{\0\0\0}\0\0\0", 8 },		/* UTF-32LE */
		{ "\0\0\0{\0\0\0}", 8 },		/* UTF-32BE */
		{ "\xff\xfe{\0}\0", 6 },		/* UTF-16LE with BOM */
		{ "\xfe\xff\0{\0}", 6 },		/* UTF-16BE with BOM */
	};
	const pv_violation *found;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		found = expect_invalid_len(cases[i].body, cases[i].len, 0);
		cr_expect_str_eq(found->ctx_value, "JSON must be UTF-8, not "
		    "UTF-16 or UTF-32", "case %zu", i);
	}

	/* Python reads three bytes as UTF-8 whatever they hold. */
	found = expect_invalid_len("\0{}", 3, 0);
	cr_assert_str_eq(found->ctx_value, "Expecting value");
}

Test(json_parse, nul_escape_in_key)
{
	expect_invalid("{\"id\\u0000x\":1}", 4);
}

Test(json_parse, duplicate_keys)
{
	const pv_violation *found;

	found = expect_invalid("{\"a\":1,\"b\":2,\"a\":3}", 13);
	cr_assert_str_eq(found->ctx_value, "Duplicate object key");
	expect_invalid("{\"a\":1,\"\\u0061\":2}", 7);
	expect_valid("{\"a\":{\"a\":1},\"b\":[{\"a\":1},{\"a\":2}]}");
}

Test(json_parse, not_strict_json)
{
	expect_invalid("{'a':1}", 1);
	expect_invalid("{\"a\":'x'}", 5);
	expect_invalid("{a:1}", 1);
	expect_invalid("{\"a\":NaN}", 5);
	expect_invalid("{\"a\":-Infinity}", 5);
	expect_invalid("{\"a\":1.}", 6);
	expect_invalid("{\"a\":.5}", 5);
	expect_invalid("{\"a\":+1}", 5);
	expect_invalid("{\"a\":01}", 6);
	expect_invalid("{\"a\":True}", 5);
	expect_invalid("{/*c*/\"a\":1}", 1);
	expect_invalid("{\"a\" 1}", 5);
	expect_invalid("{\"a\":\"\\x\"}", 6);
}

/* One parser serves many bodies, good and bad, in turn. */
Test(json_parse, parser_reused)
{
	struct json_object *obj;
	pv_json_parser *parser;
	pv_violations v;

	cr_assert_eq(pv_json_parser_new(&parser), PV_OK);
	cr_assert_eq(pv_json_parse_body(parser, "{\"a\":", 5, &obj, &v),
	    PV_ERR_JSON);
	cr_assert_eq(pv_json_parse_body(parser, "{\"b\":2}", 7, &obj, &v),
	    PV_OK);
	cr_assert_eq(v.count, 0);
	cr_assert(json_object_object_get_ex(obj, "b", NULL));
	cr_assert_not(json_object_object_get_ex(obj, "a", NULL));
	json_object_put(obj);
	cr_assert_eq(pv_json_parse_body(parser, "{\"a\":1,}", 8, &obj, &v),
	    PV_ERR_JSON);
	pv_json_parser_free(parser);
}

/* The body need not be NUL-terminated: only len bytes are read. */
Test(json_parse, length_bound)
{
	struct json_object *obj;
	pv_json_parser *parser;
	pv_violations v;

	cr_assert_eq(pv_json_parser_new(&parser), PV_OK);
	cr_assert_eq(pv_json_parse_body(parser, "{\"a\":1}garbage", 7, &obj,
	    &v), PV_OK);
	json_object_put(obj);
	pv_json_parser_free(parser);
}
