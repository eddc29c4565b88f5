/* The handler executables' main program; see pv_server.h. */
#include "pv_server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <fastcgi.h>
#include <fcgiapp.h>

#include "pv_cli.h"
#include "pv_fdlimit.h"
#include "pv_request.h"
#include "pv_sched.h"

/* Time given to nats.c to send what it buffered when the process stops. */
#define PV_SHUTDOWN_FLUSH_MS 2000

/*
 * Signal that interrupts a worker blocked in accept() at shutdown.  It is
 * unblocked only while a worker is in FCGX_Accept_r, so it never reaches
 * nats.c's threads or a request's body and response.  It is sent only
 * after the listening socket is released, but libfcgi also reads the
 * request's variables in FCGX_Accept_r.  A connection accepted just
 * before the release can therefore lose its request, or be handled with
 * the variables read so far (a 404 without a path).  That is rare when
 * the web server sends them at once, and certain when it stalls.
 */
#define PV_WAKE_SIGNAL SIGUSR2

/* Time the requests in hand get to finish, beyond the publish time-out. */
#define PV_SHUTDOWN_GRACE_MS 10000

/*
 * Maximum time after a stop signal that the workers may still take
 * connections from a queue that does not empty.  They get the publish
 * time-out, up to this maximum, because a worker busy at the signal is
 * free again by then and takes what was queued behind it.
 */
#define PV_SHUTDOWN_QUEUE_MAX_MS 5000

/* The negated return of FCGX_Accept_r when it failed without an errno. */
#define PV_FCGI_NO_ERRNO 9999

extern char **environ;

typedef struct server {
	pv_config cfg;
	pv_logger log;
	pv_app app;
	atomic_bool stopping;
	atomic_bool queue_closed;	/* stopping, and no more accepts */
	atomic_int running;		/* worker threads still serving */
	atomic_bool params_checked;	/* warn_setting_params has run */
	int null_fd;			/* /dev/null, for release_listener */
	bool state_freed;		/* false: nats.c's threads outlived
					 * the wait, so cfg and log stay */
} server;

/* ---- request I/O over FastCGI and CGI ---- */

static const char *
fcgi_param(void *ctx, const char *name)
{
	FCGX_Request *req = ctx;

	return FCGX_GetParam(name, req->envp);
}

static ssize_t
fcgi_read(void *ctx, char *buf, size_t len)
{
	FCGX_Request *req = ctx;
	int n;

	if (len > (size_t)INT32_MAX)
		len = INT32_MAX;
	n = FCGX_GetStr(buf, (int)len, req->in);
	if (n == 0 && FCGX_GetError(req->in) != 0)
		return -1;
	return n;
}

static int
fcgi_write(void *ctx, const char *buf, size_t len)
{
	FCGX_Request *req = ctx;

	if (len > (size_t)INT32_MAX)
		return -1;
	return FCGX_PutStr(buf, (int)len, req->out) == (int)len ? 0 : -1;
}

/*
 * How long a CGI handler waits for the next bytes of the body, and for
 * the whole body, before it responds with 400.
 */
#define PV_CGI_READ_IDLE_MS 5000
#define PV_CGI_READ_TOTAL_MS 30000

/* CGI: the body is standard input, CONTENT_LENGTH bytes of it at most. */
typedef struct cgi_ctx {
	size_t left;
	int64_t deadline;	/* CLOCK_MONOTONIC ms for the whole body */
} cgi_ctx;

/* Returns CLOCK_MONOTONIC time in ms. */
static int64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Gives the stop signals their default action and unblocks them: a CGI
 * run has no stop sequence, and a web server that gives up on it sends
 * SIGTERM, which must end the process.  libfcgi installs handlers for
 * SIGTERM and SIGUSR1 that only set a flag.  A SIGHUP ignored at start,
 * as under nohup, stays ignored.
 */
static void
default_stop_signals(void)
{
	static const int stops[] = { SIGTERM, SIGUSR1, SIGINT, SIGHUP };
	struct sigaction current;
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
		if (sigaction(stops[i], NULL, &current) == 0 &&
		    current.sa_handler == SIG_IGN && stops[i] == SIGHUP)
			continue;
		signal(stops[i], SIG_DFL);
		sigaddset(&set, stops[i]);
	}
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/* Returns CONTENT_LENGTH when it is a plain decimal number, else 0. */
static size_t
cgi_content_length(void)
{
	const char *length = getenv("CONTENT_LENGTH");

	if (length == NULL || strspn(length, "0123456789") != strlen(length))
		return 0;
	return (size_t)strtoull(length, NULL, 10);
}

static const char *
cgi_param(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

/*
 * Reads body bytes from standard input with read(2), not stdio, so that
 * poll reports what is left and cgi_drain reads no buffered bytes twice.
 * Returns -1 when no byte arrived in time: a client that stops sending
 * must not hold the process.
 */
static ssize_t
cgi_read(void *ctx, char *buf, size_t len)
{
	cgi_ctx *cgi = ctx;
	struct pollfd in = { STDIN_FILENO, POLLIN, 0 };
	int64_t wait_ms;
	ssize_t n;
	int ready;

	/* A web server need not close standard input after the body. */
	if (len > cgi->left)
		len = cgi->left;
	if (len == 0)
		return 0;

	do {
		wait_ms = cgi->deadline - monotonic_ms();
		if (wait_ms <= 0)
			return -1;
		if (wait_ms > PV_CGI_READ_IDLE_MS)
			wait_ms = PV_CGI_READ_IDLE_MS;
		ready = poll(&in, 1, (int)wait_ms);
	} while (ready < 0 && errno == EINTR);
	if (ready <= 0)
		return -1;

	do
		n = read(STDIN_FILENO, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	cgi->left -= (size_t)n;
	return n;
}

static int
cgi_write(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	return fwrite(buf, 1, len, stdout) == len ? 0 : -1;
}

/*
 * Most body bytes a CGI handler reads and discards after its response,
 * how long it waits for each read, and how long it reads in all.  The
 * cap matches the outer body limit of the sample server configurations
 * (1 MiB).
 */
#define PV_CGI_DRAIN_MAX (1024 * 1024)
#define PV_CGI_DRAIN_WAIT_MS 1000
#define PV_CGI_DRAIN_TOTAL_MS 5000

/*
 * Reads and discards the body that the request left unread: the rest of
 * CONTENT_LENGTH, or with no length (a chunked body), whatever arrives
 * before end of file unless the method is GET or HEAD.  Apache's mod_cgid
 * writes the whole body to the program before it reads the response, and
 * drops the response when the program exits without reading a body
 * larger than the socket buffer (after a 411 or 413 response).
 */
static void
cgi_drain(const cgi_ctx *cgi)
{
	const char *length = getenv("CONTENT_LENGTH");
	const char *method = getenv("REQUEST_METHOD");
	struct pollfd in = { STDIN_FILENO, POLLIN, 0 };
	int64_t deadline = monotonic_ms() + PV_CGI_DRAIN_TOTAL_MS, wait_ms;
	size_t left = cgi->left;
	char buf[8192];
	ssize_t n;

	if (length == NULL || length[0] == '\0')
		left = method != NULL && strcmp(method, "GET") != 0 &&
		    strcmp(method, "HEAD") != 0 ? PV_CGI_DRAIN_MAX : 0;
	if (left > PV_CGI_DRAIN_MAX)
		left = PV_CGI_DRAIN_MAX;

	/* A client that sends a byte now and then must not hold the process. */
	while (left > 0 && (wait_ms = deadline - monotonic_ms()) > 0) {
		if (wait_ms > PV_CGI_DRAIN_WAIT_MS)
			wait_ms = PV_CGI_DRAIN_WAIT_MS;
		if (poll(&in, 1, (int)wait_ms) <= 0)
			break;
		n = read(STDIN_FILENO, buf, left < sizeof(buf) ? left :
		    sizeof(buf));
		if (n <= 0)
			break;
		left -= (size_t)n;
	}
}

/* ---- serving ---- */

/* Returns true when a connection waits on the listening socket. */
static bool
connection_pending(void)
{
	struct pollfd listener = { FCGI_LISTENSOCK_FILENO, POLLIN, 0 };

	return poll(&listener, 1, 0) > 0 && (listener.revents & POLLIN) != 0;
}

/*
 * Waits for the next request with the wake signal unblocked.  Returns
 * FCGX_Accept_r's result, or -1 once the listening socket is released.
 */
static int
accept_next(server *srv, FCGX_Request *req, const sigset_t *wake)
{
	int rc;

	/*
	 * Once stopping, workers keep taking connections until the socket
	 * is released (release_listener): the web server has already sent
	 * those requests.  Workers call accept() at the same time; Linux
	 * hands each connection to one of them, and serializing them with
	 * a mutex cost a third of the handler's CPU time in thread wake-ups
	 * (measured with make bench).
	 */
	if (atomic_load(&srv->queue_closed))
		return -1;

	pthread_sigmask(SIG_UNBLOCK, wake, NULL);
	rc = FCGX_Accept_r(req);
	pthread_sigmask(SIG_BLOCK, wake, NULL);
	return rc;
}

/*
 * Sends what is buffered and ends the request.  libfcgi closes the
 * connection unless the web server asked to keep it open.
 */
static void
finish_request(FCGX_Request *req)
{
	/*
	 * libfcgi waits up to 2 s for the web server to close first,
	 * because unread input could reset the connection.  A request
	 * read without error to its end, on a connection that closes,
	 * has none, so it is detached and closes at once.
	 */
	if (FCGX_HasSeenEOF(req->in) == EOF &&
	    FCGX_GetError(req->in) == 0 && !req->keepConnection)
		FCGX_Detach(req);
	FCGX_Finish_r(req);
}

/*
 * Returns true when a failed accept may be retried: running out of file
 * descriptors or memory is transient, a listening socket that is gone is
 * not.  Before a retry it waits 100 ms, so that the worker does not spin
 * while the shortage lasts.
 */
static bool
accept_error_is_transient(server *srv, int err)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };

	/*
	 * A failure without an errno (libfcgi returns -9999) is libfcgi's
	 * own stop, after which its accept fails for good.
	 */
	if (err == EBADF || err == EINVAL || err == ENOTSOCK ||
	    err == EOPNOTSUPP || err == EFAULT || err == PV_FCGI_NO_ERRNO)
		return false;
	pv_log_limited(&srv->log, PV_LOG_ERROR, "accept", "FCGX_Accept_r "
	    "failed: %s; trying again", err > 0 ? strerror(err) :
	    "unknown error");
	nanosleep(&pause, NULL);
	return true;
}

/* Returns true when a request variable is named like a setting. */
static bool
is_setting_name(const char *param)
{
	return strncmp(param, "PHOTOVOTE_", 10) == 0 ||
	    strncmp(param, "NATS_", 5) == 0 ||
	    strncmp(param, "MEMPHIS_", 8) == 0;
}

/*
 * Warns once per process about request variables named like settings,
 * as nginx's fastcgi_param or Apache's SetEnv set them.  A handler takes
 * settings only from its environment and .env, so these change nothing.
 * (Only the first request is checked, assuming that a web server sends
 * each process the same variables.)
 */
static void
warn_setting_params(server *srv, const FCGX_Request *req)
{
	char names[192] = "";
	char *const *p;
	const char *eq;

	/* A load first: after the first request, no write per request. */
	if (atomic_load(&srv->params_checked) ||
	    atomic_exchange(&srv->params_checked, true))
		return;
	for (p = req->envp; p != NULL && *p != NULL; p++) {
		if (!is_setting_name(*p))
			continue;
		eq = strchr(*p, '=');
		pv_config_add_name(names, sizeof(names), *p,
		    eq != NULL ? (size_t)(eq - *p) : strlen(*p));
	}
	if (names[0] != '\0')
		pv_log(&srv->log, PV_LOG_WARNING, "request variables %s (such "
		    "as nginx's fastcgi_param or Apache's SetEnv set) are not "
		    "settings, so they change nothing: set them in the "
		    "handler's environment or .env file", names);
}

static void *
worker_main(void *arg)
{
	server *srv = arg;
	pv_request_io io = { NULL, fcgi_param, fcgi_read, fcgi_write };
	FCGX_Request req;
	sigset_t wake;
	pv_worker w;
	pv_error err;
	int rc;

	/* FCGI_FAIL_ACCEPT_ON_INTR: the wake signal makes accept return. */
	pv_error_clear(&err);
	if (pv_worker_init(&w, &err) != PV_OK ||
	    FCGX_InitRequest(&req, 0, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		pv_log(&srv->log, PV_LOG_ERROR, "worker thread: %s",
		    err.text[0] != '\0' ? err.text : "FCGX_InitRequest failed");
		pv_worker_free(&w);
		atomic_fetch_sub(&srv->running, 1);
		return NULL;
	}
	io.ctx = &req;

	sigemptyset(&wake);
	sigaddset(&wake, PV_WAKE_SIGNAL);

	for (;;) {
		rc = accept_next(srv, &req, &wake);

		/* The wake signal interrupts accept; the loop checks again. */
		if (rc == -EINTR)
			continue;
		/* Until the socket is released, a stop takes its queue. */
		if (rc < 0 && !atomic_load(&srv->queue_closed) &&
		    accept_error_is_transient(srv, -rc))
			continue;
		if (rc < 0) {
			if (!atomic_load(&srv->stopping))
				pv_log(&srv->log, PV_LOG_ERROR, "FCGX_Accept_r "
				    "failed: %s", -rc == PV_FCGI_NO_ERRNO ?
				    "libfcgi stopped accepting" :
				    strerror(-rc));
			break;
		}

		warn_setting_params(srv, &req);
		if (req.role == FCGI_RESPONDER)
			pv_handle_request(&srv->app, &w, &io);
		else
			pv_handle_unsupported_role(&srv->app, &w, &io,
			    req.role);
		finish_request(&req);
	}

	FCGX_Free(&req, 1);
	pv_worker_free(&w);
	atomic_fetch_sub(&srv->running, 1);
	return NULL;
}

static const char *
signal_name(int sig)
{
	switch (sig) {
	case SIGTERM: return "SIGTERM";
	case SIGUSR1: return "SIGUSR1";
	case SIGINT: return "SIGINT";
	case SIGHUP: return "SIGHUP";
	default: return "signal";
	}
}

/*
 * Waits for a stop signal, or for every worker to have ended on an error
 * of its accept(), such as a listening socket that is gone.  Returns the
 * signal, or 0.
 */
static int
wait_for_stop(server *srv, const sigset_t *stop_signals)
{
	struct timespec tick = { 1, 0 };
	int sig;

	while (atomic_load(&srv->running) > 0) {
		sig = sigtimedwait(stop_signals, NULL, &tick);
		if (sig > 0)
			return sig;
	}
	return 0;
}

/*
 * Makes sure the open-file limit leaves the broker a descriptor next to
 * the workers' (pv_fdlimit.h), raising the soft limit if needed.
 */
static int
ensure_fd_limit(server *srv)
{
	struct rlimit now;
	rlim_t old;
	pv_error err;

	pv_error_clear(&err);
	if (pv_fdlimit_ensure(srv->cfg.threads, &old, &err) != PV_OK) {
		pv_log(&srv->log, PV_LOG_ERROR, "%s: %s", err.status ==
		    PV_ERR_CONFIG ? "configuration" : "start", err.text);
		return err.status == PV_ERR_CONFIG ? PV_EXIT_CONFIG :
		    PV_EXIT_SOFTWARE;
	}
	if (old != 0 && getrlimit(RLIMIT_NOFILE, &now) == 0)
		pv_log(&srv->log, PV_LOG_INFO, "raised the open-file limit "
		    "from %llu to %llu for %d thread(s)",
		    (unsigned long long)old, (unsigned long long)now.rlim_cur,
		    srv->cfg.threads);
	return PV_EXIT_OK;
}

/*
 * Writes where the settings came from to out, naming the .env file read
 * or the one looked for, and returns out.
 */
static const char *
settings_source(const pv_config *cfg, char *out, size_t size)
{
	if (cfg->env_file[0] != '\0')
		snprintf(out, size, "the environment and %s", cfg->env_file);
	else if (cfg->env_file_missing[0] != '\0')
		snprintf(out, size, "the environment (no .env file at %s)",
		    cfg->env_file_missing);
	else
		snprintf(out, size, "the environment");
	return out;
}

/*
 * Replaces this process's descriptor of the listening socket by one of
 * /dev/null.  A web server connecting from now on is then refused at once
 * and sends the request to another process, instead of queueing it where
 * no worker accepts it.  Other processes sharing the socket keep their
 * own descriptor.  (Closing descriptor 0 instead would let a later open
 * reuse it while a worker may still call accept() on it.)
 */
static void
release_listener(server *srv)
{
	atomic_store(&srv->queue_closed, true);
	if (connection_pending())
		pv_log(&srv->log, PV_LOG_WARNING, "stopping with connections "
		    "still waiting on the listening socket: they get no "
		    "response unless another process shares the socket");
	/* /dev/null was opened at start: descriptors may run out later. */
	if (srv->null_fd < 0 ||
	    dup2(srv->null_fd, FCGI_LISTENSOCK_FILENO) < 0) {
		pv_log(&srv->log, PV_LOG_WARNING, "replacing the listening "
		    "socket with /dev/null failed: %s; closing it",
		    strerror(srv->null_fd < 0 ? EBADF : errno));
		close(FCGI_LISTENSOCK_FILENO);
	}
}

/*
 * Stops the workers after a stop signal.  They take what waits in the
 * queue until it is empty, for the publish time-out (5 s at most), and
 * then the socket is released.  From then on a wake signal interrupts
 * the workers blocked in accept(), and the others end after their
 * current request.  The signal is sent again until all are done, because
 * one sent just before a worker enters accept() is lost.  (Shutting down
 * the socket instead would also stop the processes that share it, as
 * under spawn-fcgi -F.)  Exits the process when requests are still
 * running after the publish time-out plus PV_SHUTDOWN_GRACE_MS.
 */
static void
stop_workers(server *srv, const pthread_t *threads, int started)
{
	struct timespec pause = { 0, 50 * 1000000L };
	int64_t start = monotonic_ms(), waited_ms;
	int i, queue_ms, grace_ms;

	atomic_store(&srv->stopping, true);
	queue_ms = srv->cfg.publish_timeout_ms < PV_SHUTDOWN_QUEUE_MAX_MS ?
	    srv->cfg.publish_timeout_ms : PV_SHUTDOWN_QUEUE_MAX_MS;
	grace_ms = srv->cfg.publish_timeout_ms + PV_SHUTDOWN_GRACE_MS;
	for (waited_ms = 0; atomic_load(&srv->running) > 0 &&
	    waited_ms < grace_ms; waited_ms = monotonic_ms() - start) {
		if (!atomic_load(&srv->queue_closed) &&
		    (waited_ms >= queue_ms || !connection_pending()))
			release_listener(srv);
		if (atomic_load(&srv->queue_closed))
			for (i = 0; i < started; i++)
				pthread_kill(threads[i], PV_WAKE_SIGNAL);
		nanosleep(&pause, NULL);
	}
	if (!atomic_load(&srv->queue_closed))
		release_listener(srv);

	if (atomic_load(&srv->running) > 0) {
		pv_log(&srv->log, PV_LOG_ERROR, "%d request(s) still running "
		    "after %d ms; exiting without them",
		    atomic_load(&srv->running), grace_ms);
		_exit(PV_EXIT_SOFTWARE);
	}
}

static int
serve_fastcgi(server *srv, const sigset_t *stop_signals)
{
	pthread_t *threads;
	int i, started = 0, sig, status;
	char source[320];

	srv->null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (srv->null_fd < 0)
		pv_log(&srv->log, PV_LOG_WARNING, "opening /dev/null failed: "
		    "%s; a stop will close the listening socket instead",
		    strerror(errno));
	status = ensure_fd_limit(srv);
	if (status != PV_EXIT_OK)
		goto out;
	threads = calloc((size_t)srv->cfg.threads, sizeof(*threads));
	if (threads == NULL) {
		pv_log(&srv->log, PV_LOG_ERROR, "out of memory");
		status = PV_EXIT_SOFTWARE;
		goto out;
	}

	atomic_store(&srv->running, srv->cfg.threads);
	for (i = 0; i < srv->cfg.threads; i++) {
		int rc = pthread_create(&threads[i], NULL, worker_main, srv);

		if (rc != 0) {
			atomic_fetch_sub(&srv->running, srv->cfg.threads - i);
			pv_log(&srv->log, PV_LOG_ERROR, "pthread_create failed "
			    "after %d thread(s): %s", i, strerror(rc));
			break;
		}
		started++;
	}
	if (started == 0) {
		free(threads);
		status = PV_EXIT_SOFTWARE;
		goto out;
	}
	pv_log(&srv->log, PV_LOG_INFO, "serving FastCGI with %d thread(s) "
	    "under %s, settings from %s", started, pv_sched_policy_name(),
	    settings_source(&srv->cfg, source, sizeof(source)));

	sig = wait_for_stop(srv, stop_signals);
	if (sig > 0)
		pv_log(&srv->log, PV_LOG_INFO, "%s received; finishing the "
		    "requests in hand", signal_name(sig));
	stop_workers(srv, threads, started);

	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);

	/* Workers that all ended without a stop signal ended on errors. */
	status = PV_EXIT_OK;
	if (sig <= 0) {
		pv_log(&srv->log, PV_LOG_ERROR, "every worker thread ended; "
		    "exiting");
		status = PV_EXIT_SOFTWARE;
	}

out:
	if (srv->null_fd >= 0)
		close(srv->null_fd);
	return status;
}

static int
serve_cgi(server *srv)
{
	cgi_ctx cgi = { 0, monotonic_ms() + PV_CGI_READ_TOTAL_MS };
	pv_request_io io = { &cgi, cgi_param, cgi_read, cgi_write };
	pv_worker w;
	pv_error err;
	int status;

	if (getenv("GATEWAY_INTERFACE") == NULL) {
		fprintf(stderr, "%s: run by a web server as a FastCGI or CGI "
		    "program; try --help\n", srv->log.name);
		return PV_EXIT_USAGE;
	}

	default_stop_signals();
	cgi.left = cgi_content_length();

	if (pv_worker_init(&w, &err) != PV_OK) {
		pv_log(&srv->log, PV_LOG_ERROR, "%s", err.text);
		return PV_EXIT_SOFTWARE;
	}
	pv_handle_request(&srv->app, &w, &io);
	status = PV_EXIT_OK;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		pv_log(&srv->log, PV_LOG_ERROR, "writing the response to "
		    "standard output failed: %s", strerror(errno));
		status = PV_EXIT_SOFTWARE;
	}
	cgi_drain(&cgi);
	pv_worker_free(&w);
	return status;
}

/* ---- command line and start ---- */

static void
on_wake_signal(int sig)
{
	(void)sig;
}

/*
 * Loads the settings and sets up logging from them, warning about files
 * that other users may read.  Returns PV_EXIT_OK or PV_EXIT_CONFIG.
 */
static int
load_settings(server *srv, const pv_aggregate *agg)
{
	char warning[PV_CONFIG_WARNING_MAX];
	pv_error err;
	int i;

	pv_error_clear(&err);
	if (pv_config_load(&srv->cfg, agg->name, environ, &err) != PV_OK) {
		/* On standard error too: the web server may show only that. */
		pv_log(&srv->log, PV_LOG_ERROR, "configuration: %s", err.text);
		if (srv->cfg.log_to_syslog && pv_log_use_syslog(&srv->log))
			pv_log(&srv->log, PV_LOG_ERROR, "configuration: %s",
			    err.text);
		return PV_EXIT_CONFIG;
	}
	srv->log.level = srv->cfg.log_level;
	if (srv->cfg.log_to_syslog && !pv_log_use_syslog(&srv->log))
		pv_log(&srv->log, PV_LOG_WARNING, "PHOTOVOTE_LOG is syslog, but "
		    "there is no syslog socket (/dev/log) yet; logging to "
		    "standard error as well");

	for (i = 0; pv_config_warning(&srv->cfg, i, warning,
	    sizeof(warning)); i++)
		pv_log(&srv->log, PV_LOG_WARNING, "%s", warning);
	return PV_EXIT_OK;
}

/*
 * Moves the process to SCHED_BATCH (pv_sched.h) before it starts any
 * thread, so that every thread inherits the policy.
 */
static void
set_sched_policy(server *srv)
{
	pv_error err;

	pv_error_clear(&err);
	if (pv_sched_apply(&srv->cfg, &err) != PV_OK)
		pv_log(&srv->log, PV_LOG_WARNING, "%s", err.text);
}

/*
 * Writes a JSON 500 as the response of a CGI run that cannot start (a
 * bad setting), and drains the body as after any rejection, so that
 * mod_cgid delivers it.  Otherwise the web server sends its own error
 * page.
 */
static void
answer_cgi_start_failure(void)
{
	cgi_ctx cgi = { 0, 0 };

	if (getenv("GATEWAY_INTERFACE") == NULL || !FCGX_IsCGI())
		return;
	fputs("Status: 500 Internal Server Error\r\n"
	    "Content-Type: application/json\r\n\r\n"
	    "{\"detail\":\"Internal Server Error\"}", stdout);
	fflush(stdout);
	default_stop_signals();
	cgi.left = cgi_content_length();
	cgi_drain(&cgi);
}

/*
 * Fills stop_signals with the signals the main thread waits for, and
 * blocks them and the wake signal for this thread and later ones.  It
 * runs before any thread starts: a thread that took SIGTERM would run
 * libfcgi's handler, which stops accept() but not the process.
 */
static void
block_signals(sigset_t *stop_signals)
{
	struct sigaction hup;
	sigset_t blocked;

	sigemptyset(stop_signals);
	sigaddset(stop_signals, SIGTERM);
	sigaddset(stop_signals, SIGUSR1);
	sigaddset(stop_signals, SIGINT);
	/*
	 * Sent when the terminal of "spawn-fcgi -n" closes, or to reload.
	 * A handler started with it ignored, as under nohup, keeps ignoring it.
	 */
	if (sigaction(SIGHUP, NULL, &hup) == 0 && hup.sa_handler != SIG_IGN)
		sigaddset(stop_signals, SIGHUP);

	blocked = *stop_signals;
	sigaddset(&blocked, PV_WAKE_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &blocked, NULL);
}

static int
run(server *srv, const pv_aggregate *agg)
{
	struct sigaction wake;
	sigset_t stop_signals;
	pv_error err;

	if (load_settings(srv, agg) != PV_EXIT_OK) {
		answer_cgi_start_failure();
		return PV_EXIT_CONFIG;
	}
	set_sched_policy(srv);

	/*
	 * Stop signals reach only sigtimedwait in the main thread.  The wake
	 * signal is blocked too, except where a worker waits in accept.
	 */
	block_signals(&stop_signals);

	pv_error_clear(&err);
	if (pv_app_init(&srv->app, agg, &srv->cfg, &srv->log, &err) != PV_OK) {
		pv_log(&srv->log, PV_LOG_ERROR, "%s: %s", err.status ==
		    PV_ERR_CONFIG ? "configuration" : "start", err.text);
		answer_cgi_start_failure();
		pv_config_free(&srv->cfg);
		return err.status == PV_ERR_CONFIG ? PV_EXIT_CONFIG :
		    PV_EXIT_SOFTWARE;
	}

	memset(&wake, 0, sizeof(wake));
	wake.sa_handler = on_wake_signal;
	sigemptyset(&wake.sa_mask);
	/* No SA_RESTART: the point is to make accept() return EINTR. */
	sigaction(PV_WAKE_SIGNAL, &wake, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (FCGX_Init() != 0) {
		pv_log(&srv->log, PV_LOG_ERROR, "FCGX_Init failed");
		pv_app_free(&srv->app, 0);
		pv_config_free(&srv->cfg);
		return PV_EXIT_SOFTWARE;
	}

	int status = FCGX_IsCGI() ? serve_cgi(srv) :
	    serve_fastcgi(srv, &stop_signals);

	srv->state_freed = pv_app_free(&srv->app, PV_SHUTDOWN_FLUSH_MS);
	if (srv->state_freed)
		pv_config_free(&srv->cfg);
	return status;
}

/*
 * Opens /dev/null on standard input, output or error when one is closed,
 * so that no socket opened later, such as the broker connection, takes
 * that number and gets a response or a log line written into it.
 */
static void
open_standard_descriptors(void)
{
	int fd;

	for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", fd == STDIN_FILENO ? O_RDONLY :
		    O_WRONLY) < 0)
			return;
}

int
pv_server_main(const pv_aggregate *agg, int argc, char **argv)
{
	server *srv;
	int status;

	open_standard_descriptors();
	status = pv_cli_run(agg, argc, argv, environ);
	if (status >= 0)
		return status;

	srv = calloc(1, sizeof(*srv));
	if (srv == NULL) {
		fprintf(stderr, "%s.fcgi: out of memory\n", agg->name);
		return PV_EXIT_SOFTWARE;
	}
	pv_log_init(&srv->log, agg->name, STDERR_FILENO);
	atomic_init(&srv->stopping, false);
	atomic_init(&srv->queue_closed, false);
	atomic_init(&srv->running, 0);
	atomic_init(&srv->params_checked, false);
	srv->state_freed = true;

	status = run(srv, agg);
	pv_log_flush_suppressed(&srv->log);
	if (status == PV_EXIT_OK)
		pv_log(&srv->log, PV_LOG_INFO, "stopped");

	/* (Left to the exit when nats.c's threads may still use them.) */
	if (srv->state_freed) {
		pv_log_free(&srv->log);
		free(srv);
	}
	return status;
}
