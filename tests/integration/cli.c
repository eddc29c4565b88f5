/*
 * The command line of a handler, run as an operator would from a
 * terminal: --help, --version, --validate, --check, and a bad setting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <nats/nats.h>

#include "../harness/pvt_nats.h"
#include "../harness/pvt_proc.h"
#include "../harness/pvt_suite.h"

#define VALID_VOTER "{\"id\":\"01HV6Z3R8Y5A0B9C7D2E4F6G8A\"," \
	"\"voter_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6G8B\"," \
	"\"election_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6G8C\"," \
	"\"name\":\"Zo\xc3\xab\",\"email\":\"zoe@example.org\"}"

/* Runs command through sh, collects its output in out; returns status. */
static int
capture(const char *command, char *out, size_t size)
{
	int status = pvt_capture(command, out, size);

	cr_assert_geq(status, 0, "%s did not run or exit", command);
	return status;
}

/*
 * Runs "launcher voter.fcgi ARGS" through sh with env and input, where
 * launcher is a command such as "chrt -o 0" or ""; returns the status.
 */
static int
run_with(const char *launcher, const char *env, const char *args,
	const char *input, char *out, size_t size)
{
	char command[1024];

	/* printf prints an error when the handler reads none of its input. */
	snprintf(command, sizeof(command), "printf '%%s' '%s' 2>/dev/null | "
	    "%s env -i %s PHOTOVOTE_ENV_FILE=/dev/null %s/voter.fcgi %s 2>&1",
	    input != NULL ? input : "", launcher, env, getenv("PV_BUILD"),
	    args);
	return capture(command, out, size);
}

/* Runs "voter.fcgi ARGS" through sh with env and input; returns status. */
static int
run(const char *env, const char *args, const char *input, char *out,
	size_t size)
{
	return run_with("", env, args, input, out, size);
}

Test(cli, help_lists_settings)
{
	char out[8192];

	cr_assert_eq(run("", "--help", NULL, out, sizeof(out)), 0);
	cr_expect(strstr(out, "PHOTOVOTE_PUBLISH_TIMEOUT_MS") != NULL, "%s",
	    out);
	cr_expect(strstr(out, "10-60000 ms (2000)") != NULL, "%s", out);
	cr_expect(strstr(out, "/voter/health") != NULL, "%s", out);
}

Test(cli, version_printed)
{
	char out[256];

	cr_assert_eq(run("", "--version", NULL, out, sizeof(out)), 0);
	cr_expect(strncmp(out, "photovote-fcgi ", 15) == 0, "%s", out);
}

/* Output that cannot be written is a failure, not a silent success. */
Test(cli, full_output_fails)
{
	char out[256];

	cr_expect_eq(run("", "--version >/dev/full", NULL, out, sizeof(out)),
	    70, "%s", out);
	cr_expect_eq(run("", "--validate VoterRegistered >/dev/full",
	    VALID_VOTER, out, sizeof(out)), 70, "%s", out);
}

Test(cli, validate_valid_prints_canonical)
{
	char out[1024];

	cr_assert_eq(run("", "--validate VoterRegistered", VALID_VOTER, out,
	    sizeof(out)), 0, "%s", out);
	cr_expect_str_eq(out, VALID_VOTER "\n");
}

Test(cli, validate_invalid_prints_422)
{
	char out[2048];

	cr_assert_eq(run("", "--validate Voter.VoterRegistered",
	    "{\"id\":\"x\"}", out, sizeof(out)), 65, "%s", out);
	cr_expect(strstr(out, "{\"detail\":[{\"type\":\"uuid_parsing\","
	    "\"loc\":[\"body\",\"id\"]") != NULL, "%s", out);
}

Test(cli, validate_unknown_type_usage)
{
	char out[2048];

	cr_assert_eq(run("", "--validate NoSuchEvent", "{}", out,
	    sizeof(out)), 64, "%s", out);
	cr_expect(strstr(out, "unknown event type \"NoSuchEvent\"; the "
	    "types are: Ballot.BallotCandidateRated, ") != NULL, "%s", out);
	cr_expect(strstr(out, ", Voter.VoterRegistered (") != NULL, "%s", out);
}

/* A file that cannot be read is no usage error, and no invalid event. */
Test(cli, validate_unreadable_file)
{
	char out[2048];

	cr_expect_eq(run("", "--validate VoterRegistered /nonexistent/event",
	    "", out, sizeof(out)), 66, "%s", out);
	cr_expect(strstr(out, "--validate: cannot open /nonexistent/event: No "
	    "such file or directory") != NULL, "%s", out);

	cr_expect_eq(run("", "--validate VoterRegistered /", "", out,
	    sizeof(out)), 66, "%s", out);
	cr_expect(strstr(out, "--validate: reading / failed: Is a directory")
	    != NULL, "%s", out);
}

Test(cli, check_ready_with_broker)
{
	char env[256], out[4096];

	snprintf(env, sizeof(env), "NATS_URL=%s", getenv(PVT_ENV_NATS_URL));
	cr_assert_eq(run(env, "--check", NULL, out, sizeof(out)), 0, "%s",
	    out);
	cr_expect(strstr(out, "\"election\":\"bound\"") != NULL, "%s", out);
	cr_expect(strstr(out, "ready") != NULL, "%s", out);
}

/*
 * Adds the stream "<prefix>_<pid>" with subjects "<prefix>_<pid>.>" on the
 * suite's broker and writes its name to stream (32 bytes); storage and
 * duplicates_ns as in jsStreamConfig.
 */
static void
add_test_stream(jsCtx *js, const char *prefix, char stream[32],
	jsStorageType storage, int64_t duplicates_ns)
{
	char subjects[40];
	const char *subject_list[1] = { subjects };
	jsStreamConfig sc;

	snprintf(stream, 32, "%s_%ld", prefix, (long)getpid());
	snprintf(subjects, sizeof(subjects), "%s.>", stream);
	jsStreamConfig_Init(&sc);
	sc.Name = stream;
	sc.Subjects = subject_list;
	sc.SubjectsLen = 1;
	sc.Storage = storage;
	sc.Duplicates = duplicates_ns;
	cr_assert_eq(js_AddStream(NULL, js, &sc, NULL, NULL), NATS_OK);
}

/*
 * A stream made by hand with memory storage and a 1 s duplicate window
 * is used as it is, and --check shows its settings with a warning each.
 */
Test(cli, check_warns_weak_stream)
{
	const char *url = getenv(PVT_ENV_NATS_URL);
	char stream[32], env[512], out[4096], line[160];
	pvt_nats *nats;
	jsCtx *js;
	int status;

	cr_assert(pvt_nats_open(&nats, url));
	js = pvt_nats_jetstream(nats);
	add_test_stream(js, "weak", stream, js_MemoryStorage, 1000000000LL);

	snprintf(env, sizeof(env), "NATS_URL=%s PHOTOVOTE_STREAMS=%s", url,
	    stream);
	status = run(env, "--check", NULL, out, sizeof(out));
	js_DeleteStream(js, stream, NULL, NULL);
	pvt_nats_close(nats);

	cr_expect_eq(status, 0, "%s", out);
	snprintf(line, sizeof(line), "info: bound to stream %s (memory "
	    "storage, duplicate window 1 s, 1 replica(s))", stream);
	cr_expect(strstr(out, line) != NULL, "%s", out);
	snprintf(line, sizeof(line), "warning: stream %s keeps event ids for "
	    "1 s, less than PHOTOVOTE_DUPLICATE_WINDOW (120 s)", stream);
	cr_expect(strstr(out, line) != NULL, "%s", out);
	snprintf(line, sizeof(line), "warning: stream %s keeps events in "
	    "memory", stream);
	cr_expect(strstr(out, line) != NULL, "%s", out);
}

Test(cli, check_unavailable_without_broker)
{
	char out[4096];

	cr_assert_eq(run("NATS_URL=nats://127.0.0.1:1 "
	    "PHOTOVOTE_PUBLISH_TIMEOUT_MS=500", "--check", NULL, out,
	    sizeof(out)), 69, "%s", out);
	cr_expect(strstr(out, "\"status\":\"unavailable\"") != NULL, "%s",
	    out);
}

/* A missing default .env is reported with the path that was looked up. */
Test(cli, check_names_missing_env_file)
{
	char dir[] = "/tmp/pv-cli-env-XXXXXX", command[512], out[4096];
	char expected[96];

	cr_assert_not_null(mkdtemp(dir));
	snprintf(command, sizeof(command), "cd %s && env -i "
	    "NATS_URL=nats://127.0.0.1:1 PHOTOVOTE_PUBLISH_TIMEOUT_MS=200 "
	    "%s/voter.fcgi --check 2>&1", dir, getenv("PV_BUILD"));
	cr_expect_eq(capture(command, out, sizeof(out)), 69, "%s", out);
	rmdir(dir);
	snprintf(expected, sizeof(expected), "  .env file    none (%s/.env not "
	    "found)\n", dir);
	cr_expect(strstr(out, expected) != NULL, "%s", out);
}

/* Lines sent to a syslog socket that does not exist would be lost. */
Test(cli, check_warns_missing_syslog)
{
	const char *warning = "warning: PHOTOVOTE_LOG is syslog, but there "
	    "is no syslog socket (/dev/log)";
	struct stat st;
	char out[4096];

	cr_expect_eq(run("NATS_URL=nats://127.0.0.1:1 PHOTOVOTE_LOG=syslog "
	    "PHOTOVOTE_PUBLISH_TIMEOUT_MS=200", "--check", NULL, out,
	    sizeof(out)), 69, "%s", out);
	if (stat("/dev/log", &st) == 0)
		cr_expect(strstr(out, warning) == NULL, "%s", out);
	else
		cr_expect(strstr(out, warning) != NULL, "%s", out);
}

/* A hard limit that leaves the broker no descriptor is a setting error. */
Test(cli, check_rejects_low_fd_limit)
{
	char env[256], out[4096];

	snprintf(env, sizeof(env), "NATS_URL=%s PHOTOVOTE_THREADS=16",
	    getenv(PVT_ENV_NATS_URL));
	cr_assert_eq(run_with("prlimit --nofile=16:16", env, "--check", NULL,
	    out, sizeof(out)), 78, "%s", out);
	cr_expect(strstr(out, "configuration: PHOTOVOTE_THREADS=16 needs ") !=
	    NULL, "%s", out);
}

/* The runner's own policy must not decide the output: chrt sets it. */
Test(cli, check_shows_scheduling)
{
	static const char broker_down[] = "NATS_URL=nats://127.0.0.1:1 "
	    "PHOTOVOTE_PUBLISH_TIMEOUT_MS=500";
	char out[4096];

	cr_assert_eq(run_with("chrt -o 0", broker_down, "--check", NULL, out,
	    sizeof(out)), 69, "%s", out);
	cr_expect(strstr(out, "scheduling   SCHED_BATCH (from SCHED_OTHER)")
	    != NULL, "%s", out);

	cr_assert_eq(run_with("chrt -o 0", "NATS_URL=nats://127.0.0.1:1 "
	    "PHOTOVOTE_PUBLISH_TIMEOUT_MS=500 PHOTOVOTE_SCHED_BATCH=false",
	    "--check", NULL, out, sizeof(out)), 69, "%s", out);
	cr_expect(strstr(out, "scheduling   SCHED_OTHER (as started)") != NULL,
	    "%s", out);

	cr_assert_eq(run_with("chrt -i 0", broker_down, "--check", NULL, out,
	    sizeof(out)), 69, "%s", out);
	cr_expect(strstr(out, "scheduling   SCHED_IDLE (as started)") != NULL,
	    "%s", out);
}

/*
 * A credentials file with the user seed made from the bytes 1 to 32, or
 * with that seed's checksum broken by its last character.
 */
#define CREDS(last) "-----BEGIN NATS USER JWT-----\n" \
	"eyJ0.e30.c2ln\n------END NATS USER JWT------\n\n" \
	"-----BEGIN USER NKEY SEED-----\n" \
	"SUAACAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4DUPB6IC5C" last "\n" \
	"------END USER NKEY SEED------\n"

/*
 * Writes text to a new file named from template path, with mode, and
 * sets env to the settings of a --check against no broker with that file
 * as NATS_CREDS.
 */
static void
write_creds(char *path, const char *text, mode_t mode, char *env,
	size_t env_size)
{
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	cr_assert_eq(fchmod(fd, mode), 0);
	close(fd);
	snprintf(env, env_size, "NATS_URL=nats://127.0.0.1:1 "
	    "PHOTOVOTE_PUBLISH_TIMEOUT_MS=500 NATS_CREDS=%s", path);
}

Test(cli, check_warns_readable_creds)
{
	char path[] = "/tmp/pv-cli-creds-XXXXXX", env[256], out[4096];

	write_creds(path, CREDS("Q"), 0644, env, sizeof(env));
	cr_expect_eq(run(env, "--check", NULL, out, sizeof(out)), 69, "%s",
	    out);
	unlink(path);
	cr_expect(strstr(out, "warning: /tmp/pv-cli-creds-") != NULL, "%s", out);
	cr_expect(strstr(out, "is readable by other users; it holds the NKey "
	    "seed (NATS_CREDS)") != NULL, "%s", out);
}

/* A seed whose checksum fails: nats.c could never sign with it. */
Test(cli, check_rejects_bad_creds_seed)
{
	char path[] = "/tmp/pv-cli-creds-XXXXXX", env[256], out[4096];

	write_creds(path, CREDS("A"), 0600, env, sizeof(env));
	cr_expect_eq(run(env, "--check", NULL, out, sizeof(out)), 78, "%s",
	    out);
	unlink(path);
	cr_expect(strstr(out, "configuration: NATS_CREDS: the NKey seed in "
	    "/tmp/pv-cli-creds-") != NULL, "%s", out);
	cr_expect(strstr(out, "invalid checksum") != NULL, "%s", out);
	cr_expect(strstr(out, "SUAAC") == NULL, "%s", out);
}

Test(cli, check_names_url_credentials)
{
	char out[4096];

	run("NATS_URL=tls://alice:s3cret@127.0.0.1:1 "
	    "PHOTOVOTE_PUBLISH_TIMEOUT_MS=500", "--check", NULL, out,
	    sizeof(out));
	cr_expect(strstr(out, "credentials  in NATS_URL") != NULL, "%s", out);
	cr_expect(strstr(out, "tls          yes") != NULL, "%s", out);
	cr_expect(strstr(out, "tls://***@127.0.0.1:1") != NULL, "%s", out);
	cr_expect(strstr(out, "s3cret") == NULL, "%s", out);

	/* A password with an '@': nats.c ends the user info at the last one. */
	run("NATS_URL=nats://alice:p@ss@127.0.0.1:1 "
	    "PHOTOVOTE_PUBLISH_TIMEOUT_MS=500", "--check", NULL, out,
	    sizeof(out));
	cr_expect(strstr(out, "nats://***@127.0.0.1:1") != NULL, "%s", out);
	cr_expect(strstr(out, "ss@") == NULL, "%s", out);
}

Test(cli, syslog_setting_error_on_stderr)
{
	char out[1024];

	cr_assert_eq(run("PHOTOVOTE_LOG=syslog PHOTOVOTE_THREADS=lots", "",
	    NULL, out, sizeof(out)), 78, "%s", out);
	cr_expect(strstr(out, "configuration: PHOTOVOTE_THREADS") != NULL,
	    "%s", out);
}

Test(cli, syslog_without_socket_uses_stderr)
{
	char out[4096];

	if (access("/dev/log", F_OK) == 0)
		cr_skip_test("/dev/log exists: a syslog daemon is running");
	run("PHOTOVOTE_LOG=syslog NATS_URL=nats://127.0.0.1:1 "
	    "PHOTOVOTE_PUBLISH_TIMEOUT_MS=300 REQUEST_METHOD=GET "
	    "SCRIPT_NAME=/voter PATH_INFO=/health GATEWAY_INTERFACE=CGI/1.1",
	    "", NULL, out, sizeof(out));
	cr_expect(strstr(out, "no syslog socket (/dev/log) yet") != NULL,
	    "%s", out);
	cr_expect(strstr(out, "broker not reachable at nats://127.0.0.1:1")
	    != NULL, "%s", out);
}

Test(cli, url_and_user_credentials_rejected)
{
	char out[1024];

	cr_assert_eq(run("NATS_URL=nats://alice:s3cret@127.0.0.1:1 "
	    "NATS_USER=bob NATS_PASSWORD=other", "--check", NULL, out,
	    sizeof(out)), 78, "%s", out);
	cr_expect(strstr(out, "NATS_URL contains credentials") != NULL, "%s",
	    out);
	cr_expect(strstr(out, "s3cret") == NULL, "%s", out);

	/* A password alone names the same conflict, not a missing user. */
	cr_assert_eq(run("NATS_URL=nats://alice:s3cret@127.0.0.1:1 "
	    "NATS_PASSWORD=other", "--check", NULL, out, sizeof(out)), 78,
	    "%s", out);
	cr_expect(strstr(out, "NATS_URL contains credentials") != NULL, "%s",
	    out);
	cr_expect(strstr(out, "which exclude NATS_PASSWORD;") != NULL, "%s",
	    out);

	/* Settings written for the Memphis service are named as such. */
	cr_assert_eq(run("NATS_URL=nats://alice:s3cret@127.0.0.1:1 "
	    "MEMPHIS_USERNAME=bob MEMPHIS_PASSWORD=other", "--check", NULL,
	    out, sizeof(out)), 78, "%s", out);
	cr_expect(strstr(out, "which exclude MEMPHIS_USERNAME, "
	    "MEMPHIS_PASSWORD;") != NULL, "%s", out);
}

/* A TLS file that is no certificate or key stops the handler at start. */
Test(cli, check_rejects_unusable_tls_files)
{
	static const char text[] = "This file holds no PEM data.\n";
	char path[] = "/tmp/pvt-pem-XXXXXX";
	char env[PVT_PATH_MAX + 128], out[2048];
	int fd;

	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, sizeof(text) - 1),
	    (ssize_t)sizeof(text) - 1);
	close(fd);

	snprintf(env, sizeof(env), "NATS_URL=nats://127.0.0.1:1 "
	    "NATS_CA=%s", path);
	cr_assert_eq(run(env, "--check", NULL, out, sizeof(out)), 78, "%s",
	    out);
	cr_expect(strstr(out, "NATS_CA: ") != NULL, "%s", out);
	cr_expect(strstr(out, " is not usable: ") != NULL, "%s", out);

	snprintf(env, sizeof(env), "NATS_URL=nats://127.0.0.1:1 "
	    "NATS_CERT=%s NATS_KEY=%s", path, path);
	cr_assert_eq(run(env, "--check", NULL, out, sizeof(out)), 78, "%s",
	    out);
	cr_expect(strstr(out, "NATS_CERT or NATS_KEY: ") != NULL, "%s", out);
	unlink(path);
}

/* An encrypted key would make OpenSSL ask for a pass phrase. */
Test(cli, check_rejects_encrypted_key)
{
	static const char key[] = "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
	    "MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI\n"
	    "-----END ENCRYPTED PRIVATE KEY-----\n";
	char path[] = "/tmp/pvt-key-XXXXXX";
	char env[PVT_PATH_MAX + 160], out[2048];
	const char *source = getenv("PV_SOURCE");
	int fd;

	cr_assert_not_null(source);
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, key, sizeof(key) - 1), (ssize_t)sizeof(key) - 1);
	close(fd);

	snprintf(env, sizeof(env), "NATS_URL=nats://127.0.0.1:1 "
	    "NATS_CERT=%s/README NATS_KEY=%s", source, path);
	cr_expect_eq(run(env, "--check", NULL, out, sizeof(out)), 78, "%s",
	    out);
	cr_expect(strstr(out, "is encrypted, and nats.c cannot give OpenSSL "
	    "its pass phrase") != NULL, "%s", out);
	unlink(path);
}

Test(cli, stream_dump_hides_url_password)
{
	char command[512], out[1024];

	snprintf(command, sizeof(command), "%s/pv-stream-dump "
	    "'nats://alice:s3cret@127.0.0.1:1' election 2>&1",
	    getenv("PV_BUILD"));
	cr_expect_neq(capture(command, out, sizeof(out)), 0);
	cr_expect(strstr(out, "nats://***@127.0.0.1:1") != NULL, "%s", out);
	cr_expect(strstr(out, "s3cret") == NULL, "%s", out);
}

/* pv-stream-dump reads .env as a handler does, with the same warnings. */
Test(cli, stream_dump_warns_about_readable_env)
{
	static const char text[] = "NATS_TOKEN=not-a-real-token\n";
	char path[] = "/tmp/pvt-env-XXXXXX";
	char command[512], out[2048];
	int fd;

	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, sizeof(text) - 1),
	    (ssize_t)sizeof(text) - 1);
	cr_assert_eq(fchmod(fd, 0644), 0);
	close(fd);

	snprintf(command, sizeof(command), "env -i PHOTOVOTE_ENV_FILE=%s "
	    "%s/pv-stream-dump nats://127.0.0.1:1 election 2>&1", path,
	    getenv("PV_BUILD"));
	cr_expect_eq(capture(command, out, sizeof(out)), 1, "%s", out);
	cr_expect(strstr(out, "is readable by other users") != NULL, "%s",
	    out);
	cr_expect(strstr(out, "not-a-real-token") == NULL, "%s", out);
	unlink(path);
}

/* --help prints usage to standard output, and an extra argument fails. */
Test(cli, tools_usage)
{
	const char *build = getenv("PV_BUILD");
	char command[512], out[1024];

	snprintf(command, sizeof(command), "%s/pv-stream-dump --help "
	    "2>/dev/null", build);
	cr_expect_eq(capture(command, out, sizeof(out)), 0, "%s", out);
	cr_expect(strncmp(out, "usage: pv-stream-dump", 21) == 0, "%s", out);
	snprintf(command, sizeof(command), "%s/pv-stream-dump x 2>&1", build);
	cr_expect_eq(capture(command, out, sizeof(out)), 2, "%s", out);

	snprintf(command, sizeof(command), "%s/pv-openapi --help 2>/dev/null",
	    build);
	cr_expect_eq(capture(command, out, sizeof(out)), 0, "%s", out);
	cr_expect(strncmp(out, "usage: pv-openapi", 17) == 0, "%s", out);
	snprintf(command, sizeof(command), "%s/pv-openapi out.json 2>&1",
	    build);
	cr_expect_eq(capture(command, out, sizeof(out)), 2, "%s", out);
	cr_expect(strstr(out, "openapi\"") == NULL, "%s", out);
}

/*
 * Publishes len bytes of body to "<stream>.<token>" in a new stream named
 * after prefix, runs pv-stream-dump on that stream with the broker's URL
 * after url_head and writes its output to out.  The dump must exit 0.
 */
static void
dump_one_message(const char *url_head, const char *prefix,
	const char *token, const char *body, size_t len, char *out,
	size_t size)
{
	const char *url = getenv(PVT_ENV_NATS_URL);
	char stream[32], subject[64], command[512];
	pvt_nats *nats;
	jsCtx *js;

	cr_assert(pvt_nats_open(&nats, url));
	js = pvt_nats_jetstream(nats);
	add_test_stream(js, prefix, stream, js_FileStorage, 0);
	snprintf(subject, sizeof(subject), "%s.%s", stream, token);
	cr_assert_eq(js_Publish(NULL, js, subject, body, (int)len, NULL,
	    NULL), NATS_OK);
	pvt_nats_close(nats);

	snprintf(command, sizeof(command), "%s/pv-stream-dump '%s%s' %s "
	    "2>&1", getenv("PV_BUILD"), url_head, url, stream);
	cr_assert_eq(capture(command, out, size), 0, "%s", out);
}

/* Bytes of another producer cannot cut the output short or forge lines. */
Test(cli, stream_dump_escapes_bodies)
{
	static const char body[] = "a\0b\x1b[2J\nseq: 99\r\xff\xc3\xab";
	char out[4096];

	dump_one_message("", "dump", "x", body, sizeof(body) - 1, out,
	    sizeof(out));
	cr_expect(strstr(out, "contains 1 message\n") != NULL, "%s", out);
	cr_expect(strstr(out, "body (19 bytes): a\\x00b\\x1b[2J\\x0aseq: "
	    "99\\x0d\\xff\xc3\xab\n") != NULL, "%s", out);
	cr_expect(strchr(out, '\x1b') == NULL, "%s", out);
}

/* A bidirectional override cannot reorder the rest of the line. */
Test(cli, stream_dump_escapes_bidi_controls)
{
	static const char body[] = "{\"name\":\"Alice\xe2\x80\xae\\\"x\"}";
	static const char isolate[] = "\xe2\x81\xa6";
	char out[4096];

	/* The subject's last token is "a", U+2066 (an isolate) and "b". */
	dump_one_message("", "bidi", "a\xe2\x81\xa6" "b", body,
	    sizeof(body) - 1, out, sizeof(out));
	cr_expect(strstr(out, "body (22 bytes): {\"name\":\"Alice\\u202e"
	    "\\\"x\"}\n") != NULL, "%s", out);
	cr_expect(strstr(out, ".a\\u2066b\n") != NULL, "%s", out);
	cr_expect(strstr(out, "\xe2\x80\xae") == NULL, "%s", out);
	cr_expect(strstr(out, isolate) == NULL, "%s", out);
}

/* A URL that a handler would reject is a usage error, named as such. */
Test(cli, stream_dump_rejects_bad_url)
{
	char command[512], out[1024];

	snprintf(command, sizeof(command), "%s/pv-stream-dump "
	    "'http://127.0.0.1:1' election 2>&1", getenv("PV_BUILD"));
	cr_expect_eq(capture(command, out, sizeof(out)), 2, "%s", out);
	cr_expect(strstr(out, "NATS_URL argument: server URL 1 is invalid: "
	    "expected nats:// or tls://") != NULL, "%s", out);
}

/* A stream name JetStream cannot have is a usage error, not a broker's. */
Test(cli, stream_dump_rejects_bad_stream_name)
{
	static const char *const names[] = { "a b", "a.b", "", "a\x1b[2J" };
	char command[512], out[1024];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(command, sizeof(command), "%s/pv-stream-dump "
		    "nats://127.0.0.1:1 '%s' 2>&1", getenv("PV_BUILD"),
		    names[i]);
		cr_expect_eq(capture(command, out, sizeof(out)), 2, "%s", out);
		cr_expect(strstr(out, "invalid stream name") != NULL, "%s",
		    out);
		cr_expect_null(strchr(out, '\x1b'), "%s", out);
	}
}

/* A list, spaces and all, is read as a handler reads NATS_URL. */
Test(cli, stream_dump_takes_url_list)
{
	char out[4096];

	dump_one_message("nats://127.0.0.1:1 , ", "list", "x", "{}", 2, out,
	    sizeof(out));
	cr_expect(strstr(out, "contains 1 message\n") != NULL, "%s", out);
	cr_expect(strstr(out, "body (2 bytes): {}\n") != NULL, "%s", out);
}

Test(cli, bad_setting_names_it)
{
	char out[1024];

	cr_assert_eq(run("PHOTOVOTE_MAX_BODY=lots", "--check", NULL, out,
	    sizeof(out)), 78, "%s", out);
	cr_expect(strstr(out, "PHOTOVOTE_MAX_BODY") != NULL, "%s", out);
}

Test(cli, usage_error_names_argument)
{
	char out[512];

	cr_assert_eq(run("", "--bogus", NULL, out, sizeof(out)), 64);
	cr_expect(strstr(out, "unknown option \"--bogus\"; try --help") !=
	    NULL, "%s", out);

	cr_assert_eq(run("", "--check extra", NULL, out, sizeof(out)), 64);
	cr_expect(strstr(out, "--check takes no argument") != NULL, "%s", out);

	cr_assert_eq(run("", "--validate", NULL, out, sizeof(out)), 64);
	cr_expect(strstr(out, "--validate takes an event type and at most "
	    "one file, not 0 argument(s)") != NULL, "%s", out);
}
