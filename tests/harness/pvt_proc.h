/*
 * Process and file-system helpers for the integration tests: free
 * loopback ports, temporary directories, child processes started with
 * fork/exec and stopped by process id, and polling with a deadline.
 *
 * Every function reports failure through its return value and prints
 * the reason to stderr, so a test only needs to assert the result.
 */
#ifndef PVT_PROC_H
#define PVT_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Maximum length of a path built by the harness, NUL included. */
#define PVT_PATH_MAX 512

/*
 * Returns a TCP port on 127.0.0.1 that was free when checked, or -1.
 * The kernel picks it, so two calls rarely return the same port, but
 * another process may still take it before the caller binds it.
 */
int pvt_free_port(void);

/*
 * Creates a new directory "$TMPDIR/pvt-<tag>-XXXXXX" (TMPDIR defaults
 * to /tmp) and writes its path to out.  The caller removes it with
 * pvt_tmpdir_remove.
 */
bool pvt_tmpdir_make(char *out, size_t size, const char *tag);

/* Removes dir and everything below it; a missing dir is not an error. */
bool pvt_tmpdir_remove(const char *dir);

/*
 * Starts argv[0] (looked up in PATH) with argv, stdin from /dev/null and
 * stdout and stderr appended to log_path.  The child leads its own
 * process group and receives SIGTERM if the calling thread exits first,
 * so no server outlives a crashed test run.  Returns the pid or -1.
 */
pid_t pvt_spawn(char *const argv[], const char *log_path);

/*
 * Makes this process reap, as soon as they exit, the children that
 * pvt_spawn starts from now on, and report each on stderr.  For a
 * Criterion runner: Criterion 2.4 waits for its test workers with
 * waitid(P_ALL, WNOWAIT), so a zombie child of another kind would stall
 * the whole run.  (Criterion starts its workers with exec, so they do
 * not inherit the handler.)  Returns false if the handler could not be
 * installed.
 */
bool pvt_reap_exited(void);

/* Returns how many children pvt_reap_exited's handler has reaped. */
int pvt_reaped_count(void);

/* Returns true while pid is a running, unreaped child. */
bool pvt_alive(pid_t pid);

/*
 * Sends SIGTERM to pid and waits up to timeout_ms for it to exit, then
 * sends SIGKILL to its process group and reaps it.  Returns true when
 * the process exited on SIGTERM, and false without a signal when
 * pvt_reap_exited's handler had already reaped it (and killed what was
 * left of its process group).
 */
bool pvt_stop(pid_t pid, int timeout_ms);

/*
 * Waits up to timeout_ms for what is left of process group pgid to exit
 * once its leader is gone (lighttpd's handlers, which lighttpd does not
 * wait for), then sends SIGTERM, waits as long again, and sends SIGKILL.
 * Returns true when the group emptied by itself.  (POSIX gives no new
 * process a pid that is still the id of a process group.)
 */
bool pvt_stop_group(pid_t pgid, int timeout_ms);

/* Condition polled by pvt_wait_until. */
typedef bool (*pvt_condition)(void *arg);

/*
 * Calls ready(arg) every 20 ms until it returns true or timeout_ms
 * passes.  When pid > 0 it also stops early if that child has exited.
 * Returns the last result of ready.
 */
bool pvt_wait_until(pvt_condition ready, void *arg, pid_t pid,
	int timeout_ms);

/*
 * Sends SIGSTOP to pid and waits up to timeout_ms until every thread of it
 * has stopped.  Returns false when one has not.
 */
bool pvt_pause(pid_t pid, int timeout_ms);

/* Returns the milliseconds elapsed on CLOCK_MONOTONIC since an epoch. */
long long pvt_now_ms(void);

/* Copies the last max_bytes of the file at path to stderr, for diagnosis. */
void pvt_print_tail(const char *path, size_t max_bytes);

/*
 * Runs command through sh and copies up to size - 1 bytes of its standard
 * output to out, NUL-terminated, and discards the rest.  Returns its exit
 * status, or -1 when it could not run or did not exit normally.
 */
int pvt_capture(const char *command, char *out, size_t size);

#endif
