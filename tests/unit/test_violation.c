/*
 * pv_violations: collecting violations and the 422 body.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "pv_violation.h"

static void
expect_json(const pv_violations *v, const char *expected)
{
	pv_buf out;

	pv_buf_init(&out);
	cr_assert_eq(pv_violations_to_json(v, &out), PV_OK);
	cr_assert_str_eq(out.data, expected);
	pv_buf_free(&out);
}

Test(violation, field_and_json_invalid)
{
	pv_violations v;

	pv_violations_clear(&v);
	pv_violations_add(&v, "missing", "name", -1, "Field required");
	pv_violation_set_ctx_string(pv_violations_add(&v, "json_invalid",
	    NULL, 12, "JSON decode error"), "error", "Unexpected \"x\"");
	expect_json(&v, "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\","
	    "\"name\"],\"msg\":\"Field required\"},{\"type\":\"json_invalid\","
	    "\"loc\":[\"body\",12],\"msg\":\"JSON decode error\","
	    "\"ctx\":{\"error\":\"Unexpected \\\"x\\\"\"}}]}");
}

Test(violation, body_loc)
{
	pv_violations v;

	pv_violations_clear(&v);
	pv_violations_add(&v, "model_attributes_type", NULL, -1, "Bad %d", 1);
	expect_json(&v, "{\"detail\":[{\"type\":\"model_attributes_type\","
	    "\"loc\":[\"body\"],\"msg\":\"Bad 1\"}]}");
}

Test(violation, ctx_number)
{
	pv_violations v;
	pv_violation *item;

	pv_violations_clear(&v);
	item = pv_violations_add(&v, "less_than_equal", "rating", -1,
	    "Input should be less than or equal to 5");
	pv_violation_set_ctx_int(item, "le", 5);
	expect_json(&v, "{\"detail\":[{\"type\":\"less_than_equal\","
	    "\"loc\":[\"body\",\"rating\"],\"msg\":\"Input should be less "
	    "than or equal to 5\",\"ctx\":{\"le\":5}}]}");
}

/* pydantic names an empty key too: loc ["body",""], not ["body"]. */
Test(violation, empty_field_name)
{
	pv_violations v;

	pv_violations_clear(&v);
	pv_violations_add(&v, "extra_forbidden", "", -1, "Extra");
	expect_json(&v, "{\"detail\":[{\"type\":\"extra_forbidden\","
	    "\"loc\":[\"body\",\"\"],\"msg\":\"Extra\"}]}");
}

/* A violation past the maximum is dropped, and so is its ctx. */
Test(violation, ctx_of_dropped_item)
{
	pv_violations v;
	size_t i;

	pv_violations_clear(&v);
	for (i = 0; i < PV_VIOLATIONS_MAX; i++)
		cr_assert_not_null(pv_violations_add(&v, "missing", "a", -1,
		    "Field required"));
	cr_assert_null(pv_violations_add(&v, "missing", "b", -1, "x"));
	pv_violation_set_ctx_int(NULL, "le", 5);
	cr_assert(v.truncated);
	cr_assert_str_eq(v.items[PV_VIOLATIONS_MAX - 1].ctx_key, "");
}

Test(violation, empty_list)
{
	pv_violations v;

	pv_violations_clear(&v);
	expect_json(&v, "{\"detail\":[]}");
}

Test(violation, key_escaped)
{
	pv_violations v;

	pv_violations_clear(&v);
	pv_violations_add(&v, "extra_forbidden", "a\"b\n", -1, "Extra");
	expect_json(&v, "{\"detail\":[{\"type\":\"extra_forbidden\","
	    "\"loc\":[\"body\",\"a\\\"b\\n\"],\"msg\":\"Extra\"}]}");
}

Test(violation, field_cut_at_utf8)
{
	pv_violations v;
	char field[200];
	size_t i, len;

	/* "x" then three-byte euro signs: the cut must not split one. */
	field[0] = 'x';
	for (i = 1; i + 3 < sizeof(field); i += 3)
		memcpy(field + i, "\xe2\x82\xac", 3);
	field[i] = '\0';

	pv_violations_clear(&v);
	pv_violations_add(&v, "extra_forbidden", field, -1, "Extra");
	len = strlen(v.items[0].field);
	cr_assert_lt(len, sizeof(v.items[0].field));
	cr_assert_eq((len - 1) % 3, 0);
	cr_assert_eq(memcmp(v.items[0].field, field, len), 0);
}

Test(violation, truncated_flag)
{
	pv_violations v;
	size_t i;

	pv_violations_clear(&v);
	for (i = 0; i < PV_VIOLATIONS_MAX; i++)
		pv_violations_add(&v, "missing", "f", -1, "m");
	cr_assert_not(v.truncated);
	pv_violations_add(&v, "missing", "g", -1, "m");
	cr_assert(v.truncated);
	cr_assert_eq(v.count, PV_VIOLATIONS_MAX);
	pv_violations_clear(&v);
	cr_assert_eq(v.count, 0);
	cr_assert_not(v.truncated);
}
