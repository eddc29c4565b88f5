/*
 * Handler configuration from the process environment and an optional
 * .env file.
 *
 * Values come from the environment first; the .env file (path in
 * PHOTOVOTE_ENV_FILE, default ".env" in the working directory) only fills
 * settings the environment lacks.  Every value is checked here, once, at
 * start: a bad one fails pv_config_load with a message that names the
 * setting and never shows the value of a secret.
 */
#ifndef PV_CONFIG_H
#define PV_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pv_log.h"
#include "pv_status.h"

#define PV_CONFIG_SERVERS_MAX	16
#define PV_CONFIG_STREAMS_MAX	8
#define PV_CONFIG_STREAM_NAME_MAX 64
#define PV_CONFIG_ENV_FILE_MAX	(1024 * 1024)

typedef struct pv_config {
	char aggregate[16];		/* "voter"; names the handler in logs */

	/* Broker: server URLs and credentials (NULL when unset). */
	char *servers[PV_CONFIG_SERVERS_MAX];
	int server_count;
	char *user;
	char *password;			/* secret */
	char user_settings[48];		/* "NATS_USER and NATS_PASSWORD", or
					   the MEMPHIS_ names they came from */
	char *token;			/* secret */
	char *creds_file;		/* JWT + NKey seed file */
	char *ca_file;			/* TLS: CA certificates */
	char *cert_file;		/* TLS: client certificate */
	char *key_file;			/* TLS: client key */
	bool creds_file_world_readable;	/* other users may read the seed */
	bool key_file_world_readable;	/* other users may read the key */

	/* Streams this aggregate publishes to; 200 needs every one's ack. */
	char streams[PV_CONFIG_STREAMS_MAX][PV_CONFIG_STREAM_NAME_MAX + 1];
	int stream_count;
	int replicas;			/* 1 to 5 */
	bool create_streams;		/* false: bind to existing streams only */
	int64_t duplicate_window_s;	/* JetStream de-duplication window */

	int publish_timeout_ms;		/* time a request may wait for acks */
	size_t max_body;		/* bytes; a larger body gets 413 */
	int threads;			/* requests in flight per process */
	bool sched_batch;		/* move from SCHED_OTHER to SCHED_BATCH */
	pv_log_level log_level;
	bool log_to_syslog;		/* PHOTOVOTE_LOG=syslog */
	char env_file[256];		/* the .env file read, or "" */
	char env_file_missing[256];	/* the default .env looked for and
					   not found, or "" */
	bool env_file_world_readable;	/* other users may read its secrets */
	bool env_file_world_writable;	/* others may change its settings */
	char env_overridden[256];	/* names in both, "A, B", or "" */
	char env_emptied[256];		/* names in both, empty in envp */
	char unknown_settings[256];	/* setting-like names not read, or "" */
} pv_config;

/*
 * Fills cfg for aggregate from envp (a NULL-terminated "NAME=value" array,
 * usually environ) and the .env file.  On failure err names the setting
 * and cfg contains nothing to free, but log_to_syslog and log_level keep the
 * log settings when those were valid.  On success the caller releases cfg
 * with pv_config_free.
 */
pv_status pv_config_load(pv_config *cfg, const char *aggregate,
	char *const *envp, pv_error *err);

void pv_config_free(pv_config *cfg);

/*
 * Parses list, a comma-separated list of server URLs, by the rules of
 * NATS_URL into cfg->servers, for URLs given some other way (a tool's
 * argument).  cfg must be zeroed.  On failure err names the setting as
 * name and the entry by its position.  The caller releases cfg with
 * pv_config_free either way.
 */
pv_status pv_config_parse_servers(pv_config *cfg, const char *name,
	const char *list, pv_error *err);

/*
 * Writes url to out with any "user:password@" part replaced by "***@",
 * so that server URLs can be logged.  Returns out.
 */
char *pv_config_redact_url(char *out, size_t out_size, const char *url);

/*
 * Returns true when the broker connection must use TLS: NATS_CA or
 * NATS_CERT is set, or a URL has the tls:// scheme (which nats.c 3.4.1
 * alone would not enforce).
 */
bool pv_config_requires_tls(const pv_config *cfg);

/* Returns true when the URLs are tls:// (a list never mixes schemes). */
bool pv_config_has_tls_urls(const pv_config *cfg);

/* Returns true when a server URL contains user info ("user@", "u:p@"). */
bool pv_config_url_has_user_info(const pv_config *cfg);

/*
 * Returns the names of the settings that hold the credentials in use,
 * for a message about a failed login: "NATS_CREDS", "NATS_TOKEN", "the
 * user info in NATS_URL" or, for a user and password, the two settings
 * read (such as "MEMPHIS_USERNAME and NATS_PASSWORD"); NULL when none is
 * set.  The text lives as long as cfg.
 */
const char *pv_config_credential_names(const pv_config *cfg);

/* Size of a pv_config_warning text: a path of PATH_MAX bytes fits. */
#define PV_CONFIG_WARNING_MAX	4200

/*
 * Writes to out the warning number index (from 0) about the settings of
 * cfg: a file with secrets that other users may read (the .env file,
 * NATS_CREDS, NATS_KEY), a .env file that they may write, names in the
 * .env file that the environment overrides or sets empty, and PHOTOVOTE_
 * names that are no setting (misspelled ones).  Returns false, writing nothing, when
 * there is no such warning.
 */
bool pv_config_warning(const pv_config *cfg, int index, char *out,
	size_t size);

/*
 * Appends the len bytes of name to the list "A, B" in out (size bytes,
 * NUL-terminated), unless it is there already.  Bytes other than letters,
 * digits and '_' are shown as '?', because a name may come from anywhere.
 * A name of 60 bytes or more is cut and ends in "...".  A list with no
 * room for more ends in ", ...".
 */
void pv_config_add_name(char *out, size_t size, const char *name,
	size_t len);

#endif
