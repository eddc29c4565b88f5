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

/*
 * The limiter's table: a key goes to one of LIMIT_SETS sets by its hash,
 * and takes one of the set's LIMIT_WAYS slots, so that a few keys with
 * the same set do not push each other out.
 */
#define LIMIT_SETS 64
#define LIMIT_WAYS 4
#define LIMIT_SLOTS (LIMIT_SETS * LIMIT_WAYS)

/* Characters of a key kept to name it in a count of held-back lines. */
#define LIMIT_KEY_SHOWN 120

/* One key's count in the current window; window_start 0: slot unused. */
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

	/* Lines of all keys in the current window, counts included. */
	time_t window_start;
	unsigned printed;

	/* Held-back lines whose count found no room in the window's lines. */
	unsigned overflow_lines;
	unsigned overflow_keys;
};

/* What pv_log_limited prints for one call, decided under the lock. */
typedef struct limit_decision {
	bool print_line;		/* the call's own line */
	limit_slot report;		/* a count to print, if suppressed > 0 */
	unsigned overflow_lines;	/* a total to print, if > 0 */
	unsigned overflow_keys;
} limit_decision;

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

static void log_to_syslog(pv_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void vlog(const pv_logger *logger, pv_log_level level,
	const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

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
 * Returns the slot of key (hash h) in its set, or the slot it takes over:
 * an unused one, else the one whose window started first.
 */
static limit_slot *
find_slot(pv_log_limiter *limiter, uint64_t h)
{
	limit_slot *set = &limiter->slots[(h % LIMIT_SETS) * LIMIT_WAYS];
	limit_slot *victim = &set[0];
	int i;

	for (i = 0; i < LIMIT_WAYS; i++) {
		if (set[i].window_start != 0 && set[i].key_hash == h)
			return &set[i];
		if (victim->window_start != 0 &&
		    set[i].window_start < victim->window_start)
			victim = &set[i];
	}
	return victim;
}

/*
 * Moves the count that slot holds back into d->report when the window's
 * lines have room, else into the limiter's overflow.  The caller holds
 * the lock.
 */
static void
release_count(pv_log_limiter *limiter, const limit_slot *slot,
	limit_decision *d)
{
	if (slot->suppressed == 0)
		return;
	if (limiter->printed < PV_LOG_LIMIT_TOTAL) {
		d->report = *slot;
		limiter->printed++;
		return;
	}
	limiter->overflow_lines += slot->suppressed;
	limiter->overflow_keys++;
}

/*
 * Counts one occurrence of key and decides what the call prints: its
 * line while its key and the window have room, and the count of a key
 * whose slot it takes over.  A new window also releases the last one's
 * overflow total.
 */
static void
limit_decide(pv_log_limiter *limiter, const char *key, pv_log_level level,
	limit_decision *d)
{
	uint64_t h = hash_key(key);
	time_t now = time(NULL);
	limit_slot *slot;

	memset(d, 0, sizeof(*d));
	pthread_mutex_lock(&limiter->lock);
	if (now - limiter->window_start >= PV_LOG_LIMIT_WINDOW_S) {
		d->overflow_lines = limiter->overflow_lines;
		d->overflow_keys = limiter->overflow_keys;
		limiter->overflow_lines = 0;
		limiter->overflow_keys = 0;
		limiter->window_start = now;
		limiter->printed = d->overflow_lines > 0 ? 1 : 0;
	}

	slot = find_slot(limiter, h);
	if (slot->window_start == 0 || slot->key_hash != h ||
	    now - slot->window_start >= PV_LOG_LIMIT_WINDOW_S) {
		release_count(limiter, slot, d);
		slot->key_hash = h;
		snprintf(slot->key, sizeof(slot->key), "%s", key);
		slot->level = level;
		slot->window_start = now;
		slot->printed = 0;
		slot->suppressed = 0;
	}

	d->print_line = slot->printed < PV_LOG_LIMIT_BURST &&
	    limiter->printed < PV_LOG_LIMIT_TOTAL;
	if (d->print_line) {
		slot->printed++;
		limiter->printed++;
	} else {
		slot->suppressed++;
	}
	pthread_mutex_unlock(&limiter->lock);
}

/* Logs the count of lines that slot held back, if any. */
static void
report_held(const pv_logger *logger, const limit_slot *slot)
{
	if (slot->suppressed > 0)
		pv_log(logger, slot->level, "suppressed %u repeat(s) of: %s",
		    slot->suppressed, slot->key);
}

/* Logs the total of held-back lines that had no room for their own count. */
static void
report_overflow(const pv_logger *logger, unsigned lines, unsigned keys)
{
	if (lines > 0)
		pv_log(logger, PV_LOG_WARNING, "suppressed %u line(s) of %u "
		    "other kind(s): more than %d limited lines in %d s",
		    lines, keys, PV_LOG_LIMIT_TOTAL, PV_LOG_LIMIT_WINDOW_S);
}

void
pv_log_limited(const pv_logger *logger, pv_log_level level, const char *key,
	const char *fmt, ...)
{
	limit_decision d;
	va_list ap;

	if (level > logger->level)
		return;
	if (logger->limiter != NULL) {
		limit_decide(logger->limiter, key, level, &d);
		report_overflow(logger, d.overflow_lines, d.overflow_keys);
		report_held(logger, &d.report);
		if (!d.print_line)
			return;
	}

	va_start(ap, fmt);
	vlog(logger, level, fmt, ap);
	va_end(ap);
}

void
pv_log_flush_suppressed(const pv_logger *logger)
{
	pv_log_limiter *limiter = logger->limiter;
	limit_slot held[LIMIT_WAYS];
	unsigned overflow_lines, overflow_keys;
	int set, i, n;

	if (limiter == NULL)
		return;

	/*
	 * One set at a time is copied out, so that no log line is written
	 * under the lock and the copy stays small on nats.c's threads.
	 */
	for (set = 0; set < LIMIT_SETS; set++) {
		n = 0;
		pthread_mutex_lock(&limiter->lock);
		for (i = set * LIMIT_WAYS; i < (set + 1) * LIMIT_WAYS; i++) {
			if (limiter->slots[i].suppressed == 0)
				continue;
			held[n++] = limiter->slots[i];
			limiter->slots[i].suppressed = 0;
		}
		pthread_mutex_unlock(&limiter->lock);
		for (i = 0; i < n; i++)
			report_held(logger, &held[i]);
	}

	pthread_mutex_lock(&limiter->lock);
	overflow_lines = limiter->overflow_lines;
	overflow_keys = limiter->overflow_keys;
	limiter->overflow_lines = 0;
	limiter->overflow_keys = 0;
	pthread_mutex_unlock(&limiter->lock);
	report_overflow(logger, overflow_lines, overflow_keys);
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
