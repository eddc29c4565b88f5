/* Voter events: a voter registers for an election. */
#include "pv_server.h"

static const pv_route routes[] = {
	{ "POST",	"/voter/",			"Voter.VoterRegistered" },
};

const pv_aggregate pv_voter_aggregate = {
	"voter", routes, sizeof(routes) / sizeof(routes[0])
};

/* PV_NO_MAIN builds the table alone, for tools that list every route. */
#ifndef PV_NO_MAIN
int
main(int argc, char **argv)
{
	return pv_server_main(&pv_voter_aggregate, argc, argv);
}
#endif
