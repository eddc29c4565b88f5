/*
 * The open-file limit at start: every worker waiting in accept()
 * reserves a descriptor number, so a handler raises a soft limit that
 * leaves the broker none, and stops with a configuration error when the
 * hard limit does not allow enough.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <criterion/criterion.h>

#include "../harness/pvt_solo.h"
#include "../harness/pvt_suite.h"

#define WORKERS 16
#define WAIT_MS 5000

static pvt_solo solo;

static void
setup(void)
{
	cr_assert(pvt_solo_open(&solo, "fd-limit"));
}

static void
teardown(void)
{
	pvt_solo_close(&solo);
}

/*
 * Skips the test under valgrind, which keeps descriptors of its own and
 * watches the limit.  Criterion runs no .fini after a skip, so the
 * directory is removed first.
 */
static void
skip_under_valgrind(void)
{
	pvt_solo_close(&solo);
	cr_skip_test("not under valgrind");
}

static bool
log_contains(void *text)
{
	return pvt_solo_log_contains(&solo, "handler.log", text);
}

TestSuite(fd_limit, .init = setup, .fini = teardown);

Test(fd_limit, low_soft_limit_raised)
{
	if (pvt_solo_valgrind())
		skip_under_valgrind();

	/* Without the raise the workers hold every descriptor. */
	solo.fd_soft = WORKERS;
	cr_assert(pvt_solo_serve(&solo, WORKERS));
	cr_assert(pvt_wait_until(log_contains, "raised the open-file limit "
	    "from 16 to", solo.handler, WAIT_MS), "no raise logged");

	pvt_solo_store_event(&solo, 7);
	cr_expect(pvt_solo_end(&solo, WAIT_MS), "the handler did not exit "
	    "cleanly");
}

Test(fd_limit, low_hard_limit_stops_start)
{
	int status;

	if (pvt_solo_valgrind())
		skip_under_valgrind();

	solo.fd_soft = WORKERS;
	solo.fd_hard = WORKERS;
	cr_assert(pvt_solo_serve(&solo, WORKERS));
	status = pvt_solo_wait_exit(solo.handler, WAIT_MS);
	solo.handler = -1;

	cr_assert_neq(status, -1, "no exit within %d ms", WAIT_MS);
	cr_assert(WIFEXITED(status), "ended by signal %d", WTERMSIG(status));
	cr_expect_eq(WEXITSTATUS(status), 78);
	cr_expect(log_contains("configuration: PHOTOVOTE_THREADS=16 needs "),
	    "no configuration error logged");
	cr_expect(log_contains("raise the limit or lower PHOTOVOTE_THREADS"));
}
