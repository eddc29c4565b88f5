/*
 * A broker stops responding (SIGSTOP) while more requests are in flight
 * than the JetStream context may leave unacknowledged (16), and in the
 * second test more than the count that forces its renewal (64).  The
 * renewal must not delay the other requests until their deadline.  They
 * get the quick 503 of a stalled broker, never "timed out waiting for
 * the broker connection".
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "../harness/pvt_auth.h"
#include "../harness/pvt_proc.h"

/* Clients that keep a request in flight each, at most. */
#define CLIENTS_MAX 72

/* How long the clients keep sending, in ms: three publish time-outs. */
#define LOAD_MS 3000

static pvt_auth_site site;

static void
teardown(void)
{
	if (site.server > 0)
		kill(site.server, SIGCONT);
	pvt_auth_site_close(&site);
}

typedef struct client {
	int index;
	int sent;
	int unexpected;		/* answers other than 503 */
	int last_unexpected;	/* the last of them */
} client;

/* Sends events with ids of its own, one after another, for LOAD_MS. */
static void *
run_client(void *arg)
{
	client *c = arg;
	long long end = pvt_now_ms() + LOAD_MS;
	char event_id[40];
	int status;

	while (pvt_now_ms() < end && c->sent < 200) {
		snprintf(event_id, sizeof(event_id),
		    "5c4ed0a1-7a2b-4c8d-9e6f-%04d%08d", c->index, c->sent);
		status = pvt_auth_post_event(&site.handler, event_id);
		if (status != 503) {
			c->unexpected++;
			c->last_unexpected = status;
		}
		c->sent++;
	}
	return NULL;
}

TestSuite(stalled_broker_renewal, .fini = teardown, .timeout = 60);

/*
 * Stalls the broker while count clients send, and checks that each of
 * them got only 503s and that no request waited for the lock.
 */
static void
stall_with_clients(int count, char *threads_setting)
{
	char *env[] = { site.url_setting, threads_setting,
	    "PHOTOVOTE_PUBLISH_TIMEOUT_MS=1000", NULL };
	client clients[CLIENTS_MAX];
	pthread_t threads[CLIENTS_MAX];
	char *log;
	int i;

	cr_assert_leq(count, CLIENTS_MAX);
	cr_assert(pvt_auth_site_open(&site, "stalled"));
	site.server = pvt_auth_server_start_in(site.dir, site.port, "");
	cr_assert_gt(site.server, 0);
	cr_assert(pvt_auth_site_handler(&site, "voter", env));
	cr_assert_eq(pvt_auth_post_event(&site.handler,
	    "5c4ed0a1-7a2b-4c8d-9e6f-0a1b2c3d4e50"), 200);

	/* The first time-outs leave count publishes unacknowledged. */
	cr_assert(pvt_pause(site.server, 5000), "the broker did not stop");
	for (i = 0; i < count; i++) {
		clients[i] = (client){ .index = i };
		cr_assert_eq(pthread_create(&threads[i], NULL, run_client,
		    &clients[i]), 0);
	}
	for (i = 0; i < count; i++) {
		pthread_join(threads[i], NULL);
		cr_expect_eq(clients[i].unexpected, 0, "client %d got %d "
		    "answers other than 503, the last %d", i,
		    clients[i].unexpected, clients[i].last_unexpected);
	}
	cr_assert_eq(kill(site.server, SIGCONT), 0);

	log = pvt_auth_read_file(site.handler.log_path);
	cr_assert_not_null(log);
	cr_expect_null(strstr(log, "which other requests held"), "%s", log);
	cr_expect_null(strstr(log, "no time left"), "%s", log);
	free(log);
}

Test(stalled_broker_renewal, no_request_waits_for_the_lock)
{
	stall_with_clients(24, "PHOTOVOTE_THREADS=32");
}

Test(stalled_broker_renewal, forced_renewal_waits_for_stall)
{
	stall_with_clients(72, "PHOTOVOTE_THREADS=96");
}
