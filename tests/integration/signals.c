/*
 * Stop signals: a handler started on its own listening socket (as
 * spawn-fcgi or mod_fcgid start it) exits cleanly on SIGTERM, whether idle
 * or in the middle of a request, and never stops a sibling process that
 * shares its socket.
 */
#include <errno.h>
#include <fcntl.h>
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

#include "../harness/pvt_fcgi.h"
#include "../harness/pvt_suite.h"

#define EXIT_DEADLINE_MS 5000

static char dir[PVT_PATH_MAX];
static char socket_path[PVT_PATH_MAX + 16];
static int listener = -1;

static void
setup(void)
{
	struct sockaddr_un addr;

	cr_assert(pvt_tmpdir_make(dir, sizeof(dir), "signals"));
	snprintf(socket_path, sizeof(socket_path), "%s/h.sock", dir);

	listener = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_geq(listener, 0);
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	cr_assert_lt(strlen(socket_path), sizeof(addr.sun_path));
	memcpy(addr.sun_path, socket_path, strlen(socket_path));
	cr_assert_eq(bind(listener, (struct sockaddr *)&addr, sizeof(addr)),
	    0, "bind %s: %s", socket_path, strerror(errno));
	cr_assert_eq(listen(listener, 16), 0);
}

static void
teardown(void)
{
	if (listener >= 0)
		close(listener);
	pvt_tmpdir_remove(dir);
}

static pid_t start_handler_threads(const char *log_name, int threads);

static pid_t
start_handler(const char *log_name)
{
	return start_handler_threads(log_name, 4);
}

/* Starts voter.fcgi with threads workers and the socket as descriptor 0. */
static pid_t
start_handler_threads(const char *log_name, int threads)
{
	const char *build = getenv("PV_BUILD");
	char program[PVT_PATH_MAX + 16], log_path[PVT_PATH_MAX + 32];
	char nats[160], thread_setting[40];
	pid_t pid;
	int log;

	cr_assert_not_null(build, "PV_BUILD is not set");
	snprintf(program, sizeof(program), "%s/voter.fcgi", build);
	snprintf(log_path, sizeof(log_path), "%s/%s", dir, log_name);
	snprintf(nats, sizeof(nats), "NATS_URL=%s",
	    getenv(PVT_ENV_NATS_URL) != NULL ? getenv(PVT_ENV_NATS_URL) :
	    "nats://127.0.0.1:1");

	snprintf(thread_setting, sizeof(thread_setting),
	    "PHOTOVOTE_THREADS=%d", threads);

	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char *argv[] = { program, NULL };
		char *envp[] = { nats, "PHOTOVOTE_ENV_FILE=/dev/null",
		    thread_setting, NULL };

		log = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(listener, 0);
		dup2(log, 2);
		execve(program, argv, envp);
		_exit(127);
	}
	return pid;
}

/* Waits for pid to exit; returns its wait status, or -1 after the deadline. */
static int
wait_exit(pid_t pid, int timeout_ms)
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

/* Sends a request the handler answers without the broker: a 404. */
static bool
answers_404(void)
{
	const char *params[] = { "REQUEST_METHOD", "POST", "REQUEST_URI",
	    "/nowhere", "GATEWAY_INTERFACE", "CGI/1.1", NULL };
	char *out = NULL;
	bool ok;

	ok = pvt_fcgi_request(socket_path, params, "", 0, 5000, &out) &&
	    strstr(out, "Status: 404") != NULL;
	free(out);
	return ok;
}

TestSuite(signals, .init = setup, .fini = teardown);

Test(signals, idle_handler_exits_on_sigterm)
{
	pid_t pid = start_handler("idle.log");
	int status;

	cr_assert(answers_404(), "handler did not answer before the signal");
	cr_assert_eq(kill(pid, SIGTERM), 0);
	status = wait_exit(pid, EXIT_DEADLINE_MS);

	cr_assert_neq(status, -1, "no exit within %d ms of SIGTERM",
	    EXIT_DEADLINE_MS);
	cr_assert(WIFEXITED(status), "ended by signal %d", WTERMSIG(status));
	cr_assert_eq(WEXITSTATUS(status), 0);
}

Test(signals, sigusr1_also_stops)
{
	pid_t pid = start_handler("usr1.log");
	int status;

	cr_assert(answers_404());
	cr_assert_eq(kill(pid, SIGUSR1), 0);
	status = wait_exit(pid, EXIT_DEADLINE_MS);

	cr_assert_neq(status, -1, "no exit within %d ms of SIGUSR1",
	    EXIT_DEADLINE_MS);
	cr_assert(WIFEXITED(status));
	cr_assert_eq(WEXITSTATUS(status), 0);
}

Test(signals, sibling_keeps_serving)
{
	pid_t first = start_handler("first.log");
	pid_t second = start_handler("second.log");
	int status, i;

	cr_assert(answers_404());
	cr_assert_eq(kill(first, SIGTERM), 0);
	status = wait_exit(first, EXIT_DEADLINE_MS);
	cr_assert_neq(status, -1);

	/* Every request now reaches the second process, on the same socket. */
	for (i = 0; i < 5; i++)
		cr_assert(answers_404(), "request %d after the sibling stopped",
		    i);

	kill(second, SIGTERM);
	cr_assert_neq(wait_exit(second, EXIT_DEADLINE_MS), -1);
}

Test(signals, request_in_hand_finishes)
{
	static const char body[] = "{\"id\":\"x\"}";
	char length[16];
	const char *params[] = { "REQUEST_METHOD", "POST", "REQUEST_URI",
	    "/voter", "GATEWAY_INTERFACE", "CGI/1.1", "CONTENT_TYPE",
	    "application/json", "CONTENT_LENGTH", length, NULL };
	pid_t pid = start_handler("in-hand.log");
	char *out = NULL;
	int fd, status;

	cr_assert(answers_404());
	snprintf(length, sizeof(length), "%zu", sizeof(body) - 1);

	/* Half the body is sent, so the handler is reading when the signal comes. */
	fd = pvt_fcgi_begin(socket_path, params, 5000);
	cr_assert_geq(fd, 0);
	cr_assert(pvt_fcgi_send_body(fd, body, 4, false));
	cr_assert_eq(kill(pid, SIGTERM), 0);
	cr_assert_eq(waitpid(pid, &status, WNOHANG), 0,
	    "handler exited with a request in hand");

	cr_assert(pvt_fcgi_send_body(fd, body + 4, sizeof(body) - 1 - 4, true));
	cr_assert(pvt_fcgi_read_response(fd, &out));
	close(fd);
	cr_assert(strstr(out, "Status: 422") != NULL, "response: %s", out);
	cr_assert(strstr(out, "\"loc\":[\"body\",\"id\"]") != NULL, "%s", out);
	free(out);

	status = wait_exit(pid, EXIT_DEADLINE_MS);
	cr_assert_neq(status, -1);
	cr_assert(WIFEXITED(status));
	cr_assert_eq(WEXITSTATUS(status), 0);
}

/* A request already queued on the socket is answered, not dropped. */
Test(signals, queued_request_answered)
{
	static const char body[] = "{\"id\":\"x\"}";
	char length[16];
	const char *params[] = { "REQUEST_METHOD", "POST", "REQUEST_URI",
	    "/voter", "GATEWAY_INTERFACE", "CGI/1.1", "CONTENT_TYPE",
	    "application/json", "CONTENT_LENGTH", length, NULL };
	pid_t pid = start_handler_threads("queued.log", 1);
	char *first_out = NULL, *second_out = NULL;
	int first, second, status;

	cr_assert(answers_404());
	snprintf(length, sizeof(length), "%zu", sizeof(body) - 1);

	/* The only worker is busy with the first request... */
	first = pvt_fcgi_begin(socket_path, params, 5000);
	cr_assert_geq(first, 0);
	cr_assert(pvt_fcgi_send_body(first, body, 4, false));

	/* ...so the second waits, whole, in the socket's queue. */
	second = pvt_fcgi_begin(socket_path, params, 5000);
	cr_assert_geq(second, 0);
	cr_assert(pvt_fcgi_send_body(second, body, sizeof(body) - 1, true));

	cr_assert_eq(kill(pid, SIGTERM), 0);
	cr_assert(pvt_fcgi_send_body(first, body + 4, sizeof(body) - 1 - 4,
	    true));

	cr_assert(pvt_fcgi_read_response(first, &first_out));
	cr_assert(pvt_fcgi_read_response(second, &second_out),
	    "the queued request got no response");
	cr_expect(strstr(first_out, "Status: 422") != NULL, "%s", first_out);
	cr_expect(strstr(second_out, "Status: 422") != NULL, "%s",
	    second_out);
	close(first);
	close(second);
	free(first_out);
	free(second_out);

	status = wait_exit(pid, EXIT_DEADLINE_MS);
	cr_assert_neq(status, -1);
	cr_assert(WIFEXITED(status));
	cr_assert_eq(WEXITSTATUS(status), 0);
}
