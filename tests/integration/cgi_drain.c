/*
 * A CGI handler that rejected a request reads and discards the rest of
 * the body, so that Apache's mod_cgid delivers the response.  A client
 * that sends a byte now and then still cannot keep the process for longer
 * than the drain's total limit (5 s).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "../harness/pvt_proc.h"

Test(cgi_drain, trickled_body_bounded)
{
	char command[2048], out[4096];
	int written;

	/*
	 * The writer offers one byte every 0.5 s for 20 s and counts what
	 * the handler took.  A POST without a length gets 411 at once,
	 * then its body is drained.
	 */
	snprintf(command, sizeof(command),
	    "exec 3>&1; i=0; (trap '' PIPE; while [ $i -lt 40 ]; do "
	    "printf x 2>/dev/null || break; i=$((i + 1)); sleep 0.5; "
	    "done; echo $i >&3) | "
	    "{ env -i PHOTOVOTE_ENV_FILE=/dev/null NATS_URL=nats://127.0.0.1:1 "
	    "GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST "
	    "REQUEST_URI=/voter/ CONTENT_TYPE=application/json "
	    "'%s/voter.fcgi' >/dev/null 2>&1; }", getenv("PV_BUILD"));
	cr_assert_eq(pvt_capture(command, out, sizeof(out)), 0, "%s", out);

	/*
	 * A write succeeds while the handler keeps its standard input open,
	 * so a handler that exits without draining ends the writer after
	 * one byte.  The 5 s drain allows about 10; 4 leaves room for a
	 * loaded machine.
	 */
	written = atoi(out);
	cr_expect_geq(written, 4, "writer output: %s", out);
	cr_expect_lt(written, 40, "the handler read the whole 20 s body");
}

/*
 * A CGI run that stops at a bad setting responds with 500 and drains
 * the body too, which is larger than a pipe holds, so the writer writes
 * it all.
 */
Test(cgi_drain, bad_setting_drains_body)
{
	char command[2048], out[4096];

	snprintf(command, sizeof(command),
	    "exec 3>&1; (trap '' PIPE; head -c 300000 /dev/zero; "
	    "echo \"writer $?\" >&3) | "
	    "{ env -i PHOTOVOTE_ENV_FILE=/dev/null "
	    "PHOTOVOTE_PUBLISH_TIMEOUT_MS=5 GATEWAY_INTERFACE=CGI/1.1 "
	    "REQUEST_METHOD=POST REQUEST_URI=/voter/ "
	    "CONTENT_TYPE=application/json CONTENT_LENGTH=300000 "
	    "'%s/voter.fcgi' 2>/dev/null; echo \"handler $?\"; }",
	    getenv("PV_BUILD"));
	cr_assert_eq(pvt_capture(command, out, sizeof(out)), 0, "%s", out);

	cr_expect(strstr(out, "Status: 500 ") != NULL, "%s", out);
	cr_expect(strstr(out, "handler 78") != NULL, "%s", out);
	cr_expect(strstr(out, "writer 0") != NULL, "%s", out);
}
