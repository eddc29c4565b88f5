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

static const pv_aggregate election = {
	"election", routes, sizeof(routes) / sizeof(routes[0])
};

int
main(int argc, char **argv)
{
	return pv_server_main(&election, argc, argv);
}
