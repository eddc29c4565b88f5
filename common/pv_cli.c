/* The handler executables' command line; see pv_cli.h. */
#include "pv_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pv_fdlimit.h"
#include "pv_json.h"
#include "pv_log.h"
#include "pv_schema.h"
#include "pv_sched.h"

/* Largest event --validate reads: the largest PHOTOVOTE_MAX_BODY. */
#define PV_CLI_INPUT_MAX (1024 * 1024)

static void
print_help(const pv_aggregate *agg)
{
	size_t i;

	printf("usage: %1$s.fcgi                        serve (started by a "
	    "web server)\n"
	    "       %1$s.fcgi --check                read the settings, "
	    "connect, bind the streams\n"
	    "       %1$s.fcgi --validate TYPE [FILE] check an event of any "
	    "aggregate offline\n"
	    "                                          (standard input "
	    "without FILE or with -)\n"
	    "       %1$s.fcgi --help | --version\n\n"
	    "FastCGI handler for the PhotoVote %1$s events: it validates "
	    "each event\nand publishes it to NATS JetStream, answering 200 "
	    "once the broker\nacknowledged it.\n\nRoutes:\n", agg->name);
	for (i = 0; i < agg->route_count; i++)
		printf("  %-6s %-32s %s\n", agg->routes[i].method,
		    agg->routes[i].path, agg->routes[i].event_type);
	printf("  GET    /%s/health%*s broker state: 200 or 503\n",
	    agg->name, (int)(24 - strlen(agg->name)), "");
	printf("  GET    /%s/openapi.json%*s OpenAPI description\n",
	    agg->name, (int)(18 - strlen(agg->name)), "");
	printf("\nSettings (environment, then the .env file), with defaults:\n"
	    "  NATS_URL                     server URLs, comma-separated, "
	    "at most 16 (nats://127.0.0.1:4222)\n"
	    "  NATS_USER, NATS_PASSWORD     user and password\n"
	    "  NATS_TOKEN                   token\n"
	    "  NATS_CREDS                   credentials file (JWT and NKey "
	    "seed)\n"
	    "  NATS_CA, NATS_CERT, NATS_KEY TLS CA file, client certificate "
	    "and key\n"
	    "  MEMPHIS_HOST, MEMPHIS_USERNAME, MEMPHIS_PASSWORD\n"
	    "                               read when the NATS settings are "
	    "unset\n"
	    "  PHOTOVOTE_STREAMS            streams, comma-separated "
	    "(election)\n"
	    "  PHOTOVOTE_<AGG>_STREAMS      streams of one aggregate only\n"
	    "  PHOTOVOTE_CREATE_STREAMS     true: create a missing stream; "
	    "false: bind only (true)\n"
	    "  PHOTOVOTE_REPLICAS           replicas of a created stream, 1-5 "
	    "(1)\n"
	    "  PHOTOVOTE_DUPLICATE_WINDOW   de-duplication window, 1-604800 s "
	    "(120)\n"
	    "  PHOTOVOTE_PUBLISH_TIMEOUT_MS acknowledgement time-out, 10-60000 "
	    "ms (2000)\n"
	    "  PHOTOVOTE_MAX_BODY           largest request body, 2-1048576 "
	    "bytes (65536)\n"
	    "  PHOTOVOTE_THREADS            requests in flight per process, "
	    "1-256 (16);\n"
	    "                               needs an open-file limit of "
	    "threads + 8 + the\n"
	    "                               descriptors open at start (about "
	    "threads + 12)\n"
	    "  PHOTOVOTE_SCHED_BATCH        true: move from SCHED_OTHER to "
	    "SCHED_BATCH (other\n"
	    "                               policies stay); false: keep "
	    "SCHED_OTHER (true)\n"
	    "  PHOTOVOTE_LOG                stderr or syslog (stderr)\n"
	    "  PHOTOVOTE_LOG_LEVEL          error, warning, info or debug "
	    "(info)\n"
	    "  PHOTOVOTE_ENV_FILE           .env file (.env)\n"
	    "\nExit status: 0 success, 64 usage, 65 invalid event, 66 "
	    "unreadable FILE,\n69 broker unavailable, 70 internal error, "
	    "78 invalid setting.\n");
}

/* Finds a schema by event type ("Voter.VoterRegistered") or class alone. */
static const pv_schema *
find_schema(const pv_catalog *catalog, const char *type)
{
	const pv_schema *schema = pv_catalog_find(catalog, type);
	const char *name, *dot;
	size_t i;

	for (i = 0; schema == NULL && i < pv_catalog_count(catalog); i++) {
		name = pv_schema_event_type(pv_catalog_at(catalog, i));
		dot = strrchr(name, '.');
		if (dot != NULL && strcmp(dot + 1, type) == 0)
			schema = pv_catalog_at(catalog, i);
	}
	return schema;
}

/* Reads all of path ("-" or NULL: standard input) into buf. */
static int
read_input(const char *path, pv_buf *buf)
{
	FILE *in = stdin;
	char chunk[8192];
	size_t n;
	int status = PV_EXIT_OK;

	if (path != NULL && strcmp(path, "-") != 0) {
		in = fopen(path, "rb");
		if (in == NULL) {
			fprintf(stderr, "--validate: cannot open %s: %s\n",
			    path, strerror(errno));
			return PV_EXIT_NOINPUT;
		}
	}

	while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0) {
		if (buf->len + n > PV_CLI_INPUT_MAX) {
			fprintf(stderr, "--validate: input larger than %d "
			    "bytes\n", PV_CLI_INPUT_MAX);
			status = PV_EXIT_DATAERR;
			break;
		}
		if (pv_buf_append(buf, chunk, n) != PV_OK) {
			status = PV_EXIT_SOFTWARE;
			break;
		}
	}
	if (status == PV_EXIT_OK && ferror(in)) {
		fprintf(stderr, "--validate: reading %s failed: %s\n",
		    in == stdin ? "standard input" : path, strerror(errno));
		status = PV_EXIT_NOINPUT;
	}
	if (in != stdin)
		fclose(in);
	return status;
}

/* Names the unknown type and lists every type the catalogue has. */
static void
print_unknown_type(const pv_catalog *catalog, const char *type)
{
	size_t i;

	fprintf(stderr, "--validate: unknown event type \"%.64s\"; the "
	    "types are", type);
	for (i = 0; i < pv_catalog_count(catalog); i++)
		fprintf(stderr, "%s %s", i == 0 ? ":" : ",",
		    pv_schema_event_type(pv_catalog_at(catalog, i)));
	fprintf(stderr, " (the part after the dot alone is enough)\n");
}

/*
 * Validates one event offline.  Prints the canonical event and returns 0,
 * or prints the 422 body a client would get and returns PV_EXIT_DATAERR.
 * A file that cannot be read returns PV_EXIT_NOINPUT.
 */
static int
validate(const char *type, const char *path)
{
	pv_catalog *catalog = NULL;
	pv_json_parser *parser = NULL;
	struct json_object *event = NULL;
	const pv_schema *schema;
	pv_violations *v = NULL;
	pv_buf input, out;
	pv_error err;
	int status;

	pv_buf_init(&input);
	pv_buf_init(&out);
	if (pv_catalog_load(&catalog, &err) != PV_OK) {
		fprintf(stderr, "--validate: %s\n", err.text);
		status = PV_EXIT_SOFTWARE;
		goto out;
	}
	schema = find_schema(catalog, type);
	if (schema == NULL) {
		print_unknown_type(catalog, type);
		status = PV_EXIT_USAGE;
		goto out;
	}
	if ((status = read_input(path, &input)) != PV_EXIT_OK)
		goto out;

	v = calloc(1, sizeof(*v));
	if (v == NULL || pv_json_parser_new(&parser) != PV_OK) {
		status = PV_EXIT_SOFTWARE;
		goto out;
	}

	if (pv_json_parse_body(parser, input.data != NULL ? input.data : "",
	    input.len, &event, v) == PV_OK &&
	    pv_schema_validate(schema, event, v) == PV_OK) {
		status = pv_schema_serialize(schema, event, &out) == PV_OK ?
		    PV_EXIT_OK : PV_EXIT_SOFTWARE;
	} else {
		status = pv_violations_to_json(v, &out) == PV_OK ?
		    PV_EXIT_DATAERR : PV_EXIT_SOFTWARE;
	}
	if (out.len > 0)
		printf("%s\n", out.data);
out:
	json_object_put(event);
	pv_json_parser_free(parser);
	free(v);
	pv_catalog_free(catalog);
	pv_buf_free(&input);
	pv_buf_free(&out);
	return status;
}

/* Returns the kind of broker credentials in use, never their values. */
static const char *
credentials_kind(const pv_config *cfg)
{
	if (cfg->creds_file != NULL)
		return "credentials file";
	if (cfg->token != NULL)
		return "token";
	if (cfg->user != NULL)
		return "user and password";

	/* nats.c takes "user:password@" or "token@" from a URL itself. */
	return pv_config_url_has_user_info(cfg) ? "in NATS_URL" : "none";
}

static void
print_settings(const pv_config *cfg)
{
	char url[256];
	int i;

	printf("settings:\n");
	for (i = 0; i < cfg->server_count; i++)
		printf("  server       %s\n", pv_config_redact_url(url,
		    sizeof(url), cfg->servers[i]));
	printf("  credentials  %s\n", credentials_kind(cfg));
	printf("  tls          %s\n", pv_config_requires_tls(cfg) ? "yes" :
	    "no");
	for (i = 0; i < cfg->stream_count; i++)
		printf("  stream       %s\n", cfg->streams[i]);
	printf("  replicas     %d\n  duplicates   %lld s\n  time-out     "
	    "%d ms\n  max body     %zu bytes\n  threads      %d\n",
	    cfg->replicas, (long long)cfg->duplicate_window_s,
	    cfg->publish_timeout_ms, cfg->max_body, cfg->threads);

	/* The policy that a handler started like this process would run under. */
	if (pv_sched_moves_to_batch(cfg))
		printf("  scheduling   SCHED_BATCH (from SCHED_OTHER)\n");
	else
		printf("  scheduling   %s (as started)\n",
		    pv_sched_policy_name());
	if (cfg->env_file[0] != '\0')
		printf("  .env file    %s\n", cfg->env_file);
	else if (cfg->env_file_missing[0] != '\0')
		printf("  .env file    none (%s not found)\n",
		    cfg->env_file_missing);
}

/*
 * Reads the settings, connects, creates or binds every stream and prints
 * what it found.  Returns 0 when the handler could serve, otherwise the
 * exit status for the reason, printed on standard error.
 */
static int
check(const pv_aggregate *agg, char *const *envp)
{
	/* Static, so that nats.c's threads may outlive this call (below). */
	static pv_logger log;
	static pv_config cfg;
	char warning[PV_CONFIG_WARNING_MAX];
	pv_app app;
	pv_buf report;
	pv_error err;
	pv_status st;
	rlim_t raised_from;
	int i;

	pv_log_init(&log, agg->name, STDERR_FILENO);
	pv_error_clear(&err);
	if (pv_config_load(&cfg, agg->name, envp, &err) != PV_OK) {
		fprintf(stderr, "configuration: %s\n", err.text);
		pv_log_free(&log);
		return PV_EXIT_CONFIG;
	}
	log.level = cfg.log_level;
	print_settings(&cfg);
	for (i = 0; pv_config_warning(&cfg, i, warning, sizeof(warning));
	    i++)
		printf("warning: %s\n", warning);
	if (cfg.log_to_syslog && !pv_log_syslog_available())
		printf("warning: PHOTOVOTE_LOG is syslog, but there is no "
		    "syslog socket (/dev/log): a handler started now also "
		    "logs to standard error, which spawn-fcgi without -n "
		    "discards\n");

	/* What is printed so far comes before the log's lines in a pipe. */
	fflush(stdout);

	/* The limit that the handler would raise or fail on at start. */
	if (pv_fdlimit_ensure(cfg.threads, &raised_from, &err) != PV_OK ||
	    pv_app_init(&app, agg, &cfg, &log, &err) != PV_OK) {
		fprintf(stderr, "%s: %s\n", err.status == PV_ERR_CONFIG ?
		    "configuration" : "start", err.text);
		pv_config_free(&cfg);
		pv_log_free(&log);
		return err.status == PV_ERR_CONFIG ? PV_EXIT_CONFIG :
		    PV_EXIT_SOFTWARE;
	}

	pv_buf_init(&report);
	st = pv_publisher_health(app.publisher, &report);
	printf("broker: %s\n", report.data != NULL ? report.data : "");
	pv_buf_free(&report);
	/* (Left to the exit when nats.c's threads may still use them.) */
	if (pv_app_free(&app, 1000)) {
		pv_config_free(&cfg);
		pv_log_free(&log);
	}

	if (st == PV_OK) {
		printf("ready\n");
		return PV_EXIT_OK;
	}
	fflush(stdout);
	fprintf(stderr, "not ready: the broker or a stream is unavailable\n");
	return st == PV_ERR_NOMEM ? PV_EXIT_SOFTWARE : PV_EXIT_UNAVAILABLE;
}

/* Prints which argument of a command line that run_option rejects. */
static void
report_usage_error(const pv_aggregate *agg, int argc, char **argv)
{
	static const char *const options[] = { "--help", "--version",
	    "--check", "--validate" };
	char shown[96];
	size_t i;

	pv_log_escape(shown, sizeof(shown), argv[1], strlen(argv[1]), 64);
	for (i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (strcmp(argv[1], options[i]) == 0)
			break;

	if (i == sizeof(options) / sizeof(options[0]))
		fprintf(stderr, "%s.fcgi: unknown option \"%s\"; try --help\n",
		    agg->name, shown);
	else if (strcmp(argv[1], "--validate") == 0)
		fprintf(stderr, "%s.fcgi: --validate takes an event type and "
		    "at most one file, not %d argument(s); try --help\n",
		    agg->name, argc - 2);
	else
		fprintf(stderr, "%s.fcgi: %s takes no argument; try --help\n",
		    agg->name, shown);
}

/* Carries out the option in argv; returns its exit status. */
static int
run_option(const pv_aggregate *agg, int argc, char **argv,
	char *const *envp)
{
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		print_help(agg);
		return PV_EXIT_OK;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("photovote-fcgi %s (%s)\n", PV_VERSION, agg->name);
		return PV_EXIT_OK;
	}
	if (argc == 2 && strcmp(argv[1], "--check") == 0)
		return check(agg, envp);
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "--validate") == 0)
		return validate(argv[2], argc == 4 ? argv[3] : NULL);

	report_usage_error(agg, argc, argv);
	return PV_EXIT_USAGE;
}

int
pv_cli_run(const pv_aggregate *agg, int argc, char **argv, char *const *envp)
{
	int status;

	if (argc < 2)
		return -1;
	status = run_option(agg, argc, argv, envp);

	/* Output that did not arrive, as on a full disk, is a failure. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s.fcgi: writing to standard output failed: "
		    "%s\n", agg->name, strerror(errno));
		return PV_EXIT_SOFTWARE;
	}
	return status;
}
