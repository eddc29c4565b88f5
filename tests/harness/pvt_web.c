/* setenv with a strict -std=c11. */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pvt_http.h"
#include "pvt_stack.h"
#include "pvt_web.h"

/* Start-up and shutdown deadlines, in ms. */
#define START_TIMEOUT_MS 15000
#define STOP_TIMEOUT_MS 10000

/* A sample larger than this is not a configuration file. */
#define SAMPLE_MAX (256 * 1024)

static const char *const aggregates[PVT_AGGREGATES] = {
	"ballot", "candidate", "competition", "election", "voter"
};

/* Writes the strings up to a NULL one after another to out. */
static bool
join(char *out, size_t size, ...)
{
	const char *part;
	size_t len = 0, n;
	va_list ap;

	va_start(ap, size);
	while ((part = va_arg(ap, const char *)) != NULL) {
		n = strlen(part);
		if (len + n >= size) {
			va_end(ap);
			fprintf(stderr, "pvt: path or value too long: %.*s...\n",
			    (int)len, out);
			return false;
		}
		memcpy(out + len, part, n);
		len += n;
	}
	va_end(ap);
	out[len] = '\0';
	return true;
}

/* Creates dir/name with mode 0755, so that www-data can enter it. */
static bool
make_dir(char *out, size_t size, const char *dir, const char *name)
{
	if (!join(out, size, dir, "/", name, NULL))
		return false;
	if (mkdir(out, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "pvt: mkdir %s failed: %s\n", out,
		    strerror(errno));
		return false;
	}
	return chmod(out, 0755) == 0;
}

/* Copies file from to a new file to, with mode 0755. */
static bool
copy_program(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n = 0;
	int in, out;
	bool ok;

	in = open(from, O_RDONLY | O_CLOEXEC);
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	ok = in >= 0 && out >= 0;
	while (ok && (n = read(in, buf, sizeof(buf))) > 0)
		ok = write(out, buf, (size_t)n) == n;
	ok = ok && n == 0;
	if (out >= 0)
		ok = close(out) == 0 && ok;
	if (in >= 0)
		close(in);
	if (!ok)
		fprintf(stderr, "pvt: copying %s to %s failed: %s\n", from, to,
		    strerror(errno));
	return ok;
}

/*
 * Copies the handlers from PV_BUILD to web->handlers, which www-data can
 * read even when it cannot read the checkout (one in /root, mode 0700).
 */
static bool
copy_handlers(pvt_web *web)
{
	const char *build = getenv("PV_BUILD");
	char from[PVT_PATH_MAX], to[PVT_PATH_MAX];
	int i;

	if (!make_dir(web->handlers, sizeof(web->handlers), web->dir,
	    "handlers"))
		return false;
	for (i = 0; i < PVT_AGGREGATES; i++)
		if (!join(from, sizeof(from), build, "/", aggregates[i],
		    ".fcgi", NULL) ||
		    !join(to, sizeof(to), web->handlers, "/", aggregates[i],
		    ".fcgi", NULL) ||
		    !copy_program(from, to))
			return false;
	return true;
}

static char *
read_file(const char *path)
{
	char *text = malloc(SAMPLE_MAX + 1);
	size_t len;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL || text == NULL) {
		fprintf(stderr, "pvt: reading %s failed: %s\n", path,
		    strerror(errno));
		if (f != NULL)
			fclose(f);
		free(text);
		return NULL;
	}
	len = fread(text, 1, SAMPLE_MAX, f);
	fclose(f);
	text[len] = '\0';
	return text;
}

/* Returns text with every from replaced by to (text is freed), or NULL. */
static char *
replace_all(char *text, const char *from, const char *to)
{
	size_t from_len = strlen(from), to_len = strlen(to), count = 0;
	char *out, *dst;
	const char *p, *hit;

	for (p = text; (hit = strstr(p, from)) != NULL; p = hit + from_len)
		count++;
	if (count == 0) {
		fprintf(stderr, "pvt: the sample does not contain \"%s\"\n",
		    from);
		free(text);
		return NULL;
	}

	out = malloc(strlen(text) + count * to_len + 1);
	if (out == NULL) {
		free(text);
		return NULL;
	}
	dst = out;
	for (p = text; (hit = strstr(p, from)) != NULL; p = hit + from_len) {
		memcpy(dst, p, (size_t)(hit - p));
		dst += hit - p;
		memcpy(dst, to, to_len);
		dst += to_len;
	}
	strcpy(dst, p);
	free(text);
	return out;
}

bool
pvt_sample_rewrite(const char *sample_path, const char *out_path,
	const pvt_replacement *replacements, size_t count)
{
	char *text = read_file(sample_path);
	bool ok = false;
	size_t i;
	FILE *f;

	for (i = 0; text != NULL && i < count; i++)
		text = replace_all(text, replacements[i].from,
		    replacements[i].to);
	if (text == NULL)
		return false;

	f = fopen(out_path, "w");
	if (f != NULL) {
		ok = fputs(text, f) >= 0;
		ok = fclose(f) == 0 && ok;
	}
	if (!ok)
		fprintf(stderr, "pvt: writing %s failed\n", out_path);
	free(text);
	return ok;
}

static bool
port_ready(void *arg)
{
	return pvt_tcp_accepts(*(int *)arg);
}

static bool
file_exists(void *arg)
{
	return access(arg, F_OK) == 0;
}

/* ---- Apache ---- */

/*
 * Writes <web>/<name>/apache.conf and starts apache2 in the foreground,
 * with "-D PHOTOVOTE_CGI" when cgi is set.
 */
static bool
start_apache(pvt_web *web, const char *name, bool cgi, const char *nats_url,
	int *port, pid_t *pid)
{
	const char *source = getenv("PV_SOURCE");
	char base[PVT_PATH_MAX], run[PVT_PATH_MAX], log[PVT_PATH_MAX];
	char sample[PVT_PATH_MAX], conf[PVT_PATH_MAX], out[PVT_PATH_MAX];
	char listen[64], handlers[PVT_PATH_MAX], run_line[PVT_PATH_MAX];
	char log_line[PVT_PATH_MAX], nats_line[128];
	char *argv[] = { "apache2", "-DFOREGROUND", "-f", conf,
	    cgi ? "-DPHOTOVOTE_CGI" : NULL, NULL };

	*port = pvt_free_port();
	snprintf(listen, sizeof(listen), "Define PV_LISTEN 127.0.0.1:%d\n",
	    *port);
	if (*port < 0 || !make_dir(base, sizeof(base), web->dir, name) ||
	    !make_dir(run, sizeof(run), base, "run") ||
	    !make_dir(log, sizeof(log), base, "log") ||
	    !join(sample, sizeof(sample), source,
	    "/apache.conf.sample", NULL) ||
	    !join(conf, sizeof(conf), base, "/apache.conf", NULL) ||
	    !join(out, sizeof(out), base, "/apache.out", NULL) ||
	    !join(handlers, sizeof(handlers),
	    "Define PV_HANDLER_DIR ", web->handlers, "\n", NULL) ||
	    !join(run_line, sizeof(run_line),
	    "Define PV_RUN_DIR ", run, "\n", NULL) ||
	    !join(log_line, sizeof(log_line),
	    "Define PV_LOG_DIR ", log, "\n", NULL) ||
	    !join(nats_line, sizeof(nats_line),
	    "Define PV_NATS_URL ", nats_url, "\n", NULL))
		return false;

	const pvt_replacement replacements[] = {
		{ "Define PV_LISTEN 127.0.0.1:8080\n", listen },
		{ "Define PV_HANDLER_DIR /usr/local/lib/photovote-fcgi\n",
		  handlers },
		{ "Define PV_RUN_DIR /run/photovote-fcgi\n", run_line },
		{ "Define PV_LOG_DIR /var/log/photovote-fcgi\n", log_line },
		{ "Define PV_NATS_URL nats://127.0.0.1:4222\n", nats_line },
	};
	if (!pvt_sample_rewrite(sample, conf, replacements,
	    sizeof(replacements) / sizeof(replacements[0])))
		return false;

	*pid = pvt_spawn(argv, out);
	if (*pid > 0 && pvt_wait_until(port_ready, port, *pid,
	    START_TIMEOUT_MS))
		return true;

	fprintf(stderr, "pvt: %s did not start listening\n", name);
	pvt_print_tail(out, 4096);
	join(out, sizeof(out), log, "/apache-error.log", NULL);
	pvt_print_tail(out, 4096);
	return false;
}

/* ---- spawn-fcgi and nginx ---- */

/* A process that spawn-fcgi started, and the program it should become. */
typedef struct spawned {
	pid_t pid;
	const char *program;
} spawned;

/*
 * Returns true once spawn-fcgi has run the program.  spawn-fcgi creates
 * the socket before it execs, and exits when the exec fails.
 */
static bool
program_running(void *arg)
{
	const spawned *sp = arg;
	char link[64], exe[PVT_PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%ld/exe", (long)sp->pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	if (n < 0)
		return false;
	exe[n] = '\0';
	return strcmp(exe, sp->program) == 0;
}

/* Starts one handler with spawn-fcgi -n on <run>/<aggregate>.sock. */
static pid_t
start_spawn_fcgi(const pvt_web *web, const char *run, const char *log,
	const char *aggregate, const char *nats_url)
{
	char socket[PVT_PATH_MAX], program[PVT_PATH_MAX], out[PVT_PATH_MAX];
	char nats[128];
	char *argv[] = { "env", nats, "PHOTOVOTE_STREAMS=" PVT_STREAM,
	    "spawn-fcgi", "-n", "-s", socket, "-u", "www-data", "-g",
	    "www-data", "-U", "www-data", "-G", "www-data", "-M", "0660",
	    "--", program, NULL };
	spawned sp;
	pid_t pid;

	if (!join(socket, sizeof(socket), run, "/", aggregate, ".sock",
	    NULL) ||
	    !join(program, sizeof(program), web->handlers, "/", aggregate,
	    ".fcgi", NULL) ||
	    !join(out, sizeof(out), log, "/", aggregate, ".log", NULL) ||
	    !join(nats, sizeof(nats), "NATS_URL=", nats_url, NULL))
		return -1;

	pid = pvt_spawn(argv, out);
	sp.pid = pid;
	sp.program = program;
	if (pid > 0 && pvt_wait_until(file_exists, socket, pid,
	    START_TIMEOUT_MS) && pvt_wait_until(program_running, &sp, pid,
	    START_TIMEOUT_MS))
		return pid;

	fprintf(stderr, "pvt: spawn-fcgi did not run %s on %s\n", program,
	    socket);
	pvt_print_tail(out, 4096);
	pvt_stop(pid, STOP_TIMEOUT_MS);
	return -1;
}

static bool
start_nginx(pvt_web *web, const char *nats_url)
{
	const char *source = getenv("PV_SOURCE");
	char base[PVT_PATH_MAX], run[PVT_PATH_MAX], log[PVT_PATH_MAX];
	char sample[PVT_PATH_MAX], conf[PVT_PATH_MAX], out[PVT_PATH_MAX];
	char listen[64];
	char *argv[] = { "nginx", "-p", run, "-c", conf, "-g", "daemon off;",
	    NULL };
	int i;

	web->nginx_port = pvt_free_port();
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", web->nginx_port);
	if (web->nginx_port < 0 ||
	    !make_dir(base, sizeof(base), web->dir, "nginx") ||
	    !make_dir(run, sizeof(run), base, "run") ||
	    !make_dir(log, sizeof(log), base, "log") ||
	    !join(sample, sizeof(sample), source,
	    "/nginx.conf.sample", NULL) ||
	    !join(conf, sizeof(conf), base, "/nginx.conf", NULL) ||
	    !join(out, sizeof(out), base, "/nginx.out", NULL))
		return false;

	for (i = 0; i < PVT_AGGREGATES; i++) {
		web->spawn_pids[i] = start_spawn_fcgi(web, run, log,
		    aggregates[i], nats_url);
		if (web->spawn_pids[i] <= 0)
			return false;
	}

	const pvt_replacement replacements[] = {
		{ "127.0.0.1:8080", listen },
		{ "/run/photovote-fcgi", run },
		{ "/var/log/photovote-fcgi", log },
	};
	if (!pvt_sample_rewrite(sample, conf, replacements,
	    sizeof(replacements) / sizeof(replacements[0])))
		return false;

	web->nginx_pid = pvt_spawn(argv, out);
	if (web->nginx_pid > 0 && pvt_wait_until(port_ready, &web->nginx_port,
	    web->nginx_pid, START_TIMEOUT_MS))
		return true;

	fprintf(stderr, "pvt: nginx did not start listening\n");
	pvt_print_tail(out, 4096);
	join(out, sizeof(out), log, "/nginx-error.log", NULL);
	pvt_print_tail(out, 4096);
	return false;
}

/* ---- the set ---- */

bool
pvt_web_start(pvt_web *web, const char *nats_url)
{
	const char *build = getenv("PV_BUILD");

	memset(web, 0, sizeof(*web));
	if (build == NULL || getenv("PV_SOURCE") == NULL || build[0] != '/') {
		fprintf(stderr, "pvt: set PV_BUILD (absolute build directory) "
		    "and PV_SOURCE (repository root), as make check-hosting "
		    "does\n");
		return false;
	}

	/* www-data must reach the sockets and logs below the directory. */
	if (!pvt_tmpdir_make(web->dir, sizeof(web->dir), "web") ||
	    chmod(web->dir, 0755) != 0 || !copy_handlers(web))
		goto fail;

	if (!start_apache(web, "apache-fcgid", false, nats_url,
	    &web->apache_fcgid_port, &web->apache_fcgid_pid) ||
	    !start_apache(web, "apache-cgi", true, nats_url,
	    &web->apache_cgi_port, &web->apache_cgi_pid) ||
	    !start_nginx(web, nats_url))
		goto fail;
	return true;

fail:
	pvt_web_stop(web);
	return false;
}

bool
pvt_web_stop(pvt_web *web)
{
	bool clean = true;
	int i;

	clean = pvt_stop(web->nginx_pid, STOP_TIMEOUT_MS) && clean;
	for (i = 0; i < PVT_AGGREGATES; i++)
		clean = pvt_stop(web->spawn_pids[i], STOP_TIMEOUT_MS) && clean;
	clean = pvt_stop(web->apache_cgi_pid, STOP_TIMEOUT_MS) && clean;
	clean = pvt_stop(web->apache_fcgid_pid, STOP_TIMEOUT_MS) && clean;
	memset(web->spawn_pids, 0, sizeof(web->spawn_pids));
	web->nginx_pid = web->apache_cgi_pid = web->apache_fcgid_pid = 0;

	clean = pvt_tmpdir_remove(web->dir) && clean;
	web->dir[0] = '\0';
	return clean;
}

/* ---- ports for the test processes ---- */

const char *
pvt_server_env(pvt_server server)
{
	switch (server) {
	case PVT_LIGHTTPD: return "PVT_HTTP_PORT";
	case PVT_APACHE_FCGID: return "PVT_APACHE_FCGID_PORT";
	case PVT_APACHE_CGI: return "PVT_APACHE_CGI_PORT";
	case PVT_NGINX: return "PVT_NGINX_PORT";
	case PVT_SERVER_COUNT: break;
	}
	return "PVT_UNKNOWN_PORT";
}

const char *
pvt_server_name(pvt_server server)
{
	switch (server) {
	case PVT_LIGHTTPD: return "lighttpd";
	case PVT_APACHE_FCGID: return "apache-fcgid";
	case PVT_APACHE_CGI: return "apache-cgi";
	case PVT_NGINX: return "nginx";
	case PVT_SERVER_COUNT: break;
	}
	return "unknown";
}

static bool
export_port(pvt_server server, int port)
{
	char text[16];

	snprintf(text, sizeof(text), "%d", port);
	return setenv(pvt_server_env(server), text, 1) == 0;
}

bool
pvt_web_export(const pvt_web *web)
{
	return export_port(PVT_APACHE_FCGID, web->apache_fcgid_port) &&
	    export_port(PVT_APACHE_CGI, web->apache_cgi_port) &&
	    export_port(PVT_NGINX, web->nginx_port);
}

int
pvt_server_port(pvt_server server)
{
	const char *value = getenv(pvt_server_env(server));

	return value != NULL && value[0] != '\0' ? atoi(value) : -1;
}
