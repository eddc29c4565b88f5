/*
 * Every route through every server: a valid event gets 200 {} and is
 * stored once with the same subject, headers and canonical body whether
 * it came through lighttpd, Apache with mod_fcgid, Apache with CGI or
 * nginx with spawn-fcgi.
 *
 * JSON is written with ' for " (see pvt_json) and %s for the event id,
 * which differs per server so that no request is a duplicate of another.
 * A NULL request means the request body is the stored body.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "../harness/pvt_hosting.h"
#include "../harness/pvt_suite.h"

#define SCENARIO 1
#define E "01HV6Z3R8Y5A0B9C7D2E4F6G8H"
#define CAND "'candidate_id':'01HV6Z3R8Y5A0B9C7D2E4F6CND'"
#define COMP "'competition_id':'01HV6Z3R8Y5A0B9C7D2E4F6CMP'"
#define BAL "'ballot_id':'01HV6Z3R8Y5A0B9C7D2E4F6BA7'"

struct route_case {
	const char *method;
	const char *path;
	const char *aggregate;		/* "ballot" */
	const char *event;		/* "Ballot.BallotCreated" */
	const char *request;		/* NULL: the same as stored */
	const char *stored;
};

static const struct route_case cases[] = {
	{ "POST", "/ballot/", "ballot", "Ballot.BallotCreated", NULL,
	  "{'id':'%s','election_id':'" E "'," BAL ",'voter_id':'01HV6Z3R8Y5A0B9C7D2E4F6VTR'}" },
	{ "PUT", "/ballot/candidate-rated", "ballot", "Ballot.BallotCandidateRated", NULL,
	  "{'id':'%s'," BAL ",'election_id':'" E "'," COMP "," CAND ",'rating':5}" },
	{ "POST", "/ballot/cast", "ballot", "Ballot.BallotCast", NULL,
	  "{'id':'%s'," BAL ",'election_id':'" E "'}" },
	{ "POST", "/candidate/", "candidate", "Candidate.CandidateAdded",
	  "{'name':'Harbour','election_id':'" E "'," COMP "," CAND ",'id':'%s'}",
	  "{'id':'%s'," CAND "," COMP ",'election_id':'" E "','name':'Harbour',"
	  "'description':null,'image_url':null,'image_caption':null}" },
	{ "DELETE", "/candidate/", "candidate", "Candidate.CandidateRemoved", NULL,
	  "{'id':'%s'," CAND "," COMP ",'election_id':'" E "'}" },
	{ "PUT", "/candidate/name-changed", "candidate", "Candidate.CandidateNameChanged", NULL,
	  "{'id':'%s'," CAND "," COMP ",'election_id':'" E "','name':'Harbour at Dawn'}" },
	{ "PUT", "/candidate/description-changed", "candidate",
	  "Candidate.CandidateDescriptionChanged", NULL,
	  "{'id':'%s'," CAND "," COMP ",'election_id':'" E "','description':'Shot on film.\\nNo edits.'}" },
	{ "PUT", "/candidate/image-changed", "candidate", "Candidate.CandidateImageChanged",
	  "{'url':'https://photos.example.org/b/h.png','id':'%s'," CAND "," COMP ",'election_id':'" E "'}",
	  "{'id':'%s'," CAND "," COMP ",'election_id':'" E "',"
	  "'url':'https://photos.example.org/b/h.png','caption':null}" },
	{ "POST", "/competition/", "competition", "Competition.CompetitionAdded",
	  "{'name':'Landscapes','election_id':'" E "'," COMP ",'id':'%s'}",
	  "{'id':'%s'," COMP ",'election_id':'" E "','name':'Landscapes','description':null}" },
	{ "DELETE", "/competition/", "competition", "Competition.CompetitionRemoved", NULL,
	  "{'id':'%s'," COMP ",'election_id':'" E "'}" },
	{ "PUT", "/competition/name-changed", "competition",
	  "Competition.CompetitionNameChanged", NULL,
	  "{'id':'%s'," COMP ",'election_id':'" E "','name':'Seascapes'}" },
	{ "PUT", "/competition/description-changed", "competition",
	  "Competition.CompetitionDescriptionChanged", NULL,
	  "{'id':'%s'," COMP ",'election_id':'" E "','description':null}" },
	{ "POST", "/election/", "election", "Election.ElectionCreated", NULL,
	  "{'id':'%s','election_id':'" E "','name':'Photo Contest','description':'Club contest'}" },
	{ "DELETE", "/election/", "election", "Election.ElectionDeleted", NULL,
	  "{'id':'%s','election_id':'" E "'}" },
	{ "PUT", "/election/name-changed", "election", "Election.ElectionNameChanged", NULL,
	  "{'id':'%s','election_id':'" E "','name':'Photo Contest 2025'}" },
	{ "PUT", "/election/description-changed", "election",
	  "Election.ElectionDescriptionChanged",
	  "{'election_id':'" E "','id':'%s'}",
	  "{'id':'%s','election_id':'" E "','description':null}" },
	{ "PUT", "/election/opened", "election", "Election.ElectionOpened", NULL,
	  "{'id':'%s','election_id':'" E "','open_date':'2025-05-01T09:00:00Z'}" },
	{ "PUT", "/election/closed", "election", "Election.ElectionClosed", NULL,
	  "{'id':'%s','election_id':'" E "','close_date':'2025-05-31T18:00:00+02:00'}" },
	{ "POST", "/voter/", "voter", "Voter.VoterRegistered",
	  "{'email':'ada@example.org','name':'Ada','election_id':'" E "',"
	  "'voter_id':'01HV6Z3R8Y5A0B9C7D2E4F6VTR','id':'%s'}",
	  "{'id':'%s','voter_id':'01HV6Z3R8Y5A0B9C7D2E4F6VTR','election_id':'" E "',"
	  "'name':'Ada','email':'ada@example.org'}" },
};

#define CASE_COUNT (sizeof(cases) / sizeof(cases[0]))

/* Row index times the server count plus the server: one test each. */
ParameterizedTestParameters(hosting_routes, same_message_stored)
{
	return pvt_hosting_indexes(CASE_COUNT * PVT_SERVER_COUNT);
}

/* Returns the template with ' made " and %s made id; the caller frees it. */
static char *
render(const char *tmpl, const char *id)
{
	char *json = pvt_json(tmpl), *out = malloc(1024);
	const char *mark = strstr(json, "%s");

	cr_assert_not_null(out);
	cr_assert_not_null(mark, "template without %%s: %s", tmpl);
	snprintf(out, 1024, "%.*s%s%s", (int)(mark - json), json, id,
	    mark + 2);
	free(json);
	return out;
}

static bool
is_prefixed_uuid(const char *text, const char *prefix)
{
	size_t i, len = strlen(prefix);

	if (strncmp(text, prefix, len) != 0 || strlen(text) != len + 36)
		return false;
	for (i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? text[len + i] != '-' :
		    !isxdigit((unsigned char)text[len + i]))
			return false;
	}
	return true;
}

static void
expect_stored(const struct route_case *c, const char *id, const char *stored,
	const pvt_stored *msg)
{
	char subject[128], type[96], producer[32];

	snprintf(subject, sizeof(subject), PVT_STREAM "." E ".%s.%s",
	    c->aggregate, strchr(c->event, '.') + 1);
	snprintf(type, sizeof(type), "PhotoVote.Event.%s", c->event);
	snprintf(producer, sizeof(producer), "%s-", c->aggregate);

	cr_expect_str_eq(msg->subject, subject);
	cr_expect_str_eq(msg->event_type ? msg->event_type : "(none)", type);
	cr_expect_str_eq(msg->msg_id ? msg->msg_id : "(none)", id);
	cr_expect_str_eq(msg->content_type ? msg->content_type : "(none)",
	    "application/json");
	cr_expect(msg->producer != NULL &&
	    is_prefixed_uuid(msg->producer, producer),
	    "Producer is %s, expected %s<uuid>",
	    msg->producer ? msg->producer : "(none)", producer);
	cr_expect_str_eq(msg->data, stored);
}

ParameterizedTest(size_t *param, hosting_routes, same_message_stored)
{
	const struct route_case *c = &cases[*param / PVT_SERVER_COUNT];
	pvt_server server = (pvt_server)(*param % PVT_SERVER_COUNT);
	char id[40], *request, *stored;
	pvt_stream_state before, after;
	pvt_http_response resp;
	pvt_stored msg;

	pvt_hosting_event_id(id, SCENARIO, server,
	    (unsigned)(*param / PVT_SERVER_COUNT));
	request = render(c->request != NULL ? c->request : c->stored, id);
	stored = render(c->stored, id);
	pvt_http_request req = {
		.method = c->method, .path = c->path,
		.content_type = "application/json",
		.body = request, .body_len = strlen(request),
	};

	before = pvt_suite_stream_state();
	pvt_hosting_send(server, &req, &resp);
	after = pvt_suite_stream_state();

	cr_assert_eq(resp.status, 200, "%s %s through %s: status %d, body %s",
	    c->method, c->path, pvt_server_name(server), resp.status,
	    resp.body);
	cr_expect_str_eq(resp.body, "{}");
	cr_assert_eq(after.messages, before.messages + 1,
	    "%s %s through %s stored %llu messages, expected 1", c->method,
	    c->path, pvt_server_name(server),
	    (unsigned long long)(after.messages - before.messages));

	pvt_suite_stored(after.last_seq, &msg);
	expect_stored(c, id, stored, &msg);

	pvt_stored_free(&msg);
	pvt_http_response_free(&resp);
	free(request);
	free(stored);
}
