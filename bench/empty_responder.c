/*
 * empty_responder: the benchmark's ceiling.  A FastCGI responder that
 * reads the request body and answers 200 with "{}", with no parsing and
 * no publishing, one request at a time.  Run by the web server in place
 * of a handler (same socket, same max-procs).  With PV_BENCH_DETACH set
 * in its environment it closes each connection as the handlers do,
 * without libfcgi's wait for the web server to close first.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <fcgiapp.h>

static const char empty_response[] =
    "Status: 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 2\r\n"
    "\r\n"
    "{}";

int
main(void)
{
	FCGX_Request req;
	char discard[16384];
	bool detach = getenv("PV_BENCH_DETACH") != NULL;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0) {
		fprintf(stderr, "empty_responder: FastCGI set-up failed\n");
		return 1;
	}
	while (FCGX_Accept_r(&req) >= 0) {
		/* Read the body as a handler does, so the web server is not held. */
		while (FCGX_GetStr(discard, sizeof(discard), req.in) > 0)
			;
		FCGX_PutStr(empty_response, sizeof(empty_response) - 1,
		    req.out);
		if (detach)
			FCGX_Detach(&req);
		FCGX_Finish_r(&req);
	}
	FCGX_Free(&req, 1);
	return 0;
}
