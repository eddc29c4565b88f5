/* Logging: line format, escaping of untrusted bytes, repeat limits. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pv_log.h"

/* Reads everything written to the temporary file fd. */
static char *
contents(FILE *file)
{
	static char text[262144];
	size_t n;

	fflush(file);
	rewind(file);
	n = fread(text, 1, sizeof(text) - 1, file);
	text[n] = '\0';
	return text;
}

static size_t
count_lines(const char *text)
{
	size_t lines = 0;

	for (; *text != '\0'; text++)
		lines += *text == '\n';
	return lines;
}

Test(log, line_format)
{
	FILE *file = tmpfile();
	pv_logger log;
	int year, month, day, hour, minute, second, millis, end = 0;
	char expected[128];
	const char *text;

	pv_log_init(&log, "voter", fileno(file));
	pv_log(&log, PV_LOG_WARNING, "stream %s unavailable", "election");
	text = contents(file);

	/* 2026-12-05T10:00:00.123Z, then the line. */
	cr_assert_gt(strlen(text), 25, "%s", text);
	cr_expect_eq(sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &year,
	    &month, &day, &hour, &minute, &second, &millis, &end), 7, "%s",
	    text);
	cr_expect_eq(end, 24, "%s", text);
	cr_expect_geq(year, 2026, "%s", text);
	cr_expect(month >= 1 && month <= 12 && day >= 1 && day <= 31 &&
	    hour <= 23 && minute <= 59 && second <= 60, "%s", text);
	cr_expect_eq(text[24], ' ', "%s", text);
	snprintf(expected, sizeof(expected), "photovote-voter[%ld]: warning: "
	    "stream election unavailable\n", (long)getpid());
	cr_expect_str_eq(text + 25, expected);
	pv_log_free(&log);
	fclose(file);
}

/* journald stamps the lines of its own stream, so they carry no time. */
Test(log, journal_stream_untimed)
{
	FILE *file = tmpfile();
	char expected[128], stream[64];
	pv_logger log;
	struct stat st;

	cr_assert_eq(fstat(fileno(file), &st), 0);
	snprintf(stream, sizeof(stream), "%llu:%llu",
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	cr_assert_eq(setenv("JOURNAL_STREAM", stream, 1), 0);
	pv_log_init(&log, "voter", fileno(file));
	unsetenv("JOURNAL_STREAM");

	pv_log(&log, PV_LOG_INFO, "started");
	snprintf(expected, sizeof(expected), "photovote-voter[%ld]: info: "
	    "started\n", (long)getpid());
	cr_expect_str_eq(contents(file), expected);
	pv_log_free(&log);
	fclose(file);
}

Test(log, level_filters)
{
	FILE *file = tmpfile();
	pv_logger log;

	pv_log_init(&log, "voter", fileno(file));
	log.level = PV_LOG_WARNING;
	pv_log(&log, PV_LOG_INFO, "dropped");
	pv_log(&log, PV_LOG_ERROR, "kept");
	cr_assert_eq(count_lines(contents(file)), 1);
	cr_assert(strstr(contents(file), "kept") != NULL);
	pv_log_free(&log);
	fclose(file);
}

Test(log, repeats_limited_per_key)
{
	FILE *file = tmpfile();
	pv_logger log;
	int i;

	pv_log_init(&log, "voter", fileno(file));
	for (i = 0; i < 50; i++)
		pv_log_limited(&log, PV_LOG_WARNING, "broker down",
		    "event %d not stored", i);
	pv_log_limited(&log, PV_LOG_WARNING, "other failure", "different");

	cr_assert_eq(count_lines(contents(file)), PV_LOG_LIMIT_BURST + 1);
	cr_assert(strstr(contents(file), "different") != NULL);
	cr_assert_null(strstr(contents(file), "event 5 "));
	pv_log_free(&log);
	fclose(file);
}

Test(log, flush_reports_held_back_lines)
{
	FILE *file = tmpfile();
	pv_logger log;
	int i;

	pv_log_init(&log, "voter", fileno(file));
	for (i = 0; i < 12; i++)
		pv_log_limited(&log, PV_LOG_WARNING, "broker down",
		    "event %d not stored", i);
	pv_log_flush_suppressed(&log);

	cr_assert(strstr(contents(file), "warning: suppressed 7 repeat(s) of: "
	    "broker down") != NULL, "%s", contents(file));
	cr_assert_eq(count_lines(contents(file)), PV_LOG_LIMIT_BURST + 1);

	/* The count was reset: a second flush adds nothing. */
	pv_log_flush_suppressed(&log);
	cr_assert_eq(count_lines(contents(file)), PV_LOG_LIMIT_BURST + 1);
	pv_log_free(&log);
	fclose(file);
}

/*
 * Counts the lines of text that are not counts, and adds up the counts
 * of held-back lines, per key and in totals.
 */
static void
tally(const char *text, unsigned *lines, unsigned *counted)
{
	const char *line, *at;
	unsigned n, keys;

	*lines = 0;
	*counted = 0;
	for (line = text; *line != '\0'; line = strchr(line, '\n') + 1) {
		at = strstr(line, "suppressed ");
		if (at != NULL && at < strchr(line, '\n') &&
		    (sscanf(at, "suppressed %u repeat(s) of:", &n) == 1 ||
		    sscanf(at, "suppressed %u line(s) of %u", &n, &keys) == 2))
			*counted += n;
		else
			(*lines)++;
	}
}

/*
 * Keys that share a set of the limiter take slots over from each other,
 * and the window's lines run out: every call is still either printed or
 * counted once.
 */
Test(log, held_back_counts_survive_shared_slots)
{
	FILE *file = tmpfile();
	unsigned lines, counted;
	char key[24];
	pv_logger log;
	int i, j;

	pv_log_init(&log, "voter", fileno(file));
	for (i = 0; i < 300; i++) {
		snprintf(key, sizeof(key), "kind %d", i);
		for (j = 0; j < PV_LOG_LIMIT_BURST + 2; j++)
			pv_log_limited(&log, PV_LOG_WARNING, key, "%s", key);
	}
	pv_log_flush_suppressed(&log);

	tally(contents(file), &lines, &counted);
	cr_expect_eq(lines + counted, 300 * (PV_LOG_LIMIT_BURST + 2));
	pv_log_free(&log);
	fclose(file);
}

/* Many kinds of lines at once print no more than the window allows. */
Test(log, window_total_bounded)
{
	FILE *file = tmpfile();
	unsigned lines, counted;
	char key[24];
	pv_logger log;
	int i;

	pv_log_init(&log, "voter", fileno(file));
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "kind %d", i % 400);
		pv_log_limited(&log, PV_LOG_INFO, key, "%s", key);
	}
	cr_expect_leq(count_lines(contents(file)), PV_LOG_LIMIT_TOTAL);

	pv_log_flush_suppressed(&log);
	tally(contents(file), &lines, &counted);
	cr_expect_eq(lines + counted, 1000);
	cr_expect(strstr(contents(file), "other kind(s): more than 100 "
	    "limited lines in 10 s") != NULL, "%s", contents(file));
	pv_log_free(&log);
	fclose(file);
}

Test(log, escape_untrusted_bytes)
{
	char out[64];

	cr_assert_str_eq(pv_log_escape(out, sizeof(out), "a\nb\\c\x01\xff", 7,
	    64), "a\\x0ab\\x5cc\\x01\\xff");
	cr_assert_str_eq(pv_log_escape(out, sizeof(out), "abcdef", 6, 3),
	    "abc...");
	/* A small buffer keeps room for the widest escape and the mark. */
	cr_assert_str_eq(pv_log_escape(out, 8, "abcdefghij", 10, 64),
	    "a...");
}

Test(log, skip_location)
{
	cr_assert_str_eq(pv_log_skip_location("(conn.c:1905): Authorization "
	    "Violation"), "Authorization Violation");
	cr_assert_str_eq(pv_log_skip_location("(unix/sock.c:58): Timeout"),
	    "Timeout");
	cr_assert_str_eq(pv_log_skip_location("(a note): text"),
	    "(a note): text");
	cr_assert_str_eq(pv_log_skip_location("Timeout"), "Timeout");
	cr_assert_str_eq(pv_log_skip_location(""), "");
	cr_assert_null(pv_log_skip_location(NULL));
}
