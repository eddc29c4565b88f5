/*
 * Logging to standard error or syslog, one line per call.
 *
 * On standard error each line is "<time> photovote-<aggregate>[<pid>]:
 * <level>: <message>", the time in UTC as 2026-12-05T10:00:00.123Z, and
 * goes out in a single write(2), so lines from threads and from the
 * processes that share the web server's error log do not interleave.
 * The time is left out when the descriptor is the systemd journal's
 * stream (JOURNAL_STREAM), which stamps each line itself.  To syslog (facility daemon) the same message goes with the
 * matching priority.  Untrusted
 * bytes are passed through pv_log_escape first.  Secrets are never passed
 * to these functions.
 */
#ifndef PV_LOG_H
#define PV_LOG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum pv_log_level {
	PV_LOG_ERROR = 0,
	PV_LOG_WARNING,
	PV_LOG_INFO,
	PV_LOG_DEBUG
} pv_log_level;

/* Counts of recent repeated messages; locks internally. */
typedef struct pv_log_limiter pv_log_limiter;

/* Logger state: set once at start, read-only afterwards. */
typedef struct pv_logger {
	char name[48];		/* "photovote-voter" */
	pv_log_level level;	/* lines above this level are dropped */
	int fd;			/* usually 2 */
	bool use_syslog;	/* set by pv_log_use_syslog */
	bool also_fd;		/* syslog had no socket: fd gets lines too */
	bool timestamps;	/* lines on fd start with the time */
	pv_log_limiter *limiter; /* owned; NULL: pv_log_limited never limits */
} pv_logger;

/*
 * Repeats of one key printed per window before the rest are counted, and
 * lines of all keys printed per window, counts included.
 */
#define PV_LOG_LIMIT_BURST	5
#define PV_LOG_LIMIT_TOTAL	100
#define PV_LOG_LIMIT_WINDOW_S	10

/*
 * Sets up logger for aggregate ("voter"); the level starts at INFO, and
 * lines carry the time unless fd is the stream named by JOURNAL_STREAM.
 * The caller releases it with pv_log_free.
 */
void pv_log_init(pv_logger *logger, const char *aggregate, int fd);

void pv_log_free(pv_logger *logger);

/*
 * Sends later lines to syslog instead of fd.  Calls openlog(3), which is
 * process-wide: one logger per process.  Returns false when /dev/log (the
 * socket syslog(3) writes to) does not exist: lines then go to fd as well
 * from now on, and to syslog once a daemon creates the socket.
 */
bool pv_log_use_syslog(pv_logger *logger);

/* Returns true when the syslog socket (/dev/log) exists. */
bool pv_log_syslog_available(void);

void pv_log(const pv_logger *logger, pv_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Logs like pv_log, but at most PV_LOG_LIMIT_BURST lines with the same
 * key, and PV_LOG_LIMIT_TOTAL lines of all keys, in PV_LOG_LIMIT_WINDOW_S
 * seconds.  Later ones are counted.  A key's count is logged when the key
 * next appears in a new window or its slot goes to another key.  Counts
 * that find no room in the window's lines are logged as one total in the
 * next window.  key names the failure without per-request details (the
 * error text, not the event id), so that a broker outage or a client
 * sending many kinds of bad events does not print thousands of lines.
 */
void pv_log_limited(const pv_logger *logger, pv_log_level level,
	const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Logs how many lines pv_log_limited held back in the current window of
 * each key, naming the key, and resets those counts.  For the end of a
 * fault and for stopping: otherwise a count is logged only when its key
 * appears again.
 */
void pv_log_flush_suppressed(const pv_logger *logger);

/*
 * Writes at most max_bytes of untrusted bytes into out (size out_size,
 * always NUL-terminated) with every byte outside printable ASCII, and the
 * backslash, written as \xHH; "..." marks a cut.  Returns out.
 */
char *pv_log_escape(char *out, size_t out_size, const char *bytes, size_t len,
	size_t max_bytes);

/*
 * Returns text without the source location that nats.c starts its error
 * texts with, such as "(conn.c:1905): "; text itself when it has none.
 */
const char *pv_log_skip_location(const char *text);

#endif
