/*
 * Stop signals: a handler started on its own listening socket (as
 * spawn-fcgi or mod_fcgid start it) exits cleanly on SIGTERM, SIGUSR1,
 * SIGINT and SIGHUP, whether idle or in the middle of a request, and
 * never stops a sibling process that shares its socket.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "../harness/pvt_fcgi.h"
#include "../harness/pvt_proc.h"
#include "../harness/pvt_solo.h"
#include "../harness/pvt_suite.h"

#define EXIT_DEADLINE_MS 5000

static pvt_solo solo;

static void
setup(void)
{
	cr_assert(pvt_solo_open(&solo, "signals"));
}

static void
teardown(void)
{
	pvt_solo_close(&solo);
}

static pid_t
start_handler_threads(const char *log_name, int threads)
{
	pid_t pid = pvt_solo_start(&solo, log_name, threads);

	cr_assert_gt(pid, 0);
	return pid;
}

static pid_t
start_handler(const char *log_name)
{
	return start_handler_threads(log_name, 4);
}

static int
wait_exit(pid_t pid, int timeout_ms)
{
	return pvt_solo_wait_exit(pid, timeout_ms);
}

/* Sends a request the handler answers without the broker: a 404. */
static bool
answers_404(void)
{
	return pvt_solo_answers_404(&solo, 5000);
}

/* A body the handler rejects with 422 without the broker. */
static const char half_body[] = "{\"id\":\"x\"}";

/*
 * Connects with timeout_ms on each read and write, and sends the
 * variables and the first 4 bytes of half_body, so that the request is
 * in hand (or queued) until half_request_finish.  Returns the connection.
 */
static int
half_request_begin(int timeout_ms)
{
	char length[16];
	const char *params[] = { "REQUEST_METHOD", "POST", "REQUEST_URI",
	    "/voter", "GATEWAY_INTERFACE", "CGI/1.1", "CONTENT_TYPE",
	    "application/json", "CONTENT_LENGTH", length, NULL };
	int fd;

	snprintf(length, sizeof(length), "%zu", sizeof(half_body) - 1);
	fd = pvt_fcgi_begin(solo.socket_path, params, timeout_ms);
	cr_assert_geq(fd, 0);
	cr_assert(pvt_fcgi_send_body(fd, half_body, 4, false));
	return fd;
}

/*
 * Sends the rest of the body and reads the response into *out (caller
 * frees).  Returns false when the connection fails or no response comes.
 */
static bool
half_request_finish(int fd, char **out)
{
	*out = NULL;
	return pvt_fcgi_send_body(fd, half_body + 4, sizeof(half_body) - 5,
	    true) && pvt_fcgi_read_response(fd, out);
}

/* Asserts that the handler exits with status 0 within the deadline. */
static void
expect_clean_exit(pid_t pid)
{
	int status = wait_exit(pid, EXIT_DEADLINE_MS);

	cr_assert_neq(status, -1);
	cr_assert(WIFEXITED(status));
	cr_assert_eq(WEXITSTATUS(status), 0, "exit status %d",
	    WEXITSTATUS(status));
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

/*
 * The other stop signals.  A terminal closing under "spawn-fcgi -n"
 * sends SIGHUP.
 */
Test(signals, other_stop_signals_stop)
{
	static const int signals[] = { SIGUSR1, SIGINT, SIGHUP };
	char log_name[32];
	size_t i;
	pid_t pid;
	int status;

	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		snprintf(log_name, sizeof(log_name), "signal-%d.log",
		    signals[i]);
		pid = start_handler(log_name);
		cr_assert(answers_404(), "signal %d", signals[i]);
		cr_assert_eq(kill(pid, signals[i]), 0);
		status = wait_exit(pid, EXIT_DEADLINE_MS);

		cr_assert_neq(status, -1, "no exit within %d ms of signal %d",
		    EXIT_DEADLINE_MS, signals[i]);
		cr_assert(WIFEXITED(status), "signal %d: ended by signal %d",
		    signals[i], WTERMSIG(status));
		cr_assert_eq(WEXITSTATUS(status), 0, "signal %d", signals[i]);
	}
}

/* Started with SIGHUP ignored (nohup), a handler keeps ignoring it. */
Test(signals, ignored_sighup_stays_ignored)
{
	pid_t pid;
	int status;

	/* Ignored at exec stays ignored in the child. */
	signal(SIGHUP, SIG_IGN);
	pid = start_handler("nohup.log");
	cr_assert(answers_404());

	/*
	 * A pending SIGHUP would be taken before SIGTERM, which has a
	 * higher number; an ignored one is dropped when sent.
	 */
	cr_assert_eq(kill(pid, SIGHUP), 0);
	cr_assert_eq(kill(pid, SIGTERM), 0);
	status = wait_exit(pid, EXIT_DEADLINE_MS);

	cr_assert_neq(status, -1, "no exit within %d ms", EXIT_DEADLINE_MS);
	cr_assert(WIFEXITED(status), "ended by signal %d", WTERMSIG(status));
	cr_expect(pvt_solo_log_contains(&solo, "nohup.log",
	    "SIGTERM received"), "SIGTERM did not stop it");
	cr_expect_not(pvt_solo_log_contains(&solo, "nohup.log",
	    "SIGHUP received"), "the ignored SIGHUP stopped it");
}

/* A credentials file with the user seed made from the bytes 1 to 32. */
static const char creds[] = "-----BEGIN NATS USER JWT-----\n"
	"eyJ0.e30.c2ln\n------END NATS USER JWT------\n\n"
	"-----BEGIN USER NKEY SEED-----\n"
	"SUAACAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4DUPB6IC5CQ\n"
	"------END USER NKEY SEED------\n";

/*
 * Returns how many threads of pid, other than its main thread, leave
 * signo unblocked, from the SigBlk line of each /proc/<pid>/task/<tid>/
 * status; -1 if none was read.  The main thread is left out because
 * sigtimedwait unblocks the signals it waits for.
 */
static int
threads_taking(pid_t pid, int signo)
{
	char dir_path[64], path[64 + 256 + 8], line[256];
	unsigned long long mask;
	struct dirent *entry;
	int unblocked = 0, read_count = 0;
	FILE *status;
	DIR *tasks;

	snprintf(dir_path, sizeof(dir_path), "/proc/%ld/task", (long)pid);
	tasks = opendir(dir_path);
	cr_assert_not_null(tasks, "%s", dir_path);
	while ((entry = readdir(tasks)) != NULL) {
		if (entry->d_name[0] == '.' || atol(entry->d_name) == pid)
			continue;
		snprintf(path, sizeof(path), "%s/%s/status", dir_path,
		    entry->d_name);
		status = fopen(path, "r");
		if (status == NULL)
			continue;
		while (fgets(line, sizeof(line), status) != NULL) {
			if (sscanf(line, "SigBlk: %llx", &mask) != 1)
				continue;
			read_count++;
			if ((mask & (1ULL << (signo - 1))) == 0)
				unblocked++;
		}
		fclose(status);
	}
	closedir(tasks);
	return read_count > 0 ? unblocked : -1;
}

/*
 * With NATS_CREDS, nats.c starts its threads before the handler serves.
 * A stop signal that one of them took would stop libfcgi's accept() and
 * leave the process running, so no thread may take one.
 */
Test(signals, creds_threads_block_stop_signals)
{
	pid_t pid;

	cr_assert_not_null(pvt_solo_setting_file(&solo, "NATS_CREDS",
	    "user.creds", creds), "cannot write %s/user.creds", solo.dir);

	pid = start_handler("creds.log");
	cr_assert(answers_404());

	cr_expect_eq(threads_taking(pid, SIGTERM), 0);
	cr_expect_eq(threads_taking(pid, SIGHUP), 0);
	cr_expect_eq(threads_taking(pid, SIGUSR1), 0);
	cr_expect_eq(threads_taking(pid, SIGINT), 0);
	cr_assert(pvt_solo_stop(&solo, pid, EXIT_DEADLINE_MS));
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
	pid_t pid = start_handler("in-hand.log");
	char *out;
	int fd, status;

	cr_assert(answers_404());

	/* Half the body is sent: the handler reads when the signal comes. */
	fd = half_request_begin(5000);
	cr_assert_eq(kill(pid, SIGTERM), 0);
	cr_assert_eq(waitpid(pid, &status, WNOHANG), 0,
	    "handler exited with a request in hand");

	cr_assert(half_request_finish(fd, &out));
	close(fd);
	cr_assert(strstr(out, "Status: 422") != NULL, "response: %s", out);
	cr_assert(strstr(out, "\"loc\":[\"body\",\"id\"]") != NULL, "%s", out);
	free(out);
	expect_clean_exit(pid);
}

/* Returns true once queued.log shows that the stop has begun. */
static bool
stop_logged(void *arg)
{
	(void)arg;
	return pvt_solo_log_contains(&solo, "queued.log", "SIGTERM received");
}

/* A request already queued on the socket is answered, not dropped. */
Test(signals, queued_request_answered)
{
	static const struct timespec busy = { 1, 500 * 1000 * 1000 };
	char *first_out, *second_out;
	int first, second;
	pid_t pid;

	/* The handler takes queued connections for up to 5 s after the stop. */
	snprintf(solo.setting, sizeof(solo.setting),
	    "PHOTOVOTE_PUBLISH_TIMEOUT_MS=5000");
	pid = start_handler_threads("queued.log", 1);
	cr_assert(answers_404());

	/* The only worker is busy with the first request... */
	first = half_request_begin(5000);

	/* ...so the second waits in the socket's queue. */
	second = half_request_begin(5000);

	/*
	 * The first request stays in hand for 1.5 s, so the queue is not
	 * empty for a while.  The second is still taken afterwards, because
	 * that is within the publish time-out (5 s).
	 */
	cr_assert_eq(kill(pid, SIGTERM), 0);
	cr_assert(pvt_wait_until(stop_logged, NULL, 0, 5000),
	    "the handler did not log the stop");
	nanosleep(&busy, NULL);
	cr_assert(half_request_finish(first, &first_out));
	cr_assert(half_request_finish(second, &second_out),
	    "the queued request got no response");
	cr_expect(strstr(first_out, "Status: 422") != NULL, "%s", first_out);
	cr_expect(strstr(second_out, "Status: 422") != NULL, "%s",
	    second_out);
	close(first);
	close(second);
	free(first_out);
	free(second_out);
	expect_clean_exit(pid);
}

/* Returns true when descriptor 0 of the process *arg is /dev/null. */
static bool
listener_released(void *arg)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%ld/fd/0", (long)*(pid_t *)arg);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return strcmp(target, "/dev/null") == 0;
}

/*
 * With a request in hand and nothing queued, a stopping handler gives up
 * its listening socket at once.  The web server's next connection is then
 * refused and goes to another process, instead of waiting for the request
 * in hand to end.
 */
Test(signals, listener_released_with_request_in_hand)
{
	pid_t pid = start_handler("released.log");
	char *out;
	int fd, status;

	cr_assert(answers_404());
	fd = half_request_begin(5000);
	cr_assert_eq(kill(pid, SIGTERM), 0);

	cr_assert(pvt_wait_until(listener_released, &pid, 0, 3000),
	    "descriptor 0 is still the listening socket");
	cr_assert_eq(waitpid(pid, &status, WNOHANG), 0,
	    "handler exited with a request in hand");

	cr_assert(half_request_finish(fd, &out));
	close(fd);
	cr_expect(strstr(out, "Status: 422") != NULL, "response: %s", out);
	free(out);
	expect_clean_exit(pid);
}

/*
 * Requests that keep arriving after the stop signal, each taking a while,
 * do not keep the handler from stopping: it takes queued connections for
 * the publish time-out only, then exits 0.  The test keeps its own
 * descriptor of the listening socket, as a sibling process would, so
 * connecting keeps working.
 */
Test(signals, arrivals_after_stop_bounded)
{
	static const struct timespec pace = { 0, 200 * 1000 * 1000 };
	pid_t pid = start_handler_threads("arrivals.log", 1);
	char *out;
	int current, next, sent, status = -1;

	cr_assert(answers_404());
	current = half_request_begin(1000);
	cr_assert_eq(kill(pid, SIGTERM), 0);

	/*
	 * The only worker reads each body for 200 ms while the next request
	 * waits in the queue, for up to 70 requests (14 s): longer than the
	 * publish time-out plus the 10 s grace.
	 */
	for (sent = 0; sent < 70 && waitpid(pid, &status, WNOHANG) == 0;
	    sent++) {
		next = half_request_begin(1000);
		nanosleep(&pace, NULL);

		/* A request the handler no longer takes gets no response. */
		if (half_request_finish(current, &out))
			cr_expect(strstr(out, "Status: 422") != NULL, "%s",
			    out);
		free(out);
		close(current);
		current = next;
	}
	close(current);

	if (sent == 70)
		status = wait_exit(pid, EXIT_DEADLINE_MS);
	cr_assert_neq(status, -1);
	cr_assert(WIFEXITED(status));
	cr_assert_eq(WEXITSTATUS(status), 0, "exit status %d after %d "
	    "requests", WEXITSTATUS(status), sent);
	cr_expect_lt(sent, 70, "the handler took requests for 14 s");
}
