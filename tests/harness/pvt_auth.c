/* Helpers for the broker authentication tests; see pvt_auth.h. */
#include "pvt_auth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <nats/nats.h>

#include "pvt_fcgi.h"
#include "pvt_http.h"

#define SERVER_START_MS		10000
#define CONNECT_TIMEOUT_MS	3000
#define REQUEST_TIMEOUT_MS	5000

/* Logins that the tests' client tries with a creds file, at most. */
#define CREDS_ATTEMPTS		3

/*
 * The stand-in's stream info: replicas, year of creation, messages and
 * the name of the leader, or "" for none.
 */
#define STREAM_INFO_FORMAT "{\"type\":\"io.nats.jetstream.api.v1." \
	"stream_info_response\",\"config\":{\"name\":\"election\"," \
	"\"subjects\":[\"election.>\"],\"retention\":\"limits\"," \
	"\"storage\":\"file\",\"num_replicas\":%d,\"duplicate_window\":" \
	"120000000000},\"created\":\"%d-01-01T00:00:00Z\",\"state\":" \
	"{\"messages\":%llu,\"bytes\":0,\"first_seq\":%d,\"last_seq\":%llu," \
	"\"consumer_count\":0},\"cluster\":{\"name\":\"test\"," \
	"\"leader\":\"%s\"}}"
#define STREAM_UNAVAILABLE "{\"type\":\"io.nats.jetstream.api.v1." \
	"stream_info_response\",\"error\":{\"code\":503,\"err_code\":" \
	"10008,\"description\":\"JetStream system temporarily " \
	"unavailable\"}}"
#define STREAM_MISSING "{\"type\":\"io.nats.jetstream.api.v1." \
	"stream_info_response\",\"error\":{\"code\":404,\"err_code\":" \
	"10059,\"description\":\"stream not found\"}}"
#define CREATE_FAILED "{\"type\":\"io.nats.jetstream.api.v1." \
	"stream_create_response\",\"error\":{\"code\":500,\"err_code\":" \
	"10023,\"description\":\"insufficient resources\"}}"
#define HANDLER_STOP_MS		5000
#define FCGI_TIMEOUT_MS		20000

/*
 * Returns true when the server logging to the path arg is ready.  Its own
 * log shows that, the port does not: a server of another test that took
 * the same port would accept connections too.
 */
static bool
server_ready(void *arg)
{
	char *log = pvt_auth_read_file(arg);
	bool ready = log != NULL && strstr(log, "Server is ready") != NULL;

	free(log);
	return ready;
}

pid_t
pvt_auth_server_start(const char *conf_path, const char *log_path, int port)
{
	char *argv[] = { "nats-server", "-c", (char *)conf_path, NULL };
	pid_t pid;

	pid = pvt_spawn(argv, log_path);
	if (pid < 0)
		return -1;
	if (!pvt_wait_until(server_ready, (void *)log_path, pid,
	    SERVER_START_MS) || !pvt_tcp_accepts(port)) {
		fprintf(stderr, "pvt: nats-server did not start\n");
		pvt_print_tail(log_path, 4000);
		pvt_stop(pid, 2000);
		return -1;
	}
	return pid;
}

/* Writes dir/nats.conf, with JetStream when jetstream, and starts it. */
static pid_t
server_start(const char *dir, int port, bool jetstream, const char *extra)
{
	char conf[PVT_PATH_MAX + 16], log[PVT_PATH_MAX + 16];
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/nats.conf", dir);
	snprintf(log, sizeof(log), "%s/nats.log", dir);
	f = fopen(conf, "w");
	if (f == NULL) {
		perror("pvt: writing nats.conf");
		return -1;
	}
	fprintf(f, "listen: 127.0.0.1:%d\n", port);
	if (jetstream)
		fprintf(f, "jetstream { store_dir: \"%s/js\" }\n", dir);
	fprintf(f, "%s\n", extra);
	if (fclose(f) != 0) {
		perror("pvt: writing nats.conf");
		return -1;
	}
	return pvt_auth_server_start(conf, log, port);
}

pid_t
pvt_auth_server_start_in(const char *dir, int port, const char *extra)
{
	return server_start(dir, port, true, extra);
}

pid_t
pvt_auth_server_start_plain(const char *dir, int port)
{
	return server_start(dir, port, false, "");
}

static natsStatus
client_options(const pvt_auth_client *c, natsOptions **out)
{
	natsOptions *o = NULL;
	natsStatus s;

	s = natsOptions_Create(&o);
	if (s == NATS_OK)
		s = natsOptions_SetURL(o, c->url);
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(o, CONNECT_TIMEOUT_MS);
	if (s == NATS_OK)
		s = natsOptions_SetAllowReconnect(o, false);
	if (s == NATS_OK && c->user != NULL)
		s = natsOptions_SetUserInfo(o, c->user, c->password);
	if (s == NATS_OK && c->token != NULL)
		s = natsOptions_SetToken(o, c->token);
	if (s == NATS_OK && c->creds != NULL)
		s = natsOptions_SetUserCredentialsFromFiles(o, c->creds, NULL);
	if (s == NATS_OK && c->ca != NULL)
		s = natsOptions_LoadCATrustedCertificates(o, c->ca);
	if (s == NATS_OK && c->cert != NULL)
		s = natsOptions_LoadCertificatesChain(o, c->cert, c->key);
	if (s == NATS_OK && (c->ca != NULL || c->cert != NULL))
		s = natsOptions_SetSecure(o, true);
	*out = o;
	return s;
}

/* Returns true when the connect that returned s had its login rejected. */
static bool
login_rejected(natsStatus s)
{
	const char *text = nats_GetLastError(NULL);

	return s == NATS_CONNECTION_AUTH_FAILED ||
	    (text != NULL && strstr(text, "uthoriz") != NULL);
}

/* Connects as c; the caller destroys *js and *nc. */
static bool
client_connect(const pvt_auth_client *c, natsConnection **nc, jsCtx **js)
{
	natsOptions *o = NULL;
	jsOptions jo;
	natsStatus s;
	int attempt;

	*nc = NULL;
	*js = NULL;
	s = client_options(c, &o);
	if (s == NATS_OK)
		s = natsConnection_Connect(nc, o);
	/*
	 * nats.c 3.4.1 sends no signature when its first byte is zero, so 1
	 * in 256 logins with a creds file fails.  Another login signs
	 * another nonce.
	 */
	for (attempt = 1; s != NATS_OK && c->creds != NULL &&
	    attempt < CREDS_ATTEMPTS && login_rejected(s); attempt++)
		s = natsConnection_Connect(nc, o);
	if (s == NATS_OK) {
		jsOptions_Init(&jo);
		jo.Wait = REQUEST_TIMEOUT_MS;
		s = natsConnection_JetStream(js, *nc, &jo);
	}
	natsOptions_Destroy(o);
	if (s != NATS_OK)
		fprintf(stderr, "pvt: test connection to %s failed: %s\n",
		    c->url, natsStatus_GetText(s));
	return s == NATS_OK;
}

static void
client_close(natsConnection *nc, jsCtx *js)
{
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
}

/* Looks stream up; *found is false when the broker has no such stream. */
static bool
stream_info(const pvt_auth_client *c, const char *stream, bool *found,
	uint64_t *messages)
{
	natsConnection *nc;
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	jsCtx *js;
	natsStatus s;

	*found = false;
	if (!client_connect(c, &nc, &js))
		return false;
	s = js_GetStreamInfo(&si, js, stream, NULL, &jerr);
	if (s == NATS_OK) {
		*found = true;
		*messages = si->State.Msgs;
	}
	jsStreamInfo_Destroy(si);
	client_close(nc, js);
	if (s != NATS_OK && s != NATS_NOT_FOUND)
		fprintf(stderr, "pvt: stream %s lookup failed: %s (%d)\n",
		    stream, natsStatus_GetText(s), (int)jerr);
	return s == NATS_OK || s == NATS_NOT_FOUND;
}

bool
pvt_auth_stream_messages(const pvt_auth_client *c, const char *stream,
	uint64_t *out)
{
	bool found;

	return stream_info(c, stream, &found, out) && found;
}

bool
pvt_auth_stream_exists(const pvt_auth_client *c, const char *stream)
{
	uint64_t messages;
	bool found;

	return stream_info(c, stream, &found, &messages) && found;
}

bool
pvt_auth_stream_create(const pvt_auth_client *c, const char *stream)
{
	char subject[128];
	const char *subjects[] = { subject };
	jsStreamConfig sc;
	natsConnection *nc;
	jsErrCode jerr = 0;
	jsCtx *js;
	natsStatus s;

	if (!client_connect(c, &nc, &js))
		return false;
	snprintf(subject, sizeof(subject), "%s.>", stream);
	jsStreamConfig_Init(&sc);
	sc.Name = stream;
	sc.Subjects = subjects;
	sc.SubjectsLen = 1;
	sc.Storage = js_FileStorage;
	s = js_AddStream(NULL, js, &sc, NULL, &jerr);
	client_close(nc, js);
	if (s != NATS_OK)
		fprintf(stderr, "pvt: creating stream %s failed: %s (%d)\n",
		    stream, natsStatus_GetText(s), (int)jerr);
	return s == NATS_OK;
}

/* Binds and listens on a new Unix socket at path; returns it or -1. */
static int
listen_unix(const char *path)
{
	struct sockaddr_un addr;
	int fd;

	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr.sun_path))
		return -1;
	memcpy(addr.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    listen(fd, 128) != 0) {
		fprintf(stderr, "pvt: listen on %s: %s\n", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* In the child: the socket on descriptor 0, the log on 2, then exec. */
static void
exec_handler(int listener, const char *log_path, char *const *env)
{
	const char *build = getenv("PV_BUILD");
	char program[PVT_PATH_MAX];
	char *envp[32], *argv[] = { program, NULL };
	size_t i, n = 0;
	int log;

	snprintf(program, sizeof(program), "%s/voter.fcgi",
	    build != NULL ? build : "build");
	envp[n++] = "PHOTOVOTE_ENV_FILE=/dev/null";
	for (i = 0; env[i] != NULL && n < 31; i++)
		envp[n++] = env[i];
	envp[n] = NULL;

	log = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (log < 0 || dup2(listener, 0) < 0 || dup2(log, 2) < 0)
		_exit(126);
	execve(program, argv, envp);
	_exit(127);
}

bool
pvt_auth_handler_start(pvt_auth_handler *h, const char *dir,
	const char *name, char *const *env)
{
	int listener;

	snprintf(h->socket_path, sizeof(h->socket_path), "%s/%s.sock", dir,
	    name);
	snprintf(h->log_path, sizeof(h->log_path), "%s/%s.log", dir, name);
	listener = listen_unix(h->socket_path);
	if (listener < 0)
		return false;

	h->pid = fork();
	if (h->pid == 0)
		exec_handler(listener, h->log_path, env);
	close(listener);
	return h->pid > 0;
}

bool
pvt_auth_handler_stop(pvt_auth_handler *h)
{
	bool clean;

	if (h->pid <= 0)
		return true;
	clean = pvt_stop(h->pid, HANDLER_STOP_MS);
	h->pid = -1;
	return clean;
}

bool
pvt_auth_site_open(pvt_auth_site *site, const char *tag)
{
	memset(site, 0, sizeof(*site));
	site->server = -1;
	site->handler.pid = -1;
	if (!pvt_tmpdir_make(site->dir, sizeof(site->dir), tag))
		return false;

	site->port = pvt_free_port();
	if (site->port <= 0) {
		fprintf(stderr, "pvt: no free port for nats-server\n");
		return false;
	}
	snprintf(site->url, sizeof(site->url), "nats://127.0.0.1:%d",
	    site->port);
	snprintf(site->url_setting, sizeof(site->url_setting), "NATS_URL=%s",
	    site->url);
	return true;
}

bool
pvt_auth_site_handler(pvt_auth_site *site, const char *name,
	char *const *env)
{
	return pvt_auth_handler_start(&site->handler, site->dir, name, env);
}

void
pvt_auth_site_close(pvt_auth_site *site)
{
	if (site->dir[0] == '\0')
		return;

	pvt_auth_handler_stop(&site->handler);
	if (site->server > 0)
		pvt_stop(site->server, 5000);
	site->server = -1;
	pvt_tmpdir_remove(site->dir);
	site->dir[0] = '\0';
}

int
pvt_auth_post_event(const pvt_auth_handler *h, const char *event_id)
{
	return pvt_auth_post_event_to(h, event_id,
	    "01HV6Z3R8Y5A0B9C7D2E4F6G8K");
}

int
pvt_auth_post_event_to(const pvt_auth_handler *h, const char *event_id,
	const char *election_id)
{
	char body[512], length[16];
	const char *params[] = { "REQUEST_METHOD", "POST", "REQUEST_URI",
	    "/voter/", "CONTENT_TYPE", "application/json", "CONTENT_LENGTH",
	    length, "GATEWAY_INTERFACE", "CGI/1.1", NULL };
	char *out = NULL;
	int n, status = 0;

	n = snprintf(body, sizeof(body), "{\"id\":\"%s\",\"voter_id\":"
	    "\"01HV6Z3R8Y5A0B9C7D2E4F6G8J\",\"election_id\":\"%s\","
	    "\"name\":\"Ada\",\"email\":\"ada@example.com\"}", event_id,
	    election_id);
	snprintf(length, sizeof(length), "%d", n);
	if (pvt_fcgi_request(h->socket_path, params, body, (size_t)n,
	    FCGI_TIMEOUT_MS, &out) && strncmp(out, "Status: ", 8) == 0)
		status = atoi(out + 8);
	else
		fprintf(stderr, "pvt: no FastCGI answer from %s (%s: "
		    "%.60s)\n", h->socket_path, strerror(errno),
		    out != NULL ? out : "nothing read");
	free(out);
	return status;
}

char *
pvt_auth_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long size;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	text = malloc((size_t)size + 1);
	if (text != NULL) {
		size = (long)fread(text, 1, (size_t)size, f);
		text[size] = '\0';
	}
	fclose(f);
	return text;
}

int
pvt_auth_count_logged(const pvt_auth_handler *h, const char *text)
{
	char *log = pvt_auth_read_file(h->log_path);
	const char *at;
	int count = 0;

	if (log == NULL)
		return -1;
	for (at = log; (at = strstr(at, text)) != NULL; at++)
		count++;
	free(log);
	return count;
}

/* A log and a text that pvt_auth_wait_logged waits for. */
struct logged {
	const char *path;
	const char *text;
};

static bool
log_contains(void *arg)
{
	const struct logged *expected = arg;
	char *log = pvt_auth_read_file(expected->path);
	bool found = log != NULL && strstr(log, expected->text) != NULL;

	free(log);
	return found;
}

bool
pvt_auth_wait_file(const char *path, const char *text, int timeout_ms)
{
	struct logged expected = { path, text };

	if (pvt_wait_until(log_contains, &expected, -1, timeout_ms))
		return true;
	fprintf(stderr, "pvt: %s lacks \"%s\"\n", path, text);
	pvt_print_tail(path, 4000);
	return false;
}

bool
pvt_auth_wait_logged(const pvt_auth_handler *h, const char *text,
	int timeout_ms)
{
	return pvt_auth_wait_file(h->log_path, text, timeout_ms);
}

bool
pvt_auth_fake_start(pvt_auth_fake *fake, pvt_auth_site *site,
	const char *tag, natsMsgHandler on_api, void *closure)
{
	memset(fake, 0, sizeof(*fake));
	if (!pvt_auth_site_open(site, tag))
		return false;
	site->server = pvt_auth_server_start_plain(site->dir, site->port);
	if (site->server <= 0)
		return false;

	return natsConnection_ConnectTo(&fake->nc, site->url) == NATS_OK &&
	    natsConnection_Subscribe(&fake->api_sub, fake->nc, "$JS.API.>",
	    on_api, closure) == NATS_OK &&
	    natsConnection_Flush(fake->nc) == NATS_OK;
}

bool
pvt_auth_fake_events(pvt_auth_fake *fake, natsMsgHandler on_event,
	void *closure)
{
	natsStatus s = NATS_OK;

	if (on_event != NULL)
		s = natsConnection_Subscribe(&fake->event_sub, fake->nc,
		    "election.>", on_event, closure);
	else if (fake->event_sub != NULL)
		s = natsSubscription_Unsubscribe(fake->event_sub);
	if (on_event == NULL) {
		natsSubscription_Destroy(fake->event_sub);
		fake->event_sub = NULL;
	}
	return s == NATS_OK && natsConnection_Flush(fake->nc) == NATS_OK;
}

bool
pvt_auth_fake_is_stream_info(const natsMsg *msg)
{
	return natsMsg_GetReply(msg) != NULL && strcmp(natsMsg_GetSubject(msg),
	    "$JS.API.STREAM.INFO.election") == 0;
}

void
pvt_auth_fake_stream_info(natsConnection *conn, const natsMsg *msg,
	const pvt_auth_stream *stream, pvt_auth_info reply)
{
	char info[sizeof(STREAM_INFO_FORMAT) + 64];
	const char *text = info;

	snprintf(info, sizeof(info), STREAM_INFO_FORMAT, stream->replicas,
	    stream->year, stream->last_seq, stream->last_seq > 0 ? 1 : 0,
	    stream->last_seq, stream->leaderless ? "" : "n1");
	if (reply == PVT_INFO_UNAVAILABLE)
		text = STREAM_UNAVAILABLE;
	else if (reply == PVT_INFO_MISSING)
		text = STREAM_MISSING;
	natsConnection_PublishString(conn, natsMsg_GetReply(msg), text);
}

bool
pvt_auth_fake_is_stream_create(const natsMsg *msg)
{
	return natsMsg_GetReply(msg) != NULL && strcmp(natsMsg_GetSubject(msg),
	    "$JS.API.STREAM.CREATE.election") == 0;
}

void
pvt_auth_fake_create_fails(natsConnection *conn, const natsMsg *msg)
{
	natsConnection_PublishString(conn, natsMsg_GetReply(msg),
	    CREATE_FAILED);
}

void
pvt_auth_fake_ack(natsConnection *conn, const natsMsg *msg)
{
	const char *reply = natsMsg_GetReply(msg);

	if (reply != NULL)
		natsConnection_PublishString(conn, reply,
		    "{\"stream\":\"election\",\"seq\":1}");
}

void
pvt_auth_fake_close(pvt_auth_fake *fake, pvt_auth_site *site)
{
	natsSubscription_Destroy(fake->api_sub);
	natsSubscription_Destroy(fake->event_sub);
	natsConnection_Destroy(fake->nc);
	memset(fake, 0, sizeof(*fake));
	pvt_auth_site_close(site);
}
