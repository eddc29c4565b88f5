/* Parser for .env files; see pv_dotenv.h. */
#include "pv_dotenv.h"
#include "pv_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool
is_name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool
is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static pv_status
add_entry(pv_dotenv *out, const char *name, size_t name_len, char *value)
{
	pv_dotenv_entry *grown;
	char *copy;

	copy = strndup(name, name_len);
	if (copy == NULL)
		return PV_ERR_NOMEM;

	grown = realloc(out->entries, (out->count + 1) * sizeof(*grown));
	if (grown == NULL) {
		free(copy);
		return PV_ERR_NOMEM;
	}
	out->entries = grown;
	out->entries[out->count].name = copy;
	out->entries[out->count].value = value;
	out->entries[out->count].raw = NULL;
	out->entries[out->count].referenced = false;
	out->count++;
	return PV_OK;
}

/* Decodes a double-quoted value from p (after the quote) up to end. */
static char *
parse_double_quoted(const char *p, const char *end, const char **after)
{
	char *value, *o;

	value = malloc((size_t)(end - p) + 1);
	if (value == NULL)
		return NULL;

	for (o = value; p < end && *p != '"'; p++) {
		if (*p != '\\' || p + 1 == end) {
			*o++ = *p;
			continue;
		}
		p++;
		switch (*p) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		default: *o++ = '\\'; *o++ = *p; break;
		}
	}
	*o = '\0';
	*after = p;
	return value;
}

/*
 * Parses the value part of one line (after '=') into *value.  On failure
 * it sets *reason.
 */
static pv_status
parse_value(const char *p, const char *end, char **value, const char **reason)
{
	const char *close, *stop;

	while (p < end && is_blank(*p))
		p++;

	if (p < end && (*p == '\'' || *p == '"')) {
		char quote = *p++;
		const char *after;

		if (quote == '\'') {
			close = memchr(p, '\'', (size_t)(end - p));
			if (close == NULL) {
				*reason = "the quoted value has no closing "
				    "quote on its line";
				return PV_ERR_CONFIG;
			}
			*value = strndup(p, (size_t)(close - p));
			after = close;
		} else {
			*value = parse_double_quoted(p, end, &after);
		}
		if (*value == NULL)
			return PV_ERR_NOMEM;
		if (after >= end) {
			free(*value);
			*reason = "the quoted value has no closing quote on "
			    "its line";
			return PV_ERR_CONFIG;
		}

		/* Only blanks or a comment may follow the closing quote. */
		for (after++; after < end && is_blank(*after); after++)
			continue;
		if (after < end && *after != '#') {
			free(*value);
			*reason = "only blanks or a comment may follow the "
			    "closing quote";
			return PV_ERR_CONFIG;
		}
		return PV_OK;
	}

	/*
	 * Unquoted: a comment starts at a '#' after a blank of the value, so
	 * a value that starts with '#' is kept whole, as python-dotenv reads
	 * it.  Trailing blanks go.
	 */
	for (stop = p; stop < end; stop++)
		if (*stop == '#' && stop > p && is_blank(stop[-1]))
			break;
	while (stop > p && is_blank(stop[-1]))
		stop--;
	*value = strndup(p, (size_t)(stop - p));
	return *value == NULL ? PV_ERR_NOMEM : PV_OK;
}

/* Parses one line into out.  On a bad line it sets *reason. */
static pv_status
parse_line(pv_dotenv *out, const char *p, const char *end, const char **reason)
{
	const char *name, *name_end;
	char *value;
	pv_status st;

	while (p < end && is_blank(*p))
		p++;
	if (p == end || *p == '#')
		return PV_OK;

	if ((size_t)(end - p) > 7 && memcmp(p, "export", 6) == 0 &&
	    is_blank(p[6])) {
		p += 7;
		while (p < end && is_blank(*p))
			p++;
	}

	name = p;
	if (p == end || !is_name_start(*p))
		return PV_ERR_CONFIG;
	while (p < end && is_name_char(*p))
		p++;
	name_end = p;

	/* Blanks around '=' are allowed, as python-dotenv allows them. */
	while (p < end && is_blank(*p))
		p++;
	if (p == end || *p != '=')
		return PV_ERR_CONFIG;

	st = parse_value(p + 1, end, &value, reason);
	if (st != PV_OK)
		return st;
	st = add_entry(out, name, (size_t)(name_end - name), value);
	if (st != PV_OK)
		free(value);
	return st;
}

/*
 * Returns the end of the line at p: its LF, CR or CRLF (at the CR), or
 * end.  A lone CR ends a line, as python-dotenv reads old Mac files.
 */
static const char *
find_line_end(const char *p, const char *end)
{
	while (p < end && *p != '\n' && *p != '\r')
		p++;
	return p;
}

pv_status
pv_dotenv_parse(pv_dotenv *out, const char *text, size_t len,
	const char *origin, pv_error *err)
{
	const char *p = text, *end = text + len, *eol, *reason;
	unsigned line = 1;
	pv_status st;

	out->entries = NULL;
	out->count = 0;

	/* A UTF-8 byte order mark, as some Windows editors write, is skipped. */
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	if (end - p >= 2 && (memcmp(p, "\xff\xfe", 2) == 0 ||
	    memcmp(p, "\xfe\xff", 2) == 0))
		return pv_error_set(err, PV_ERR_CONFIG, "%s: the file is "
		    "UTF-16 (it starts with a UTF-16 byte order mark); save "
		    "it as UTF-8", origin);

	for (; p < end; p = eol + 1, line++) {
		eol = find_line_end(p, end);
		if (memchr(p, '\0', (size_t)(eol - p)) != NULL)
			return pv_error_set(err, PV_ERR_CONFIG,
			    "%s:%u: NUL byte in line (if the file is UTF-16, "
			    "save it as UTF-8)", origin, line);

		reason = "expected NAME=value, a comment or a blank line";
		st = parse_line(out, p, eol, &reason);
		if (st == PV_ERR_NOMEM)
			return pv_error_set(err, st, "%s: out of memory",
			    origin);
		if (st != PV_OK)
			return pv_error_set(err, st, "%s:%u: invalid line: %s",
			    origin, line, reason);
		if (eol == end)
			break;
		/* A CRLF line end is one end, not two. */
		if (*eol == '\r' && eol + 1 < end && eol[1] == '\n')
			eol++;
	}
	return PV_OK;
}

pv_status
pv_dotenv_read_file(pv_dotenv *out, const char *path, bool must_exist,
	size_t max_bytes, mode_t *mode, pv_error *err)
{
	struct stat link;
	char *text;
	size_t len;
	int err_no;
	pv_status st;

	out->entries = NULL;
	out->count = 0;
	*mode = 0;

	st = pv_file_read(path, max_bytes, &text, &len, mode, &err_no, err);
	if (st != PV_OK)
		*mode = 0;
	/* A symbolic link to a missing file is a mistake, not "no file". */
	if (st != PV_OK && err_no == ENOENT && !must_exist &&
	    lstat(path, &link) == 0 && S_ISLNK(link.st_mode))
		return pv_error_set(err, PV_ERR_CONFIG, "%s: a symbolic link to "
		    "a missing file", path);
	if (st != PV_OK && err_no == ENOENT && !must_exist) {
		pv_error_clear(err);
		return PV_OK;
	}
	if (st != PV_OK)
		return st;

	st = pv_dotenv_parse(out, text, len, path, err);
	free(text);
	return st;
}

const pv_dotenv_entry *
pv_dotenv_find(const pv_dotenv *dotenv, const char *name)
{
	size_t i;

	/* Later lines win, so search from the end. */
	for (i = dotenv->count; i > 0; i--)
		if (strcmp(dotenv->entries[i - 1].name, name) == 0)
			return &dotenv->entries[i - 1];
	return NULL;
}

const char *
pv_dotenv_get(const pv_dotenv *dotenv, const char *name)
{
	const pv_dotenv_entry *entry = pv_dotenv_find(dotenv, name);

	return entry != NULL ? entry->value : NULL;
}

void
pv_dotenv_free(pv_dotenv *dotenv)
{
	size_t i;

	for (i = 0; i < dotenv->count; i++) {
		free(dotenv->entries[i].name);
		free(dotenv->entries[i].value);
		free(dotenv->entries[i].raw);
	}
	free(dotenv->entries);
	dotenv->entries = NULL;
	dotenv->count = 0;
}
