/*
 * The OpenAPI document: valid JSON, every route once, every event
 * schema, and examples that the suite's own validator accepts.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "pv_handler.h"
#include "pv_openapi.h"
#include "unit_helpers.h"

static const pv_aggregate *const all[] = {
	&pv_ballot_aggregate, &pv_candidate_aggregate,
	&pv_competition_aggregate, &pv_election_aggregate,
	&pv_voter_aggregate,
};

static struct json_object *
generate(void)
{
	struct json_object *doc;
	pv_buf out;
	pv_error err;

	pv_buf_init(&out);
	cr_assert_eq(pv_openapi_write(all, 5, &out, &err), PV_OK, "%s",
	    err.text);
	doc = json_tokener_parse(out.data);
	cr_assert_not_null(doc, "document is not valid JSON");
	pv_buf_free(&out);
	return doc;
}

static struct json_object *
member(struct json_object *obj, const char *key)
{
	struct json_object *value = NULL;

	cr_assert(json_object_object_get_ex(obj, key, &value), "no \"%s\"",
	    key);
	return value;
}

Test(openapi, version_is_3_1)
{
	struct json_object *doc = generate();

	cr_assert_str_eq(json_object_get_string(member(doc, "openapi")),
	    "3.1.0");
	json_object_put(doc);
}

Test(openapi, lists_every_operation)
{
	struct json_object *doc = generate();
	struct json_object *paths = member(doc, "paths");
	size_t operations = 0, a, r;

	/* 19 event routes, plus health and openapi.json per aggregate. */
	json_object_object_foreach(paths, path_key, path_item) {
		(void)path_key;
		operations += (size_t)json_object_object_length(path_item);
	}
	cr_assert_eq(operations, 19 + 2 * 5);
	member(member(paths, "/voter/health"), "get");
	member(member(paths, "/ballot/openapi.json"), "get");

	/* Each route's method is under its path, with its event's schema. */
	for (a = 0; a < 5; a++) {
		for (r = 0; r < all[a]->route_count; r++) {
			const pv_route *route = &all[a]->routes[r];
			struct json_object *item = member(paths, route->path);
			char method[8], ref[128];
			size_t i;

			for (i = 0; route->method[i] != '\0'; i++)
				method[i] = (char)(route->method[i] | 0x20);
			method[i] = '\0';
			snprintf(ref, sizeof(ref), "#/components/schemas/%s",
			    route->event_type);
			cr_assert(strstr(json_object_to_json_string_ext(
			    member(item, method),
			    JSON_C_TO_STRING_NOSLASHESCAPE), ref) != NULL,
			    "%s %s does not refer to %s", route->method,
			    route->path, ref);
		}
	}
	json_object_put(doc);
}

Test(openapi, has_422_body_schema)
{
	struct json_object *doc = generate();
	struct json_object *schemas = member(member(doc, "components"),
	    "schemas");

	member(schemas, "HTTPValidationError");
	member(schemas, "ValidationError");
	json_object_put(doc);
}

Test(openapi, examples_pass_validator)
{
	struct json_object *doc = generate();
	struct json_object *schemas = member(member(doc, "components"),
	    "schemas");
	size_t checked = 0, a, r, i;

	for (a = 0; a < 5; a++) {
		for (r = 0; r < all[a]->route_count; r++) {
			const char *type = all[a]->routes[r].event_type;
			struct json_object *examples = member(member(schemas,
			    type), "examples");

			cr_assert_gt(json_object_array_length(examples), 0,
			    "%s has no example", type);
			for (i = 0; i < json_object_array_length(examples);
			    i++) {
				struct unit_result result;

				unit_check(type, json_object_to_json_string_ext(
				    json_object_array_get_idx(examples, i),
				    JSON_C_TO_STRING_NOSLASHESCAPE), &result);
				cr_assert_eq(result.status, PV_OK,
				    "example %zu of %s: %s at %s", i, type,
				    result.v.items[0].type,
				    result.v.items[0].field);
				checked++;
			}
		}
	}
	cr_assert_geq(checked, 19);
	json_object_put(doc);
}

/* Each operation names its event; the headers clients rely on are there. */
Test(openapi, descriptions_and_headers)
{
	struct json_object *doc = generate(), *post, *health;

	post = member(member(member(doc, "paths"), "/voter/"), "post");
	cr_expect_str_eq(json_object_get_string(member(post, "description")),
	    "Publishes one PhotoVote.Event.Voter.VoterRegistered event.  A "
	    "trailing slash on the path is optional.");
	cr_expect_not_null(member(member(member(member(post, "responses"),
	    "405"), "headers"), "Allow"));
	cr_expect_not_null(member(member(member(member(post, "responses"),
	    "503"), "headers"), "Retry-After"));

	health = member(member(member(doc, "paths"), "/voter/health"), "get");
	cr_expect_not_null(member(member(member(member(health, "responses"),
	    "503"), "headers"), "Retry-After"));
	json_object_put(doc);
}
