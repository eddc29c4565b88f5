/*
 * Limits on hostile bodies: deep nesting, many fields, long and
 * ill-formed keys.  Each is rejected cleanly, and what goes back to the
 * client or into a log is short and escaped.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pv_log.h"
#include "unit_helpers.h"

#define VOTER "Voter.VoterRegistered"

Test(limits, deep_nesting_rejected)
{
	char *open = unit_repeat("[", 100000), *close = unit_repeat("]",
	    100000);
	size_t len = 2 * 100000 + 16;
	char *body = malloc(len);
	struct unit_result *r = malloc(sizeof(*r));

	snprintf(body, len, "{\"a\":%s%s}", open, close);
	unit_check(VOTER, body, r);
	cr_assert_eq(r->status, PV_ERR_JSON);
	cr_assert_str_eq(r->v.items[0].type, "json_invalid");
	free(open);
	free(close);
	free(body);
	free(r);
}

Test(limits, many_fields_capped)
{
	size_t count = 5000, i, used = 0, size = count * 16 + 16;
	char *body = malloc(size);
	struct unit_result *r = malloc(sizeof(*r));
	pv_buf out;

	used += (size_t)snprintf(body + used, size - used, "{");
	for (i = 0; i < count; i++)
		used += (size_t)snprintf(body + used, size - used,
		    "%s\"f%zu\":1", i > 0 ? "," : "", i);
	snprintf(body + used, size - used, "}");

	unit_check(VOTER, body, r);
	cr_assert_eq(r->status, PV_ERR_SCHEMA);
	cr_assert_eq(r->v.count, PV_VIOLATIONS_MAX);
	cr_assert(r->v.truncated);

	/* The 422 body stays small whatever the number of fields. */
	pv_buf_init(&out);
	cr_assert_eq(pv_violations_to_json(&r->v, &out), PV_OK);
	cr_assert_lt(out.len, 8192);
	pv_buf_free(&out);
	free(body);
	free(r);
}

Test(limits, long_key_cut_and_escaped)
{
	char *key = unit_repeat("k\\\"\\n", 500);
	size_t size = strlen(key) + 64;
	char *body = malloc(size);
	struct unit_result *r = malloc(sizeof(*r));
	const pv_violation *found;
	pv_buf out;
	struct json_object *parsed;

	snprintf(body, size, "{\"%s\":1}", key);
	unit_check(VOTER, body, r);
	cr_assert_eq(r->status, PV_ERR_SCHEMA);
	found = &r->v.items[r->v.count - 1];
	cr_assert_str_eq(found->type, "extra_forbidden");
	cr_assert_lt(strlen(found->field), sizeof(found->field));

	/* The key's quote and newline come back escaped, as valid JSON. */
	pv_buf_init(&out);
	cr_assert_eq(pv_violations_to_json(&r->v, &out), PV_OK);
	parsed = json_tokener_parse(out.data);
	cr_assert_not_null(parsed, "422 body is not JSON: %s", out.data);
	cr_assert_null(strchr(out.data, '\n'));
	json_object_put(parsed);
	pv_buf_free(&out);
	free(key);
	free(body);
	free(r);
}

Test(limits, log_excerpt_bounded)
{
	char *hostile = unit_repeat("\r\nFAKE: line", 1000);
	char out[128];

	pv_log_escape(out, sizeof(out), hostile, strlen(hostile), 64);
	cr_assert_lt(strlen(out), sizeof(out));
	cr_assert_null(strchr(out, '\n'));
	cr_assert_null(strchr(out, '\r'));
	free(hostile);
}
