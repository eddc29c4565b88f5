/* Logging to standard error or syslog; see pv_log.h. */
#include "pv_log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static const char *const level_names[] = {
	"error", "warning", "info", "debug"
};

void
pv_log_init(pv_logger *logger, const char *aggregate, int fd)
{
	snprintf(logger->name, sizeof(logger->name), "photovote-%s", aggregate);
	logger->level = PV_LOG_INFO;
	logger->fd = fd;
	logger->use_syslog = false;
}

void
pv_log_use_syslog(pv_logger *logger)
{
	openlog(logger->name, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	logger->use_syslog = true;
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

void
pv_log(const pv_logger *logger, pv_log_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int head, body;
	size_t len;

	if (level > logger->level)
		return;
	if (logger->use_syslog) {
		va_start(ap, fmt);
		log_to_syslog(level, fmt, ap);
		va_end(ap);
		return;
	}

	head = snprintf(line, sizeof(line), "%s[%ld]: %s: ", logger->name,
		(long)getpid(), level_names[level]);
	if (head < 0 || (size_t)head >= sizeof(line))
		return;

	va_start(ap, fmt);
	body = vsnprintf(line + head, sizeof(line) - (size_t)head, fmt, ap);
	va_end(ap);
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
