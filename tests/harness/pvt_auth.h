/*
 * Helpers for the broker authentication tests (tests/auth): a
 * nats-server started from a configuration file, a handler process on
 * its own FastCGI socket, and the test's own connection to the broker
 * with the same kinds of credentials the handler takes.
 */
#ifndef PVT_AUTH_H
#define PVT_AUTH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <nats/nats.h>

#include "pvt_proc.h"

/* How the test connects to the broker; NULL fields are unset. */
typedef struct pvt_auth_client {
	const char *url;
	const char *user;
	const char *password;
	const char *token;
	const char *creds;
	const char *ca;
	const char *cert;
	const char *key;
} pvt_auth_client;

/*
 * Starts nats-server -c conf_path with its output in log_path and waits
 * until 127.0.0.1:port accepts TCP connections.  Returns the pid or -1
 * (after printing the server log).
 */
pid_t pvt_auth_server_start(const char *conf_path, const char *log_path,
	int port);

/*
 * Writes dir/nats.conf (listen on 127.0.0.1:port, JetStream stored in
 * dir/js, then extra) and starts it as pvt_auth_server_start does, with
 * its log in dir/nats.log.
 */
pid_t pvt_auth_server_start_in(const char *dir, int port, const char *extra);

/* The same, for a server without JetStream and without extra lines. */
pid_t pvt_auth_server_start_plain(const char *dir, int port);

/*
 * Stores the message count of stream in *out; false when the connection
 * or the lookup fails (a missing stream is a failure too).
 */
bool pvt_auth_stream_messages(const pvt_auth_client *c, const char *stream,
	uint64_t *out);

/* Returns true when stream exists; false when it does not or on failure. */
bool pvt_auth_stream_exists(const pvt_auth_client *c, const char *stream);

/* Creates stream with subjects "<stream>.>" and file storage. */
bool pvt_auth_stream_create(const pvt_auth_client *c, const char *stream);

/* voter.fcgi serving a Unix socket of its own, as spawn-fcgi runs it. */
typedef struct pvt_auth_handler {
	pid_t pid;
	char socket_path[PVT_PATH_MAX + 16];
	char log_path[PVT_PATH_MAX + 16];
} pvt_auth_handler;

/*
 * Starts $PV_BUILD/voter.fcgi in dir with the environment env (a
 * NULL-terminated "NAME=value" array; PHOTOVOTE_ENV_FILE=/dev/null is
 * added) and its standard error in dir/name.log.
 */
bool pvt_auth_handler_start(pvt_auth_handler *h, const char *dir,
	const char *name, char *const *env);

/* Stops the handler by its pid; true when it exited on SIGTERM. */
bool pvt_auth_handler_stop(pvt_auth_handler *h);

/*
 * One test's scratch directory, free broker port and URL, and the
 * processes it starts there.
 */
typedef struct pvt_auth_site {
	char dir[PVT_PATH_MAX];
	int port;
	char url[64];			/* nats://127.0.0.1:<port> */
	char url_setting[96];		/* NATS_URL=<url>, for a handler */
	pid_t server;			/* nats-server, or -1 */
	pvt_auth_handler handler;	/* pid -1 until started */
} pvt_auth_site;

/*
 * Makes a scratch directory whose name contains tag and picks a free
 * port.  Returns false (after printing why) when either fails.
 */
bool pvt_auth_site_open(pvt_auth_site *site, const char *tag);

/* Starts the site's handler in its directory, as pvt_auth_handler_start. */
bool pvt_auth_site_handler(pvt_auth_site *site, const char *name,
	char *const *env);

/*
 * Stops the handler and nats-server by pid, then removes the directory.
 * A site that was never opened is left as it is.
 */
void pvt_auth_site_close(pvt_auth_site *site);

/*
 * Sends POST /voter/ with a valid VoterRegistered event whose id is
 * event_id, and returns the HTTP status of the answer (0 on failure).
 */
int pvt_auth_post_event(const pvt_auth_handler *h, const char *event_id);

/* The same for an event of election election_id (a ULID). */
int pvt_auth_post_event_to(const pvt_auth_handler *h, const char *event_id,
	const char *election_id);

/* Returns a copy of the file at path (NUL-terminated; caller frees). */
char *pvt_auth_read_file(const char *path);

/*
 * Returns the number of times text occurs in the handler's log, or -1
 * when the log cannot be read.
 */
int pvt_auth_count_logged(const pvt_auth_handler *h, const char *text);

/* Waits up to timeout_ms until the file at path contains text. */
bool pvt_auth_wait_file(const char *path, const char *text, int timeout_ms);

/* Waits up to timeout_ms until the handler's log contains text. */
bool pvt_auth_wait_logged(const pvt_auth_handler *h, const char *text,
	int timeout_ms);

/*
 * A test's own JetStream API: a client of a nats-server without
 * JetStream that replies to the requests to "$JS.API.>", and optionally
 * to the events published to "election.>".
 */
typedef struct pvt_auth_fake {
	natsConnection *nc;
	natsSubscription *api_sub;
	natsSubscription *event_sub;	/* NULL while events get no reply */
} pvt_auth_fake;

/*
 * Opens site (tag as in pvt_auth_site_open), starts its nats-server
 * without JetStream, and subscribes on_api (with closure) to
 * "$JS.API.>".  Returns false when a step fails.
 */
bool pvt_auth_fake_start(pvt_auth_fake *fake, pvt_auth_site *site,
	const char *tag, natsMsgHandler on_api, void *closure);

/*
 * Subscribes on_event (with closure) to "election.>", or with on_event
 * NULL removes that subscription, so that publishes find no responder.
 */
bool pvt_auth_fake_events(pvt_auth_fake *fake, natsMsgHandler on_event,
	void *closure);

/* Returns true when msg requests the info of stream "election". */
bool pvt_auth_fake_is_stream_info(const natsMsg *msg);

/* Kind of reply the stand-in sends to a stream info request. */
typedef enum pvt_auth_info {
	PVT_INFO_FOUND,		/* the stream's info */
	PVT_INFO_UNAVAILABLE,	/* the error of a cluster without a leader */
	PVT_INFO_MISSING	/* "stream not found" */
} pvt_auth_info;

/* The stream that the stand-in describes. */
typedef struct pvt_auth_stream {
	int year;			/* of its creation, on January 1st */
	int replicas;
	unsigned long long last_seq;	/* sequence of its last message */
	bool leaderless;		/* its cluster knows no leader */
} pvt_auth_stream;

/*
 * Replies to msg as reply selects, with the info of stream when reply
 * is PVT_INFO_FOUND.
 */
void pvt_auth_fake_stream_info(natsConnection *conn, const natsMsg *msg,
	const pvt_auth_stream *stream, pvt_auth_info reply);

/* Returns true when msg requests the creation of stream "election". */
bool pvt_auth_fake_is_stream_create(const natsMsg *msg);

/* Replies to a creation request with a lasting error of the server's. */
void pvt_auth_fake_create_fails(natsConnection *conn, const natsMsg *msg);

/* Acknowledges the event in msg as stored in "election" as sequence 1. */
void pvt_auth_fake_ack(natsConnection *conn, const natsMsg *msg);

/* Closes the fake's connection, then the site as pvt_auth_site_close. */
void pvt_auth_fake_close(pvt_auth_fake *fake, pvt_auth_site *site);

#endif
