/*
 * ${NAME} and ${NAME:-DEFAULT} references in .env values; see
 * pv_dotenv_expand in pv_dotenv.h.  The file may be hostile, so every
 * step is linear: references are resolved through sorted name tables,
 * and the scan of a value finds each '}' and ':' once.
 */
#include "pv_dotenv.h"
#include "pv_buf.h"

#include <stdlib.h>
#include <string.h>

/* A name of the environment or of the file, for binary search. */
typedef struct named {
	const char *name;
	size_t len;
	size_t index;		/* position in envp or in the entries */
} named;

typedef struct tables {
	named *env;		/* sorted by name, then index */
	size_t env_count;
	named *file;		/* sorted by name, then index */
	size_t file_count;
} tables;

/* Where a value is scanned: the next '}' and ':' at or after a point. */
typedef struct scan {
	const char *end;	/* the value's NUL */
	const char *close;	/* next '}', or end */
	const char *colon;	/* next ':', or end */
} scan;

/* A reference at the scan point. */
typedef struct reference {
	const char *name;
	size_t name_len;
	const char *fallback;	/* DEFAULT, or NULL */
	size_t fallback_len;
	size_t len;		/* bytes of "${...}", 0 for no reference */
} reference;

static int
compare_names(const char *a, size_t a_len, const char *b, size_t b_len)
{
	int c = memcmp(a, b, a_len < b_len ? a_len : b_len);

	if (c != 0)
		return c;
	return a_len < b_len ? -1 : a_len > b_len;
}

static int
compare_named(const void *a, const void *b)
{
	const named *x = a, *y = b;
	int c = compare_names(x->name, x->len, y->name, y->len);

	if (c != 0)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Returns the number of entries of table (sorted) that come before
 * (name, index): those with a smaller name, or the same name and a
 * smaller index.
 */
static size_t
count_before(const named *table, size_t count, const char *name,
	size_t len, size_t index)
{
	size_t low = 0, high = count, mid;
	int c;

	while (low < high) {
		mid = low + (high - low) / 2;
		c = compare_names(table[mid].name, table[mid].len, name, len);
		if (c < 0 || (c == 0 && table[mid].index < index))
			low = mid + 1;
		else
			high = mid;
	}
	return low;
}

static pv_status
build_tables(tables *t, const pv_dotenv *dotenv, char *const *envp)
{
	const char *eq;
	size_t i, n = 0;

	while (envp != NULL && envp[n] != NULL)
		n++;
	t->env = calloc(n > 0 ? n : 1, sizeof(*t->env));
	t->file = calloc(dotenv->count > 0 ? dotenv->count : 1,
	    sizeof(*t->file));
	if (t->env == NULL || t->file == NULL)
		return PV_ERR_NOMEM;

	/* An entry without '=' names nothing. */
	for (i = 0; i < n; i++) {
		eq = strchr(envp[i], '=');
		if (eq == NULL)
			continue;
		t->env[t->env_count++] = (named){ envp[i],
		    (size_t)(eq - envp[i]), i };
	}
	for (i = 0; i < dotenv->count; i++)
		t->file[i] = (named){ dotenv->entries[i].name,
		    strlen(dotenv->entries[i].name), i };
	t->file_count = dotenv->count;

	qsort(t->env, t->env_count, sizeof(*t->env), compare_named);
	qsort(t->file, t->file_count, sizeof(*t->file), compare_named);
	return PV_OK;
}

/*
 * Returns the value of a reference in entry number before: the first of
 * the environment's entries of that name, else the file's last entry of
 * it before this one, else NULL.  That file entry is marked as referenced
 * even when the environment wins, because its name is in use.
 */
static const char *
resolve(const tables *t, pv_dotenv *dotenv, char *const *envp,
	size_t before, const char *name, size_t len)
{
	const char *value = NULL;
	size_t at;

	at = count_before(t->file, t->file_count, name, len, before);
	if (at > 0 && compare_names(t->file[at - 1].name,
	    t->file[at - 1].len, name, len) == 0) {
		dotenv->entries[t->file[at - 1].index].referenced = true;
		value = dotenv->entries[t->file[at - 1].index].value;
	}

	at = count_before(t->env, t->env_count, name, len, 0);
	if (at < t->env_count && compare_names(t->env[at].name,
	    t->env[at].len, name, len) == 0)
		return envp[t->env[at].index] + len + 1;
	return value;
}

/*
 * Returns the next c at or after from, using cached, the last result,
 * while it is still ahead.  Each byte is searched once per value.
 */
static const char *
next_char(const char *from, const char *cached, int c, const char *end)
{
	const char *found;

	if (cached >= from)
		return cached;
	found = memchr(from, c, (size_t)(end - from));
	return found != NULL ? found : end;
}

/*
 * Matches "${NAME}" or "${NAME:-DEFAULT}" at p as python-dotenv's pattern
 * does: NAME ends at the first '}' or ':', and DEFAULT at the next '}'.
 */
static reference
match_reference(const char *p, scan *sc)
{
	reference ref = { NULL, 0, NULL, 0, 0 };

	if (p[0] != '$' || p[1] != '{')
		return ref;
	sc->close = next_char(p + 2, sc->close, '}', sc->end);
	sc->colon = next_char(p + 2, sc->colon, ':', sc->end);

	ref.name = p + 2;
	if (sc->close < sc->colon) {
		ref.name_len = (size_t)(sc->close - ref.name);
		ref.len = (size_t)(sc->close + 1 - p);
		return ref;
	}
	/* A ':' first: a default follows only after ":-" and ends at '}'. */
	if (sc->colon == sc->end || sc->colon[1] != '-' ||
	    sc->close == sc->end)
		return ref;
	ref.name_len = (size_t)(sc->colon - ref.name);
	ref.fallback = sc->colon + 2;
	ref.fallback_len = (size_t)(sc->close - ref.fallback);
	ref.len = (size_t)(sc->close + 1 - p);
	return ref;
}

/*
 * Replaces the references in entry i's value.  *total is the length of
 * all values; the expansion may not take it over max_len.
 * NOTE: later values count as written, so a long reference that expands
 * to little can make an earlier line fail the bound where the same lines
 * in another order pass.
 */
static pv_status
expand_entry(pv_dotenv *dotenv, const tables *t, size_t i,
	char *const *envp, size_t max_len, size_t *total)
{
	const char *p = dotenv->entries[i].value, *found;
	size_t raw_len = strlen(p), others = *total - raw_len;
	scan sc = { p + raw_len, p, p };
	reference ref;
	pv_buf out;
	pv_status st = PV_OK;

	pv_buf_init(&out);
	while (*p != '\0' && st == PV_OK) {
		ref = match_reference(p, &sc);
		if (ref.len == 0) {
			st = pv_buf_append(&out, p, 1);
			p++;
		} else {
			found = resolve(t, dotenv, envp, i, ref.name,
			    ref.name_len);
			st = found != NULL ?
			    pv_buf_append(&out, found, strlen(found)) :
			    pv_buf_append(&out, ref.fallback, ref.fallback_len);
			p += ref.len;
		}
		if (st == PV_OK && out.len > max_len - others)
			st = PV_ERR_CONFIG;
	}
	/* An empty result still needs its own string. */
	if (st == PV_OK)
		st = pv_buf_reserve(&out, 0);
	if (st != PV_OK) {
		pv_buf_free(&out);
		return st;
	}

	dotenv->entries[i].raw = dotenv->entries[i].value;
	dotenv->entries[i].value = out.data;
	*total = others + out.len;
	return PV_OK;
}

pv_status
pv_dotenv_expand(pv_dotenv *dotenv, char *const *envp, size_t max_len,
	const char *origin, pv_error *err)
{
	tables t = { NULL, 0, NULL, 0 };
	size_t i, total = 0;
	pv_status st = PV_OK;

	for (i = 0; i < dotenv->count; i++)
		total += strlen(dotenv->entries[i].value);
	if (total > max_len)
		return pv_error_set(err, PV_ERR_CONFIG, "%s: the values are "
		    "over %zu bytes in all", origin, max_len);
	if ((st = build_tables(&t, dotenv, envp)) != PV_OK)
		goto out;

	for (i = 0; i < dotenv->count && st == PV_OK; i++)
		if (strstr(dotenv->entries[i].value, "${") != NULL)
			st = expand_entry(dotenv, &t, i, envp, max_len,
			    &total);
	if (st == PV_ERR_CONFIG)
		pv_error_set(err, st, "%s: the values are over %zu bytes in "
		    "all after ${} expansion, at %s", origin, max_len,
		    dotenv->entries[i - 1].name);
out:
	if (st == PV_ERR_NOMEM)
		pv_error_set(err, st, "%s: out of memory", origin);
	free(t.env);
	free(t.file);
	return st;
}
