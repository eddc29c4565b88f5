/*
 * A handler started as a CGI program (standard input a pipe, not a
 * socket) handles exactly one request and exits with status 0, also when
 * the web server keeps standard input open after the body.  Apache's
 * mod_cgid runs it the same way in the other hosting tests; here the
 * test is the web server, so it can watch the process.
 */
/* setenv with a strict -std=c11. */
#define _DEFAULT_SOURCE

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "../harness/pvt_hosting.h"
#include "../harness/pvt_suite.h"

#define SCENARIO 5

/* Deadline for the handler to exit after its response, in ms. */
#define EXIT_TIMEOUT_MS 10000

typedef struct cgi_run {
	pid_t pid;
	int in;		/* write end of the handler's standard input */
	int out;	/* read end of its standard output */
	char err_path[32];	/* file of its standard error */
	char errors[4096];	/* its start, read by cgi_wait */
} cgi_run;

/* Starts voter.fcgi with the CGI variables of a POST /voter/. */
static void
cgi_start(cgi_run *run, const char *content_length)
{
	const char *build = getenv("PV_BUILD");
	char program[PVT_PATH_MAX];
	int in[2], out[2], err;

	cr_assert_not_null(build, "PV_BUILD is not set");
	snprintf(program, sizeof(program), "%s/voter.fcgi", build);
	cr_assert(pipe(in) == 0 && pipe(out) == 0);

	/* Its log goes to a file, for the test to read, not to the terminal. */
	snprintf(run->err_path, sizeof(run->err_path), "/tmp/pvt-cgi-XXXXXX");
	err = mkstemp(run->err_path);
	cr_assert_geq(err, 0);
	run->errors[0] = '\0';

	run->pid = fork();
	cr_assert_geq(run->pid, 0);
	if (run->pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(err, STDERR_FILENO);
		close(in[1]);
		close(out[0]);
		setenv("GATEWAY_INTERFACE", "CGI/1.1", 1);
		setenv("REQUEST_METHOD", "POST", 1);
		setenv("REQUEST_URI", "/voter/", 1);
		setenv("CONTENT_TYPE", "application/json", 1);
		if (content_length != NULL)
			setenv("CONTENT_LENGTH", content_length, 1);
		setenv("NATS_URL", getenv(PVT_ENV_NATS_URL), 1);
		setenv("PHOTOVOTE_STREAMS", PVT_STREAM, 1);
		execl(program, program, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err);
	run->in = in[1];
	run->out = out[0];
}

/* Reads the handler's output to end of file; the caller frees it. */
static char *
cgi_output(cgi_run *run)
{
	size_t len = 0, cap = 4096;
	char *text = malloc(cap);
	ssize_t n;

	cr_assert_not_null(text);
	while ((n = read(run->out, text + len, cap - len - 1)) > 0)
		len += (size_t)n;
	text[len] = '\0';
	close(run->out);
	return text;
}

/* Reads the start of the handler's standard error, then removes it. */
static void
cgi_read_errors(cgi_run *run)
{
	FILE *f = fopen(run->err_path, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(run->errors, 1, sizeof(run->errors) - 1, f);
		fclose(f);
	}
	run->errors[n] = '\0';
	unlink(run->err_path);
}

/*
 * Waits for the handler to exit and reads its standard error into
 * run->errors; returns its exit status, or -1.
 */
static int
cgi_wait(cgi_run *run)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	long long deadline = pvt_now_ms() + EXIT_TIMEOUT_MS;
	int status, result = -1;

	while (pvt_now_ms() < deadline) {
		if (waitpid(run->pid, &status, WNOHANG) == run->pid) {
			result = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
			cgi_read_errors(run);
			return result;
		}
		nanosleep(&pause, NULL);
	}
	kill(run->pid, SIGKILL);
	waitpid(run->pid, NULL, 0);
	cgi_read_errors(run);
	return result;
}

Test(hosting_cgi_process, one_request_then_exit)
{
	char id[40], length[24], *event, *stored, *output;
	pvt_stream_state before, after;
	pvt_stored msg;
	cgi_run run;

	pvt_hosting_event_id(id, SCENARIO, PVT_APACHE_CGI, 0);
	event = pvt_hosting_voter_event(id);
	stored = pvt_hosting_voter_stored(id);
	snprintf(length, sizeof(length), "%zu", strlen(event));

	before = pvt_suite_stream_state();
	cgi_start(&run, length);

	/* Standard input stays open: the handler must stop at the length. */
	cr_assert_eq(write(run.in, event, strlen(event)),
	    (ssize_t)strlen(event));
	output = cgi_output(&run);
	cr_expect_eq(cgi_wait(&run), 0, "the handler did not exit with 0");
	close(run.in);
	after = pvt_suite_stream_state();

	cr_expect(strncmp(output, "Status: 200 OK\r\n", 16) == 0,
	    "output: %s", output);
	cr_expect(strstr(output, "\r\n\r\n{}") != NULL, "output: %s", output);
	cr_assert_eq(after.messages, before.messages + 1);
	pvt_suite_stored(after.last_seq, &msg);
	cr_expect_str_eq(msg.data, stored);

	pvt_stored_free(&msg);
	free(output);
	free(stored);
	free(event);
}

Test(hosting_cgi_process, no_length_answers_411_and_exits)
{
	pvt_stream_state before, after;
	char *output;
	cgi_run run;

	before = pvt_suite_stream_state();
	cgi_start(&run, NULL);
	cr_assert_gt(write(run.in, "{\"id\":\"x\"}", 10), 0);
	close(run.in);
	output = cgi_output(&run);
	cr_expect_eq(cgi_wait(&run), 0, "the handler did not exit with 0");
	after = pvt_suite_stream_state();

	cr_expect(strncmp(output, "Status: 411 ", 12) == 0, "output: %s",
	    output);
	cr_expect_eq(after.messages, before.messages);
	free(output);
}

/* A setting that stops the handler still leaves the client a JSON body. */
Test(hosting_cgi_process, bad_setting_answers_json_500)
{
	char *output;
	cgi_run run;

	/* The handler inherits the test process's environment. */
	setenv("PHOTOVOTE_THREADS", "0", 1);
	cgi_start(&run, "2");
	cr_assert_gt(write(run.in, "{}", 2), 0);
	close(run.in);
	output = cgi_output(&run);

	cr_expect_eq(cgi_wait(&run), 78, "the handler did not exit with 78");
	cr_expect(strstr(run.errors, "PHOTOVOTE_THREADS: invalid value \"0\"")
	    != NULL, "standard error: %s", run.errors);
	cr_expect(strncmp(output, "Status: 500 ", 12) == 0, "output: %s",
	    output);
	cr_expect(strstr(output, "\r\n\r\n{\"detail\":\"Internal Server "
	    "Error\"}") != NULL, "output: %s", output);
	free(output);
}
