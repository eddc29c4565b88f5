/*
 * A JSON object that breaks its event schema gets 422 with one
 * entry per failing field, in FastAPI's shape
 * {"detail":[{"type":"missing","loc":["body","name"],"msg":"Field required"}]},
 * declared fields in schema order first, then unknown fields, and
 * publishes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "../harness/pvt_suite.h"

/* Sends body and returns the parsed 422 response; the caller puts it. */
static struct json_object *
send_invalid(const char *method, const char *path, const char *event)
{
	char *body = pvt_json(event);
	struct json_object *doc;
	pvt_http_response resp;

	pvt_suite_send_rejected(method, path, "application/json", body, &resp);
	cr_expect_eq(resp.status, 422, "status %d, body %s", resp.status,
	    resp.body);
	doc = json_tokener_parse(resp.body);
	cr_assert_not_null(doc, "response is not JSON: %s", resp.body);

	free(body);
	pvt_http_response_free(&resp);
	return doc;
}

static struct json_object *
detail_list(struct json_object *doc)
{
	struct json_object *detail = NULL;

	cr_assert(json_object_object_get_ex(doc, "detail", &detail) &&
	    json_object_is_type(detail, json_type_array),
	    "\"detail\" is missing or not an array");
	return detail;
}

static const char *
member(struct json_object *obj, const char *key)
{
	struct json_object *value = NULL;

	if (!json_object_object_get_ex(obj, key, &value))
		return "(missing)";
	return json_object_get_string(value);
}

/* Checks detail[index] has type and loc ["body", field]. */
static void
expect_violation(struct json_object *detail, size_t index, const char *type,
	const char *field)
{
	struct json_object *entry = json_object_array_get_idx(detail, index);
	struct json_object *loc = NULL;

	cr_assert_not_null(entry, "no violation at index %zu", index);
	cr_expect_str_eq(member(entry, "type"), type, "detail[%zu].type", index);
	cr_assert(json_object_object_get_ex(entry, "loc", &loc) &&
	    json_object_array_length(loc) == 2,
	    "detail[%zu].loc is not [\"body\", field]", index);
	cr_expect_str_eq(json_object_get_string(
	    json_object_array_get_idx(loc, 0)), "body");
	cr_expect_str_eq(json_object_get_string(
	    json_object_array_get_idx(loc, 1)), field, "detail[%zu].loc[1]",
	    index);
	cr_expect(strcmp(member(entry, "msg"), "(missing)") != 0,
	    "detail[%zu] has no msg", index);
}

Test(schema_violations, several_fields_reported)
{
	struct json_object *doc = send_invalid("POST", "/voter/",
	    "{'nickname':'ada','email':42,'election_id':'01HV6Z3R8Y5A0B9C7D2E4F6G8H',"
	    "'voter_id':'01HV6Z3R8Y5A0B9C7D2E4F6VT3',"
	    "'id':'3d4e5f60-7a8b-4c9d-8e0f-1a2b3c4d5e6f'}");
	struct json_object *detail = detail_list(doc);

	cr_expect_eq(json_object_array_length(detail), 3,
	    "expected 3 violations: %s", json_object_to_json_string(detail));
	expect_violation(detail, 0, "missing", "name");
	cr_expect_str_eq(member(json_object_array_get_idx(detail, 0), "msg"),
	    "Field required");
	expect_violation(detail, 1, "string_type", "email");
	expect_violation(detail, 2, "extra_forbidden", "nickname");

	json_object_put(doc);
}

Test(schema_violations, rating_above_maximum)
{
	struct json_object *doc = send_invalid("PUT", "/ballot/candidate-rated",
	    "{'id':'3d4e5f60-7a8b-4c9d-8e0f-1a2b3c4d5e70',"
	    "'ballot_id':'01HV6Z3R8Y5A0B9C7D2E4F6BA7',"
	    "'election_id':'01HV6Z3R8Y5A0B9C7D2E4F6G8H',"
	    "'competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP',"
	    "'candidate_id':'01HV6Z3R8Y5A0B9C7D2E4F6CND','rating':6}");
	struct json_object *detail = detail_list(doc);

	cr_expect_eq(json_object_array_length(detail), 1);
	expect_violation(detail, 0, "less_than_equal", "rating");
	cr_expect_str_eq(json_object_to_json_string_ext(
	    json_object_array_get_idx(detail, 0), JSON_C_TO_STRING_PLAIN),
	    "{\"type\":\"less_than_equal\",\"loc\":[\"body\",\"rating\"],"
	    "\"msg\":\"Input should be less than or equal to 5\","
	    "\"ctx\":{\"le\":5}}");

	json_object_put(doc);
}

Test(schema_violations, rating_as_string)
{
	struct json_object *doc = send_invalid("PUT", "/ballot/candidate-rated",
	    "{'id':'3d4e5f60-7a8b-4c9d-8e0f-1a2b3c4d5e71',"
	    "'ballot_id':'01HV6Z3R8Y5A0B9C7D2E4F6BA7',"
	    "'election_id':'01HV6Z3R8Y5A0B9C7D2E4F6G8H',"
	    "'competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP',"
	    "'candidate_id':'01HV6Z3R8Y5A0B9C7D2E4F6CND','rating':'5'}");
	struct json_object *detail = detail_list(doc);

	cr_expect_eq(json_object_array_length(detail), 1);
	expect_violation(detail, 0, "int_type", "rating");

	json_object_put(doc);
}

Test(schema_violations, name_too_long)
{
	char event[512];
	char name[202];

	memset(name, 'n', 201);
	name[201] = '\0';
	snprintf(event, sizeof(event),
	    "{'id':'3d4e5f60-7a8b-4c9d-8e0f-1a2b3c4d5e72',"
	    "'competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP',"
	    "'election_id':'01HV6Z3R8Y5A0B9C7D2E4F6G8H','name':'%s'}", name);

	struct json_object *doc = send_invalid("PUT",
	    "/competition/name-changed", event);
	struct json_object *detail = detail_list(doc);

	cr_expect_eq(json_object_array_length(detail), 1);
	expect_violation(detail, 0, "string_too_long", "name");

	json_object_put(doc);
}

Test(schema_violations, null_required_field)
{
	struct json_object *doc = send_invalid("DELETE", "/election/",
	    "{'id':'3d4e5f60-7a8b-4c9d-8e0f-1a2b3c4d5e73','election_id':null}");
	struct json_object *detail = detail_list(doc);

	cr_expect_eq(json_object_array_length(detail), 1);
	expect_violation(detail, 0, "string_type", "election_id");

	json_object_put(doc);
}
