/* nftw and FTW_PHYS need the X/Open extensions. */
#define _XOPEN_SOURCE 700

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
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

/*
 * Children that the SIGCHLD handler of pvt_reap_exited may reap: a
 * slot contains the pid while the child runs and its negation once the
 * handler reaped it, so a later pvt_stop signals no other process that
 * got the same pid.  (Lock-free atomics are safe in a signal handler.)
 */
#define REAPED_MAX 64

static atomic_int reaped_pids[REAPED_MAX];
static atomic_int reaped_count;
static atomic_bool reaping;

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

/* Writes "pvt: pid N exited during the run\n" with async-signal-safe calls. */
static void
report_exit(pid_t pid)
{
	char text[64] = "pvt: pid ", digits[16];
	size_t len = strlen(text), n = 0;
	const char *tail = " exited during the run\n";

	do
		digits[n++] = (char)('0' + pid % 10);
	while ((pid /= 10) > 0 && n < sizeof(digits));
	while (n > 0)
		text[len++] = digits[--n];
	memcpy(text + len, tail, strlen(tail));
	len += strlen(tail);
	(void)!write(STDERR_FILENO, text, len);
}

/*
 * Reaps the registered children that have exited.  While the zombie
 * keeps its pid, no other process can get that pid or process group id,
 * so the rest of the group (nginx's workers do not follow their master)
 * is killed first.  The slot is claimed with a compare-and-swap
 * because pvt_stop may take it back at the same time.
 */
static void
reap_registered(int sig)
{
	int saved = errno, i, pid;
	siginfo_t info;

	(void)sig;
	for (i = 0; i < REAPED_MAX; i++) {
		pid = atomic_load(&reaped_pids[i]);
		if (pid <= 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG |
		    WNOWAIT) != 0 || info.si_pid != pid)
			continue;
		if (!atomic_compare_exchange_strong(&reaped_pids[i], &pid,
		    -pid))
			continue;
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		atomic_fetch_add(&reaped_count, 1);
		report_exit(pid);
	}
	errno = saved;
}

int
pvt_reaped_count(void)
{
	return atomic_load(&reaped_count);
}

bool
pvt_reap_exited(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = reap_registered;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) != 0) {
		fprintf(stderr, "pvt: sigaction SIGCHLD failed: %s\n",
		    strerror(errno));
		return false;
	}
	atomic_store(&reaping, true);
	return true;
}

/*
 * Takes a free slot for pid, so the SIGCHLD handler reaps it, and drops
 * the mark of an earlier child that had the same pid.
 */
static void
register_child(pid_t pid)
{
	int i, expected;
	bool registered = false;

	for (i = 0; i < REAPED_MAX; i++) {
		expected = -pid;
		atomic_compare_exchange_strong(&reaped_pids[i], &expected, 0);
	}
	for (i = 0; i < REAPED_MAX && !registered; i++) {
		expected = atomic_load(&reaped_pids[i]);
		registered = expected <= 0 && atomic_compare_exchange_strong(
		    &reaped_pids[i], &expected, pid);
	}
	if (!registered)
		fprintf(stderr, "pvt: more than %d children to reap; pid %ld "
		    "is not reaped when it exits\n", REAPED_MAX, (long)pid);
}

/* Returns true once the SIGCHLD handler has reaped pid. */
static bool
reaped_by_handler(pid_t pid)
{
	int i;

	for (i = 0; i < REAPED_MAX; i++)
		if (atomic_load(&reaped_pids[i]) == -pid)
			return true;
	return false;
}

/*
 * Takes pid back from the SIGCHLD handler before the harness stops it,
 * so its exit is not reported.  Returns false when the handler had
 * already reaped it.
 */
static bool
unregister_child(pid_t pid)
{
	int i, expected;

	for (i = 0; i < REAPED_MAX; i++) {
		expected = pid;
		if (atomic_compare_exchange_strong(&reaped_pids[i], &expected,
		    0))
			return true;
	}
	return !reaped_by_handler(pid);
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
	/* A child that exited before it had a slot is reaped here. */
	if (atomic_load(&reaping)) {
		register_child(pid);
		reap_registered(SIGCHLD);
	}
	return pid;
}

bool
pvt_alive(pid_t pid)
{
	return pid > 0 && !reaped_by_handler(pid) &&
	    waitpid(pid, NULL, WNOHANG) == 0;
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

	/* The handler has reaped it and killed the rest of its group. */
	if (!unregister_child(pid))
		return false;

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

/*
 * Returns true when no running process is left in process group *pgid.
 * Zombies do not count: the orphans' new parent may reap them late.
 */
static bool
group_empty(void *pgid)
{
	char path[300], line[512], state;
	struct dirent *e;
	const char *end;
	long group;
	FILE *f;
	DIR *d;
	bool empty = true;

	d = opendir("/proc");
	if (d == NULL)
		return kill(-*(pid_t *)pgid, 0) != 0 && errno == ESRCH;
	while (empty && (e = readdir(d)) != NULL) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;

		/* "pid (comm) state ppid pgrp ...": comm may hold spaces. */
		if (fgets(line, sizeof(line), f) != NULL &&
		    (end = strrchr(line, ')')) != NULL &&
		    sscanf(end + 1, " %c %*d %ld", &state, &group) == 2 &&
		    group == (long)*(pid_t *)pgid && state != 'Z')
			empty = false;
		fclose(f);
	}
	closedir(d);
	return empty;
}

bool
pvt_stop_group(pid_t pgid, int timeout_ms)
{
	/* Members already sent a stop signal get timeout_ms to exit first. */
	if (pgid <= 0 || pvt_wait_until(group_empty, &pgid, 0, timeout_ms))
		return true;

	fprintf(stderr, "pvt: process group %ld outlived its leader by %d "
	    "ms; stopping it\n", (long)pgid, timeout_ms);
	kill(-pgid, SIGTERM);
	if (!pvt_wait_until(group_empty, &pgid, 0, timeout_ms))
		kill(-pgid, SIGKILL);
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

int
pvt_capture(const char *command, char *out, size_t size)
{
	size_t used = 0, n;
	char rest[4096];
	FILE *pipe;
	int status;

	out[0] = '\0';
	pipe = popen(command, "r");
	if (pipe == NULL)
		return -1;
	while (used + 1 < size &&
	    (n = fread(out + used, 1, size - 1 - used, pipe)) > 0)
		used += n;
	out[used] = '\0';

	/* The rest is read and dropped, so the command cannot block on it. */
	while (fread(rest, 1, sizeof(rest), pipe) > 0)
		continue;
	status = pclose(pipe);
	if (status == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * Returns true when every thread of the process arg (a pid_t) is stopped:
 * state T in /proc/<pid>/task/<tid>/stat.
 */
static bool
all_threads_stopped(void *arg)
{
	pid_t pid = *(pid_t *)arg;
	char dir_path[64], path[64 + 256 + 8], line[512];
	struct dirent *entry;
	bool stopped = true;
	const char *state;
	FILE *stat;
	DIR *tasks;

	snprintf(dir_path, sizeof(dir_path), "/proc/%ld/task", (long)pid);
	tasks = opendir(dir_path);
	if (tasks == NULL)
		return false;
	while (stopped && (entry = readdir(tasks)) != NULL) {
		if (entry->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/stat", dir_path,
		    entry->d_name);
		stat = fopen(path, "r");
		if (stat == NULL)
			continue;

		/* The state follows the command name in parentheses. */
		if (fgets(line, sizeof(line), stat) != NULL &&
		    (state = strrchr(line, ')')) != NULL)
			stopped = state[1] == ' ' && state[2] == 'T';
		fclose(stat);
	}
	closedir(tasks);
	return stopped;
}

bool
pvt_pause(pid_t pid, int timeout_ms)
{
	if (kill(pid, SIGSTOP) != 0)
		return false;

	/*
	 * kill() returns before the threads stop: until the thread that takes
	 * SIGSTOP runs, the others may still run, and a broker may still
	 * acknowledge a publish.
	 */
	return pvt_wait_until(all_threads_stopped, &pid, 0, timeout_ms);
}
