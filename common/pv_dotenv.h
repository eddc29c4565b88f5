/*
 * Parser for .env files.
 *
 * A line is blank, a comment ("# ..."), or "NAME=value" with an optional
 * "export " prefix and optional blanks around '='.  NAME is
 * [A-Za-z_][A-Za-z0-9_]*.  Lines end in LF, CRLF or a lone CR.  A UTF-8
 * byte order mark at the start is skipped, and a UTF-16 one is an error.
 * A value is taken literally in single quotes, with the escapes \n \t \"
 * \\ in double quotes, or unquoted: then trimmed and cut at " #", where
 * the blank belongs to the value ("A= #x" is "#x", "A=a #x" is "a").
 * Later lines win.  Any other line is an error naming the file and line
 * (never the value, which may be a secret).
 */
#ifndef PV_DOTENV_H
#define PV_DOTENV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "pv_status.h"

typedef struct pv_dotenv_entry {
	char *name;
	char *value;
	char *raw;		/* value before ${} expansion, or NULL */
	bool referenced;	/* a later value names it in ${name} */
} pv_dotenv_entry;

typedef struct pv_dotenv {
	pv_dotenv_entry *entries;	/* owned */
	size_t count;
} pv_dotenv;

/*
 * Parses len bytes of text into out (which the caller frees with
 * pv_dotenv_free, on success and failure alike).  origin names the
 * file in error text.
 */
pv_status pv_dotenv_parse(pv_dotenv *out, const char *text, size_t len,
	const char *origin, pv_error *err);

/*
 * Reads and parses the file at path, of at most max_bytes.  A missing
 * file is an error only when must_exist is true; otherwise out is empty.
 * A regular file or a character device (/dev/null) is read; a directory,
 * FIFO or socket is an error.  Sets *mode to the file's mode, or to 0
 * when there is no file, so that the caller can warn about a file that
 * other users may read or write.
 */
pv_status pv_dotenv_read_file(pv_dotenv *out, const char *path,
	bool must_exist, size_t max_bytes, mode_t *mode, pv_error *err);

/*
 * Replaces "${NAME}" and "${NAME:-DEFAULT}" in every value, in all
 * quoting styles, as python-dotenv's load_dotenv does (pv_dotenv_expand.c).
 * A reference takes NAME's value in envp (a NULL-terminated array of
 * "NAME=value", or NULL; the first entry of a name counts), else in the
 * last line before this one, else DEFAULT, else the empty string.  NAME
 * has no '}' or ':', DEFAULT has no '}' and is not expanded, and a '$'
 * that starts no such reference is kept.  Values longer than max_len
 * bytes in all after expansion are an error that names the value where
 * the limit was passed, never its text.  origin names the file in error
 * text.  Keeps each expanded entry's text in raw, and marks as
 * referenced the last entry of each name before a reference to it, also
 * when the environment's value wins.  Takes time linear in the size of
 * the values and the output, times log(count).
 */
pv_status pv_dotenv_expand(pv_dotenv *dotenv, char *const *envp,
	size_t max_len, const char *origin, pv_error *err);

/* Returns the last entry of name, or NULL.  It belongs to dotenv. */
const pv_dotenv_entry *pv_dotenv_find(const pv_dotenv *dotenv,
	const char *name);

/* Returns the value of name, or NULL.  The string belongs to dotenv. */
const char *pv_dotenv_get(const pv_dotenv *dotenv, const char *name);

void pv_dotenv_free(pv_dotenv *dotenv);

#endif
