/* A handler on a socket of the test's own; see pvt_solo.h. */
#include "pvt_solo.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "pvt_auth.h"
#include "pvt_fcgi.h"
#include "pvt_suite.h"

bool
pvt_solo_open(pvt_solo *solo, const char *tag)
{
	struct sockaddr_un addr;

	solo->listener = -1;
	solo->handler = -1;
	solo->setting[0] = '\0';
	solo->start_policy = -1;
	solo->fd_soft = 0;
	solo->fd_hard = 0;
	if (!pvt_tmpdir_make(solo->dir, sizeof(solo->dir), tag))
		return false;
	snprintf(solo->socket_path, sizeof(solo->socket_path), "%s/h.sock",
	    solo->dir);

	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	if (strlen(solo->socket_path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "pvt: socket path too long: %s\n",
		    solo->socket_path);
		return false;
	}
	memcpy(addr.sun_path, solo->socket_path, strlen(solo->socket_path));

	solo->listener = socket(AF_UNIX, SOCK_STREAM, 0);
	if (solo->listener < 0 || bind(solo->listener,
	    (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    listen(solo->listener, 16) != 0) {
		fprintf(stderr, "pvt: listening on %s failed: %s\n",
		    solo->socket_path, strerror(errno));
		return false;
	}
	return true;
}

bool
pvt_solo_valgrind(void)
{
	const char *valgrind = getenv("PV_VALGRIND");

	return valgrind != NULL && strcmp(valgrind, "1") == 0;
}

/* Returns true when the "NAME=value" entries a and b have the same NAME. */
static bool
same_name(const char *a, const char *b)
{
	size_t len = strcspn(a, "=");

	return a[len] == '=' && strncmp(a, b, len + 1) == 0;
}

pid_t
pvt_solo_start(const pvt_solo *solo, const char *log_name, int threads)
{
	const char *build = getenv("PV_BUILD");
	const char *url = getenv(PVT_ENV_NATS_URL);
	char program[PVT_PATH_MAX + 16], log_path[PVT_PATH_MAX + 32];
	char nats[160], thread_setting[40], valgrind_log[PVT_PATH_MAX + 48];
	char tsan_setting[PVT_PATH_MAX + 64] = "";
	const char *tsan = getenv("TSAN_OPTIONS");
	pid_t pid;
	int log;

	if (build == NULL) {
		fprintf(stderr, "pvt: PV_BUILD is not set\n");
		return -1;
	}
	snprintf(program, sizeof(program), "%s/voter.fcgi", build);
	snprintf(log_path, sizeof(log_path), "%s/%s", solo->dir, log_name);
	snprintf(nats, sizeof(nats), "NATS_URL=%s",
	    url != NULL ? url : "nats://127.0.0.1:1");
	snprintf(thread_setting, sizeof(thread_setting),
	    "PHOTOVOTE_THREADS=%d", threads);
	/*
	 * TSAN_OPTIONS is passed on, so that a ThreadSanitizer build of the
	 * handler writes its reports to the directory make check-tsan sets.
	 */
	if (tsan != NULL)
		snprintf(tsan_setting, sizeof(tsan_setting), "TSAN_OPTIONS=%s",
		    tsan);

	/*
	 * Under valgrind (PV_VALGRIND=1) errors make the exit status 99, and
	 * the handler gets the longer publish time-out that pvt_stack gives.
	 */
	snprintf(valgrind_log, sizeof(valgrind_log), "--log-file=%s/"
	    "valgrind-%%p.log", solo->dir);

	pid = fork();
	if (pid == 0) {
		char *plain[] = { program, NULL };
		char *checked[] = { "/usr/bin/valgrind", "--error-exitcode=99",
		    "--leak-check=full", "--errors-for-leak-kinds=definite",
		    valgrind_log, program, NULL };
		char *envp[] = { nats, "PHOTOVOTE_ENV_FILE=/dev/null",
		    thread_setting, NULL, NULL, NULL, NULL };
		char **argv = pvt_solo_valgrind() ? checked : plain;
		char **next = &envp[3], **e;
		int fd;

		if (tsan_setting[0] != '\0')
			*next++ = tsan_setting;
		if (pvt_solo_valgrind())
			*next++ = "PHOTOVOTE_PUBLISH_TIMEOUT_MS=15000";
		/* The setting replaces a default of the same name, if any. */
		if (solo->setting[0] != '\0')
			*next = (char *)solo->setting;
		for (e = envp; solo->setting[0] != '\0' && e < next; e++)
			if (same_name(*e, solo->setting)) {
				*e = (char *)solo->setting;
				*next = NULL;
				break;
			}
		log = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(solo->listener, 0);
		dup2(log, 2);
		if (solo->start_policy >= 0) {
			struct sched_param param;

			/* The policy survives execve, as under chrt(1). */
			memset(&param, 0, sizeof(param));
			if (sched_setscheduler(0, solo->start_policy,
			    &param) != 0) {
				fprintf(stderr, "pvt: sched_setscheduler %d "
				    "failed: %s\n", solo->start_policy,
				    strerror(errno));
				_exit(126);
			}
		}

		if (solo->fd_soft != 0 || solo->fd_hard != 0) {
			struct rlimit rl;

			getrlimit(RLIMIT_NOFILE, &rl);
			if (solo->fd_soft != 0)
				rl.rlim_cur = solo->fd_soft;
			if (solo->fd_hard != 0)
				rl.rlim_max = solo->fd_hard;
			if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
				fprintf(stderr, "pvt: setrlimit RLIMIT_NOFILE "
				    "failed: %s\n", strerror(errno));
				_exit(126);
			}
		}

		/* Nothing of the test process's own leaks into the handler. */
		for (fd = 3; fd < 1024; fd++)
			close(fd);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	if (pid < 0)
		fprintf(stderr, "pvt: fork failed: %s\n", strerror(errno));
	return pid;
}

int
pvt_solo_wait_exit(pid_t pid, int timeout_ms)
{
	struct timespec pause = { 0, 10 * 1000000L };
	long long deadline = pvt_now_ms() + timeout_ms;
	int status;

	while (pvt_now_ms() < deadline) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		nanosleep(&pause, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

bool
pvt_solo_stop(const pvt_solo *solo, pid_t pid, int timeout_ms)
{
	int status;

	kill(pid, SIGTERM);
	status = pvt_solo_wait_exit(pid, timeout_ms);
	if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	fprintf(stderr, "pvt: handler %ld ended with wait status %d\n",
	    (long)pid, status);
	pvt_solo_print_logs(solo);
	return false;
}

bool
pvt_solo_answers_404(const pvt_solo *solo, int timeout_ms)
{
	const char *params[] = { "REQUEST_METHOD", "POST", "REQUEST_URI",
	    "/nowhere", "GATEWAY_INTERFACE", "CGI/1.1", NULL };
	char *out = NULL;
	bool ok;

	ok = pvt_fcgi_request(solo->socket_path, params, "", 0, timeout_ms,
	    &out) && strstr(out, "Status: 404") != NULL;
	free(out);
	return ok;
}

void
pvt_solo_store_event(const pvt_solo *solo, int digit)
{
	static const char format[] =
	    "{\"id\":\"5c4ed0a1-7a2b-4c8d-9e6f-0a1b2c3d4e5%d\","
	    "\"voter_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6VTR\","
	    "\"election_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6G8H\","
	    "\"name\":\"Ada\",\"email\":\"ada@example.org\"}";
	const char *params[] = { "REQUEST_METHOD", "POST", "REQUEST_URI",
	    "/voter/", "SCRIPT_NAME", "/voter", "PATH_INFO", "/",
	    "GATEWAY_INTERFACE", "CGI/1.1", "CONTENT_TYPE",
	    "application/json", "CONTENT_LENGTH", NULL, NULL };
	pvt_stream_state before = pvt_suite_stream_state(), after;
	char event[256], length[16], *out = NULL;

	snprintf(event, sizeof(event), format, digit);
	snprintf(length, sizeof(length), "%zu", strlen(event));
	params[13] = length;
	cr_assert(pvt_fcgi_request(solo->socket_path, params, event,
	    strlen(event), 5000, &out));
	after = pvt_suite_stream_state();
	cr_expect(strstr(out, "Status: 200") != NULL, "response: %s", out);
	cr_expect_eq(after.messages, before.messages + 1, "%llu -> %llu: %s",
	    (unsigned long long)before.messages,
	    (unsigned long long)after.messages, out);
	free(out);
}

const char *
pvt_solo_setting_file(pvt_solo *solo, const char *name,
	const char *file_name, const char *text)
{
	size_t len = strlen(text);
	const char *path;
	bool written;
	int n, fd;

	n = snprintf(solo->setting, sizeof(solo->setting), "%s=%s/%s", name,
	    solo->dir, file_name);
	if (n < 0 || (size_t)n >= sizeof(solo->setting)) {
		solo->setting[0] = '\0';
		return NULL;
	}
	path = solo->setting + strlen(name) + 1;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return NULL;
	written = write(fd, text, len) == (ssize_t)len;
	close(fd);
	return written ? path : NULL;
}

bool
pvt_solo_log_contains(const pvt_solo *solo, const char *log_name,
	const char *text)
{
	char path[PVT_PATH_MAX + 80], *log;
	bool found;

	snprintf(path, sizeof(path), "%s/%s", solo->dir, log_name);
	log = pvt_auth_read_file(path);
	found = log != NULL && strstr(log, text) != NULL;
	free(log);
	return found;
}

void
pvt_solo_print_logs(const pvt_solo *solo)
{
	char pattern[PVT_PATH_MAX + 16];
	glob_t logs;
	size_t i;

	snprintf(pattern, sizeof(pattern), "%s/*.log", solo->dir);
	if (glob(pattern, 0, NULL, &logs) != 0)
		return;
	for (i = 0; i < logs.gl_pathc; i++)
		pvt_print_tail(logs.gl_pathv[i], 4096);
	globfree(&logs);
}

bool
pvt_solo_serve(pvt_solo *solo, int threads)
{
	solo->handler = pvt_solo_start(solo, "handler.log", threads);
	return solo->handler > 0;
}

bool
pvt_solo_end(pvt_solo *solo, int timeout_ms)
{
	pid_t pid = solo->handler;

	solo->handler = -1;
	return pid > 0 && pvt_solo_stop(solo, pid, timeout_ms);
}

void
pvt_solo_close(pvt_solo *solo)
{
	if (solo->handler > 0)
		pvt_solo_end(solo, 5000);
	if (solo->listener >= 0)
		close(solo->listener);
	solo->listener = -1;
	pvt_tmpdir_remove(solo->dir);
}
