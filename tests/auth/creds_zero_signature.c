/*
 * nats.c 3.4.1 leaves the signature out of its CONNECT when the
 * signature's first byte is zero, so a broker rejects 1 in 256 logins
 * with a creds file.  A broker of the test's own sends, on its first
 * connection, a nonce whose signature with the handler's seed starts
 * with zero, and rejects a login without a signature.  The handler must
 * log in on a second connection, which gets another nonce, and must not
 * report a rejected login.
 */
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <nats/nats.h>

#include "../harness/pvt_auth.h"
#include "../harness/pvt_proc.h"

/* Connections the test's broker serves before it stops accepting. */
#define CONNECTIONS_MAX 4

/* The test's broker: its listening socket and what it saw. */
typedef struct fake_broker {
	int listener;
	char zero_nonce[32];	/* signed with a zero first byte */
	char other_nonce[32];	/* signed with another first byte */
	atomic_int connections;
	atomic_bool signed_first;	/* the first CONNECT had "sig" */
	atomic_bool signed_second;	/* the second CONNECT had "sig" */
	atomic_bool stop;
} fake_broker;

static pvt_auth_site site;
static fake_broker broker;
static pthread_t broker_thread;

/* Reads from fd until a line ends or 5 s pass, and returns the count. */
static size_t
read_line(int fd, char *buf, size_t size)
{
	struct pollfd p = { fd, POLLIN, 0 };
	size_t used = 0;
	ssize_t n;

	while (used < size - 1 && poll(&p, 1, 5000) == 1) {
		n = read(fd, buf + used, size - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
		buf[used] = '\0';
		if (strstr(buf, "\r\n") != NULL)
			break;
	}
	buf[used] = '\0';
	return used;
}

/* Accepts the login, then replies to PINGs until the client leaves. */
static void
serve_client(fake_broker *b, int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char buf[4096];
	ssize_t n;

	if (write(fd, "PONG\r\n", 6) != 6)
		return;
	while (!atomic_load(&b->stop)) {
		if (poll(&p, 1, 100) != 1)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		if (n <= 0)
			return;
		buf[n] = '\0';
		if (strstr(buf, "PING\r\n") != NULL &&
		    write(fd, "PONG\r\n", 6) != 6)
			return;
	}
}

/* Serves one connection: the zero nonce on the first, another after. */
static void
serve(fake_broker *b, int fd, int index)
{
	char info[512], connect[8192];
	bool has_sig;
	int n;

	n = snprintf(info, sizeof(info), "INFO {\"server_id\":\"TEST\","
	    "\"version\":\"2.9.10\",\"proto\":1,\"headers\":true,"
	    "\"max_payload\":1048576,\"auth_required\":true,"
	    "\"nonce\":\"%s\"}\r\n", index == 0 ? b->zero_nonce :
	    b->other_nonce);
	if (write(fd, info, (size_t)n) != n)
		return;
	read_line(fd, connect, sizeof(connect));
	has_sig = strstr(connect, "\"sig\":\"") != NULL;
	if (index == 0)
		atomic_store(&b->signed_first, has_sig);
	else if (index == 1)
		atomic_store(&b->signed_second, has_sig);

	if (!has_sig) {
		n = (int)strlen("-ERR 'Authorization Violation'\r\n");
		if (write(fd, "-ERR 'Authorization Violation'\r\n",
		    (size_t)n) != n)
			return;
		return;
	}
	serve_client(b, fd);
}

static void *
run_broker(void *arg)
{
	fake_broker *b = arg;
	struct pollfd p = { b->listener, POLLIN, 0 };
	int fd, index;

	while (!atomic_load(&b->stop) &&
	    atomic_load(&b->connections) < CONNECTIONS_MAX) {
		if (poll(&p, 1, 100) != 1)
			continue;
		fd = accept(b->listener, NULL, NULL);
		if (fd < 0)
			continue;
		index = atomic_fetch_add(&b->connections, 1);
		serve(b, fd, index);
		close(fd);
	}
	return NULL;
}

/* Returns the seed line of the creds file at path (caller frees). */
static char *
creds_seed(const char *path)
{
	char *text = pvt_auth_read_file(path), *start, *end, *seed = NULL;

	cr_assert_not_null(text);
	start = strstr(text, "NKEY SEED-----\n");
	if (start != NULL) {
		start += strlen("NKEY SEED-----\n");
		end = strchr(start, '\n');
		if (end != NULL)
			seed = strndup(start, (size_t)(end - start));
	}
	free(text);
	cr_assert_not_null(seed, "no seed in %s", path);
	return seed;
}

/*
 * Finds a nonce whose signature with seed starts with a zero byte when
 * zero is set, or with another byte when it is not.
 */
static void
find_nonce(const char *seed, bool zero, char *out, size_t size)
{
	unsigned char *sig;
	bool found;
	int i, len;

	for (i = 0; i < 100000; i++) {
		snprintf(out, size, "testNonce%06d", i);
		sig = NULL;
		cr_assert_eq(nats_Sign(seed, out, &sig, &len), NATS_OK, "%s",
		    nats_GetLastError(NULL));
		found = len > 0 && (sig[0] == 0) == zero;
		free(sig);
		if (found)
			return;
	}
	cr_assert_fail("no nonce signs as needed");
}

static int
listen_on(int port)
{
	struct sockaddr_in addr;
	int fd, reuse = 1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse));
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	cr_assert_eq(listen(fd, 8), 0);
	return fd;
}

static void
setup(void)
{
	const char *source = getenv("PV_SOURCE");
	char command[2 * PVT_PATH_MAX + 64], path[PVT_PATH_MAX + 16];
	char *seed;

	cr_assert_not_null(source, "PV_SOURCE is not set");
	cr_assert(pvt_auth_site_open(&site, "zero-sig"));
	snprintf(command, sizeof(command), "python3 '%s/tests/auth/"
	    "make_creds.py' '%s'", source, site.dir);
	cr_assert_eq(system(command), 0, "%s failed", command);

	snprintf(path, sizeof(path), "%s/user.creds", site.dir);
	seed = creds_seed(path);
	cr_assert_eq(nats_Open(-1), NATS_OK);
	find_nonce(seed, true, broker.zero_nonce, sizeof(broker.zero_nonce));
	find_nonce(seed, false, broker.other_nonce,
	    sizeof(broker.other_nonce));
	free(seed);

	broker.listener = listen_on(site.port);
	cr_assert_eq(pthread_create(&broker_thread, NULL, run_broker,
	    &broker), 0);
}

static void
teardown(void)
{
	pvt_auth_site_close(&site);
	atomic_store(&broker.stop, true);
	pthread_join(broker_thread, NULL);
	close(broker.listener);
	nats_Close();
}

TestSuite(creds_zero_signature, .init = setup, .fini = teardown,
    .timeout = 60);

Test(creds_zero_signature, second_login_not_reported)
{
	char creds[PVT_PATH_MAX + 32];
	char *env[] = { site.url_setting, creds,
	    "PHOTOVOTE_PUBLISH_TIMEOUT_MS=1000", NULL };

	snprintf(creds, sizeof(creds), "NATS_CREDS=%s/user.creds", site.dir);
	cr_assert(pvt_auth_site_handler(&site, "voter", env));

	/* The test's broker has no JetStream, so the event gets 503. */
	cr_assert_eq(pvt_auth_post_event(&site.handler,
	    "01HV6Z3R8Y5A0B9C7D2E4F6G8H"), 503);

	cr_expect_not(atomic_load(&broker.signed_first), "nats.c signed "
	    "the zero nonce, so the first login did not fail");
	cr_expect_geq(atomic_load(&broker.connections), 2);
	cr_expect(atomic_load(&broker.signed_second));
	cr_expect_eq(pvt_auth_count_logged(&site.handler,
	    "authentication failed"), 0);
}
