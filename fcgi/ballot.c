/* Ballot events: a voter's ballot is created, rated and cast. */
#include "pv_server.h"

static const pv_route routes[] = {
	{ "POST",	"/ballot/",			"Ballot.BallotCreated" },
	{ "PUT",	"/ballot/candidate-rated",	"Ballot.BallotCandidateRated" },
	{ "POST",	"/ballot/cast",			"Ballot.BallotCast" },
};

const pv_aggregate pv_ballot_aggregate = {
	"ballot", routes, sizeof(routes) / sizeof(routes[0])
};

/* PV_NO_MAIN builds the table alone, for tools that list every route. */
#ifndef PV_NO_MAIN
int
main(int argc, char **argv)
{
	return pv_server_main(&pv_ballot_aggregate, argc, argv);
}
#endif
