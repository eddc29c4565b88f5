/* Voter events: a voter registers for an election. */
#include "pv_server.h"

static const pv_route routes[] = {
	{ "POST",	"/voter/",			"Voter.VoterRegistered" },
};

static const pv_aggregate voter = {
	"voter", routes, sizeof(routes) / sizeof(routes[0])
};

int
main(int argc, char **argv)
{
	return pv_server_main(&voter, argc, argv);
}
