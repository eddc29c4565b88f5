/*
 * Canonical serialization: escaping, raw UTF-8, nulls and integers.
 */
#include <criterion/criterion.h>

#include "unit_helpers.h"

#define HEAD "{\"id\":\"" ULID_1 "\",\"election_id\":\"" ULID_2 "\","

static void
expect_canonical(const char *event_type, const char *body,
	const char *canonical)
{
	struct unit_result r;

	unit_check(event_type, body, &r);
	cr_assert_eq(r.status, PV_OK, "%s: status %d", body, r.status);
	cr_assert_str_eq(r.canonical, canonical);
}

Test(canonical, escapes)
{
	expect_canonical("Election.ElectionNameChanged",
	    HEAD "\"name\":\"A \\\"quoted\\\" back\\\\slash\"}",
	    HEAD "\"name\":\"A \\\"quoted\\\" back\\\\slash\"}");
	expect_canonical("Election.ElectionDescriptionChanged",
	    HEAD "\"description\":\"a\\u0009b\\u000Ac\"}",
	    HEAD "\"description\":\"a\\tb\\nc\"}");
}

Test(canonical, no_slash_escape)
{
	expect_canonical("Election.ElectionNameChanged",
	    HEAD "\"name\":\"a\\/b/c\"}", HEAD "\"name\":\"a/b/c\"}");
}

Test(canonical, raw_utf8)
{
	expect_canonical("Election.ElectionNameChanged",
	    HEAD "\"name\":\"\\u00e9t\\u00E9 \xe2\x82\xac \\u2028\"}",
	    HEAD "\"name\":\"\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xe2\x80\xa8\"}");
}

Test(canonical, values_not_normalized)
{
	expect_canonical("Election.ElectionOpened",
	    "{\"id\":\"01hv6z3r8y5a0b9c7d2e4f6g8h\",\"election_id\":\""
	    "3F2B9C1E-7A4D-4E8B-9C2F-1A2B3C4D5E6F\","
	    "\"open_date\":\"2026-05-01t11:00:00.500000+02:00\"}",
	    "{\"id\":\"01hv6z3r8y5a0b9c7d2e4f6g8h\",\"election_id\":\""
	    "3F2B9C1E-7A4D-4E8B-9C2F-1A2B3C4D5E6F\","
	    "\"open_date\":\"2026-05-01t11:00:00.500000+02:00\"}");
	expect_canonical("Election.ElectionNameChanged",
	    HEAD "\"name\":\"  padded  \"}", HEAD "\"name\":\"  padded  \"}");
}

Test(canonical, null_and_integer)
{
	expect_canonical("Election.ElectionCreated",
	    HEAD "\"description\":null,\"name\":\"N\"}",
	    HEAD "\"name\":\"N\",\"description\":null}");
	expect_canonical("Ballot.BallotCandidateRated",
	    "{\"rating\":3,\"id\":\"" ULID_1 "\",\"ballot_id\":\"" ULID_2
	    "\",\"election_id\":\"" ULID_3 "\",\"competition_id\":\"" ULID_4
	    "\",\"candidate_id\":\"" ULID_5 "\"}",
	    "{\"id\":\"" ULID_1 "\",\"ballot_id\":\"" ULID_2
	    "\",\"election_id\":\"" ULID_3 "\",\"competition_id\":\"" ULID_4
	    "\",\"candidate_id\":\"" ULID_5 "\",\"rating\":3}");
}

/* Serialization appends: a second event follows the first. */
Test(canonical, appends_to_buffer)
{
	struct json_object *body;
	pv_catalog *catalog;
	pv_error err;
	pv_buf out;
	const pv_schema *schema;

	cr_assert_eq(pv_catalog_load(&catalog, &err), PV_OK);
	schema = pv_catalog_find(catalog, "Election.ElectionDeleted");
	body = json_tokener_parse(HEAD "\"x\":0}");
	pv_buf_init(&out);
	cr_assert_eq(pv_buf_append_str(&out, "pre:"), PV_OK);
	cr_assert_eq(pv_schema_serialize(schema, body, &out), PV_OK);
	cr_assert_str_eq(out.data, "pre:{\"id\":\"" ULID_1
	    "\",\"election_id\":\"" ULID_2 "\"}");
	pv_buf_free(&out);
	json_object_put(body);
	pv_catalog_free(catalog);
}
