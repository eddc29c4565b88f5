/*
 * pv_load: an HTTP/1.1 load generator for the benchmark.
 *
 * Keeps a fixed number of keep-alive connections to 127.0.0.1:PORT, each
 * with one POST in flight, for a fixed time.  Every request carries a
 * Voter.VoterRegistered event with its own event id, padded with JSON
 * white space to the requested body size.  When the time is up it sends
 * nothing new and waits for the responses in flight, so the count of 200
 * responses can be compared with what the broker stored.  One thread and
 * epoll; latencies are kept in full and sorted for the percentiles.
 *
 * Prints one line of NAME=VALUE pairs (see print_result).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

/* Time the responses in flight get after the measured period. */
#define LOAD_DRAIN_MS 15000

#define LOAD_HEAD_MAX 512
#define LOAD_BODY_MAX 65536
#define LOAD_RECV_MAX 8192

typedef struct load_options {
	int port;
	int connections;
	int seconds;
	size_t body_size;
	const char *path;
} load_options;

/* One connection and its request in flight. */
typedef struct load_conn {
	int fd;
	int64_t sent_us;	/* 0 while no request is in flight */
	size_t out_len, out_done;
	size_t in_len;
	int server_closes;	/* the last response had Connection: close */
	char out[LOAD_HEAD_MAX + LOAD_BODY_MAX];
	char in[LOAD_RECV_MAX];
} load_conn;

typedef struct load_result {
	uint64_t ok;		/* 200 responses */
	uint64_t other;		/* any other status */
	uint64_t errors;	/* connection errors and unparsable responses */
	uint64_t unanswered;	/* still in flight when the drain ended */
	uint32_t *latency_us;
	size_t latency_len, latency_cap;
} load_result;

static uint64_t id_prefix;
static uint64_t id_counter;

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Writes a UUID that no other request of this run uses. */
static void
next_event_id(char out[37])
{
	uint64_t n = ++id_counter;

	snprintf(out, 37, "%08x-%04x-4%03x-8%03x-%012llx",
	    (unsigned)(id_prefix >> 32), (unsigned)(id_prefix >> 16) & 0xffff,
	    (unsigned)(id_prefix >> 4) & 0xfff, (unsigned)(n >> 48) & 0xfff,
	    (unsigned long long)(n & 0xffffffffffffULL));
}

/* Builds the next request in c->out: head, then the padded event. */
static int
build_request(load_conn *c, const load_options *o)
{
	char id[37], body[LOAD_BODY_MAX];
	int head, len;

	next_event_id(id);
	len = snprintf(body, sizeof(body), "{\"id\":\"%s\",\"voter_id\":"
	    "\"%s\",\"election_id\":\"01HV6Z3R8Y5A0B9C7D2E4F6G8H\","
	    "\"name\":\"Bench Voter\",\"email\":\"voter@example.org\"",
	    id, id);
	if (len < 0 || (size_t)len + 1 > sizeof(body))
		return -1;
	/* Insignificant white space brings the body to the size asked for. */
	while ((size_t)len + 1 < o->body_size && (size_t)len + 1 < sizeof(body))
		body[len++] = ' ';
	body[len++] = '}';

	head = snprintf(c->out, LOAD_HEAD_MAX, "POST %s HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
	    "Content-Length: %d\r\n\r\n", o->path, o->port, len);
	if (head < 0 || head >= LOAD_HEAD_MAX)
		return -1;
	memcpy(c->out + head, body, (size_t)len);
	c->out_len = (size_t)head + (size_t)len;
	c->out_done = 0;
	c->in_len = 0;
	c->server_closes = 0;
	return 0;
}

static int
open_conn(load_conn *c, int epfd, int port)
{
	struct sockaddr_in sa;
	struct epoll_event ev;
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 &&
	    errno != EINPROGRESS)
		goto fail;

	ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0)
		goto fail;
	return 0;
fail:
	close(c->fd);
	c->fd = -1;
	return -1;
}

static void
record_latency(load_result *r, int64_t us)
{
	uint32_t *grown;

	if (r->latency_len == r->latency_cap) {
		r->latency_cap = r->latency_cap > 0 ? r->latency_cap * 2 : 65536;
		grown = realloc(r->latency_us, r->latency_cap * sizeof(*grown));
		if (grown == NULL) {
			fprintf(stderr, "pv_load: out of memory\n");
			exit(1);
		}
		r->latency_us = grown;
	}
	r->latency_us[r->latency_len++] = us > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)us;
}

/*
 * Parses a complete response in c->in.  Returns its status, 0 when more
 * bytes are needed, or -1 when it cannot be parsed (chunked coding is not
 * expected: both the handlers and the empty responder send a length).
 */
static int
parse_response(load_conn *c)
{
	char *end, *line;
	size_t head_len, body_len = 0;
	int status;

	c->in[c->in_len < sizeof(c->in) ? c->in_len : sizeof(c->in) - 1] = '\0';
	end = strstr(c->in, "\r\n\r\n");
	if (end == NULL)
		return c->in_len >= sizeof(c->in) - 1 ? -1 : 0;
	head_len = (size_t)(end - c->in) + 4;
	if (sscanf(c->in, "HTTP/1.%*d %d", &status) != 1)
		return -1;

	for (line = strstr(c->in, "\r\n"); line != NULL && line < end;
	    line = strstr(line + 2, "\r\n"))
		if (strncasecmp(line + 2, "Content-Length:", 15) == 0)
			body_len = strtoul(line + 17, NULL, 10);
		else if (strncasecmp(line + 2, "Connection: close", 17) == 0)
			c->server_closes = 1;
	if (head_len + body_len > sizeof(c->in) - 1)
		return -1;
	if (c->in_len < head_len + body_len)
		return 0;
	return status;
}

/* Sends what is left of the request; returns -1 on a broken connection. */
static int
send_pending(load_conn *c)
{
	ssize_t n;

	while (c->out_done < c->out_len) {
		n = send(c->fd, c->out + c->out_done, c->out_len - c->out_done,
		    MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0)
			return -1;
		c->out_done += (size_t)n;
	}
	return 0;
}

/* Reads what arrived; returns the status of a complete response, 0 or -1. */
static int
receive(load_conn *c)
{
	ssize_t n;
	int status;

	for (;;) {
		n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len,
		    0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -1;
		c->in_len += (size_t)n;
		status = parse_response(c);
		if (status != 0)
			return status;
	}
}

static int
start_request(load_conn *c, const load_options *o)
{
	if (build_request(c, o) != 0)
		return -1;
	c->sent_us = now_us();
	return send_pending(c);
}

/* Closes a broken connection and opens a new one, if still sending. */
static void
restart_conn(load_conn *c, int epfd, const load_options *o, int sending,
	load_result *r)
{
	r->errors++;
	close(c->fd);
	c->fd = -1;
	c->sent_us = 0;
	if (sending && open_conn(c, epfd, o->port) == 0 &&
	    start_request(c, o) != 0)
		r->errors++;
}

static void
on_event(load_conn *c, int epfd, const load_options *o, int sending,
	load_result *r)
{
	int status;

	if (c->fd < 0 || c->sent_us == 0)
		return;
	if (send_pending(c) != 0) {
		restart_conn(c, epfd, o, sending, r);
		return;
	}
	status = receive(c);
	if (status == 0)
		return;
	if (status < 0) {
		restart_conn(c, epfd, o, sending, r);
		return;
	}

	record_latency(r, now_us() - c->sent_us);
	if (status == 200)
		r->ok++;
	else
		r->other++;
	c->sent_us = 0;
	if (!sending)
		return;

	/* lighttpd ends a keep-alive connection after a number of requests. */
	if (c->server_closes) {
		close(c->fd);
		if (open_conn(c, epfd, o->port) != 0) {
			r->errors++;
			return;
		}
	}
	if (start_request(c, o) != 0)
		restart_conn(c, epfd, o, sending, r);
}

static int
in_flight(const load_conn *conns, int count)
{
	int i, n = 0;

	for (i = 0; i < count; i++)
		n += conns[i].sent_us != 0;
	return n;
}

/* Runs the measured period, then the drain; returns the seconds measured. */
static double
run_load(load_conn *conns, const load_options *o, load_result *r)
{
	struct epoll_event events[256];
	int64_t start, stop_at, drain_until;
	int epfd, i, n, sending = 1;

	epfd = epoll_create1(0);
	if (epfd < 0) {
		perror("pv_load: epoll_create1");
		exit(1);
	}
	start = now_us();
	for (i = 0; i < o->connections; i++)
		if (open_conn(&conns[i], epfd, o->port) != 0 ||
		    start_request(&conns[i], o) != 0) {
			perror("pv_load: connect");
			exit(1);
		}

	stop_at = start + (int64_t)o->seconds * 1000000;
	drain_until = stop_at + (int64_t)LOAD_DRAIN_MS * 1000;
	for (;;) {
		if (sending && now_us() >= stop_at)
			sending = 0;
		if (!sending && (in_flight(conns, o->connections) == 0 ||
		    now_us() >= drain_until))
			break;
		n = epoll_wait(epfd, events, 256, 100);
		for (i = 0; i < n; i++)
			on_event(events[i].data.ptr, epfd, o, sending, r);
	}

	r->unanswered = (uint64_t)in_flight(conns, o->connections);
	for (i = 0; i < o->connections; i++)
		if (conns[i].fd >= 0)
			close(conns[i].fd);
	close(epfd);
	return (double)(stop_at - start) / 1e6;
}

static int
compare_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t
percentile(const load_result *r, double p)
{
	size_t i;

	if (r->latency_len == 0)
		return 0;
	i = (size_t)(p * (double)(r->latency_len - 1) + 0.5);
	return r->latency_us[i];
}

/*
 * requests counts the responses received; rps divides them by the
 * measured period (the drain is not counted, and adds at most one
 * response per connection).
 */
static void
print_result(load_result *r, double seconds)
{
	qsort(r->latency_us, r->latency_len, sizeof(*r->latency_us),
	    compare_u32);
	printf("requests=%zu ok=%llu other=%llu errors=%llu unanswered=%llu "
	    "seconds=%.2f rps=%.0f p50_us=%u p99_us=%u max_us=%u\n",
	    r->latency_len, (unsigned long long)r->ok,
	    (unsigned long long)r->other, (unsigned long long)r->errors,
	    (unsigned long long)r->unanswered, seconds,
	    (double)r->latency_len / seconds, percentile(r, 0.50),
	    percentile(r, 0.99), percentile(r, 1.0));
}

static void
usage(void)
{
	fprintf(stderr, "usage: pv_load PORT CONNECTIONS SECONDS BODY_BYTES "
	    "PATH\nSends POSTs of a Voter.VoterRegistered event to "
	    "127.0.0.1:PORT PATH from CONNECTIONS\nkeep-alive connections "
	    "for SECONDS (1-600), each body BODY_BYTES long\n(200-65536, "
	    "padded with white space).\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	load_options o;
	load_result r;
	load_conn *conns;
	double seconds;
	int i;

	if (argc != 6)
		usage();
	o.port = atoi(argv[1]);
	o.connections = atoi(argv[2]);
	o.seconds = atoi(argv[3]);
	o.body_size = (size_t)strtoul(argv[4], NULL, 10);
	o.path = argv[5];
	if (o.port <= 0 || o.port > 65535 || o.connections <= 0 ||
	    o.connections > 4096 || o.seconds <= 0 || o.seconds > 600 ||
	    o.body_size < 200 || o.body_size > LOAD_BODY_MAX)
		usage();

	conns = calloc((size_t)o.connections, sizeof(*conns));
	if (conns == NULL) {
		fprintf(stderr, "pv_load: out of memory\n");
		return 1;
	}
	for (i = 0; i < o.connections; i++)
		conns[i].fd = -1;
	memset(&r, 0, sizeof(r));
	id_prefix = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^
	    (uint64_t)now_us();

	seconds = run_load(conns, &o, &r);
	print_result(&r, seconds);
	free(r.latency_us);
	free(conns);
	return r.errors > 0 || r.unanswered > 0;
}
