/*
 * pv-openapi: writes the OpenAPI document of all five handlers to
 * standard output.  "make" runs it to produce build/openapi.json.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "pv_openapi.h"

int
main(int argc, char **argv)
{
	const pv_aggregate *const all[] = {
		&pv_ballot_aggregate, &pv_candidate_aggregate,
		&pv_competition_aggregate, &pv_election_aggregate,
		&pv_voter_aggregate,
	};
	pv_buf out;
	pv_error err;
	int status = 0;

	/* The document depends on no input, so any argument is a usage error. */
	if (argc > 1) {
		bool help = argc == 2 && strcmp(argv[1], "--help") == 0;

		fprintf(help ? stdout : stderr, "usage: pv-openapi\n"
		    "Writes the OpenAPI document of the five handlers to "
		    "standard output.\n");
		if (help && (fflush(stdout) != 0 || ferror(stdout)))
			return 1;
		return help ? 0 : 2;
	}

	pv_buf_init(&out);
	if (pv_openapi_write(all, sizeof(all) / sizeof(all[0]), &out,
	    &err) != PV_OK) {
		fprintf(stderr, "pv-openapi: %s\n", err.text);
		status = 1;
	} else if (fwrite(out.data, 1, out.len, stdout) != out.len ||
	    fflush(stdout) != 0) {
		perror("pv-openapi: writing the document");
		status = 1;
	}
	pv_buf_free(&out);
	return status;
}
