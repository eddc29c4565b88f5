/*
 * Brokers that accept TCP connections but never respond (a stopped or
 * hung nats-server) cost a request one pass over the URLs, not two, when
 * a second pass would not fit in the publish time-out.  Requests that
 * wait for that pass get 503 without one of their own.
 *
 * The test listens on six loopback ports, accepts every connection and
 * never writes to it.  With a 1000 ms time-out each attempt lasts 100 ms
 * (the shortest), so the first pass takes at least 600 ms and leaves no
 * room for a second.  The waiting request must get the lock within the
 * one-second hold after that pass, which leaves 400 ms for a slow
 * machine.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "../harness/pvt_auth.h"
#include "../harness/pvt_proc.h"

#define LISTENERS 6

/* Time the handler gets to log a line, in ms. */
#define LOG_WAIT_MS 10000

/* Loopback listeners that accept connections and never write. */
typedef struct silent_brokers {
	int listeners[LISTENERS];
	int ports[LISTENERS];
	atomic_int accepted[LISTENERS];
	atomic_bool stop;
	pthread_t thread;
	bool running;
	int held[256];		/* accepted connections, kept open */
	int held_count;
} silent_brokers;

static pvt_auth_site site;
static silent_brokers brokers;

static void *
accept_loop(void *arg)
{
	silent_brokers *b = arg;
	struct pollfd fds[LISTENERS];
	int i, fd;

	for (i = 0; i < LISTENERS; i++)
		fds[i] = (struct pollfd){ .fd = b->listeners[i],
		    .events = POLLIN };
	while (!atomic_load(&b->stop)) {
		if (poll(fds, LISTENERS, 50) <= 0)
			continue;
		for (i = 0; i < LISTENERS; i++) {
			if (!(fds[i].revents & POLLIN))
				continue;
			fd = accept(b->listeners[i], NULL, NULL);
			if (fd < 0)
				continue;
			atomic_fetch_add(&b->accepted[i], 1);
			if (b->held_count < (int)(sizeof(b->held) /
			    sizeof(b->held[0])))
				b->held[b->held_count++] = fd;
			else
				close(fd);
		}
	}
	return NULL;
}

/* Opens one listener on a free 127.0.0.1 port; returns its port or -1. */
static int
listen_loopback(int *out)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
		fprintf(stderr, "silent broker: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	*out = fd;
	return ntohs(addr.sin_port);
}

static void
start_brokers(char *url_setting, size_t size)
{
	size_t used;
	int i;

	used = (size_t)snprintf(url_setting, size, "NATS_URL=");
	for (i = 0; i < LISTENERS; i++) {
		brokers.listeners[i] = -1;
		brokers.ports[i] = listen_loopback(&brokers.listeners[i]);
		cr_assert_gt(brokers.ports[i], 0);
		used += (size_t)snprintf(url_setting + used, size - used,
		    "%snats://127.0.0.1:%d", i > 0 ? "," : "",
		    brokers.ports[i]);
		cr_assert_lt(used, size);
	}
	cr_assert_eq(pthread_create(&brokers.thread, NULL, accept_loop,
	    &brokers), 0);
	brokers.running = true;
}

static void
teardown(void)
{
	int i;

	pvt_auth_site_close(&site);
	atomic_store(&brokers.stop, true);
	if (brokers.running)
		pthread_join(brokers.thread, NULL);
	for (i = 0; i < brokers.held_count; i++)
		close(brokers.held[i]);
	for (i = 0; i < LISTENERS; i++)
		if (brokers.listeners[i] >= 0)
			close(brokers.listeners[i]);
}

/* One request of the handler, posted from a thread of its own. */
typedef struct post {
	pthread_t thread;
	const char *event_id;
	int status;
} post;

static void *
post_event(void *arg)
{
	post *p = arg;

	p->status = pvt_auth_post_event(&site.handler, p->event_id);
	return NULL;
}

TestSuite(silent_broker, .fini = teardown, .timeout = 60);

/*
 * Two requests arrive together: one makes the pass over the URLs, and
 * the other, which waits for it, gets 503 without a pass of its own,
 * because after a failed connect the next one waits a second.
 */
Test(silent_broker, one_pass_per_request)
{
	char url_setting[LISTENERS * 32 + 16];
	char *env[] = { url_setting, "PHOTOVOTE_PUBLISH_TIMEOUT_MS=1000",
	    NULL };
	post posts[2] = { { .event_id = "01HV6Z3R8Y5A0B9C7D2E4F6G8H" },
	    { .event_id = "01HV6Z3R8Y5A0B9C7D2E4F6G8J" } };
	char *log;
	int i;

	cr_assert(pvt_auth_site_open(&site, "silent"));
	start_brokers(url_setting, sizeof(url_setting));
	cr_assert(pvt_auth_site_handler(&site, "voter", env));

	for (i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&posts[i].thread, NULL, post_event,
		    &posts[i]), 0);
	for (i = 0; i < 2; i++) {
		pthread_join(posts[i].thread, NULL);
		cr_expect_eq(posts[i].status, 503, "request %d", i);
	}
	cr_expect(pvt_auth_wait_logged(&site.handler, "a running handler "
	    "connects again with a request at most every second",
	    LOG_WAIT_MS));
	cr_expect(pvt_auth_wait_logged(&site.handler, "nothing answered as a "
	    "NATS server in time: check that NATS_URL names a NATS server's "
	    "client port", LOG_WAIT_MS));
	cr_expect(pvt_auth_wait_logged(&site.handler, "not connected to the "
	    "broker (not reachable); connecting again at most every 1000 ms",
	    LOG_WAIT_MS));

	/* nats.c's detail repeats its status text, which is logged once. */
	cr_expect(pvt_auth_wait_logged(&site.handler, "connecting to the "
	    "broker failed: Timeout", LOG_WAIT_MS));
	log = pvt_auth_read_file(site.handler.log_path);
	cr_assert_not_null(log);
	cr_expect_null(strstr(log, "Timeout: Timeout"), "%s", log);
	free(log);
	for (i = 0; i < LISTENERS; i++)
		cr_expect_eq(atomic_load(&brokers.accepted[i]), 1,
		    "URL %d was tried %d times", i,
		    atomic_load(&brokers.accepted[i]));
}
