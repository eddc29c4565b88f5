/* Competition events: the competitions inside an election. */
#include "pv_server.h"

static const pv_route routes[] = {
	{ "POST",	"/competition/",		"Competition.CompetitionAdded" },
	{ "DELETE",	"/competition/",		"Competition.CompetitionRemoved" },
	{ "PUT",	"/competition/name-changed",	"Competition.CompetitionNameChanged" },
	{ "PUT",	"/competition/description-changed", "Competition.CompetitionDescriptionChanged" },
};

const pv_aggregate pv_competition_aggregate = {
	"competition", routes, sizeof(routes) / sizeof(routes[0])
};

/* PV_NO_MAIN builds the table alone, for tools that list every route. */
#ifndef PV_NO_MAIN
int
main(int argc, char **argv)
{
	return pv_server_main(&pv_competition_aggregate, argc, argv);
}
#endif
