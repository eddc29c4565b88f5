/* Ballot events: a voter's ballot is created, rated and cast. */
#include "pv_server.h"

static const pv_route routes[] = {
	{ "POST",	"/ballot/",			"Ballot.BallotCreated" },
	{ "PUT",	"/ballot/candidate-rated",	"Ballot.BallotCandidateRated" },
	{ "POST",	"/ballot/cast",			"Ballot.BallotCast" },
};

static const pv_aggregate ballot = {
	"ballot", routes, sizeof(routes) / sizeof(routes[0])
};

int
main(int argc, char **argv)
{
	return pv_server_main(&ballot, argc, argv);
}
