/* Candidate events: a competition's candidates and their details. */
#include "pv_server.h"

static const pv_route routes[] = {
	{ "POST",	"/candidate/",			"Candidate.CandidateAdded" },
	{ "DELETE",	"/candidate/",			"Candidate.CandidateRemoved" },
	{ "PUT",	"/candidate/name-changed",	"Candidate.CandidateNameChanged" },
	{ "PUT",	"/candidate/description-changed", "Candidate.CandidateDescriptionChanged" },
	{ "PUT",	"/candidate/image-changed",	"Candidate.CandidateImageChanged" },
};

static const pv_aggregate candidate = {
	"candidate", routes, sizeof(routes) / sizeof(routes[0])
};

int
main(int argc, char **argv)
{
	return pv_server_main(&candidate, argc, argv);
}
