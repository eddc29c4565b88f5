/* Election events: an election's life from creation to closing. */
#include "pv_server.h"

static const pv_route routes[] = {
	{ "POST",	"/election/",			"Election.ElectionCreated" },
	{ "DELETE",	"/election/",			"Election.ElectionDeleted" },
	{ "PUT",	"/election/name-changed",	"Election.ElectionNameChanged" },
	{ "PUT",	"/election/description-changed", "Election.ElectionDescriptionChanged" },
	{ "PUT",	"/election/opened",		"Election.ElectionOpened" },
	{ "PUT",	"/election/closed",		"Election.ElectionClosed" },
};

const pv_aggregate pv_election_aggregate = {
	"election", routes, sizeof(routes) / sizeof(routes[0])
};

/* PV_NO_MAIN builds the table alone, for tools that list every route. */
#ifndef PV_NO_MAIN
int
main(int argc, char **argv)
{
	return pv_server_main(&pv_election_aggregate, argc, argv);
}
#endif
