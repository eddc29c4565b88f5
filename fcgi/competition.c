/* Competition events: the competitions inside an election. */
#include "pv_server.h"

static const pv_route routes[] = {
	{ "POST",	"/competition/",		"Competition.CompetitionAdded" },
	{ "DELETE",	"/competition/",		"Competition.CompetitionRemoved" },
	{ "PUT",	"/competition/name-changed",	"Competition.CompetitionNameChanged" },
	{ "PUT",	"/competition/description-changed", "Competition.CompetitionDescriptionChanged" },
};

static const pv_aggregate competition = {
	"competition", routes, sizeof(routes) / sizeof(routes[0])
};

int
main(int argc, char **argv)
{
	return pv_server_main(&competition, argc, argv);
}
