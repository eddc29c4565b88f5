/*
 * Broker authentication and transport: voter.fcgi against nats-server
 * instances that each require one method (user and password, token, TLS
 * with a CA, mutual TLS, a JWT credentials file) and against a user with
 * the minimal permissions of README's "Broker permissions".  Correct
 * credentials store the event (200); wrong ones give 503 and a log line
 * without the secret.
 *
 * Certificates come from make_certs.sh (openssl CLI) and credentials
 * from make_creds.py; both write into the test's temporary directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "../harness/pvt_auth.h"
#include "../harness/pvt_proc.h"

#define STREAM "election"

static pvt_auth_site site;

static void
setup(void)
{
	cr_assert(pvt_auth_site_open(&site, "auth"));
}

static void
teardown(void)
{
	pvt_auth_site_close(&site);
}

/* Returns site.dir/name in a static buffer of its own per call slot. */
static const char *
path_in(int slot, const char *name)
{
	static char paths[8][PVT_PATH_MAX + 64];

	snprintf(paths[slot], sizeof(paths[slot]), "%s/%s", site.dir, name);
	return paths[slot];
}

/* Runs a generator script of this directory with site.dir as argument. */
static void
generate(const char *interpreter, const char *script)
{
	const char *source = getenv("PV_SOURCE");
	char command[2 * PVT_PATH_MAX + 64];

	cr_assert_not_null(source, "PV_SOURCE is not set");
	snprintf(command, sizeof(command), "%s '%s/tests/auth/%s' '%s'",
	    interpreter, source, script, site.dir);
	cr_assert_eq(system(command), 0, "%s failed", command);
}

/* Writes the server configuration with auth_block and starts it. */
static void
start_server(const char *auth_block)
{
	site.server = pvt_auth_server_start_in(site.dir, site.port, auth_block);
	cr_assert_gt(site.server, 0, "nats-server did not start");
}

static void
start_handler(char *const *env)
{
	cr_assert(pvt_auth_site_handler(&site, "voter", env));
}

/* Asserts that the handler's log contains text. */
static void
expect_logged(const char *text)
{
	char *log = pvt_auth_read_file(site.handler.log_path);

	cr_assert_not_null(log);
	cr_assert_not_null(strstr(log, text), "the log lacks \"%s\":\n%s",
	    text, log);
	free(log);
}

/* Asserts that the handler's log does not contain text. */
static void
expect_not_logged(const char *text)
{
	char *log = pvt_auth_read_file(site.handler.log_path);

	cr_assert_not_null(log);
	cr_assert_null(strstr(log, text), "the log shows \"%s\":\n%s", text,
	    log);
	free(log);
}


static void
expect_stored(const pvt_auth_client *c, uint64_t count)
{
	uint64_t messages = 0;
	bool read = pvt_auth_stream_messages(c, STREAM, &messages);

	/* The server's log gives the reason it refused the test's client. */
	if (!read)
		pvt_print_tail(path_in(3, "nats.log"), 4000);
	cr_assert(read, "cannot read stream %s", STREAM);
	cr_assert_eq(messages, count, "stream has %llu messages",
	    (unsigned long long)messages);
}

#define EVENT_ID "01HV6Z3R8Y5A0B9C7D2E4F6G8H"

/* make_creds.py's operator, accounts and resolver, beside nats.conf. */
#define RESOLVER "include resolver.conf"

TestSuite(auth, .init = setup, .fini = teardown, .timeout = 60);

Test(auth, user_password_publishes)
{
	pvt_auth_client admin = { .url = site.url, .user = "pv",
	    .password = "pw-secret-1" };
	char *env[] = { site.url_setting, "NATS_USER=pv",
	    "NATS_PASSWORD=pw-secret-1", NULL };

	start_server("authorization { users = [ "
	    "{ user: pv, password: \"pw-secret-1\" } ] }");
	start_handler(env);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 200);
	expect_stored(&admin, 1);
}

Test(auth, wrong_password_503)
{
	char *env[] = { site.url_setting, "NATS_USER=pv",
	    "NATS_PASSWORD=wrong-secret-2", NULL };

	start_server("authorization { users = [ "
	    "{ user: pv, password: \"pw-secret-1\" } ] }");
	start_handler(env);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 503);
	expect_not_logged("wrong-secret-2");
	expect_logged("authentication failed");
	expect_logged(site.url);
	expect_logged("check NATS_USER and NATS_PASSWORD");
	expect_logged("not connected to the broker (authentication failed)");

	/* nats.c's source locations are cut from its error texts. */
	expect_not_logged(".c:");
}

/*
 * Requests after a refused login get 503 without a new login each: nats.c
 * closes the refused connection, and the handler builds it again at most
 * once a second.
 */
Test(auth, wrong_password_no_login_per_request)
{
	char *env[] = { site.url_setting, "NATS_USER=pv",
	    "NATS_PASSWORD=wrong-secret-7", NULL };
	char *log;
	int i, logins = 0, max_logins;
	long long start;
	const char *at;

	start_server("authorization { users = [ "
	    "{ user: pv, password: \"pw-secret-1\" } ] }");
	start_handler(env);
	start = pvt_now_ms();
	for (i = 0; i < 40; i++)
		cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 503,
		    "request %d", i);

	/* Each second of a slow run allows one more rebuild (two logins). */
	max_logins = 12 + 2 * (int)((pvt_now_ms() - start) / 1000);

	log = pvt_auth_read_file(path_in(3, "nats.log"));
	cr_assert_not_null(log);
	for (at = log; (at = strstr(at, "authentication error")) != NULL;
	    at++)
		logins++;
	free(log);
	cr_expect_leq(logins, max_logins, "%d refused logins for 40 requests",
	    logins);

	/* A connection that never reached the broker is not reported closed. */
	expect_not_logged("broker connection closed");
}

static bool
closed_logged(void *unused)
{
	(void)unused;
	return pvt_auth_count_logged(&site.handler,
	    "broker connection closed") > 0;
}

/*
 * A connection that reached the broker and is refused when it reconnects
 * (the server's password changed) is logged closed once, and the new
 * connections that requests build after it do not log it again.
 */
Test(auth, password_changed_closed_once)
{
	char *env[] = { site.url_setting, "NATS_USER=pv",
	    "NATS_PASSWORD=pw-secret-1", NULL };
	const struct timespec pause = { 0, 100 * 1000 * 1000 };
	long long since;

	start_server("authorization { users = [ "
	    "{ user: pv, password: \"pw-secret-1\" } ] }");
	start_handler(env);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 200);

	cr_assert(pvt_stop(site.server, 10000));
	/* The start waits for "Server is ready" in a log of its own. */
	cr_assert_eq(unlink(path_in(3, "nats.log")), 0);
	start_server("authorization { users = [ "
	    "{ user: pv, password: \"pw-secret-9\" } ] }");
	cr_assert(pvt_wait_until(closed_logged, NULL, site.handler.pid,
	    30000), "no \"broker connection closed\" line");

	/* Requests rebuild the connection at most once a second. */
	since = pvt_now_ms();
	while (pvt_now_ms() - since < 2500) {
		cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 503);
		nanosleep(&pause, NULL);
	}
	expect_logged("not connected to the broker (authentication failed)");
	cr_expect_eq(pvt_auth_count_logged(&site.handler,
	    "broker connection closed"), 1);
}

/* Settings written for the Memphis service are named as such. */
Test(auth, memphis_wrong_password_named)
{
	char host[3 * PVT_PATH_MAX];
	char *env[] = { host, "MEMPHIS_USERNAME=pv",
	    "MEMPHIS_PASSWORD=wrong-secret-6", NULL };

	/* site.url is "nats://127.0.0.1:<port>". */
	snprintf(host, sizeof(host), "MEMPHIS_HOST=%s",
	    site.url + strlen("nats://"));
	start_server("authorization { users = [ "
	    "{ user: pv, password: \"pw-secret-1\" } ] }");
	start_handler(env);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 503);
	expect_not_logged("wrong-secret-6");
	expect_logged("check MEMPHIS_USERNAME and MEMPHIS_PASSWORD");
}

Test(auth, url_password_not_logged)
{
	char setting[3 * PVT_PATH_MAX], logged[3 * PVT_PATH_MAX];
	char *env[] = { setting, NULL };

	/* site.url is "nats://127.0.0.1:<port>". */
	snprintf(setting, sizeof(setting), "NATS_URL=nats://pv:wrong-secret-5@"
	    "%s", site.url + strlen("nats://"));
	snprintf(logged, sizeof(logged), "authentication failed at "
	    "nats://***@%s", site.url + strlen("nats://"));

	start_server("authorization { users = [ "
	    "{ user: pv, password: \"pw-secret-1\" } ] }");
	start_handler(env);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 503);
	expect_not_logged("wrong-secret-5");
	expect_logged(logged);
}

Test(auth, token_publishes)
{
	pvt_auth_client admin = { .url = site.url, .token = "tok-secret-3" };
	char *env[] = { site.url_setting, "NATS_TOKEN=tok-secret-3", NULL };

	start_server("authorization { token: \"tok-secret-3\" }");
	start_handler(env);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 200);
	expect_stored(&admin, 1);
}

/*
 * pv-stream-dump connects with the handlers' credential settings, to the
 * URL of its command line: the handlers' own NATS_URL, here a tls:// one,
 * does not decide whether it uses TLS.
 */
Test(auth, stream_dump_uses_token)
{
	char *env[] = { site.url_setting, "NATS_TOKEN=tok-secret-3", NULL };
	char command[2 * PVT_PATH_MAX], out[4096];

	start_server("authorization { token: \"tok-secret-3\" }");
	start_handler(env);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 200);

	snprintf(command, sizeof(command), "env NATS_TOKEN=tok-secret-3 "
	    "NATS_URL=tls://broker.invalid:4222 PHOTOVOTE_ENV_FILE=/dev/null "
	    "'%s/pv-stream-dump' '%s' %s 2>&1",
	    getenv("PV_BUILD"), site.url, STREAM);
	cr_assert_eq(pvt_capture(command, out, sizeof(out)), 0, "%s", out);
	cr_expect(strstr(out, "Nats-Msg-Id: " EVENT_ID "\n") != NULL, "%s",
	    out);
	cr_expect(strstr(out, "tok-secret-3") == NULL, "%s", out);
}

Test(auth, wrong_token_503)
{
	char *env[] = { site.url_setting, "NATS_TOKEN=wrong-token-4", NULL };

	start_server("authorization { token: \"tok-secret-3\" }");
	start_handler(env);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 503);
	expect_not_logged("wrong-token-4");
	expect_logged("authentication failed");
	expect_logged("check NATS_TOKEN");
}

/* The tls block of a server; verify makes it require client certificates. */
static void
start_tls_server(bool verify)
{
	char block[4 * PVT_PATH_MAX];

	generate("sh", "make_certs.sh");
	snprintf(block, sizeof(block), "tls {\n cert_file: \"%s/server.pem\"\n"
	    " key_file: \"%s/server.key\"\n ca_file: \"%s/ca.pem\"\n"
	    " verify: %s\n timeout: 5\n}", site.dir, site.dir, site.dir,
	    verify ? "true" : "false");
	start_server(block);
}

static char *
setting(int slot, const char *name, const char *file)
{
	static char values[8][PVT_PATH_MAX + 96];

	snprintf(values[slot], sizeof(values[slot]), "%s=%s/%s", name, site.dir,
	    file);
	return values[slot];
}

Test(auth, tls_with_ca_publishes)
{
	pvt_auth_client admin = { .url = site.url };
	char *env[] = { site.url_setting, setting(0, "NATS_CA", "ca.pem"),
	    NULL };

	start_tls_server(false);
	admin.ca = path_in(2, "ca.pem");
	start_handler(env);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 200);
	expect_stored(&admin, 1);
}

Test(auth, tls_with_other_ca_503)
{
	char *env[] = { site.url_setting, setting(0, "NATS_CA", "other-ca.pem"),
	    NULL };

	start_tls_server(false);
	start_handler(env);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 503);
	expect_logged("check that NATS_CA is the CA certificate that signed "
	    "the broker's certificate");
}

Test(auth, tls_scheme_without_tls_503)
{
	char url[3 * PVT_PATH_MAX];
	char *env[] = { url, NULL };

	/* A tls:// URL must not fall back to plain text on a plain server. */
	snprintf(url, sizeof(url), "NATS_URL=tls://%s",
	    site.url + strlen("nats://"));
	start_server("");
	start_handler(env);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 503);
	expect_logged("the broker offers no TLS");
}

Test(auth, ca_on_plain_server_503)
{
	char *env[] = { site.url_setting, setting(0, "NATS_CA", "ca.pem"),
	    NULL };

	/* NATS_CA turns TLS on with a nats:// URL too. */
	generate("sh", "make_certs.sh");
	start_server("");
	start_handler(env);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 503);
	expect_logged("which NATS_CA or NATS_CERT turns on");
}

Test(auth, tls_server_without_ca_503)
{
	char *env[] = { site.url_setting, NULL };

	/* nats.c turns to TLS itself when the server requires it. */
	start_tls_server(false);
	start_handler(env);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 503);
	expect_logged("set NATS_CA to the CA certificate");
}

Test(auth, tls_scheme_with_ca_publishes)
{
	pvt_auth_client admin = { .url = site.url };
	char url[3 * PVT_PATH_MAX];
	char *env[] = { url, setting(0, "NATS_CA", "ca.pem"), NULL };

	snprintf(url, sizeof(url), "NATS_URL=tls://%s",
	    site.url + strlen("nats://"));
	start_tls_server(false);
	admin.ca = path_in(2, "ca.pem");
	start_handler(env);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 200);
	expect_stored(&admin, 1);
}

Test(auth, mutual_tls_publishes)
{
	pvt_auth_client admin = { .url = site.url };
	char *env[] = { site.url_setting, setting(0, "NATS_CA", "ca.pem"),
	    setting(1, "NATS_CERT", "client.pem"),
	    setting(2, "NATS_KEY", "client.key"), NULL };

	start_tls_server(true);
	admin.ca = path_in(2, "ca.pem");
	admin.cert = path_in(3, "client.pem");
	admin.key = path_in(4, "client.key");
	start_handler(env);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 200);
	expect_stored(&admin, 1);
}

Test(auth, mutual_tls_without_cert_503)
{
	char *env[] = { site.url_setting, setting(0, "NATS_CA", "ca.pem"),
	    NULL };

	start_tls_server(true);
	start_handler(env);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 503);
	expect_logged("if it requires client certificates (verify: true), "
	    "set NATS_CERT and NATS_KEY");
}

Test(auth, creds_file_publishes)
{
	pvt_auth_client admin = { .url = site.url };
	char *env[] = { site.url_setting,
	    setting(0, "NATS_CREDS", "user.creds"), NULL };

	generate("python3", "make_creds.py");
	start_server(RESOLVER);
	admin.creds = path_in(2, "user.creds");
	start_handler(env);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 200);
	expect_stored(&admin, 1);
}

Test(auth, creds_of_unknown_account_503)
{
	char *env[] = { site.url_setting,
	    setting(0, "NATS_CREDS", "other.creds"), NULL };
	char *seed;

	generate("python3", "make_creds.py");
	start_server(RESOLVER);
	start_handler(env);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 503);

	/* The seed line of the creds file must not reach the log. */
	seed = pvt_auth_read_file(path_in(2, "other.creds"));
	cr_assert_not_null(seed);
	expect_not_logged(strstr(seed, "\nSU") + 1);
	free(seed);
}

Test(auth, world_readable_creds_warned)
{
	char *env[] = { site.url_setting,
	    setting(0, "NATS_CREDS", "user.creds"), NULL };
	char *text;

	generate("python3", "make_creds.py");
	cr_assert_eq(chmod(path_in(2, "user.creds"), 0644), 0);
	start_server(RESOLVER);
	start_handler(env);
	cr_assert_eq(pvt_auth_post_event(&site.handler, EVENT_ID), 200);

	text = pvt_auth_read_file(site.handler.log_path);
	cr_assert_not_null(text);
	cr_assert(strstr(text, "user.creds is readable by other users"),
	    "no warning in the log:\n%s", text);
	free(text);
}
