/* nftw and FTW_PHYS need the X/Open extensions. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "pvt_proc.h"

int
pvt_free_port(void)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof(addr);
	int fd, port = -1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		fprintf(stderr, "pvt: socket failed: %s\n", strerror(errno));
		return -1;
	}

	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = 0;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
		fprintf(stderr, "pvt: binding 127.0.0.1:0 failed: %s\n",
		    strerror(errno));
		goto out;
	}
	port = ntohs(addr.sin_port);

out:
	close(fd);
	return port;
}

bool
pvt_tmpdir_make(char *out, size_t size, const char *tag)
{
	const char *base = getenv("TMPDIR");
	int n;

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	n = snprintf(out, size, "%s/pvt-%s-XXXXXX", base, tag);
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "pvt: temporary directory path too long\n");
		return false;
	}
	if (mkdtemp(out) == NULL) {
		fprintf(stderr, "pvt: mkdtemp %s failed: %s\n", out,
		    strerror(errno));
		return false;
	}
	return true;
}

static int
remove_entry(const char *path, const struct stat *st, int type,
	struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	if (remove(path) != 0 && errno != ENOENT) {
		fprintf(stderr, "pvt: removing %s failed: %s\n", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

bool
pvt_tmpdir_remove(const char *dir)
{
	struct stat st;

	if (dir == NULL || dir[0] == '\0' || lstat(dir, &st) != 0)
		return true;

	/* Depth first and without following links: children before parents. */
	return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0;
}

/* Runs in the child between fork and exec; only async-signal-safe calls. */
static void
exec_child(char *const argv[], const char *log_path, pid_t parent)
{
	int null_fd, log_fd;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);

	/* The parent may have exited before prctl took effect. */
	if (getppid() != parent)
		_exit(127);

	null_fd = open("/dev/null", O_RDONLY);
	log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (null_fd < 0 || log_fd < 0)
		_exit(127);
	dup2(null_fd, STDIN_FILENO);
	dup2(log_fd, STDOUT_FILENO);
	dup2(log_fd, STDERR_FILENO);
	close(null_fd);
	close(log_fd);

	execvp(argv[0], argv);
	_exit(127);
}

pid_t
pvt_spawn(char *const argv[], const char *log_path)
{
	pid_t parent = getpid();
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "pvt: fork for %s failed: %s\n", argv[0],
		    strerror(errno));
		return -1;
	}
	if (pid == 0)
		exec_child(argv, log_path, parent);

	/* Set the group here too, so a signal sent right away reaches it. */
	setpgid(pid, pid);
	return pid;
}

bool
pvt_alive(pid_t pid)
{
	return pid > 0 && waitpid(pid, NULL, WNOHANG) == 0;
}

static bool
reap_within(pid_t pid, int timeout_ms)
{
	long long deadline = pvt_now_ms() + timeout_ms;
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	pid_t r;

	for (;;) {
		r = waitpid(pid, NULL, WNOHANG);
		if (r == pid || (r < 0 && errno == ECHILD))
			return true;
		if (pvt_now_ms() >= deadline)
			return false;
		nanosleep(&pause, NULL);
	}
}

bool
pvt_stop(pid_t pid, int timeout_ms)
{
	if (pid <= 0)
		return true;

	kill(pid, SIGTERM);
	if (reap_within(pid, timeout_ms))
		return true;

	fprintf(stderr, "pvt: pid %ld ignored SIGTERM for %d ms, "
	    "sending SIGKILL to its process group\n", (long)pid, timeout_ms);
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	reap_within(pid, timeout_ms);
	return false;
}

bool
pvt_wait_until(pvt_condition ready, void *arg, pid_t pid, int timeout_ms)
{
	long long deadline = pvt_now_ms() + timeout_ms;
	struct timespec pause = { 0, 20 * 1000 * 1000 };

	for (;;) {
		if (ready(arg))
			return true;
		if (pid > 0 && !pvt_alive(pid)) {
			fprintf(stderr, "pvt: pid %ld exited while starting\n",
			    (long)pid);
			return false;
		}
		if (pvt_now_ms() >= deadline)
			return ready(arg);
		nanosleep(&pause, NULL);
	}
}

long long
pvt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
pvt_print_tail(const char *path, size_t max_bytes)
{
	char chunk[4096];
	size_t n;
	long size;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL)
		return;

	fseek(f, 0, SEEK_END);
	size = ftell(f);
	if (size > 0 && (size_t)size > max_bytes)
		fseek(f, size - (long)max_bytes, SEEK_SET);
	else
		fseek(f, 0, SEEK_SET);

	fprintf(stderr, "---- last bytes of %s ----\n", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, stderr);
	fprintf(stderr, "---- end of %s ----\n", path);
	fclose(f);
}
