/* The request pipeline; see pv_handler.h. */
#include "pv_handler.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "pv_format.h"
#include "pv_openapi.h"
#include "pv_schema.h"

/* ---- setup ---- */

pv_status
pv_app_init(pv_app *app, const pv_aggregate *aggregate, const pv_config *cfg,
	const pv_logger *log, pv_error *err)
{
	size_t i;
	pv_status st;

	memset(app, 0, sizeof(*app));
	app->aggregate = aggregate;
	app->cfg = cfg;
	app->log = log;

	if ((st = pv_catalog_load(&app->catalog, err)) != PV_OK)
		goto fail;

	app->schemas = calloc(aggregate->route_count, sizeof(*app->schemas));
	if (app->schemas == NULL) {
		st = pv_error_set(err, PV_ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < aggregate->route_count; i++) {
		app->schemas[i] = pv_catalog_find(app->catalog,
		    aggregate->routes[i].event_type);
		if (app->schemas[i] == NULL) {
			st = pv_error_set(err, PV_ERR_SCHEMA, "route %s %s: no "
			    "schema for event type %s",
			    aggregate->routes[i].method,
			    aggregate->routes[i].path,
			    aggregate->routes[i].event_type);
			goto fail;
		}
	}

	pv_buf_init(&app->openapi);
	if ((st = pv_openapi_write(&aggregate, 1, &app->openapi, err)) != PV_OK)
		goto fail;

	if ((st = pv_publisher_new(&app->publisher, cfg, log, err)) != PV_OK)
		goto fail;
	return PV_OK;
fail:
	(void)pv_app_free(app, 0);
	return st;
}

bool
pv_app_free(pv_app *app, int timeout_ms)
{
	bool freed;

	freed = pv_publisher_free(app->publisher, timeout_ms);
	pv_buf_free(&app->openapi);
	free(app->schemas);
	pv_catalog_free(app->catalog);
	app->publisher = NULL;
	app->schemas = NULL;
	app->catalog = NULL;
	return freed;
}

pv_status
pv_worker_init(pv_worker *w, pv_error *err)
{
	uuid_t random;
	char text[37];

	memset(w, 0, sizeof(*w));
	uuid_generate(random);
	uuid_unparse_lower(random, text);
	/* The last 12 hex digits of a random UUID: 48 random bits. */
	snprintf(w->id_prefix, sizeof(w->id_prefix), "%s", text + 24);
	pv_buf_init(&w->body);
	pv_buf_init(&w->out);
	if (pv_json_parser_new(&w->parser) != PV_OK)
		return pv_error_set(err, PV_ERR_NOMEM, "cannot create a JSON "
		    "parser: out of memory");
	return PV_OK;
}

void
pv_worker_free(pv_worker *w)
{
	pv_json_parser_free(w->parser);
	pv_buf_free(&w->body);
	pv_buf_free(&w->out);
	w->parser = NULL;
}

/* ---- helpers ---- */

/* Longest X-Request-Id taken from a client. */
#define PV_REQUEST_ID_MAX 64

/* One request in progress: its I/O and the id that tags its logs. */
typedef struct exchange {
	const pv_request_io *io;
	char request_id[PV_REQUEST_ID_MAX + 1];
} exchange;

/*
 * Sends a response tagged with the request id.  A failed write means
 * the client went away, and nothing can report that to it, so it is not
 * an error.
 */
static int
answer(const exchange *ex, int status, const char *headers, const char *body,
	size_t len)
{
	char all[PV_REQUEST_ID_MAX + 128];

	snprintf(all, sizeof(all), "X-Request-Id: %s\r\n%s", ex->request_id,
	    headers != NULL ? headers : "");
	pv_response_send(ex->io, status, all, body, len);
	return status;
}

/* Sends {"detail":"<detail>"}; detail is always a fixed text of ours. */
static int
answer_detail(const exchange *ex, int status, const char *headers,
	const char *detail)
{
	char body[256];
	int n;

	n = snprintf(body, sizeof(body), "{\"detail\":\"%s\"}", detail);
	if (n < 0 || (size_t)n >= sizeof(body))
		n = 0;
	return answer(ex, status, headers, body, (size_t)n);
}

/* Compares a request path with a route path, ignoring a trailing '/'. */
static bool
same_path(const char *request, const char *route)
{
	size_t len = strlen(route);

	if (len > 1 && route[len - 1] == '/')
		len--;
	return strncmp(request, route, len) == 0 && request[len] == '\0';
}

/*
 * Finds the route for method and path.  When the path is known but the
 * method is not, returns -1 and writes the methods it takes into allow
 * ("POST, DELETE"); for an unknown path allow stays "".
 */
static int
find_route(const pv_aggregate *agg, const char *method, const char *path,
	char *allow, size_t allow_size)
{
	size_t i, used = 0;
	int n;

	allow[0] = '\0';
	for (i = 0; i < agg->route_count; i++) {
		if (!same_path(path, agg->routes[i].path))
			continue;
		if (method != NULL && strcmp(method, agg->routes[i].method) == 0)
			return (int)i;
		n = snprintf(allow + used, allow_size - used, "%s%s",
		    used > 0 ? ", " : "", agg->routes[i].method);
		if (n > 0 && (size_t)n < allow_size - used)
			used += (size_t)n;
	}
	return -1;
}

static int
reject_body(const pv_app *app, const exchange *ex, pv_body_result r)
{
	char detail[96];

	switch (r) {
	case PV_BODY_NO_LENGTH:
		return answer_detail(ex, 411, NULL, "Content-Length "
		    "required");
	case PV_BODY_BAD_LENGTH:
		return answer_detail(ex, 400, NULL, "Content-Length is "
		    "not a valid number");
	case PV_BODY_TOO_LARGE:
		snprintf(detail, sizeof(detail), "Request body larger than %zu "
		    "bytes", app->cfg->max_body);
		return answer_detail(ex, 413, NULL, detail);
	case PV_BODY_SHORT:
		return answer_detail(ex, 400, NULL, "Request body shorter "
		    "than Content-Length");
	case PV_BODY_LONG:
		return answer_detail(ex, 400, NULL, "Request body longer "
		    "than Content-Length");
	case PV_BODY_BROKEN:
		return answer_detail(ex, 400, NULL, "Request body did not "
		    "end cleanly");
	case PV_BODY_NOMEM:
	case PV_BODY_OK:
		break;
	}
	pv_log(app->log, PV_LOG_ERROR, "reading a request body: out of memory");
	return answer_detail(ex, 500, NULL, "Internal Server Error");
}

static int
reject_event(const pv_app *app, pv_worker *w, const exchange *ex,
	const pv_route *route)
{
	const pv_violation *first = &w->violations.items[0];
	char field[80], key[128];

	pv_buf_reset(&w->out);
	if (pv_violations_to_json(&w->violations, &w->out) != PV_OK) {
		pv_log(app->log, PV_LOG_ERROR, "writing a 422 body: out of "
		    "memory");
		return answer_detail(ex, 500, NULL,
		    "Internal Server Error");
	}

	/* A JSON error has a byte offset; a schema error names a field. */
	if (first->offset >= 0)
		snprintf(field, sizeof(field), "byte %ld", first->offset);
	else if (first->field[0] == '\0')
		snprintf(field, sizeof(field), "the body");
	else
		pv_log_escape(field, sizeof(field), first->field,
		    strlen(first->field), 64);
	snprintf(key, sizeof(key), "422 %s %s", route->path, first->type);
	pv_log_limited(app->log, PV_LOG_INFO, key, "request %s: %s %s: 422 %s "
	    "at %s (%zu error(s))", ex->request_id, route->method, route->path,
	    first->type, field, w->violations.count);
	answer(ex, 422, NULL, w->out.data, w->out.len);
	return 422;
}

/*
 * Writes id in its canonical case to out: a UUID in lower case, a ULID
 * in upper case.  The broker then gets one spelling of each id, so the
 * de-duplication key and the subject do not depend on the client's case.
 * The published body keeps the id as received.  Returns out, or NULL
 * when id is NULL or does not fit.
 */
static const char *
normalize_id(const char *id, char *out, size_t size)
{
	size_t len, i;
	bool is_uuid;

	if (id == NULL || (len = strlen(id)) >= size)
		return NULL;
	is_uuid = pv_format_is_uuid(id, len);
	for (i = 0; i <= len; i++)
		out[i] = (char)(is_uuid ? tolower((unsigned char)id[i]) :
		    toupper((unsigned char)id[i]));
	return out;
}

static const char *
string_field(struct json_object *event, const char *name)
{
	struct json_object *value = NULL;

	if (!json_object_object_get_ex(event, name, &value))
		return NULL;
	return json_object_get_string(value);
}

/* Publishes the canonical event in w->out and sends the response. */
static int
publish_event(const pv_app *app, const exchange *ex,
	const pv_route *route, struct json_object *event, const pv_buf *out)
{
	char event_id[40], election_id[40];
	const char *outcome;
	pv_publish_msg msg;
	pv_error err;
	pv_status st;

	msg.event_id = normalize_id(string_field(event, "id"), event_id,
	    sizeof(event_id));
	msg.election_id = normalize_id(string_field(event, "election_id"),
	    election_id, sizeof(election_id));
	msg.event_type = route->event_type;
	msg.body = out->data;
	msg.body_len = out->len;
	if (msg.event_id == NULL || msg.election_id == NULL) {
		pv_log(app->log, PV_LOG_ERROR, "%s: schema lets through an "
		    "event without id or election_id", route->event_type);
		return answer_detail(ex, 500, NULL,
		    "Internal Server Error");
	}

	pv_error_clear(&err);
	st = pv_publisher_publish(app->publisher, &msg, &err);
	if (st == PV_OK) {
		answer(ex, 200, NULL, "{}", 2);
		return 200;
	}

	outcome = "not stored";
	if (st == PV_ERR_TIMEOUT)
		outcome = "not acknowledged in time (it may still be stored)";

	/* During an outage every request fails alike: count, do not flood. */
	pv_log_limited(app->log, st == PV_ERR_ARG ? PV_LOG_ERROR :
	    PV_LOG_WARNING, err.text,
	    "request %s: %s %s: event %s %s: %s", ex->request_id,
	    route->method, route->path, msg.event_id, outcome, err.text);
	if (st == PV_ERR_TIMEOUT)
		return answer_detail(ex, 503, "Retry-After: 1\r\n",
		    "Event store did not acknowledge in time; retry with the "
		    "same id");
	if (st == PV_ERR_BROKER)
		return answer_detail(ex, 503, "Retry-After: 1\r\n",
		    "Event store unavailable; retry later");
	if (st == PV_ERR_TOO_LARGE)
		return answer_detail(ex, 413, NULL, "Event larger than the "
		    "event store accepts");
	return answer_detail(ex, 500, NULL, "Internal Server Error");
}

/* Parses, validates, serializes and publishes the body in w->body. */
static int
handle_event(const pv_app *app, pv_worker *w, const exchange *ex,
	size_t route_index)
{
	const pv_route *route = &app->aggregate->routes[route_index];
	const pv_schema *schema = app->schemas[route_index];
	struct json_object *event = NULL;
	int status;

	pv_violations_clear(&w->violations);
	if (pv_json_parse_body(w->parser, w->body.data, w->body.len, &event,
	    &w->violations) != PV_OK)
		return reject_event(app, w, ex, route);

	if (pv_schema_validate(schema, event, &w->violations) != PV_OK) {
		status = reject_event(app, w, ex, route);
		goto out;
	}

	pv_buf_reset(&w->out);
	if (pv_schema_serialize(schema, event, &w->out) != PV_OK) {
		pv_log(app->log, PV_LOG_ERROR, "%s: serializing the event "
		    "failed", route->event_type);
		status = answer_detail(ex, 500, NULL,
		    "Internal Server Error");
		goto out;
	}
	status = publish_event(app, ex, route, event, &w->out);
out:
	json_object_put(event);
	return status;
}

/* Built-in endpoints under /<aggregate>: health and the OpenAPI part. */
typedef enum builtin {
	BUILTIN_NONE = 0,
	BUILTIN_HEALTH,
	BUILTIN_OPENAPI
} builtin;

static builtin
find_builtin(const pv_aggregate *agg, const char *path)
{
	size_t len = strlen(agg->name);

	if (path[0] != '/' || strncmp(path + 1, agg->name, len) != 0)
		return BUILTIN_NONE;
	path += 1 + len;
	if (strcmp(path, "/health") == 0)
		return BUILTIN_HEALTH;
	if (strcmp(path, "/openapi.json") == 0)
		return BUILTIN_OPENAPI;
	return BUILTIN_NONE;
}

static int
handle_builtin(const pv_app *app, pv_worker *w, const exchange *ex,
	builtin which, const char *method)
{
	pv_status st;

	if (method == NULL || strcmp(method, "GET") != 0)
		return answer_detail(ex, 405, "Allow: GET\r\n",
		    "Method Not Allowed");

	if (which == BUILTIN_OPENAPI) {
		answer(ex, 200, NULL, app->openapi.data,
		    app->openapi.len);
		return 200;
	}

	/* Health: no publish; connects and binds first when needed. */
	pv_buf_reset(&w->out);
	st = pv_publisher_health(app->publisher, &w->out);
	if (st == PV_ERR_NOMEM)
		return answer_detail(ex, 500, NULL, "Internal Server Error");
	answer(ex, st == PV_OK ? 200 : 503,
	    st == PV_OK ? NULL : "Retry-After: 1\r\n", w->out.data,
	    w->out.len);
	return st == PV_OK ? 200 : 503;
}

/*
 * Takes the client's X-Request-Id when it is 1 to PV_REQUEST_ID_MAX
 * characters that are safe in a header and a log line; otherwise makes
 * a new one, which the response returns: the worker's random prefix and
 * its request count, unique without a system call per request.
 */
static void
set_request_id(const pv_request_io *io, pv_worker *w, char *out,
	size_t size)
{
	const char *given = io->param(io->ctx, "HTTP_X_REQUEST_ID");
	size_t len = given != NULL ? strspn(given, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_.:") : 0;

	if (given != NULL && len > 0 && given[len] == '\0' &&
	    len <= PV_REQUEST_ID_MAX && len < size) {
		memcpy(out, given, len + 1);
		return;
	}
	snprintf(out, size, "%s-%08llx", w->id_prefix, ++w->id_count);
}

/*
 * Returns the status of an error that the web server passes on for the
 * handler to respond to, or 0 for any other request.  lighttpd's
 * server.error-handler sends such a request to a URL of its own, with
 * REDIRECT_STATUS set to its status.  A normal request has none, or 200.
 */
static int
server_error_status(const pv_request_io *io)
{
	const char *value = io->param(io->ctx, "REDIRECT_STATUS");
	int status;

	if (value == NULL || strlen(value) != 3 ||
	    strspn(value, "0123456789") != 3)
		return 0;
	status = atoi(value);
	return status >= 400 && status <= 599 ? status : 0;
}

/*
 * Responds to an error of the web server's own in the handlers' form: a
 * JSON detail with the reason phrase, and Retry-After on a 503.
 */
static int
answer_server_error(const pv_app *app, const exchange *ex, int status)
{
	const pv_request_io *io = ex->io;
	const char *uri = io->param(io->ctx, "REQUEST_URI");
	char shown[80];

	if (uri == NULL)
		uri = "";
	pv_log(app->log, PV_LOG_DEBUG, "request %s: the web server's own %d "
	    "for %s", ex->request_id, status, pv_log_escape(shown,
	    sizeof(shown), uri, strlen(uri), 64));
	return answer_detail(ex, status, status == 503 ?
	    "Retry-After: 1\r\n" : NULL, pv_response_reason(status));
}

/*
 * Responds 500 because the web server passed none of the request
 * variables named in missing, so its configuration is wrong and the
 * client is not at fault.  (In nginx a fastcgi_param inside a location
 * replaces every inherited one, REQUEST_URI and REQUEST_METHOD included.)
 */
static int
answer_missing_variables(const pv_app *app, const exchange *ex,
	const char *missing)
{
	pv_log_limited(app->log, PV_LOG_WARNING, "variables", "request %s: "
	    "the web server passed no %s; check the variables it passes "
	    "(in nginx, a fastcgi_param inside a location replaces all "
	    "inherited ones)", ex->request_id, missing);
	return answer_detail(ex, 500, NULL, "Internal Server Error");
}

/* ---- the handler ---- */

static int
dispatch(const pv_app *app, pv_worker *w, const exchange *ex)
{
	const pv_request_io *io = ex->io;
	const char *method = io->param(io->ctx, "REQUEST_METHOD");
	char path[PV_REQUEST_PATH_MAX], allow[64], header[96], shown[80];
	pv_body_result body;
	builtin which;
	int route, status;

	status = server_error_status(io);
	if (status != 0)
		return answer_server_error(app, ex, status);

	if (method == NULL)
		return answer_missing_variables(app, ex, "REQUEST_METHOD");
	/* Only a path that cannot be read costs these lookups. */
	if (!pv_request_path(io, path, sizeof(path))) {
		if (io->param(io->ctx, "REQUEST_URI") == NULL &&
		    io->param(io->ctx, "SCRIPT_NAME") == NULL &&
		    io->param(io->ctx, "PATH_INFO") == NULL)
			return answer_missing_variables(app, ex,
			    "REQUEST_URI, SCRIPT_NAME or PATH_INFO");
		pv_log(app->log, PV_LOG_DEBUG, "request %s: 404 for a path "
		    "that is too long or contains %%00", ex->request_id);
		return answer_detail(ex, 404, NULL, "Not Found");
	}
	which = find_builtin(app->aggregate, path);
	if (which != BUILTIN_NONE)
		return handle_builtin(app, w, ex, which, method);

	route = find_route(app->aggregate, method, path, allow, sizeof(allow));
	if (route < 0 && allow[0] == '\0') {
		pv_log(app->log, PV_LOG_DEBUG, "request %s: 404 for path %s",
		    ex->request_id, pv_log_escape(shown, sizeof(shown), path,
		    strlen(path), 64));
		return answer_detail(ex, 404, NULL, "Not Found");
	}
	if (route < 0) {
		snprintf(header, sizeof(header), "Allow: %s\r\n", allow);
		return answer_detail(ex, 405, header,
		    "Method Not Allowed");
	}

	if (!pv_request_is_json(io))
		return answer_detail(ex, 415, NULL, "Content-Type must be "
		    "application/json, with charset utf-8 if any");

	body = pv_request_read_body(io, app->cfg->max_body, &w->body);
	if (body != PV_BODY_OK)
		return reject_body(app, ex, body);

	return handle_event(app, w, ex, (size_t)route);
}

int
pv_handle_request(const pv_app *app, pv_worker *w, const pv_request_io *io)
{
	exchange ex;

	ex.io = io;
	set_request_id(io, w, ex.request_id, sizeof(ex.request_id));
	return dispatch(app, w, &ex);
}

int
pv_handle_unsupported_role(const pv_app *app, pv_worker *w,
	const pv_request_io *io, int role)
{
	exchange ex;

	ex.io = io;
	set_request_id(io, w, ex.request_id, sizeof(ex.request_id));
	pv_log_limited(app->log, PV_LOG_WARNING, "role", "request %s: FastCGI "
	    "role %d is not supported; only the responder role is; check "
	    "the web server's FastCGI mode", ex.request_id, role);
	return answer_detail(&ex, 500, NULL, "Internal Server Error");
}
