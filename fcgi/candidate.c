/* Candidate events: a competition's candidates and their details. */
#include "pv_server.h"

static const pv_route routes[] = {
	{ "POST",	"/candidate/",			"Candidate.CandidateAdded" },
	{ "DELETE",	"/candidate/",			"Candidate.CandidateRemoved" },
	{ "PUT",	"/candidate/name-changed",	"Candidate.CandidateNameChanged" },
	{ "PUT",	"/candidate/description-changed", "Candidate.CandidateDescriptionChanged" },
	{ "PUT",	"/candidate/image-changed",	"Candidate.CandidateImageChanged" },
};

const pv_aggregate pv_candidate_aggregate = {
	"candidate", routes, sizeof(routes) / sizeof(routes[0])
};

/* PV_NO_MAIN builds the table alone, for tools that list every route. */
#ifndef PV_NO_MAIN
int
main(int argc, char **argv)
{
	return pv_server_main(&pv_candidate_aggregate, argc, argv);
}
#endif
