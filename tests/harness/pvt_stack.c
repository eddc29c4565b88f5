/* getline, glob and strdup with a strict -std=c11. */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pvt_http.h"
#include "pvt_nats.h"
#include "pvt_stack.h"

/* Start-up and shutdown deadlines, in ms; valgrind slows start-up. */
#define START_TIMEOUT_MS 15000
#define VALGRIND_START_TIMEOUT_MS 90000
#define STOP_TIMEOUT_MS 10000

/* A port that was free when picked can be taken before the server binds. */
#define START_ATTEMPTS 3

/*
 * valgrind makes a handler many times slower, so it gets a longer publish
 * time-out (still under the test client's receive time-out); with the
 * sample's 2 s, its first request, which also connects and binds the
 * stream, can time out on a loaded machine.
 */
#define VALGRIND_PREFIX "/usr/bin/env PHOTOVOTE_PUBLISH_TIMEOUT_MS=15000 " \
	"/usr/bin/valgrind --error-exitcode=99 " \
	"--leak-check=full --errors-for-leak-kinds=definite "

static bool
path_join(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "pvt: path %s/%s too long\n", dir, name);
		return false;
	}
	return true;
}

/* Returns the index of the entry of vars that line assigns, or -1. */
static int
match_var(const char *line, const pvt_config_var *vars, size_t count)
{
	const char *p;
	size_t i, len;

	if (strncmp(line, "var.", 4) != 0)
		return -1;

	for (i = 0; i < count; i++) {
		len = strlen(vars[i].name);
		if (strncmp(line + 4, vars[i].name, len) != 0)
			continue;
		p = line + 4 + len;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '=')
			return (int)i;
	}
	return -1;
}

static bool
write_var(FILE *out, const pvt_config_var *var)
{
	if (!var->quoted)
		return fprintf(out, "var.%s = %s\n", var->name, var->value) > 0;

	if (strpbrk(var->value, "\"\\") != NULL) {
		fprintf(stderr, "pvt: value of var.%s contains a quote or "
		    "backslash: %s\n", var->name, var->value);
		return false;
	}
	return fprintf(out, "var.%s = \"%s\"\n", var->name, var->value) > 0;
}

static bool
copy_replacing(FILE *in, FILE *out, const pvt_config_var *vars,
	size_t count, int *matches)
{
	char *line = NULL;
	size_t cap = 0;
	bool ok = true;
	int i;

	while (ok && getline(&line, &cap, in) >= 0) {
		i = match_var(line, vars, count);
		if (i < 0) {
			ok = fputs(line, out) >= 0;
			continue;
		}
		matches[i]++;
		ok = write_var(out, &vars[i]);
	}
	free(line);
	return ok && !ferror(in);
}

bool
pvt_config_generate(const char *sample_path, const char *out_path,
	const pvt_config_var *vars, size_t count)
{
	FILE *in = NULL, *out = NULL;
	int matches[32] = { 0 };
	bool ok = false;
	size_t i;

	if (count > sizeof(matches) / sizeof(matches[0]))
		return false;

	in = fopen(sample_path, "r");
	out = fopen(out_path, "w");
	if (in == NULL || out == NULL) {
		fprintf(stderr, "pvt: opening %s or %s failed: %s\n",
		    sample_path, out_path, strerror(errno));
		goto out;
	}
	if (!copy_replacing(in, out, vars, count, matches))
		goto out;

	ok = true;
	for (i = 0; i < count; i++) {
		if (matches[i] == 1)
			continue;
		fprintf(stderr, "pvt: %s has %d lines starting with "
		    "\"var.%s =\", expected exactly 1\n", sample_path,
		    matches[i], vars[i].name);
		ok = false;
	}

out:
	if (in != NULL)
		fclose(in);
	if (out != NULL && fclose(out) != 0)
		ok = false;
	return ok;
}

static bool
nats_ready(void *arg)
{
	return pvt_nats_jetstream_ready(((pvt_stack *)arg)->nats_url);
}

static bool
http_ready(void *arg)
{
	return pvt_tcp_accepts(((pvt_stack *)arg)->http_port);
}

static bool
start_nats(pvt_stack *stack)
{
	char port[16], store[PVT_PATH_MAX], log[PVT_PATH_MAX];
	char *argv[] = { "nats-server", "-js", "-a", "127.0.0.1", "-p", port,
	    "-sd", store, NULL };
	int attempt;

	if (!path_join(store, sizeof(store), stack->nats_dir, "store") ||
	    !path_join(log, sizeof(log), stack->nats_dir, "nats-server.log"))
		return false;

	for (attempt = 0; attempt < START_ATTEMPTS; attempt++) {
		stack->nats_port = pvt_free_port();
		snprintf(port, sizeof(port), "%d", stack->nats_port);
		snprintf(stack->nats_url, sizeof(stack->nats_url),
		    "nats://127.0.0.1:%d", stack->nats_port);

		stack->nats_pid = pvt_spawn(argv, log);
		if (stack->nats_pid > 0 && pvt_wait_until(nats_ready, stack,
		    stack->nats_pid, START_TIMEOUT_MS))
			return true;

		pvt_stop(stack->nats_pid, STOP_TIMEOUT_MS);
		stack->nats_pid = 0;
	}

	fprintf(stderr, "pvt: nats-server did not become ready\n");
	pvt_print_tail(log, 4096);
	return false;
}

static bool
make_subdir(char *out, size_t size, const char *dir, const char *name)
{
	if (!path_join(out, size, dir, name))
		return false;
	if (mkdir(out, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "pvt: mkdir %s failed: %s\n", out,
		    strerror(errno));
		return false;
	}
	return true;
}

/* Appends to conf the route of PVT_UNREACHABLE_PATH. */
static bool
add_unreachable_route(const char *conf, const char *run)
{
	FILE *f = fopen(conf, "a");
	bool ok;

	if (f == NULL) {
		fprintf(stderr, "pvt: opening %s failed: %s\n", conf,
		    strerror(errno));
		return false;
	}
	fprintf(f, "$HTTP[\"url\"] =~ \"^%s\" {\n"
	    "\tfastcgi.server = ( \"/\" => ((\n"
	    "\t\t\"socket\" => \"%s/unreachable.sock\",\n"
	    "\t\t\"check-local\" => \"disable\",\n"
	    "\t)) )\n}\n", PVT_UNREACHABLE_PATH, run);
	ok = !ferror(f);
	return fclose(f) == 0 && ok;
}

/* Writes web_dir/lighttpd.conf from the sample for the chosen ports. */
static bool
write_config(const pvt_stack *stack, const char *source, const char *build,
	const char *conf)
{
	char sample[PVT_PATH_MAX], run[PVT_PATH_MAX], log[PVT_PATH_MAX];
	char www[PVT_PATH_MAX], port[16], wrapper[PVT_PATH_MAX];
	char errors[PVT_PATH_MAX];
	int n;

	if (!path_join(sample, sizeof(sample), source, "lighttpd.conf.sample") ||
	    !path_join(errors, sizeof(errors), source, "lighttpd-errors") ||
	    !make_subdir(run, sizeof(run), stack->web_dir, "run") ||
	    !make_subdir(log, sizeof(log), stack->web_dir, "log") ||
	    !make_subdir(www, sizeof(www), stack->web_dir, "www"))
		return false;

	snprintf(port, sizeof(port), "%d", stack->http_port);
	wrapper[0] = '\0';
	if (stack->valgrind) {
		n = snprintf(wrapper, sizeof(wrapper),
		    VALGRIND_PREFIX "--log-file=%s/valgrind-%%p.log ", log);
		if (n < 0 || (size_t)n >= sizeof(wrapper))
			return false;
	} else if (stack->handler_env[0] != '\0') {
		/* bin-environment overrides lighttpd's own environment. */
		n = snprintf(wrapper, sizeof(wrapper), "/usr/bin/env %s ",
		    stack->handler_env);
		if (n < 0 || (size_t)n >= sizeof(wrapper))
			return false;
	}

	/* Tests run as root, and an empty user keeps lighttpd from switching. */
	const pvt_config_var vars[] = {
		{ "bind_address", "127.0.0.1", true },
		{ "port", port, false },
		{ "server_user", "", true },
		{ "server_group", "", true },
		{ "handler_dir", build, true },
		{ "handler_wrapper", wrapper, true },
		{ "run_dir", run, true },
		{ "log_dir", log, true },
		{ "document_root", www, true },
		{ "error_dir", errors, true },
		{ "nats_url", stack->nats_url, true },
		{ "streams", PVT_STREAM, true },
	};
	if (!pvt_config_generate(sample, conf, vars,
	    sizeof(vars) / sizeof(vars[0])))
		return false;
	return !stack->unreachable_route || add_unreachable_route(conf, run);
}

void
pvt_stack_print_logs(const pvt_stack *stack)
{
	char path[PVT_PATH_MAX];

	if (path_join(path, sizeof(path), stack->web_dir, "lighttpd.out"))
		pvt_print_tail(path, 4096);
	if (path_join(path, sizeof(path), stack->web_dir, "log/error.log"))
		pvt_print_tail(path, 4096);
	if (path_join(path, sizeof(path), stack->web_dir, "log/handlers.log"))
		pvt_print_tail(path, 4096);
}

static bool
start_lighttpd(pvt_stack *stack, const char *source, const char *build)
{
	char conf[PVT_PATH_MAX], log[PVT_PATH_MAX];
	char *argv[] = { "lighttpd", "-D", "-f", conf, NULL };
	int attempt, timeout;

	timeout = stack->valgrind ? VALGRIND_START_TIMEOUT_MS : START_TIMEOUT_MS;
	if (!path_join(conf, sizeof(conf), stack->web_dir, "lighttpd.conf") ||
	    !path_join(log, sizeof(log), stack->web_dir, "lighttpd.out"))
		return false;

	for (attempt = 0; attempt < START_ATTEMPTS; attempt++) {
		stack->http_port = pvt_free_port();
		if (stack->http_port < 0 ||
		    !write_config(stack, source, build, conf))
			return false;

		stack->lighttpd_pid = pvt_spawn(argv, log);
		if (stack->lighttpd_pid > 0 && pvt_wait_until(http_ready, stack,
		    stack->lighttpd_pid, timeout))
			return true;

		pvt_stop(stack->lighttpd_pid, STOP_TIMEOUT_MS);
		stack->lighttpd_pid = 0;
	}

	fprintf(stderr, "pvt: lighttpd did not start listening\n");
	pvt_stack_print_logs(stack);
	return false;
}

bool
pvt_stack_start(pvt_stack *stack)
{
	const char *build = getenv("PV_BUILD");
	const char *source = getenv("PV_SOURCE");
	const char *valgrind = getenv("PV_VALGRIND");
	bool unreachable = stack->unreachable_route;

	memset(stack, 0, sizeof(*stack));
	stack->unreachable_route = unreachable;
	if (build == NULL || source == NULL || build[0] != '/') {
		fprintf(stderr, "pvt: set PV_BUILD (absolute build directory) "
		    "and PV_SOURCE (repository root), as make check-integration "
		    "does\n");
		return false;
	}
	stack->valgrind = valgrind != NULL && strcmp(valgrind, "1") == 0;

	if (!pvt_tmpdir_make(stack->nats_dir, sizeof(stack->nats_dir), "nats") ||
	    !pvt_tmpdir_make(stack->web_dir, sizeof(stack->web_dir), "lighttpd"))
		goto fail;
	if (!start_nats(stack) || !start_lighttpd(stack, source, build))
		goto fail;
	return true;

fail:
	pvt_stack_stop(stack);
	return false;
}

bool
pvt_stack_start_web(pvt_stack *stack, const char *nats_url,
	const char *handler_env)
{
	const char *build = getenv("PV_BUILD");
	const char *source = getenv("PV_SOURCE");
	bool unreachable = stack->unreachable_route;

	memset(stack, 0, sizeof(*stack));
	stack->unreachable_route = unreachable;
	if (build == NULL || source == NULL || build[0] != '/') {
		fprintf(stderr, "pvt: set PV_BUILD (absolute build directory) "
		    "and PV_SOURCE (repository root)\n");
		return false;
	}
	if (strlen(nats_url) >= sizeof(stack->nats_url) || strlen(handler_env
	    != NULL ? handler_env : "") >= sizeof(stack->handler_env)) {
		fprintf(stderr, "pvt: NATS URL or handler environment too "
		    "long\n");
		return false;
	}
	strcpy(stack->nats_url, nats_url);
	strcpy(stack->handler_env, handler_env != NULL ? handler_env : "");

	if (!pvt_tmpdir_make(stack->web_dir, sizeof(stack->web_dir), "lighttpd") ||
	    !start_lighttpd(stack, source, build)) {
		pvt_stack_stop(stack);
		return false;
	}
	return true;
}

/* Returns the number of errors in one valgrind log, -1 while unfinished. */
static int
valgrind_errors(const char *path)
{
	char *line = NULL;
	size_t cap = 0;
	int errors = -1;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (getline(&line, &cap, f) >= 0) {
		const char *summary = strstr(line, "ERROR SUMMARY: ");

		if (summary != NULL)
			errors = atoi(summary + strlen("ERROR SUMMARY: "));
	}
	free(line);
	fclose(f);
	return errors;
}

static bool
valgrind_logs_finished(void *arg)
{
	glob_t *logs = arg;
	size_t i;

	for (i = 0; i < logs->gl_pathc; i++) {
		if (valgrind_errors(logs->gl_pathv[i]) < 0)
			return false;
	}
	return true;
}

/* Returns true when every handler's valgrind log reports no error. */
static bool
check_valgrind_logs(const pvt_stack *stack)
{
	char pattern[PVT_PATH_MAX];
	glob_t logs;
	bool clean = true;
	size_t i;

	if (!path_join(pattern, sizeof(pattern), stack->web_dir,
	    "log/valgrind-*.log") || glob(pattern, 0, NULL, &logs) != 0)
		return false;

	/* lighttpd does not wait for its handlers, which may still be exiting. */
	pvt_wait_until(valgrind_logs_finished, &logs, 0, STOP_TIMEOUT_MS);
	for (i = 0; i < logs.gl_pathc; i++) {
		if (valgrind_errors(logs.gl_pathv[i]) == 0)
			continue;
		fprintf(stderr, "pvt: valgrind reported errors or did not "
		    "finish: %s\n", logs.gl_pathv[i]);
		clean = false;
	}
	globfree(&logs);
	return clean;
}

bool
pvt_stack_stop(pvt_stack *stack)
{
	bool clean = true;

	/*
	 * lighttpd does not wait for its handlers to exit, and one that it
	 * started during the run may never get the signal.
	 */
	if (stack->lighttpd_pid > 0) {
		clean = pvt_stop(stack->lighttpd_pid, STOP_TIMEOUT_MS) && clean;
		clean = pvt_stop_group(stack->lighttpd_pid, STOP_TIMEOUT_MS) &&
		    clean;
	}
	if (stack->nats_pid > 0)
		clean = pvt_stop(stack->nats_pid, STOP_TIMEOUT_MS) && clean;
	stack->lighttpd_pid = 0;
	stack->nats_pid = 0;

	if (stack->valgrind && stack->web_dir[0] != '\0' &&
	    !check_valgrind_logs(stack)) {
		fprintf(stderr, "pvt: valgrind logs kept in %s/log\n",
		    stack->web_dir);
		clean = false;
	} else {
		clean = pvt_tmpdir_remove(stack->web_dir) && clean;
	}
	clean = pvt_tmpdir_remove(stack->nats_dir) && clean;
	stack->web_dir[0] = '\0';
	stack->nats_dir[0] = '\0';
	return clean;
}
