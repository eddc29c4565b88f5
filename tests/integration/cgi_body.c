/*
 * A CGI handler whose client stops sending its body: the handler sends
 * 400 once no byte came for 5 s, and a web server's SIGTERM ends it at
 * once, as it ends any CGI program.  The handler runs with its standard
 * input on a pipe that this test keeps open.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "../harness/pvt_proc.h"
#include "../harness/pvt_solo.h"

/* The first bytes of a body that announces 100. */
static const char partial_body[] = "{\"id\":";

typedef struct cgi_run {
	pid_t pid;
	int body_fd;		/* the handler's standard input */
	int output_fd;		/* the handler's standard output */
} cgi_run;

/*
 * Starts voter.fcgi as CGI for a POST of 100 bytes, with setting (or
 * NULL) in its environment too, and writes the first bytes.
 */
static void
start_cgi(cgi_run *run, char *setting)
{
	char path[PVT_PATH_MAX];
	char *argv[] = { path, NULL };
	char *env[] = { "PHOTOVOTE_ENV_FILE=/dev/null",
	    "NATS_URL=nats://127.0.0.1:1", "GATEWAY_INTERFACE=CGI/1.1",
	    "REQUEST_METHOD=POST", "REQUEST_URI=/voter/",
	    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=100", setting,
	    NULL };
	int in[2], out[2], null_fd;

	snprintf(path, sizeof(path), "%s/voter.fcgi", getenv("PV_BUILD"));
	cr_assert_eq(pipe(in), 0);
	cr_assert_eq(pipe(out), 0);
	run->pid = fork();
	cr_assert_geq(run->pid, 0);
	if (run->pid == 0) {
		null_fd = open("/dev/null", O_WRONLY);
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(null_fd, STDERR_FILENO);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		close(null_fd);
		execve(path, argv, env);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	run->body_fd = in[1];
	run->output_fd = out[0];
	cr_assert_eq(write(run->body_fd, partial_body,
	    sizeof(partial_body) - 1), (ssize_t)sizeof(partial_body) - 1);
}

/*
 * Returns true once the handler sleeps in the body read: its program is
 * voter.fcgi and it is blocked (state S).  It starts no thread before it
 * has read the body, so nothing else sleeps.
 */
static bool
waits_for_body(void *arg)
{
	const cgi_run *run = arg;
	char path[64], exe[PVT_PATH_MAX], status[4096];
	ssize_t n;
	FILE *f;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%ld/exe", (long)run->pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	if (strstr(exe, "/voter.fcgi") == NULL)
		return false;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)run->pid);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	len = fread(status, 1, sizeof(status) - 1, f);
	fclose(f);
	status[len] = '\0';
	return strstr(status, "\nState:\tS") != NULL;
}

/*
 * Reads the handler's output until end of file, or until it contains end
 * when end is not NULL, for up to timeout_ms.
 */
static void
read_output(int fd, char *out, size_t size, const char *end,
	int timeout_ms)
{
	long long deadline = pvt_now_ms() + timeout_ms;
	struct pollfd p = { fd, POLLIN, 0 };
	size_t len = 0;
	ssize_t n;

	out[0] = '\0';
	while (len + 1 < size && pvt_now_ms() < deadline) {
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(fd, out + len, size - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		out[len] = '\0';
		if (end != NULL && strstr(out, end) != NULL)
			break;
	}
}

/*
 * Waits until the handler reads its body, sends SIGTERM and checks that
 * the signal ended it, then closes the pipes.
 */
static void
expect_ended_by_sigterm(cgi_run *run)
{
	int status;

	cr_assert(pvt_wait_until(waits_for_body, run, 0, 5000),
	    "the handler never waited for the body");

	cr_assert_eq(kill(run->pid, SIGTERM), 0);
	status = pvt_solo_wait_exit(run->pid, 3000);
	cr_assert_neq(status, -1, "the handler did not exit within 3 s");
	cr_expect(WIFSIGNALED(status), "status %#x", status);
	cr_expect_eq(WTERMSIG(status), SIGTERM);
	close(run->body_fd);
	close(run->output_fd);
}

Test(cgi_body, stop_signal_ends_run)
{
	cgi_run run;

	start_cgi(&run, NULL);
	expect_ended_by_sigterm(&run);
}

/* The drain after a bad setting's 500 ends on SIGTERM too. */
Test(cgi_body, stop_signal_ends_drain)
{
	char out[4096];
	cgi_run run;

	start_cgi(&run, "PHOTOVOTE_THREADS=abc");
	read_output(run.output_fd, out, sizeof(out), "\"}", 5000);
	cr_expect(strncmp(out, "Status: 500 ", 12) == 0, "%s", out);
	expect_ended_by_sigterm(&run);
}

Test(cgi_body, stalled_body_answered_400)
{
	char out[4096];
	cgi_run run;
	int status;

	/* The pipe stays open, so only the handler's own limit ends this. */
	start_cgi(&run, NULL);
	read_output(run.output_fd, out, sizeof(out), NULL, 15000);
	cr_expect(strncmp(out, "Status: 400 ", 12) == 0, "%s", out);
	cr_expect(strstr(out, "\"detail\":") != NULL, "%s", out);

	status = pvt_solo_wait_exit(run.pid, 5000);
	cr_assert_neq(status, -1, "the handler did not exit within 5 s");
	cr_expect(WIFEXITED(status), "status %#x", status);
	cr_expect_eq(WEXITSTATUS(status), 0);
	close(run.body_fd);
	close(run.output_fd);
}

/*
 * A response that cannot be written (standard output is a pipe whose
 * reader is gone) ends the run with exit status 70, which the man page
 * gives for that.
 */
Test(cgi_body, unwritable_output_exits_70)
{
	char path[PVT_PATH_MAX];
	char *argv[] = { path, NULL };
	char *env[] = { "PHOTOVOTE_ENV_FILE=/dev/null",
	    "NATS_URL=nats://127.0.0.1:1", "GATEWAY_INTERFACE=CGI/1.1",
	    "REQUEST_METHOD=GET", "REQUEST_URI=/voter/nowhere", NULL };
	int out[2], null_fd, status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/voter.fcgi", getenv("PV_BUILD"));
	cr_assert_eq(pipe(out), 0);
	close(out[0]);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		null_fd = open("/dev/null", O_RDWR);
		dup2(null_fd, STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(null_fd, STDERR_FILENO);
		close(out[1]);
		close(null_fd);
		execve(path, argv, env);
		_exit(127);
	}
	close(out[1]);

	status = pvt_solo_wait_exit(pid, 5000);
	cr_assert_neq(status, -1, "the handler did not exit within 5 s");
	cr_expect(WIFEXITED(status), "status %#x", status);
	cr_expect_eq(WEXITSTATUS(status), 70);
}
