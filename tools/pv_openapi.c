/*
 * pv-openapi: writes the OpenAPI document of all five handlers to
 * standard output.  "make" runs it to produce build/openapi.json.
 */
#include <stdio.h>

#include "pv_openapi.h"

int
main(void)
{
	const pv_aggregate *const all[] = {
		&pv_ballot_aggregate, &pv_candidate_aggregate,
		&pv_competition_aggregate, &pv_election_aggregate,
		&pv_voter_aggregate,
	};
	pv_buf out;
	pv_error err;
	int status = 0;

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
