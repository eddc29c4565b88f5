/*
 * Every route: a valid event gets 200 {} and is stored once, under
 * the event's subject, with the four headers and the canonical body
 * (declared fields in schema order, null for absent optional fields).
 *
 * JSON is written with ' for " (see pvt_json).  Requests list their
 * fields out of order and leave optional fields out, so the stored body
 * shows the canonical form rather than an echo.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "../harness/pvt_suite.h"

#define ELECTION "01HV6Z3R8Y5A0B9C7D2E4F6G8H"
#define SUBJECT(aggregate, event) \
	PVT_STREAM "." ELECTION "." aggregate "." event

struct route_case {
	const char *method;
	const char *path;
	const char *subject;
	const char *event_type;
	const char *event_id;
	const char *producer_prefix;
	const char *request;
	const char *stored;
};

static const struct route_case cases[] = {
	{ "POST", "/ballot/", SUBJECT("ballot", "BallotCreated"),
	  "PhotoVote.Event.Ballot.BallotCreated",
	  "6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e01", "ballot-",
	  "{'voter_id':'01HV6Z3R8Y5A0B9C7D2E4F6VTR','ballot_id':'01HV6Z3R8Y5A0B9C7D2E4F6BA7',"
	  "'election_id':'" ELECTION "','id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e01'}",
	  "{'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e01','election_id':'" ELECTION "',"
	  "'ballot_id':'01HV6Z3R8Y5A0B9C7D2E4F6BA7','voter_id':'01HV6Z3R8Y5A0B9C7D2E4F6VTR'}" },
	{ "PUT", "/ballot/candidate-rated", SUBJECT("ballot", "BallotCandidateRated"),
	  "PhotoVote.Event.Ballot.BallotCandidateRated",
	  "6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e02", "ballot-",
	  "{'rating':4,'candidate_id':'01HV6Z3R8Y5A0B9C7D2E4F6CND','competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP',"
	  "'election_id':'" ELECTION "','ballot_id':'01HV6Z3R8Y5A0B9C7D2E4F6BA7','id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e02'}",
	  "{'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e02','ballot_id':'01HV6Z3R8Y5A0B9C7D2E4F6BA7',"
	  "'election_id':'" ELECTION "','competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP',"
	  "'candidate_id':'01HV6Z3R8Y5A0B9C7D2E4F6CND','rating':4}" },
	{ "POST", "/ballot/cast", SUBJECT("ballot", "BallotCast"),
	  "PhotoVote.Event.Ballot.BallotCast",
	  "6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e03", "ballot-",
	  "{'election_id':'" ELECTION "','ballot_id':'01HV6Z3R8Y5A0B9C7D2E4F6BA7','id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e03'}",
	  "{'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e03','ballot_id':'01HV6Z3R8Y5A0B9C7D2E4F6BA7','election_id':'" ELECTION "'}" },
	{ "POST", "/candidate/", SUBJECT("candidate", "CandidateAdded"),
	  "PhotoVote.Event.Candidate.CandidateAdded",
	  "6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e04", "candidate-",
	  "{'image_caption':'Harbour at dawn','image_url':'https://photos.example.org/a/harbour.jpg','name':'Harbour',"
	  "'election_id':'" ELECTION "','competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP',"
	  "'candidate_id':'01HV6Z3R8Y5A0B9C7D2E4F6CND','id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e04'}",
	  "{'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e04','candidate_id':'01HV6Z3R8Y5A0B9C7D2E4F6CND',"
	  "'competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP','election_id':'" ELECTION "','name':'Harbour',"
	  "'description':null,'image_url':'https://photos.example.org/a/harbour.jpg','image_caption':'Harbour at dawn'}" },
	{ "DELETE", "/candidate/", SUBJECT("candidate", "CandidateRemoved"),
	  "PhotoVote.Event.Candidate.CandidateRemoved",
	  "6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e05", "candidate-",
	  "{'election_id':'" ELECTION "','competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP',"
	  "'candidate_id':'01HV6Z3R8Y5A0B9C7D2E4F6CND','id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e05'}",
	  "{'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e05','candidate_id':'01HV6Z3R8Y5A0B9C7D2E4F6CND',"
	  "'competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP','election_id':'" ELECTION "'}" },
	{ "PUT", "/candidate/name-changed", SUBJECT("candidate", "CandidateNameChanged"),
	  "PhotoVote.Event.Candidate.CandidateNameChanged",
	  "6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e06", "candidate-",
	  "{'name':'Harbour at Dawn','election_id':'" ELECTION "','competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP',"
	  "'candidate_id':'01HV6Z3R8Y5A0B9C7D2E4F6CND','id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e06'}",
	  "{'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e06','candidate_id':'01HV6Z3R8Y5A0B9C7D2E4F6CND',"
	  "'competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP','election_id':'" ELECTION "','name':'Harbour at Dawn'}" },
	{ "PUT", "/candidate/description-changed", SUBJECT("candidate", "CandidateDescriptionChanged"),
	  "PhotoVote.Event.Candidate.CandidateDescriptionChanged",
	  "6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e07", "candidate-",
	  "{'description':'Shot on film.\\nNo edits.','election_id':'" ELECTION "','competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP',"
	  "'candidate_id':'01HV6Z3R8Y5A0B9C7D2E4F6CND','id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e07'}",
	  "{'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e07','candidate_id':'01HV6Z3R8Y5A0B9C7D2E4F6CND',"
	  "'competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP','election_id':'" ELECTION "','description':'Shot on film.\\nNo edits.'}" },
	{ "PUT", "/candidate/image-changed", SUBJECT("candidate", "CandidateImageChanged"),
	  "PhotoVote.Event.Candidate.CandidateImageChanged",
	  "6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e08", "candidate-",
	  "{'url':'http://photos.example.org/b/harbour-2.png','election_id':'" ELECTION "','competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP',"
	  "'candidate_id':'01HV6Z3R8Y5A0B9C7D2E4F6CND','id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e08'}",
	  "{'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e08','candidate_id':'01HV6Z3R8Y5A0B9C7D2E4F6CND',"
	  "'competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP','election_id':'" ELECTION "',"
	  "'url':'http://photos.example.org/b/harbour-2.png','caption':null}" },
	{ "POST", "/competition/", SUBJECT("competition", "CompetitionAdded"),
	  "PhotoVote.Event.Competition.CompetitionAdded",
	  "6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e09", "competition-",
	  "{'name':'Landscapes','election_id':'" ELECTION "','competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP',"
	  "'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e09'}",
	  "{'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e09','competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP',"
	  "'election_id':'" ELECTION "','name':'Landscapes','description':null}" },
	{ "DELETE", "/competition/", SUBJECT("competition", "CompetitionRemoved"),
	  "PhotoVote.Event.Competition.CompetitionRemoved",
	  "6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e10", "competition-",
	  "{'election_id':'" ELECTION "','competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP','id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e10'}",
	  "{'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e10','competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP','election_id':'" ELECTION "'}" },
	{ "PUT", "/competition/name-changed", SUBJECT("competition", "CompetitionNameChanged"),
	  "PhotoVote.Event.Competition.CompetitionNameChanged",
	  "6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e11", "competition-",
	  "{'name':'Seascapes','election_id':'" ELECTION "','competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP',"
	  "'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e11'}",
	  "{'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e11','competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP',"
	  "'election_id':'" ELECTION "','name':'Seascapes'}" },
	{ "PUT", "/competition/description-changed", SUBJECT("competition", "CompetitionDescriptionChanged"),
	  "PhotoVote.Event.Competition.CompetitionDescriptionChanged",
	  "6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e12", "competition-",
	  "{'description':null,'election_id':'" ELECTION "','competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP',"
	  "'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e12'}",
	  "{'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e12','competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP',"
	  "'election_id':'" ELECTION "','description':null}" },
	{ "POST", "/election/", SUBJECT("election", "ElectionCreated"),
	  "PhotoVote.Event.Election.ElectionCreated",
	  "6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e13", "election-",
	  "{'description':'Club photo contest 2025','name':'Photo Contest','election_id':'" ELECTION "',"
	  "'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e13'}",
	  "{'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e13','election_id':'" ELECTION "','name':'Photo Contest',"
	  "'description':'Club photo contest 2025'}" },
	{ "DELETE", "/election/", SUBJECT("election", "ElectionDeleted"),
	  "PhotoVote.Event.Election.ElectionDeleted",
	  "6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e14", "election-",
	  "{'election_id':'" ELECTION "','id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e14'}",
	  "{'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e14','election_id':'" ELECTION "'}" },
	{ "PUT", "/election/name-changed", SUBJECT("election", "ElectionNameChanged"),
	  "PhotoVote.Event.Election.ElectionNameChanged",
	  "6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e15", "election-",
	  "{'name':'Photo Contest 2025','election_id':'" ELECTION "','id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e15'}",
	  "{'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e15','election_id':'" ELECTION "','name':'Photo Contest 2025'}" },
	{ "PUT", "/election/description-changed", SUBJECT("election", "ElectionDescriptionChanged"),
	  "PhotoVote.Event.Election.ElectionDescriptionChanged",
	  "6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e16", "election-",
	  "{'election_id':'" ELECTION "','id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e16'}",
	  "{'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e16','election_id':'" ELECTION "','description':null}" },
	{ "PUT", "/election/opened", SUBJECT("election", "ElectionOpened"),
	  "PhotoVote.Event.Election.ElectionOpened",
	  "6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e17", "election-",
	  "{'open_date':'2025-05-01T09:00:00Z','election_id':'" ELECTION "','id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e17'}",
	  "{'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e17','election_id':'" ELECTION "','open_date':'2025-05-01T09:00:00Z'}" },
	{ "PUT", "/election/closed", SUBJECT("election", "ElectionClosed"),
	  "PhotoVote.Event.Election.ElectionClosed",
	  "6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e18", "election-",
	  "{'close_date':'2025-05-31T18:00:00+02:00','election_id':'" ELECTION "','id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e18'}",
	  "{'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e18','election_id':'" ELECTION "','close_date':'2025-05-31T18:00:00+02:00'}" },
	{ "POST", "/voter/", SUBJECT("voter", "VoterRegistered"),
	  "PhotoVote.Event.Voter.VoterRegistered",
	  "6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e19", "voter-",
	  "{'email':'ada@example.org','name':'Ada Lovelace','election_id':'" ELECTION "',"
	  "'voter_id':'01HV6Z3R8Y5A0B9C7D2E4F6VTR','id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e19'}",
	  "{'id':'6f1c2a9e-4b3d-4e8a-9c71-0a1b2c3d4e19','voter_id':'01HV6Z3R8Y5A0B9C7D2E4F6VTR',"
	  "'election_id':'" ELECTION "','name':'Ada Lovelace','email':'ada@example.org'}" },
};

#define CASE_COUNT (sizeof(cases) / sizeof(cases[0]))

/*
 * Criterion runs each test in a new process of the same executable, where
 * pointers into the table may differ, so the parameter is the row index.
 */
static size_t case_index[CASE_COUNT];

ParameterizedTestParameters(routes, valid_event_stored)
{
	size_t i;

	for (i = 0; i < CASE_COUNT; i++)
		case_index[i] = i;
	return cr_make_param_array(size_t, case_index, CASE_COUNT);
}

/* Returns true when text is "<prefix><UUID>" with a lowercase or uppercase UUID. */
static bool
is_prefixed_uuid(const char *text, const char *prefix)
{
	size_t i, len = strlen(prefix);

	if (strncmp(text, prefix, len) != 0 || strlen(text) != len + 36)
		return false;
	for (i = 0; i < 36; i++) {
		char c = text[len + i];
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? c != '-' : !isxdigit((unsigned char)c))
			return false;
	}
	return true;
}

ParameterizedTest(size_t *index, routes, valid_event_stored)
{
	const struct route_case *c = &cases[*index];
	char *request = pvt_json(c->request);
	char *stored = pvt_json(c->stored);
	pvt_stream_state before, after;
	pvt_http_response resp;
	pvt_stored msg;
	char *type;

	before = pvt_suite_stream_state();
	pvt_suite_send_json(c->method, c->path, request, &resp);
	after = pvt_suite_stream_state();
	type = pvt_http_header(&resp, "Content-Type");

	cr_assert_eq(resp.status, 200, "%s %s: status %d, body %s",
	    c->method, c->path, resp.status, resp.body);
	cr_expect_str_eq(resp.body, "{}");
	cr_expect_str_eq(type ? type : "", "application/json");
	cr_assert_eq(after.messages, before.messages + 1,
	    "%s %s stored %llu messages, expected 1", c->method, c->path,
	    (unsigned long long)(after.messages - before.messages));

	pvt_suite_stored(after.last_seq, &msg);
	cr_expect_str_eq(msg.subject, c->subject);
	cr_expect_str_eq(msg.event_type ? msg.event_type : "(none)", c->event_type);
	cr_expect_str_eq(msg.msg_id ? msg.msg_id : "(none)", c->event_id);
	cr_expect_str_eq(msg.content_type ? msg.content_type : "(none)",
	    "application/json");
	cr_expect(msg.producer != NULL &&
	    is_prefixed_uuid(msg.producer, c->producer_prefix),
	    "Producer is %s, expected %s<uuid>",
	    msg.producer ? msg.producer : "(none)", c->producer_prefix);
	cr_expect_str_eq(msg.data, stored);

	pvt_stored_free(&msg);
	pvt_http_response_free(&resp);
	free(type);
	free(request);
	free(stored);
}
