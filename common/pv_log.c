/* Logging to standard error or syslog; see pv_log.h. */
#include "pv_log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef _PATH_LOG
#define _PATH_LOG "/dev/log"
#endif

#define LIMIT_SLOTS 64

/* Characters of a key kept to name it in a count of held-back lines. */
#define LIMIT_KEY_SHOWN 120

/* One key's count in the current window; a hash collision shares a slot. */
typedef struct limit_slot {
	uint64_t key_hash;
	char key[LIMIT_KEY_SHOWN + 1];
	pv_log_level level;
	time_t window_start;
	unsigned printed;
	unsigned suppressed;
} limit_slot;

struct pv_log_limiter {
	pthread_mutex_t lock;
	limit_slot slots[LIMIT_SLOTS];
};

static const char *const level_names[] = {
	"error", "warning", "info", "debug"
};

/*
 * Returns true when fd is the stream systemd connected to the journal: its
 * device and inode are those in JOURNAL_STREAM ("<dev>:<inode>").
 */
static bool
is_journal_stream(int fd)
{
	const char *value = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (value == NULL || sscanf(value, "%llu:%llu%c", &dev, &ino,
	    &tail) != 2)
		return false;
	if (fstat(fd, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
pv_log_init(pv_logger *logger, const char *aggregate, int fd)
{
	snprintf(logger->name, sizeof(logger->name), "photovote-%s", aggregate);
	logger->level = PV_LOG_INFO;
	logger->fd = fd;
	logger->use_syslog = false;
	logger->also_fd = false;
	logger->timestamps = !is_journal_stream(fd);

	/* Without memory the logger still works, only without limits. */
	logger->limiter = calloc(1, sizeof(*logger->limiter));
	if (logger->limiter != NULL &&
	    pthread_mutex_init(&logger->limiter->lock, NULL) != 0) {
		free(logger->limiter);
		logger->limiter = NULL;
	}
}

void
pv_log_free(pv_logger *logger)
{
	if (logger->limiter != NULL) {
		pthread_mutex_destroy(&logger->limiter->lock);
		free(logger->limiter);
		logger->limiter = NULL;
	}
	if (logger->use_syslog)
		closelog();
}

bool
pv_log_syslog_available(void)
{
	struct stat st;

	return stat(_PATH_LOG, &st) == 0;
}

bool
pv_log_use_syslog(pv_logger *logger)
{
	openlog(logger->name, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	logger->use_syslog = true;

	/*
	 * Without a syslog daemon, syslog(3) drops every line silently, but
	 * glibc's connects again on each call, so a daemon started later gets
	 * the lines from then on.  fd gets them too, in case none does.
	 */
	logger->also_fd = !pv_log_syslog_available();
	return !logger->also_fd;
}

static void
log_to_syslog(pv_log_level level, const char *fmt, va_list ap)
{
	static const int priorities[] = {
		LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG
	};
	char message[1024];

	vsnprintf(message, sizeof(message), fmt, ap);
	syslog(priorities[level], "%s", message);
}

/* Writes the current UTC time and a blank to out; returns its length. */
static int
format_time(char *out, size_t size)
{
	struct timespec now;
	struct tm tm;
	size_t len;

	if (clock_gettime(CLOCK_REALTIME, &now) != 0 ||
	    gmtime_r(&now.tv_sec, &tm) == NULL)
		return 0;
	len = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
	if (len == 0)
		return 0;
	return (int)len + snprintf(out + len, size - len, ".%03ldZ ",
	    now.tv_nsec / 1000000);
}

static void
vlog(const pv_logger *logger, pv_log_level level, const char *fmt,
	va_list ap)
{
	char line[1024];
	int head, body;
	size_t len;
	va_list copy;

	if (logger->use_syslog) {
		va_copy(copy, ap);
		log_to_syslog(level, fmt, copy);
		va_end(copy);
		if (!logger->also_fd)
			return;
	}

	head = logger->timestamps ? format_time(line, sizeof(line)) : 0;
	head += snprintf(line + head, sizeof(line) - (size_t)head,
	    "%s[%ld]: %s: ", logger->name, (long)getpid(),
	    level_names[level]);
	if (head < 0 || (size_t)head >= sizeof(line))
		return;

	body = vsnprintf(line + head, sizeof(line) - (size_t)head, fmt, ap);
	if (body < 0)
		return;

	/* A message that does not fit is cut; the newline always ends it. */
	len = (size_t)head + (size_t)body;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';

	/* One write per line; a failing log stream has nowhere to report to. */
	while (write(logger->fd, line, len) < 0 && errno == EINTR)
		continue;
}

void
pv_log(const pv_logger *logger, pv_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > logger->level)
		return;
	va_start(ap, fmt);
	vlog(logger, level, fmt, ap);
	va_end(ap);
}

/* FNV-1a: a cheap, stable hash of the key text. */
static uint64_t
hash_key(const char *key)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ULL;
	return h;
}

/*
 * Counts one occurrence of key.  Returns true when it may be printed.
 * When the slot held lines back that were not reported yet (of this key
 * in the window that just ended, or of another key that shares the
 * slot), copies that slot to *unreported before reusing it; otherwise
 * unreported->suppressed is 0.
 */
static bool
limit_allows(pv_log_limiter *limiter, const char *key, pv_log_level level,
	limit_slot *unreported)
{
	uint64_t h = hash_key(key);
	limit_slot *slot = &limiter->slots[h % LIMIT_SLOTS];
	time_t now = time(NULL);
	bool allowed;

	unreported->suppressed = 0;
	pthread_mutex_lock(&limiter->lock);
	if (slot->key_hash != h ||
	    now - slot->window_start >= PV_LOG_LIMIT_WINDOW_S) {
		*unreported = *slot;
		slot->key_hash = h;
		snprintf(slot->key, sizeof(slot->key), "%s", key);
		slot->level = level;
		slot->window_start = now;
		slot->printed = 0;
		slot->suppressed = 0;
	}
	allowed = slot->printed < PV_LOG_LIMIT_BURST;
	if (allowed)
		slot->printed++;
	else
		slot->suppressed++;
	pthread_mutex_unlock(&limiter->lock);
	return allowed;
}

/* Logs the count of lines that slot held back, if any. */
static void
report_held(const pv_logger *logger, const limit_slot *slot)
{
	if (slot->suppressed > 0)
		pv_log(logger, slot->level, "suppressed %u repeat(s) of: %s",
		    slot->suppressed, slot->key);
}

void
pv_log_limited(const pv_logger *logger, pv_log_level level, const char *key,
	const char *fmt, ...)
{
	limit_slot unreported;
	va_list ap;
	bool allowed = true;

	if (level > logger->level)
		return;
	if (logger->limiter != NULL) {
		allowed = limit_allows(logger->limiter, key, level, &unreported);
		report_held(logger, &unreported);
	}
	if (!allowed)
		return;

	va_start(ap, fmt);
	vlog(logger, level, fmt, ap);
	va_end(ap);
}

void
pv_log_flush_suppressed(const pv_logger *logger)
{
	limit_slot held[LIMIT_SLOTS];
	int i, n = 0;

	if (logger->limiter == NULL)
		return;

	/* Copied out, so that no log line is written under the lock. */
	pthread_mutex_lock(&logger->limiter->lock);
	for (i = 0; i < LIMIT_SLOTS; i++) {
		if (logger->limiter->slots[i].suppressed == 0)
			continue;
		held[n++] = logger->limiter->slots[i];
		logger->limiter->slots[i].suppressed = 0;
	}
	pthread_mutex_unlock(&logger->limiter->lock);

	for (i = 0; i < n; i++)
		report_held(logger, &held[i]);
}

char *
pv_log_escape(char *out, size_t out_size, const char *bytes, size_t len,
	size_t max_bytes)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (out_size == 0)
		return out;

	for (i = 0; i < len && i < max_bytes; i++) {
		unsigned char c = (unsigned char)bytes[i];

		/* Room for the widest form (\xHH) plus "..." and the NUL. */
		if (o + 4 + 4 > out_size)
			break;
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 0x0f];
	}

	if (i < len && o + 4 <= out_size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

const char *
pv_log_skip_location(const char *text)
{
	const char *end;

	if (text == NULL || text[0] != '(' ||
	    (end = strstr(text, "): ")) == NULL ||
	    memchr(text, ' ', (size_t)(end - text)) != NULL)
		return text;
	return end + 3;
}
