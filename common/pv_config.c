/* Handler configuration; see pv_config.h. */
#include "pv_config.h"
#include "pv_log.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "pv_dotenv.h"

/* Where settings are looked up: the environment, then the .env file. */
typedef struct source {
	char *const *envp;
	pv_dotenv dotenv;
} source;

/* Returns the environment's value of name, or NULL. */
static const char *
env_lookup(const source *src, const char *name)
{
	size_t len = strlen(name);
	char *const *e;

	for (e = src->envp; e != NULL && *e != NULL; e++)
		if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
			return *e + len + 1;
	return NULL;
}

static const char *
lookup(const source *src, const char *name)
{
	const char *value = env_lookup(src, name);

	return value != NULL ? value : pv_dotenv_get(&src->dotenv, name);
}

/*
 * Copies the value of setting name for the error text.  A value that
 * ${} expansion made in the .env file shows as its text before the
 * expansion, because a reference may take a secret, such as
 * ${NATS_PASSWORD} in the wrong line.
 */
static const char *
shown(char *out, size_t size, const source *src, const char *name,
	const char *value)
{
	const pv_dotenv_entry *entry = NULL;
	char escaped[48];

	if (env_lookup(src, name) == NULL)
		entry = pv_dotenv_find(&src->dotenv, name);
	if (entry != NULL && entry->raw != NULL)
		value = entry->raw;
	/* A tab or another byte outside printable ASCII shows as \xHH. */
	pv_log_escape(escaped, sizeof(escaped), value, strlen(value), 40);
	snprintf(out, size, "\"%s\"%s", escaped, entry != NULL &&
	    entry->raw != NULL ? " before ${} expansion" : "");
	return out;
}

static pv_status
parse_integer(const source *src, const char *name, int64_t min, int64_t max,
	int64_t fallback, int64_t *out, pv_error *err)
{
	const char *value = lookup(src, name);
	char *end, excerpt[96];
	long long n;

	*out = fallback;
	if (value == NULL || value[0] == '\0')
		return PV_OK;

	errno = 0;
	n = strtoll(value, &end, 10);
	if (!isdigit((unsigned char)value[0]) || *end != '\0' || errno != 0 ||
	    n < min || n > max)
		return pv_error_set(err, PV_ERR_CONFIG, "%s: invalid value %s: "
		    "expected a whole number from %lld to %lld", name,
		    shown(excerpt, sizeof(excerpt), src, name, value),
		    (long long)min, (long long)max);
	*out = n;
	return PV_OK;
}

/* Duplicates a setting; *out stays NULL when it is unset or empty. */
static pv_status
copy_string(const source *src, const char *name, const char *fallback_name,
	char **out, pv_error *err)
{
	const char *value = lookup(src, name);

	*out = NULL;
	if ((value == NULL || value[0] == '\0') && fallback_name != NULL)
		value = lookup(src, fallback_name);
	if (value == NULL || value[0] == '\0')
		return PV_OK;

	*out = strdup(value);
	if (*out == NULL)
		return pv_error_set(err, PV_ERR_NOMEM, "%s: out of memory",
		    name);
	return PV_OK;
}

static bool
is_url_char(char c)
{
	return c > 0x20 && c < 0x7f && c != ',';
}

/* Returns the last '@' in [s, end), or NULL; nats.c ends user info there. */
static const char *
last_at(const char *s, const char *end)
{
	const char *at = NULL;

	for (; s < end; s++)
		if (*s == '@')
			at = s;
	return at;
}

/*
 * Returns true for a byte that nats.c 3.4.1 cannot send as a user,
 * password or token: it copies them into its JSON CONNECT message
 * without escaping, so a '"' or '\\' there makes the server reject every
 * login.
 */
static bool
is_unsendable(unsigned char c)
{
	return c == '"' || c == '\\' || c < 0x20 || c == 0x7f;
}

/*
 * Returns true when the user info of url (before its last '@') has an
 * unsendable byte.  (nats.c 3.4.1 sends it without percent-decoding.)
 */
static bool
has_unsendable_user_info(const char *url, size_t len)
{
	const char *end = url + len, *p = url, *at;

	while (p + 2 < end && memcmp(p, "://", 3) != 0)
		p++;
	at = last_at(p, end);
	for (p += 3; at != NULL && p < at; p++)
		if (is_unsendable((unsigned char)*p))
			return true;
	return false;
}

/*
 * Accepts "<scheme>://[user:password@]<host>[:<port>[/]]" with the
 * scheme nats:// or tls:// (nats.c 3.4.1 has no WebSocket support) and a
 * port from 1 to 65535.  A path is rejected because a NATS server has
 * none, so one points to a wrong URL such as a monitoring address.
 * nats.c drops a trailing '/' only after a port, so only there is one
 * accepted.  (User info ends at the last '@', as in nats.c, so
 * "h:4222/x@y" is user "h" at host "y".)
 */
static bool
is_server_url(const char *url, size_t len)
{
	static const char *const schemes[] = { "nats://", "tls://" };
	const char *host = NULL, *end = url + len, *colon, *at;
	unsigned long port;
	size_t i, n;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		n = strlen(schemes[i]);
		if (len > n && strncasecmp(url, schemes[i], n) == 0)
			host = url + n;
	}
	if (host == NULL)
		return false;
	at = last_at(host, end);
	if (at != NULL)
		host = at + 1;
	if (host == end || *host == ':' || *host == '/')
		return false;

	/* The port follows the last ':', after "]" for an IPv6 literal. */
	colon = NULL;
	if (host[0] == '[')
		host = memchr(host, ']', (size_t)(end - host));
	if (host == NULL)
		return false;
	for (; host < end && *host != '/'; host++) {
		/* A second ':' outside brackets, as in "h:1:2", is no port. */
		if (*host == ':' && colon != NULL)
			return false;
		if (*host == ':')
			colon = host;
	}
	if (host < end && (host + 1 != end || colon == NULL))
		return false;
	if (colon == NULL)
		return true;
	port = 0;
	for (n = 1; colon + n < end && colon[n] != '/'; n++) {
		if (colon[n] < '0' || colon[n] > '9' || port > 65535)
			return false;
		port = port * 10 + (unsigned long)(colon[n] - '0');
	}
	return n > 1 && port >= 1 && port <= 65535;
}

/* Returns true when url has the tls:// scheme, in any case. */
static bool
is_tls_url(const char *url)
{
	return strncasecmp(url, "tls://", 6) == 0;
}

/* Returns true for "<scheme>://:<password>@...": user info without a user. */
static bool
has_password_without_user(const char *url, size_t len)
{
	const char *end = url + len, *host = url;

	while (host + 2 < end && memcmp(host, "://", 3) != 0)
		host++;
	host += 3;
	return host < end && *host == ':' && last_at(host, end) != NULL;
}

/*
 * Rejects a list that mixes tls:// with nats://: nats.c has one TLS
 * setting per connection, so a tls:// entry would force TLS on every
 * server of the list.
 */
static pv_status
check_one_scheme(const pv_config *cfg, const char *name, pv_error *err)
{
	int i, tls = 0;

	for (i = 0; i < cfg->server_count; i++)
		if (is_tls_url(cfg->servers[i]))
			tls++;
	if (tls > 0 && tls < cfg->server_count)
		return pv_error_set(err, PV_ERR_CONFIG, "%s: mixes tls:// and "
		    "nats:// URLs, but the connection uses TLS with every "
		    "server or with none; write tls:// for all of them", name);
	return PV_OK;
}

/* Splits a comma-separated list of server URLs into cfg->servers. */
static pv_status
parse_servers(pv_config *cfg, const char *name, const char *list,
	pv_error *err)
{
	const char *p = list, *start;
	size_t len;
	int entry;

	/* URLs are separated by commas, with optional spaces around them. */
	for (entry = 1;; entry++) {
		while (*p == ' ')
			p++;
		for (start = p; is_url_char(*p); p++)
			continue;
		len = (size_t)(p - start);
		while (*p == ' ')
			p++;
		if (*p != '\0' && *p != ',')
			return pv_error_set(err, PV_ERR_CONFIG, "%s: invalid "
			    "character in server URL %d", name, entry);
		if (cfg->server_count == PV_CONFIG_SERVERS_MAX)
			return pv_error_set(err, PV_ERR_CONFIG, "%s: more "
			    "than %d servers", name, PV_CONFIG_SERVERS_MAX);

		/*
		 * The entry's position, never its text: it may hold a password.
		 * With an empty user name ("://:secret@"), nats.c reports its
		 * connected URL without the '@', so the password could not be
		 * hidden in the log.
		 */
		if (has_password_without_user(start, len))
			return pv_error_set(err, PV_ERR_CONFIG, "%s: server URL "
			    "%d has a password but no user name; write "
			    "user:password@ or set NATS_USER and NATS_PASSWORD",
			    name, entry);
		if (has_unsendable_user_info(start, len))
			return pv_error_set(err, PV_ERR_CONFIG, "%s: the user "
			    "or password of server URL %d contains '\"', '\\' "
			    "or a control character, which nats.c cannot send",
			    name, entry);
		if (!is_server_url(start, len))
			return pv_error_set(err, PV_ERR_CONFIG, "%s: server URL "
			    "%d is invalid: expected nats:// or tls:// followed "
			    "by a host, an optional port from 1 to 65535 and "
			    "no path, such as nats://127.0.0.1:4222",
			    name, entry);
		cfg->servers[cfg->server_count] = strndup(start, len);
		if (cfg->servers[cfg->server_count] == NULL)
			return pv_error_set(err, PV_ERR_NOMEM, "%s: out of "
			    "memory", name);
		cfg->server_count++;
		if (*p == '\0')
			return check_one_scheme(cfg, name, err);
		p++;
	}
}

/*
 * Builds the server list from NATS_URL or, for configurations written
 * for the Memphis service, from MEMPHIS_HOST (a host name, port 4222).
 */
static pv_status
load_servers(pv_config *cfg, const source *src, pv_error *err)
{
	const char *urls = lookup(src, "NATS_URL");
	const char *host = lookup(src, "MEMPHIS_HOST");
	char built[300];

	if (urls != NULL && urls[0] != '\0')
		return parse_servers(cfg, "NATS_URL", urls, err);
	if (host == NULL || host[0] == '\0')
		return parse_servers(cfg, "NATS_URL", "nats://127.0.0.1:4222",
		    err);

	if (strstr(host, "://") != NULL)
		snprintf(built, sizeof(built), "%s", host);
	else if (strchr(host, ':') != NULL)
		snprintf(built, sizeof(built), "nats://%s", host);
	else
		snprintf(built, sizeof(built), "nats://%.255s:4222", host);
	if (parse_servers(cfg, "MEMPHIS_HOST", built, err) != PV_OK)
		return pv_error_set(err, PV_ERR_CONFIG, "MEMPHIS_HOST: invalid "
		    "value: expected a host name or host:port, such as "
		    "broker.internal or broker.internal:4222");
	return PV_OK;
}

static bool
is_stream_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/*
 * Splits a comma-separated list of stream names.  A name is also the
 * first token of every subject published to the stream, so it is limited
 * to letters, digits, '_' and '-': no '.', spaces or wildcards.
 */
static pv_status
parse_streams(pv_config *cfg, const source *src, const char *name,
	const char *list, pv_error *err)
{
	const char *p = list, *start;
	char excerpt[96];
	size_t len;
	int i;

	/* Names are separated by commas, with optional spaces around them. */
	for (;;) {
		while (*p == ' ')
			p++;
		for (start = p; is_stream_char(*p); p++)
			continue;
		len = (size_t)(p - start);
		while (*p == ' ')
			p++;
		if ((*p != '\0' && *p != ',') || len == 0 ||
		    len > PV_CONFIG_STREAM_NAME_MAX)
			return pv_error_set(err, PV_ERR_CONFIG, "%s: invalid "
			    "value %s: use comma-separated stream names of 1 "
			    "to %d letters, digits, '_' or '-'", name,
			    shown(excerpt, sizeof(excerpt), src, name, list),
			    PV_CONFIG_STREAM_NAME_MAX);
		if (cfg->stream_count == PV_CONFIG_STREAMS_MAX)
			return pv_error_set(err, PV_ERR_CONFIG, "%s: more "
			    "than %d streams", name, PV_CONFIG_STREAMS_MAX);

		memcpy(cfg->streams[cfg->stream_count], start, len);
		cfg->streams[cfg->stream_count][len] = '\0';
		for (i = 0; i < cfg->stream_count; i++)
			if (strcmp(cfg->streams[i], cfg->streams[
			    cfg->stream_count]) == 0)
				return pv_error_set(err, PV_ERR_CONFIG, "%s: "
				    "stream \"%s\" is listed twice", name,
				    cfg->streams[i]);
		cfg->stream_count++;
		if (*p == '\0')
			return PV_OK;
		p++;
	}
}

/*
 * The aggregates, for PHOTOVOTE_<AGGREGATE>_STREAMS: one environment
 * may serve all five handlers.
 */
static const char *const aggregate_names[] = {
	"BALLOT", "CANDIDATE", "COMPETITION", "ELECTION", "VOTER",
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/*
 * Checks the PHOTOVOTE_<AGGREGATE>_STREAMS of the other aggregates too,
 * because one environment or .env file often serves all five handlers,
 * and --check on one of them should find an error in any.
 */
static pv_status
check_other_streams(const pv_config *cfg, const source *src, pv_error *err)
{
	pv_config scratch;
	char other[64];
	const char *value;
	size_t i;
	pv_status st;

	for (i = 0; i < COUNT(aggregate_names); i++) {
		if (strcasecmp(aggregate_names[i], cfg->aggregate) == 0)
			continue;
		snprintf(other, sizeof(other), "PHOTOVOTE_%s_STREAMS",
		    aggregate_names[i]);
		value = lookup(src, other);
		if (value == NULL || value[0] == '\0')
			continue;
		scratch.stream_count = 0;
		st = parse_streams(&scratch, src, other, value, err);
		if (st != PV_OK)
			return st;
	}
	return PV_OK;
}

/* PHOTOVOTE_<AGGREGATE>_STREAMS overrides PHOTOVOTE_STREAMS. */
static pv_status
load_streams(pv_config *cfg, const source *src, pv_error *err)
{
	char own[64];
	const char *value;
	size_t i;
	pv_status st;

	snprintf(own, sizeof(own), "PHOTOVOTE_%s_STREAMS", cfg->aggregate);
	for (i = 0; own[i] != '\0'; i++)
		own[i] = (char)toupper((unsigned char)own[i]);

	value = lookup(src, own);
	if (value != NULL && value[0] != '\0')
		st = parse_streams(cfg, src, own, value, err);
	else if ((value = lookup(src, "PHOTOVOTE_STREAMS")) != NULL &&
	    value[0] != '\0')
		st = parse_streams(cfg, src, "PHOTOVOTE_STREAMS", value,
		    err);
	else
		st = parse_streams(cfg, src, "PHOTOVOTE_STREAMS", "election",
		    err);
	if (st != PV_OK)
		return st;
	return check_other_streams(cfg, src, err);
}

/* PHOTOVOTE_LOG picks the target, PHOTOVOTE_LOG_LEVEL the level. */
static pv_status
load_log_level(pv_config *cfg, const source *src, pv_error *err)
{
	static const char *const names[] = {
		"error", "warning", "info", "debug"
	};
	const char *value;
	char excerpt[96];
	size_t i;

	value = lookup(src, "PHOTOVOTE_LOG");
	if (value != NULL && strcmp(value, "syslog") == 0)
		cfg->log_to_syslog = true;
	else if (value != NULL && value[0] != '\0' &&
	    strcmp(value, "stderr") != 0)
		return pv_error_set(err, PV_ERR_CONFIG, "PHOTOVOTE_LOG: invalid "
		    "value %s: expected stderr or syslog",
		    shown(excerpt, sizeof(excerpt), src, "PHOTOVOTE_LOG",
		    value));

	value = lookup(src, "PHOTOVOTE_LOG_LEVEL");
	cfg->log_level = PV_LOG_INFO;
	if (value == NULL || value[0] == '\0')
		return PV_OK;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(value, names[i]) == 0) {
			cfg->log_level = (pv_log_level)i;
			return PV_OK;
		}
	}
	return pv_error_set(err, PV_ERR_CONFIG, "PHOTOVOTE_LOG_LEVEL: invalid "
	    "value %s: expected error, warning, info or debug",
	    shown(excerpt, sizeof(excerpt), src, "PHOTOVOTE_LOG_LEVEL", value));
}

/*
 * Checks that the file a setting names can be opened now, so that a
 * typing error stops the handler at start rather than failing every
 * connect.  Sets *world_readable (when not NULL) if other users may read
 * the file, as the caller warns for files that hold secrets.
 */
static pv_status
check_file(const char *name, const char *path, bool *world_readable,
	pv_error *err)
{
	struct stat sb;
	int fd, saved;

	if (path == NULL)
		return PV_OK;

	/* O_NONBLOCK: opening a FIFO would otherwise hang the start. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &sb) != 0) {
		saved = errno;
		if (fd >= 0)
			close(fd);
		return pv_error_set(err, PV_ERR_CONFIG, "%s: cannot open "
		    "%s: %s", name, path, strerror(saved));
	}
	close(fd);
	if (!S_ISREG(sb.st_mode))
		return pv_error_set(err, PV_ERR_CONFIG, "%s: %s is not a "
		    "regular file", name, path);
	if (world_readable != NULL)
		*world_readable = (sb.st_mode & S_IROTH) != 0;
	return PV_OK;
}

static pv_status
check_credential_files(pv_config *cfg, pv_error *err)
{
	pv_status st;

	if ((st = check_file("NATS_CREDS", cfg->creds_file,
	    &cfg->creds_file_world_readable, err)) != PV_OK ||
	    (st = check_file("NATS_CA", cfg->ca_file, NULL, err)) != PV_OK ||
	    (st = check_file("NATS_CERT", cfg->cert_file, NULL,
	    err)) != PV_OK ||
	    (st = check_file("NATS_KEY", cfg->key_file,
	    &cfg->key_file_world_readable, err)) != PV_OK)
		return st;
	return PV_OK;
}

/* Rejects a user, password or token that nats.c cannot send, by name only. */
static pv_status
check_connect_string(const char *name, const char *value, pv_error *err)
{
	const unsigned char *p;

	for (p = (const unsigned char *)value; p != NULL && *p != '\0'; p++)
		if (is_unsendable(*p))
			return pv_error_set(err, PV_ERR_CONFIG, "%s: contains "
			    "'\"', '\\' or a control character, which nats.c "
			    "cannot send", name);
	return PV_OK;
}

/* Returns the setting that copy_string takes a value from: name or fallback. */
static const char *
source_name(const source *src, const char *name, const char *fallback_name)
{
	const char *value = lookup(src, name);

	return value != NULL && value[0] != '\0' ? name : fallback_name;
}

/*
 * Fails when NATS_URL's user info comes with another credential setting,
 * naming the settings found, MEMPHIS_ ones included.
 */
static pv_status
check_url_credentials_alone(const pv_config *cfg, const source *src,
	pv_error *err)
{
	const char *set[4];
	int n = 0;

	if (cfg->user != NULL)
		set[n++] = source_name(src, "NATS_USER", "MEMPHIS_USERNAME");
	if (cfg->password != NULL)
		set[n++] = source_name(src, "NATS_PASSWORD",
		    "MEMPHIS_PASSWORD");
	if (cfg->token != NULL)
		set[n++] = "NATS_TOKEN";
	if (cfg->creds_file != NULL)
		set[n++] = "NATS_CREDS";
	if (n == 0)
		return PV_OK;

	return pv_error_set(err, PV_ERR_CONFIG, "NATS_URL contains "
	    "credentials (user@ or user:password@), which exclude "
	    "%s%s%s%s%s%s%s; keep only one", set[0], n > 1 ? ", " : "", n > 1 ? set[1] : "",
	    n > 2 ? ", " : "", n > 2 ? set[2] : "", n > 3 ? ", " : "",
	    n > 3 ? set[3] : "");
}

/*
 * Checks that a user comes with a password, naming the pair the operator
 * set: NATS_USER and NATS_PASSWORD, or the old service's MEMPHIS_USERNAME
 * and MEMPHIS_PASSWORD.
 */
static pv_status
check_user_password(const pv_config *cfg, const source *src, pv_error *err)
{
	const char *set;

	if ((cfg->password != NULL) == (cfg->user != NULL))
		return PV_OK;
	set = cfg->user != NULL ?
	    source_name(src, "NATS_USER", "MEMPHIS_USERNAME") :
	    source_name(src, "NATS_PASSWORD", "MEMPHIS_PASSWORD");
	if (strncmp(set, "MEMPHIS_", 8) == 0)
		return pv_error_set(err, PV_ERR_CONFIG, "MEMPHIS_USERNAME and "
		    "MEMPHIS_PASSWORD must be set together");
	return pv_error_set(err, PV_ERR_CONFIG, "NATS_USER and "
	    "NATS_PASSWORD must be set together");
}

static pv_status
load_credentials(pv_config *cfg, const source *src, pv_error *err)
{
	pv_status st;

	if ((st = copy_string(src, "NATS_USER", "MEMPHIS_USERNAME",
	    &cfg->user, err)) != PV_OK ||
	    (st = copy_string(src, "NATS_PASSWORD", "MEMPHIS_PASSWORD",
	    &cfg->password, err)) != PV_OK ||
	    (st = copy_string(src, "NATS_TOKEN", NULL, &cfg->token,
	    err)) != PV_OK ||
	    (st = copy_string(src, "NATS_CREDS", NULL, &cfg->creds_file,
	    err)) != PV_OK ||
	    (st = copy_string(src, "NATS_CA", NULL, &cfg->ca_file,
	    err)) != PV_OK ||
	    (st = copy_string(src, "NATS_CERT", NULL, &cfg->cert_file,
	    err)) != PV_OK ||
	    (st = copy_string(src, "NATS_KEY", NULL, &cfg->key_file,
	    err)) != PV_OK)
		return st;

	if ((st = check_connect_string(source_name(src, "NATS_USER",
	    "MEMPHIS_USERNAME"), cfg->user, err)) != PV_OK ||
	    (st = check_connect_string(source_name(src, "NATS_PASSWORD",
	    "MEMPHIS_PASSWORD"), cfg->password, err)) != PV_OK ||
	    (st = check_connect_string("NATS_TOKEN", cfg->token, err)) != PV_OK)
		return st;
	/*
	 * User info in a URL would silently win over these in nats.c.  This
	 * comes before the pair check, which would name the wrong fault.
	 */
	if (pv_config_url_has_user_info(cfg) &&
	    (st = check_url_credentials_alone(cfg, src, err)) != PV_OK)
		return st;
	if ((st = check_user_password(cfg, src, err)) != PV_OK)
		return st;
	snprintf(cfg->user_settings, sizeof(cfg->user_settings), "%s and %s",
	    source_name(src, "NATS_USER", "MEMPHIS_USERNAME"),
	    source_name(src, "NATS_PASSWORD", "MEMPHIS_PASSWORD"));
	/* nats.c would use one and silently drop the others. */
	if ((cfg->user != NULL) + (cfg->token != NULL) +
	    (cfg->creds_file != NULL) > 1)
		return pv_error_set(err, PV_ERR_CONFIG, "set only one of "
		    "NATS_USER and NATS_PASSWORD, NATS_TOKEN, NATS_CREDS");
	if ((cfg->cert_file == NULL) != (cfg->key_file == NULL))
		return pv_error_set(err, PV_ERR_CONFIG, "NATS_CERT and NATS_KEY "
		    "must be set together");
	return check_credential_files(cfg, err);
}

/* Sets *out from the setting name ("true" or "false"), or to fallback. */
static pv_status
parse_bool(const source *src, const char *name, bool fallback, bool *out,
	pv_error *err)
{
	const char *value = lookup(src, name);
	char excerpt[96];

	*out = fallback;
	if (value == NULL || value[0] == '\0')
		return PV_OK;
	if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0) {
		*out = value[0] == 't';
		return PV_OK;
	}
	return pv_error_set(err, PV_ERR_CONFIG, "%s: invalid value %s: "
	    "expected true or false", name,
	    shown(excerpt, sizeof(excerpt), src, name, value));
}

static pv_status
load_limits(pv_config *cfg, const source *src, pv_error *err)
{
	int64_t n;
	pv_status st;

	if ((st = parse_integer(src, "PHOTOVOTE_REPLICAS", 1, 5, 1, &n,
	    err)) != PV_OK)
		return st;
	cfg->replicas = (int)n;

	/* JetStream keeps the window as nanoseconds in an int64. */
	if ((st = parse_integer(src, "PHOTOVOTE_DUPLICATE_WINDOW", 1,
	    7 * 24 * 3600, 120, &n, err)) != PV_OK)
		return st;
	cfg->duplicate_window_s = n;

	if ((st = parse_integer(src, "PHOTOVOTE_PUBLISH_TIMEOUT_MS", 10,
	    60000, 2000, &n, err)) != PV_OK)
		return st;
	cfg->publish_timeout_ms = (int)n;

	/* nats-server's default max_payload is 1 MiB. */
	if ((st = parse_integer(src, "PHOTOVOTE_MAX_BODY", 2, 1024 * 1024,
	    65536, &n, err)) != PV_OK)
		return st;
	cfg->max_body = (size_t)n;

	if ((st = parse_integer(src, "PHOTOVOTE_THREADS", 1, 256, 16, &n,
	    err)) != PV_OK)
		return st;
	cfg->threads = (int)n;
	return PV_OK;
}

/*
 * Writes path to out, prefixed with the working directory if relative.
 * Returns false when out holds only the start of the path.
 */
static bool
show_path(char *out, size_t size, const char *path)
{
	char cwd[512];
	int n = -1;

	if (path[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL)
		n = snprintf(out, size, "%s/%s", strcmp(cwd, "/") == 0 ? "" :
		    cwd, path);

	/* Too long with its directory: the path as given. */
	if (n < 0 || (size_t)n >= size)
		n = snprintf(out, size, "%s", path);
	return n >= 0 && (size_t)n < size;
}

static pv_status
load_env_file(source *src, pv_config *cfg, pv_error *err)
{
	const char *path = lookup(src, "PHOTOVOTE_ENV_FILE");
	bool explicit = path != NULL && path[0] != '\0';
	char full[sizeof(cfg->env_file)];
	size_t path_len;
	mode_t mode;
	pv_status st;

	/*
	 * Opened as given, because a full path needs search permission on
	 * every directory above the working one.  Named with its directory,
	 * because under CGI and spawn-fcgi the working directory varies.
	 */
	if (!explicit)
		path = ".env";
	show_path(full, sizeof(full), path);
	st = pv_dotenv_read_file(&src->dotenv, path, explicit,
	    PV_CONFIG_ENV_FILE_MAX, &mode, err);
	if (st == PV_OK)
		st = pv_dotenv_expand(&src->dotenv, src->envp,
		    PV_CONFIG_ENV_FILE_MAX, path, err);
	if (st != PV_OK) {
		pv_error copy = *err;

		/* The message starts with path, replaced by the full one. */
		path_len = strlen(path);
		pv_error_set(err, st, "%s%s%s", explicit ? "PHOTOVOTE_ENV_FILE: " :
		    "", full, strncmp(copy.text, path, path_len) == 0 ?
		    copy.text + path_len : copy.text);
		return st;
	}

	if (mode != 0 || explicit)
		memcpy(cfg->env_file, full, sizeof(full));
	else
		memcpy(cfg->env_file_missing, full, sizeof(full));
	cfg->env_file_world_readable = S_ISREG(mode) && (mode & S_IROTH) != 0;
	cfg->env_file_world_writable = S_ISREG(mode) &&
	    (mode & (S_IWGRP | S_IWOTH)) != 0;
	return PV_OK;
}

/* The PHOTOVOTE_ settings, besides PHOTOVOTE_<AGGREGATE>_STREAMS. */
static const char *const photovote_settings[] = {
	"PHOTOVOTE_CREATE_STREAMS", "PHOTOVOTE_DUPLICATE_WINDOW",
	"PHOTOVOTE_ENV_FILE", "PHOTOVOTE_LOG", "PHOTOVOTE_LOG_LEVEL",
	"PHOTOVOTE_MAX_BODY", "PHOTOVOTE_PUBLISH_TIMEOUT_MS",
	"PHOTOVOTE_REPLICAS", "PHOTOVOTE_SCHED_BATCH", "PHOTOVOTE_STREAMS",
	"PHOTOVOTE_THREADS",
};

/* Returns true when the len bytes of name are a PHOTOVOTE_ setting. */
static bool
is_photovote_setting(const char *name, size_t len)
{
	char own[64];
	size_t i;

	for (i = 0; i < COUNT(photovote_settings); i++)
		if (strlen(photovote_settings[i]) == len &&
		    memcmp(photovote_settings[i], name, len) == 0)
			return true;
	for (i = 0; i < COUNT(aggregate_names); i++) {
		snprintf(own, sizeof(own), "PHOTOVOTE_%s_STREAMS",
		    aggregate_names[i]);
		if (strlen(own) == len && memcmp(own, name, len) == 0)
			return true;
	}
	return false;
}

void
pv_config_add_name(char *out, size_t size, const char *name, size_t len)
{
	static const char more[] = ", ...";
	size_t i, shown_len, used = strlen(out);
	char shown[64];
	const char *at;

	shown_len = len < 60 ? len : 57;
	for (i = 0; i < shown_len; i++)
		shown[i] = isalnum((unsigned char)name[i]) || name[i] == '_' ?
		    name[i] : '?';
	if (len >= 60) {
		memcpy(shown + shown_len, "...", 3);
		shown_len += 3;
	}
	shown[shown_len] = '\0';

	if (used >= sizeof(more) - 1 &&
	    strcmp(out + used - (sizeof(more) - 1), more) == 0)
		return;
	for (at = out; (at = strstr(at, shown)) != NULL; at += shown_len)
		if ((at == out || at[-1] == ' ') &&
		    (at[shown_len] == '\0' || at[shown_len] == ','))
			return;

	/* Room is kept for the mark of a full list. */
	if (used + 2 + shown_len + sizeof(more) > size) {
		if (used + sizeof(more) <= size)
			memcpy(out + used, more, sizeof(more));
		return;
	}
	snprintf(out + used, size - used, "%s%s", used > 0 ? ", " : "", shown);
}

/* The broker settings, checked in the .env file only. */
static const char *const broker_settings[] = {
	"MEMPHIS_HOST", "MEMPHIS_PASSWORD", "MEMPHIS_USERNAME", "NATS_CA",
	"NATS_CERT", "NATS_CREDS", "NATS_KEY", "NATS_PASSWORD", "NATS_TOKEN",
	"NATS_URL", "NATS_USER",
};

/* Returns true when name starts with NATS_ or MEMPHIS_ but is no setting. */
static bool
is_unknown_broker_name(const char *name, size_t len)
{
	size_t i;

	if (!(len >= 5 && strncasecmp(name, "NATS_", 5) == 0) &&
	    !(len >= 8 && strncasecmp(name, "MEMPHIS_", 8) == 0))
		return false;
	for (i = 0; i < COUNT(broker_settings); i++)
		if (strlen(broker_settings[i]) == len &&
		    memcmp(broker_settings[i], name, len) == 0)
			return false;
	return true;
}

/*
 * Adds name to cfg's unknown settings when it looks like a PHOTOVOTE_
 * one, or, from the .env file, like a NATS_ or MEMPHIS_ one.  (The
 * environment may hold other programs' NATS_ names, such as those that
 * Kubernetes sets for a service named "nats".)
 */
static void
check_name(pv_config *cfg, const char *name, size_t len, bool from_file)
{
	bool unknown = len >= 10 && strncasecmp(name, "PHOTOVOTE_", 10) == 0 &&
	    !is_photovote_setting(name, len);

	if (unknown || (from_file && is_unknown_broker_name(name, len)))
		pv_config_add_name(cfg->unknown_settings,
		    sizeof(cfg->unknown_settings), name, len);
}

/*
 * Notes the names that no setting reads (misspelled PHOTOVOTE_ names),
 * and the .env names that the environment overrides.
 */
static void
scan_names(pv_config *cfg, const source *src)
{
	char *const *e;
	const char *eq;
	size_t i, len;

	for (e = src->envp; e != NULL && *e != NULL; e++) {
		eq = strchr(*e, '=');
		if (eq != NULL)
			check_name(cfg, *e, (size_t)(eq - *e), false);
	}
	for (i = 0; i < src->dotenv.count; i++) {
		const char *name = src->dotenv.entries[i].name;
		bool has_value = src->dotenv.entries[i].value[0] != '\0';

		len = strlen(name);
		/* A name that a later line refers to is in use. */
		if (!src->dotenv.entries[i].referenced)
			check_name(cfg, name, len, true);
		for (e = src->envp; e != NULL && *e != NULL; e++) {
			if (strncmp(*e, name, len) != 0 || (*e)[len] != '=')
				continue;
			if ((*e)[len + 1] != '\0')
				pv_config_add_name(cfg->env_overridden,
				    sizeof(cfg->env_overridden), name, len);
			/* Empty in both: no value of .env is hidden. */
			else if (has_value)
				pv_config_add_name(cfg->env_emptied,
				    sizeof(cfg->env_emptied), name, len);
		}
	}
}

/*
 * Appends where the setting that err names ("NAME: ...") was set: the
 * environment, which wins, or the .env file.  An error that names no
 * single setting is left as it is.
 */
static void
note_origin(const source *src, const char *env_file, pv_error *err)
{
	size_t name_len = strspn(err->text, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_"), used = strlen(err->text);
	char name[64];
	char *const *e;

	if (name_len == 0 || name_len >= sizeof(name) ||
	    strncmp(err->text + name_len, ": ", 2) != 0)
		return;
	memcpy(name, err->text, name_len);
	name[name_len] = '\0';

	for (e = src->envp; e != NULL && *e != NULL; e++)
		if (strncmp(*e, name, name_len) == 0 && (*e)[name_len] == '=') {
			snprintf(err->text + used, sizeof(err->text) - used,
			    " (set in the environment)");
			return;
		}
	if (pv_dotenv_get(&src->dotenv, name) != NULL)
		snprintf(err->text + used, sizeof(err->text) - used,
		    " (set in %s)", env_file);
}

/*
 * Replaces in err each copy of a password or token value of 4 bytes or
 * more with "***".  A ${} reference in the .env file can carry such a
 * value into any setting, and so into any error text about it, such as
 * the path of a file that cannot be opened.
 */
static void
redact_secrets(const source *src, pv_error *err)
{
	static const char *const secrets[] = { "NATS_PASSWORD", "NATS_TOKEN",
	    "MEMPHIS_PASSWORD" };
	char text[sizeof(err->text)], *at;
	const char *value;
	size_t i, len, used;

	for (i = 0; i < COUNT(secrets); i++) {
		value = lookup(src, secrets[i]);
		if (value == NULL || (len = strlen(value)) < 4)
			continue;
		while ((at = strstr(err->text, value)) != NULL) {
			used = (size_t)(at - err->text);
			snprintf(text, sizeof(text), "%.*s***%s", (int)used,
			    err->text, at + len);
			memcpy(err->text, text, sizeof(text));
		}
	}
}

/*
 * Appends the names that the environment sets empty while .env gives
 * them a value.  Such a name often causes the error, as a password
 * emptied by the web server's configuration breaks the user's pair, and
 * its warning is printed only after a successful load.
 */
static void
note_emptied(pv_config *cfg, const source *src, pv_error *err)
{
	size_t used = strlen(err->text);

	scan_names(cfg, src);
	if (cfg->env_emptied[0] == '\0')
		return;
	snprintf(err->text + used, sizeof(err->text) - used, "; note that "
	    "the environment sets %s empty, which hides the value in %s",
	    cfg->env_emptied, cfg->env_file);
}

pv_status
pv_config_load(pv_config *cfg, const char *aggregate, char *const *envp,
	pv_error *err)
{
	source src = { envp, { NULL, 0 } };
	pv_status st;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->aggregate, sizeof(cfg->aggregate), "%s", aggregate);

	/*
	 * The log settings come first, so that the caller can report even a
	 * failed load where the operator looks for it.  A bad .env file
	 * leaves those from the environment.
	 */
	if ((st = load_env_file(&src, cfg, err)) != PV_OK) {
		pv_error ignored;

		(void)load_log_level(cfg, &src, &ignored);
		goto out;
	}
	if ((st = load_log_level(cfg, &src, err)) != PV_OK ||
	    (st = load_servers(cfg, &src, err)) != PV_OK ||
	    (st = load_credentials(cfg, &src, err)) != PV_OK ||
	    (st = load_streams(cfg, &src, err)) != PV_OK ||
	    (st = parse_bool(&src, "PHOTOVOTE_CREATE_STREAMS", true,
	    &cfg->create_streams, err)) != PV_OK ||
	    (st = parse_bool(&src, "PHOTOVOTE_SCHED_BATCH", true,
	    &cfg->sched_batch, err)) != PV_OK ||
	    (st = load_limits(cfg, &src, err)) != PV_OK) {
		if (st == PV_ERR_CONFIG) {
			note_origin(&src, cfg->env_file, err);
			note_emptied(cfg, &src, err);
		}
		redact_secrets(&src, err);
		goto out;
	}
	scan_names(cfg, &src);
out:
	pv_dotenv_free(&src.dotenv);
	if (st != PV_OK)
		pv_config_free(cfg);
	return st;
}

static void
free_secret(char **value)
{
	if (*value == NULL)
		return;
	/* Do not leave a password in freed heap memory. */
	memset(*value, 0, strlen(*value));
	free(*value);
	*value = NULL;
}

void
pv_config_free(pv_config *cfg)
{
	int i;

	for (i = 0; i < cfg->server_count; i++)
		free_secret(&cfg->servers[i]);
	cfg->server_count = 0;
	free(cfg->user);
	cfg->user = NULL;
	free_secret(&cfg->password);
	free_secret(&cfg->token);
	free(cfg->creds_file);
	free(cfg->ca_file);
	free(cfg->cert_file);
	free(cfg->key_file);
	cfg->creds_file = cfg->ca_file = cfg->cert_file = cfg->key_file = NULL;
}

pv_status
pv_config_parse_servers(pv_config *cfg, const char *name, const char *list,
	pv_error *err)
{
	return parse_servers(cfg, name, list, err);
}

char *
pv_config_redact_url(char *out, size_t out_size, const char *url)
{
	const char *scheme_end = strstr(url, "://");
	const char *host = scheme_end != NULL ? scheme_end + 3 : url;
	const char *at = last_at(host, host + strlen(host));

	if (at == NULL)
		snprintf(out, out_size, "%s", url);
	else
		snprintf(out, out_size, "%.*s***@%s", (int)(host - url), url,
		    at + 1);
	return out;
}

bool
pv_config_has_tls_urls(const pv_config *cfg)
{
	return cfg->server_count > 0 && is_tls_url(cfg->servers[0]);
}

bool
pv_config_requires_tls(const pv_config *cfg)
{
	return cfg->ca_file != NULL || cfg->cert_file != NULL ||
	    pv_config_has_tls_urls(cfg);
}

bool
pv_config_warning(const pv_config *cfg, int index, char *out, size_t size)
{
	const char *path[3], *holds[3];
	int n = 0;

	if (cfg->env_file_world_readable) {
		path[n] = cfg->env_file;
		holds[n++] = "it may hold secrets";
	}
	if (cfg->creds_file_world_readable) {
		path[n] = cfg->creds_file;
		holds[n++] = "it holds the NKey seed (NATS_CREDS)";
	}
	if (cfg->key_file_world_readable) {
		path[n] = cfg->key_file;
		holds[n++] = "it holds the TLS private key (NATS_KEY)";
	}
	if (index >= 0 && index < n) {
		snprintf(out, size, "%s is readable by other users; %s",
		    path[index], holds[index]);
		return true;
	}
	index -= n;

	if (cfg->env_file_world_writable && index-- == 0) {
		snprintf(out, size, "%s is writable by its group or other "
		    "users, who could change the broker and credentials the "
		    "handler uses; remove their write permission",
		    cfg->env_file);
		return true;
	}
	if (cfg->env_overridden[0] != '\0' && index-- == 0) {
		snprintf(out, size, "%s: set both in the environment (such as "
		    "the web server's configuration) and in %s; the "
		    "environment takes precedence", cfg->env_overridden,
		    cfg->env_file);
		return true;
	}
	if (cfg->env_emptied[0] != '\0' && index-- == 0) {
		snprintf(out, size, "%s: empty in the environment (such as "
		    "the web server's configuration), which selects the "
		    "default and hides the value in %s; remove the empty "
		    "setting to use it", cfg->env_emptied, cfg->env_file);
		return true;
	}
	if (cfg->unknown_settings[0] != '\0' && index-- == 0) {
		snprintf(out, size, "%s (in the environment or the .env file): "
		    "not a setting of the handlers, so ignored; check the "
		    "spelling", cfg->unknown_settings);
		return true;
	}
	return false;
}

bool
pv_config_url_has_user_info(const pv_config *cfg)
{
	const char *authority;
	int i;

	for (i = 0; i < cfg->server_count; i++) {
		authority = strstr(cfg->servers[i], "://");
		if (authority != NULL && strchr(authority, '@') != NULL)
			return true;
	}
	return false;
}

const char *
pv_config_credential_names(const pv_config *cfg)
{
	if (cfg->creds_file != NULL)
		return "NATS_CREDS";
	if (cfg->token != NULL)
		return "NATS_TOKEN";
	if (cfg->user != NULL)
		return cfg->user_settings;
	if (pv_config_url_has_user_info(cfg))
		return "the user info in NATS_URL";
	return NULL;
}
