/* A handler on a socket of the test's own; see pvt_solo.h. */
#include "pvt_solo.h"

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

#include "pvt_fcgi.h"
#include "pvt_suite.h"

bool
pvt_solo_open(pvt_solo *solo, const char *tag)
{
	struct sockaddr_un addr;

	solo->listener = -1;
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

pid_t
pvt_solo_start(const pvt_solo *solo, const char *log_name, int threads)
{
	const char *build = getenv("PV_BUILD");
	const char *url = getenv(PVT_ENV_NATS_URL);
	char program[PVT_PATH_MAX + 16], log_path[PVT_PATH_MAX + 32];
	char nats[160], thread_setting[40];
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

	pid = fork();
	if (pid == 0) {
		char *argv[] = { program, NULL };
		char *envp[] = { nats, "PHOTOVOTE_ENV_FILE=/dev/null",
		    thread_setting, NULL };

		int fd;

		log = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(solo->listener, 0);
		dup2(log, 2);

		/* Nothing of the test process's own leaks into the handler. */
		for (fd = 3; fd < 1024; fd++)
			close(fd);
		execve(program, argv, envp);
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
pvt_solo_close(pvt_solo *solo)
{
	if (solo->listener >= 0)
		close(solo->listener);
	solo->listener = -1;
	pvt_tmpdir_remove(solo->dir);
}
