/*
 * Every event type: a valid event passes and is published in canonical
 * form.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "unit_helpers.h"

struct event_case {
	const char *event_type;
	const char *body;
	const char *canonical;
};

#define ID "\"id\":\"" ULID_1 "\""
#define ELECTION "\"election_id\":\"" ULID_2 "\""
#define COMPETITION "\"competition_id\":\"" ULID_3 "\""
#define CANDIDATE "\"candidate_id\":\"" ULID_4 "\""
#define BALLOT "\"ballot_id\":\"" ULID_5 "\""
#define VOTER "\"voter_id\":\"" UUID_1 "\""
#define IMAGE "https://img.example.org/a/b.png?size=2"

/* Every field given, in canonical order: the output equals the input. */
static const char *const full_events[][2] = {
	{ "Ballot.BallotCreated",
	  "{" ID "," ELECTION "," BALLOT "," VOTER "}" },
	{ "Ballot.BallotCandidateRated",
	  "{" ID "," BALLOT "," ELECTION "," COMPETITION "," CANDIDATE
	  ",\"rating\":4}" },
	{ "Ballot.BallotCast", "{" ID "," BALLOT "," ELECTION "}" },
	{ "Candidate.CandidateAdded",
	  "{" ID "," CANDIDATE "," COMPETITION "," ELECTION
	  ",\"name\":\"Ann\",\"description\":\"Line 1\\nLine 2\","
	  "\"image_url\":\"" IMAGE "\",\"image_caption\":\"At sea\"}" },
	{ "Candidate.CandidateRemoved",
	  "{" ID "," CANDIDATE "," COMPETITION "," ELECTION "}" },
	{ "Candidate.CandidateNameChanged",
	  "{" ID "," CANDIDATE "," COMPETITION "," ELECTION
	  ",\"name\":\"Bo\"}" },
	{ "Candidate.CandidateDescriptionChanged",
	  "{" ID "," CANDIDATE "," COMPETITION "," ELECTION
	  ",\"description\":\"Tall\\tand kind\"}" },
	{ "Candidate.CandidateImageChanged",
	  "{" ID "," CANDIDATE "," COMPETITION "," ELECTION
	  ",\"url\":\"" IMAGE "\",\"caption\":\"Portrait\"}" },
	{ "Competition.CompetitionAdded",
	  "{" ID "," COMPETITION "," ELECTION
	  ",\"name\":\"Best photo\",\"description\":\"Any subject\"}" },
	{ "Competition.CompetitionRemoved",
	  "{" ID "," COMPETITION "," ELECTION "}" },
	{ "Competition.CompetitionNameChanged",
	  "{" ID "," COMPETITION "," ELECTION ",\"name\":\"Landscapes\"}" },
	{ "Competition.CompetitionDescriptionChanged",
	  "{" ID "," COMPETITION "," ELECTION ",\"description\":\"\"}" },
	{ "Election.ElectionCreated",
	  "{" ID "," ELECTION ",\"name\":\"Club 2026\","
	  "\"description\":\"Yearly vote\"}" },
	{ "Election.ElectionDeleted", "{" ID "," ELECTION "}" },
	{ "Election.ElectionNameChanged",
	  "{" ID "," ELECTION ",\"name\":\"Club 2027\"}" },
	{ "Election.ElectionDescriptionChanged",
	  "{" ID "," ELECTION ",\"description\":\"New rules\"}" },
	{ "Election.ElectionOpened",
	  "{" ID "," ELECTION ",\"open_date\":\"2026-05-01T09:00:00Z\"}" },
	{ "Election.ElectionClosed",
	  "{" ID "," ELECTION
	  ",\"close_date\":\"2026-05-01T11:00:00.250+02:00\"}" },
	{ "Voter.VoterRegistered",
	  "{" ID "," VOTER "," ELECTION
	  ",\"name\":\"Zo\xc3\xab\",\"email\":\"z@example.org\"}" },
};

/* Bodies that leave out or shuffle fields, with their canonical form. */
static const struct event_case other_events[] = {
	{ "Candidate.CandidateAdded",
	  "{" ID "," CANDIDATE "," COMPETITION "," ELECTION
	  ",\"name\":\"Ann\"}",
	  "{" ID "," CANDIDATE "," COMPETITION "," ELECTION
	  ",\"name\":\"Ann\",\"description\":null,\"image_url\":null,"
	  "\"image_caption\":null}" },
	{ "Candidate.CandidateDescriptionChanged",
	  "{" ID "," CANDIDATE "," COMPETITION "," ELECTION "}",
	  "{" ID "," CANDIDATE "," COMPETITION "," ELECTION
	  ",\"description\":null}" },
	{ "Candidate.CandidateImageChanged",
	  "{" ID "," CANDIDATE "," COMPETITION "," ELECTION
	  ",\"url\":null,\"caption\":null}",
	  "{" ID "," CANDIDATE "," COMPETITION "," ELECTION
	  ",\"url\":null,\"caption\":null}" },
	{ "Competition.CompetitionAdded",
	  "{" ID "," COMPETITION "," ELECTION ",\"name\":\"Best\"}",
	  "{" ID "," COMPETITION "," ELECTION
	  ",\"name\":\"Best\",\"description\":null}" },
	{ "Competition.CompetitionDescriptionChanged",
	  "{" ID "," COMPETITION "," ELECTION ",\"description\":null}",
	  "{" ID "," COMPETITION "," ELECTION ",\"description\":null}" },
	{ "Election.ElectionCreated",
	  "{" ID "," ELECTION ",\"name\":\"Club\"}",
	  "{" ID "," ELECTION ",\"name\":\"Club\",\"description\":null}" },
	{ "Election.ElectionDescriptionChanged",
	  "{" ID "," ELECTION "}",
	  "{" ID "," ELECTION ",\"description\":null}" },
	{ "Ballot.BallotCandidateRated",
	  "{\"rating\":5," CANDIDATE "," COMPETITION "," ELECTION ","
	  BALLOT "," ID "}",
	  "{" ID "," BALLOT "," ELECTION "," COMPETITION "," CANDIDATE
	  ",\"rating\":5}" },
	{ "Voter.VoterRegistered",
	  " {\n  \"email\": \"z@example.org\",\n  \"name\": \"Zo\xc3\xab\","
	  "\n  " ELECTION ", " VOTER ", " ID "\n}\n",
	  "{" ID "," VOTER "," ELECTION
	  ",\"name\":\"Zo\xc3\xab\",\"email\":\"z@example.org\"}" },
	{ "Candidate.CandidateAdded",
	  "{\"image_caption\":\"At sea\",\"image_url\":\"" IMAGE "\","
	  "\"name\":\"Ann\"," ELECTION "," COMPETITION "," CANDIDATE ","
	  ID "}",
	  "{" ID "," CANDIDATE "," COMPETITION "," ELECTION
	  ",\"name\":\"Ann\",\"description\":null,\"image_url\":\"" IMAGE
	  "\",\"image_caption\":\"At sea\"}" },
};

Test(events, catalog_has_all)
{
	pv_catalog *catalog;
	pv_error err;
	size_t i, n = sizeof(full_events) / sizeof(full_events[0]);

	cr_assert_eq(pv_catalog_load(&catalog, &err), PV_OK, "%s", err.text);
	cr_assert_eq(pv_catalog_count(catalog), n);
	for (i = 0; i < n; i++)
		cr_assert_not_null(pv_catalog_find(catalog, full_events[i][0]),
		    "%s", full_events[i][0]);
	pv_catalog_free(catalog);
}

Test(events, full_event_valid)
{
	struct unit_result r;
	size_t i;

	for (i = 0; i < sizeof(full_events) / sizeof(full_events[0]); i++) {
		unit_check(full_events[i][0], full_events[i][1], &r);
		cr_assert_eq(r.status, PV_OK, "%s: status %d, first type %s",
		    full_events[i][0], r.status, r.v.items[0].type);
		cr_assert_str_eq(r.canonical, full_events[i][1], "%s",
		    full_events[i][0]);
	}
}

Test(events, canonical_order_nulls)
{
	const struct event_case *c;
	struct unit_result r;
	size_t i;

	for (i = 0; i < sizeof(other_events) / sizeof(other_events[0]); i++) {
		c = &other_events[i];
		unit_check(c->event_type, c->body, &r);
		cr_assert_eq(r.status, PV_OK, "case %zu: status %d", i,
		    r.status);
		cr_assert_str_eq(r.canonical, c->canonical, "case %zu", i);
	}
}

Test(events, uuid_ids_any_case)
{
	struct unit_result r;

	unit_check("Election.ElectionDeleted",
	    "{\"id\":\"3F2B9C1E-7A4D-4E8B-9C2F-1A2B3C4D5E6F\","
	    "\"election_id\":\"00000000-0000-0000-0000-000000000000\"}", &r);
	cr_assert_eq(r.status, PV_OK);
	cr_assert_str_eq(r.canonical,
	    "{\"id\":\"3F2B9C1E-7A4D-4E8B-9C2F-1A2B3C4D5E6F\","
	    "\"election_id\":\"00000000-0000-0000-0000-000000000000\"}");
}

Test(events, ulid_lower_case)
{
	struct unit_result r;

	unit_check("Election.ElectionDeleted",
	    "{\"id\":\"01hv6z3r8y5a0b9c7d2e4f6g8h\","
	    "\"election_id\":\"7ZZZZZZZZZZZZZZZZZZZZZZZZZ\"}", &r);
	cr_assert_eq(r.status, PV_OK);
	cr_assert_str_eq(r.canonical, "{\"id\":\"01hv6z3r8y5a0b9c7d2e4f6g8h\","
	    "\"election_id\":\"7ZZZZZZZZZZZZZZZZZZZZZZZZZ\"}");
}

/* json-c 0.18 rejects non-ASCII bytes in strict mode; this catches it. */
Test(events, non_ascii_raw)
{
	struct unit_result r;

	unit_check("Election.ElectionNameChanged",
	    "{" ID "," ELECTION ",\"name\":\"Zo\\u00eb \xf0\x9f\x93\xb7\"}", &r);
	cr_assert_eq(r.status, PV_OK);
	cr_assert_str_eq(r.canonical, "{" ID "," ELECTION
	    ",\"name\":\"Zo\xc3\xab \xf0\x9f\x93\xb7\"}");
}
