/*
 * A body that is not valid JSON gets 422 with one json_invalid entry in
 * FastAPI's shape:
 * {"detail":[{"type":"json_invalid","loc":["body",<byte offset>],
 *   "msg":"JSON decode error","ctx":{"error":"..."}}]}
 * and publishes nothing; valid JSON that is no object, and an empty body,
 * get the entry FastAPI's model check gave them.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "../harness/pvt_suite.h"

/* Returns detail[0] of a 422 body, owned by doc. */
static struct json_object *
first_detail(struct json_object *doc)
{
	struct json_object *detail = NULL;

	cr_assert(json_object_object_get_ex(doc, "detail", &detail),
	    "body has no \"detail\"");
	cr_assert(json_object_is_type(detail, json_type_array),
	    "\"detail\" is not an array");
	cr_expect_eq(json_object_array_length(detail), 1,
	    "expected one violation, got %zu",
	    json_object_array_length(detail));
	return json_object_array_get_idx(detail, 0);
}

static const char *
string_member(struct json_object *obj, const char *key)
{
	struct json_object *value = NULL;

	if (!json_object_object_get_ex(obj, key, &value) ||
	    !json_object_is_type(value, json_type_string))
		return "(missing)";
	return json_object_get_string(value);
}

/* Checks the violation; offset is the expected byte offset, or -1 for any. */
static void
expect_json_invalid(const char *body, long offset)
{
	struct json_object *doc, *entry, *loc = NULL, *ctx = NULL;
	pvt_http_response resp;
	long got;

	pvt_suite_send_rejected("POST", "/voter/", "application/json", body,
	    &resp);
	cr_expect_eq(resp.status, 422, "status %d, body %s", resp.status,
	    resp.body);
	doc = json_tokener_parse(resp.body);
	cr_assert_not_null(doc, "response is not JSON: %s", resp.body);
	entry = first_detail(doc);

	cr_expect_str_eq(string_member(entry, "type"), "json_invalid");
	cr_expect_str_eq(string_member(entry, "msg"), "JSON decode error");
	cr_assert(json_object_object_get_ex(entry, "loc", &loc) &&
	    json_object_array_length(loc) == 2, "loc is not [\"body\", offset]");
	cr_expect_str_eq(json_object_get_string(
	    json_object_array_get_idx(loc, 0)), "body");
	cr_assert(json_object_is_type(json_object_array_get_idx(loc, 1),
	    json_type_int), "loc[1] is not an integer");
	got = (long)json_object_get_int64(json_object_array_get_idx(loc, 1));
	cr_expect(got >= 0 && (size_t)got <= strlen(body),
	    "offset %ld outside the %zu-byte body", got, strlen(body));
	if (offset >= 0)
		cr_expect_eq(got, offset, "offset %ld, expected %ld", got, offset);
	cr_expect(json_object_object_get_ex(entry, "ctx", &ctx) &&
	    strcmp(string_member(ctx, "error"), "(missing)") != 0,
	    "ctx.error is missing");

	json_object_put(doc);
	pvt_http_response_free(&resp);
}

/*
 * Valid JSON that is no object, and an empty body, fail as FastAPI's check
 * of the event model failed, at loc ["body"].
 */
static void
expect_not_object(const char *body, const char *expected)
{
	pvt_http_response resp;

	pvt_suite_send_rejected("POST", "/voter/", "application/json", body,
	    &resp);
	cr_expect_eq(resp.status, 422, "status %d, body %s", resp.status,
	    resp.body);
	cr_expect_str_eq(resp.body, expected);
	pvt_http_response_free(&resp);
}

Test(json_invalid, empty_body_missing)
{
	expect_not_object("", "{\"detail\":[{\"type\":\"missing\","
	    "\"loc\":[\"body\"],\"msg\":\"Field required\"}]}");
}

Test(json_invalid, null_body_missing)
{
	expect_not_object("null", "{\"detail\":[{\"type\":\"missing\","
	    "\"loc\":[\"body\"],\"msg\":\"Field required\"}]}");
}

Test(json_invalid, array_and_scalar_bodies)
{
	static const char expected[] = "{\"detail\":[{\"type\":"
	    "\"model_attributes_type\",\"loc\":[\"body\"],\"msg\":\"Input "
	    "should be a valid dictionary or object to extract fields "
	    "from\"}]}";

	expect_not_object("[]", expected);
	expect_not_object("42", expected);
	expect_not_object(" \"text\" ", expected);
}

Test(json_invalid, whitespace_body)
{
	expect_json_invalid("  ", 2);
}

Test(json_invalid, truncated_array)
{
	expect_json_invalid("[1,", 3);
}

Test(json_invalid, truncated_object)
{
	expect_json_invalid("{\"id\":", -1);
}

Test(json_invalid, trailing_comma)
{
	expect_json_invalid("{\"id\":\"x\",}", -1);
}

Test(json_invalid, two_objects)
{
	expect_json_invalid("{}{}", -1);
}

Test(json_invalid, invalid_utf8)
{
	expect_json_invalid("{\"name\":\"Zo\xff\"}", -1);
}

/* The whole body, with the offset and ctx.error that Python 3.11 gives. */
Test(json_invalid, python_error_text)
{
	pvt_http_response resp;

	pvt_suite_send_rejected("POST", "/voter/", "application/json",
	    "{\"id\":\"x\",}", &resp);
	cr_expect_eq(resp.status, 422, "status %d", resp.status);
	cr_expect_str_eq(resp.body, "{\"detail\":[{\"type\":\"json_invalid\","
	    "\"loc\":[\"body\",10],\"msg\":\"JSON decode error\",\"ctx\":"
	    "{\"error\":\"Expecting property name enclosed in double "
	    "quotes\"}}]}");
	pvt_http_response_free(&resp);
}
