/*
 * Object-level rules: required fields, integer ranges, unknown fields,
 * several violations at once and non-object bodies.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "unit_helpers.h"

#define RATED "Ballot.BallotCandidateRated"
#define RATED_HEAD "{\"id\":\"" ULID_1 "\",\"ballot_id\":\"" ULID_2 \
	"\",\"election_id\":\"" ULID_3 "\",\"competition_id\":\"" ULID_4 \
	"\",\"candidate_id\":\"" ULID_5 "\","
#define VOTER "Voter.VoterRegistered"

Test(rating, bounds)
{
	const pv_violation *found;

	unit_expect_ok(RATED, RATED_HEAD "\"rating\":1}");
	unit_expect_ok(RATED, RATED_HEAD "\"rating\":5}");
	found = unit_expect(RATED, RATED_HEAD "\"rating\":0}", "rating",
	    "greater_than_equal");
	cr_assert_str_eq(found->msg, "Input should be greater than or equal to 1");
	cr_assert_str_eq(found->ctx_key, "ge");
	cr_assert_str_eq(found->ctx_value, "1");
	cr_assert(found->ctx_number);
	found = unit_expect(RATED, RATED_HEAD "\"rating\":6}", "rating",
	    "less_than_equal");
	cr_assert_str_eq(found->msg, "Input should be less than or equal to 5");
	cr_assert_str_eq(found->ctx_key, "le");
	cr_assert_str_eq(found->ctx_value, "5");
	unit_expect(RATED, RATED_HEAD "\"rating\":-1}", "rating",
	    "greater_than_equal");
}

Test(rating, not_integer)
{
	const pv_violation *found;

	found = unit_expect(RATED, RATED_HEAD "\"rating\":\"3\"}", "rating",
	    "int_type");
	cr_assert_str_eq(found->msg, "Input should be a valid integer");
	unit_expect(RATED, RATED_HEAD "\"rating\":3.5}", "rating", "int_type");
	unit_expect(RATED, RATED_HEAD "\"rating\":3.0}", "rating", "int_type");
	unit_expect(RATED, RATED_HEAD "\"rating\":3e0}", "rating", "int_type");
	unit_expect(RATED, RATED_HEAD "\"rating\":true}", "rating", "int_type");
	unit_expect(RATED, RATED_HEAD "\"rating\":null}", "rating", "int_type");
}

Test(rating, huge_rejected)
{
	unit_expect(RATED, RATED_HEAD "\"rating\":99999999999999999999999}",
	    "rating", "less_than_equal");
	unit_expect(RATED, RATED_HEAD "\"rating\":18446744073709551617}",
	    "rating", "less_than_equal");
	unit_expect(RATED, RATED_HEAD "\"rating\":-99999999999999999999999}",
	    "rating", "greater_than_equal");
}

Test(required, missing_fields)
{
	struct unit_result r;
	const pv_violation *found;

	found = unit_expect(RATED, "{\"id\":\"" ULID_1 "\"}", "rating",
	    "missing");
	cr_assert_str_eq(found->msg, "Field required");

	unit_check(RATED, "{}", &r);
	cr_assert_eq(r.status, PV_ERR_SCHEMA);
	cr_assert_eq(r.v.count, 6);
	cr_assert_str_eq(r.v.items[0].field, "id");
	cr_assert_str_eq(r.v.items[5].field, "rating");
	cr_assert_str_eq(r.v.items[5].type, "missing");
}

Test(required, null_is_string_type)
{
	unit_expect("Election.ElectionDeleted", "{\"id\":null,"
	    "\"election_id\":\"" ULID_1 "\"}", "id", "string_type");
}

Test(unknown, extra_forbidden)
{
	const pv_violation *found;

	found = unit_expect("Election.ElectionDeleted", "{\"id\":\"" ULID_1
	    "\",\"election_id\":\"" ULID_2 "\",\"electionId\":\"x\"}",
	    "electionId", "extra_forbidden");
	cr_assert_str_eq(found->msg, "Extra inputs are not permitted");
}

Test(unknown, long_key_cut)
{
	struct unit_result r;
	char body[512], key[200];
	size_t field_size = sizeof(r.v.items[0].field);

	/* "a" then two-byte characters, so the cut falls inside one. */
	memset(key, 0, sizeof(key));
	key[0] = 'a';
	for (size_t i = 1; i + 2 < 180; i += 2)
		memcpy(key + i, "\xc3\xab", 2);
	snprintf(body, sizeof(body), "{\"id\":\"" ULID_1 "\",\"election_id\":\""
	    ULID_2 "\",\"%s\":1}", key);

	unit_check("Election.ElectionDeleted", body, &r);
	cr_assert_eq(r.status, PV_ERR_SCHEMA);
	cr_assert_eq(r.v.count, 1);
	cr_assert_lt(strlen(r.v.items[0].field), field_size);
	cr_assert_eq(strlen(r.v.items[0].field) % 2, 1);
	cr_assert_eq(memcmp(r.v.items[0].field, key,
	    strlen(r.v.items[0].field)), 0);
}

Test(multiple, all_reported_in_order)
{
	struct unit_result r;

	unit_check(VOTER, "{\"zz\":1,\"id\":\"nope\",\"voter_id\":5,"
	    "\"name\":\"\",\"email\":\"no-at-sign\",\"aa\":2}", &r);
	cr_assert_eq(r.status, PV_ERR_SCHEMA);
	cr_assert_eq(r.v.count, 7);
	cr_assert_str_eq(r.v.items[0].field, "id");
	cr_assert_str_eq(r.v.items[0].type, "uuid_parsing");
	cr_assert_str_eq(r.v.items[1].field, "voter_id");
	cr_assert_str_eq(r.v.items[1].type, "string_type");
	cr_assert_str_eq(r.v.items[2].field, "election_id");
	cr_assert_str_eq(r.v.items[2].type, "missing");
	cr_assert_str_eq(r.v.items[3].field, "name");
	cr_assert_str_eq(r.v.items[3].type, "string_too_short");
	cr_assert_str_eq(r.v.items[4].field, "email");
	cr_assert_str_eq(r.v.items[4].type, "value_error");
	cr_assert_str_eq(r.v.items[5].field, "zz");
	cr_assert_str_eq(r.v.items[5].type, "extra_forbidden");
	cr_assert_str_eq(r.v.items[6].field, "aa");
}

Test(multiple, truncated_after_max)
{
	struct unit_result r;
	char body[2048];
	size_t len, i;

	len = (size_t)snprintf(body, sizeof(body), "{\"id\":\"" ULID_1
	    "\",\"election_id\":\"" ULID_2 "\"");
	for (i = 0; i < PV_VIOLATIONS_MAX + 5; i++)
		len += (size_t)snprintf(body + len, sizeof(body) - len,
		    ",\"x%zu\":1", i);
	snprintf(body + len, sizeof(body) - len, "}");

	unit_check("Election.ElectionDeleted", body, &r);
	cr_assert_eq(r.status, PV_ERR_SCHEMA);
	cr_assert_eq(r.v.count, PV_VIOLATIONS_MAX);
	cr_assert(r.v.truncated);
	cr_assert_str_eq(r.v.items[0].field, "x0");
}

Test(body, not_an_object)
{
	struct json_object *array;
	pv_catalog *catalog;
	pv_violations v;
	pv_error err;

	cr_assert_eq(pv_catalog_load(&catalog, &err), PV_OK);
	array = json_object_new_array();
	pv_violations_clear(&v);
	cr_assert_eq(pv_schema_validate(pv_catalog_find(catalog,
	    "Election.ElectionDeleted"), array, &v), PV_ERR_SCHEMA);
	cr_assert_eq(v.count, 1);
	cr_assert_str_eq(v.items[0].type, "model_attributes_type");
	cr_assert_str_eq(v.items[0].field, "");
	cr_assert_str_eq(v.items[0].msg, "Input should be a valid dictionary "
	    "or object to extract fields from");
	json_object_put(array);
	pv_catalog_free(catalog);
}
