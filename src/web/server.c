/*
 * server.c — lantern's HTTP server: libmicrohttpd on one side, web_handle on
 * the other. The only file in lantern that includes <microhttpd.h>.
 *
 * Threading. libmicrohttpd runs a pool of worker threads (LT_HTTP_THREADS,
 * or web_options.threads), each with its own epoll set
 * (MHD_USE_EPOLL_INTERNAL_THREAD + MHD_OPTION_THREAD_POOL_SIZE). A request is
 * served start to finish on one worker; handlers share only the store (whose
 * backends are thread-safe) and the read-only web_app.
 *
 * Ceilings, all set explicitly: open connections (LT_HTTP_CONNECTIONS_MAX),
 * connections per peer address (LT_HTTP_PER_IP_MAX), idle seconds before a
 * connection is closed (LT_HTTP_TIMEOUT_S), memory per connection for the
 * request line and headers (LT_HTTP_CONNECTION_MEMORY), the request target
 * (LT_HTTP_URL_MAX, checked by web_handle) and the body (LT_HTTP_BODY_MAX).
 *
 * The life of a request, in libmicrohttpd's callbacks:
 *
 *   on_uri        the request line has arrived. Allocate the per-request
 *                 state and keep a copy of the raw target (libmicrohttpd
 *                 later splits and unescapes it in place; lantern decodes
 *                 path and query itself, strictly).
 *   on_access #1  headers are in. Nothing is answered here — with
 *                 libmicrohttpd 0.9.75 a response queued on the first call
 *                 is an "early" response after which the connection is
 *                 closed, so answering here would end keep-alive — except
 *                 when Content-Length already says the body is over the
 *                 limit: then 413 is queued at once, libmicrohttpd stops
 *                 reading and closes the connection, and no 100-continue is
 *                 sent.
 *   on_access #n  body bytes arrive and are appended to a capped buffer.
 *                 A body without Content-Length (chunked) that passes the cap
 *                 is read and thrown away (0.9.75 cannot queue a response in
 *                 the middle of a body) up to LT_HTTP_DRAIN_MAX bytes, after which
 *                 the connection is dropped; otherwise it is answered 413.
 *   on_access last  the whole request is in: build a web_request, call
 *                 web_handle, and queue its response. This is "the second
 *                 call" for a request without a body.
 *   on_completed  write the log line and free the state, wiping the body.
 *
 * Logs: one line per request on stderr, written when the request ends:
 *   lantern: http: id=r0000002a method=POST route=/report status=400 ms=3
 * ("lantern: http: warning: ..." when the answer was not fully sent, or for
 * libmicrohttpd's own messages).
 * The route is the pattern from the route table, never the path as sent
 * (which could carry a reference code); bodies, query strings and peer
 * addresses are never logged.
 *
 * Stopping: web_server_stop stops accepting (MHD_quiesce_daemon), waits up
 * to WEB_STOP_WAIT_MS for requests in flight to end, then stops the daemon,
 * which closes idle keep-alive connections.
 */
#include "web/web.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "web/web_int.h"
#include "core/banned.h"

#define WEB_STOP_WAIT_MS 5000 /* how long stop waits for requests in flight */

struct web_server {
	struct MHD_Daemon *daemon; /* NULL once stopped */
	struct web_app app;
	unsigned port;         /* the port bound */
	atomic_ulong next_id;  /* request ids, counted from 1 */
	atomic_long in_flight; /* requests between on_uri and on_completed */
};

/* Everything lantern keeps about one request. Freed by on_completed. */
struct request_state {
	char *target;       /* heap copy of the raw target, at most LT_HTTP_URL_MAX + 1 bytes */
	bool started;       /* on_access has been called once */
	bool answered;      /* a response was queued */
	bool too_big;       /* the body passed LT_HTTP_BODY_MAX */
	lt_status failed;   /* LT_OK, or why the body could not be kept */
	size_t drained;     /* bytes thrown away after too_big */
	struct lt_buf body; /* the body, capped at LT_HTTP_BODY_MAX */
	char id[24];        /* "r" and 8+ hex digits */
	char method[WEB_METHOD_MAX]; /* for the log line: A-Z only */
	const char *route;           /* route pattern for the log line (static) */
	int status;                  /* HTTP status sent, 0 until answered */
	struct timespec t0;          /* when the request line arrived (monotonic) */
};

/* ---- helpers ------------------------------------------------------------- */

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void state_free(struct request_state *s)
{
	if (!s)
		return;
	if (s->body.data)
		lt_crypto_wipe(s->body.data, s->body.len);
	lt_buf_release(&s->body);
	free(s->target);
	free(s);
}

/* Keep A-Z of a method name for the log line; anything else becomes '?'. */
static void method_copy(char out[WEB_METHOD_MAX], const char *m)
{
	size_t i = 0;
	for (; m && m[i] && i < WEB_METHOD_MAX - 1; i++)
		out[i] = (m[i] >= 'A' && m[i] <= 'Z') ? m[i] : '?';
	out[i] = '\0';
}

/* True when a Content-Length value is a number larger than the body limit. */
static bool content_length_too_big(const char *v)
{
	unsigned long long n = 0;
	size_t digits = 0;
	for (; *v == ' ' || *v == '\t'; v++)
		;
	for (; *v >= '0' && *v <= '9'; v++, digits++) {
		if (n > (unsigned long long)LT_HTTP_BODY_MAX * 10)
			return true; /* long past the limit; stop before overflowing */
		n = n * 10 + (unsigned long long)(*v - '0');
	}
	return digits > 0 && n > LT_HTTP_BODY_MAX;
}

/* The peer's address as text, and whether it is loopback. */
static void peer_describe(struct MHD_Connection *con, char *out, size_t cap, bool *loopback)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	*loopback = false;
	snprintf(out, cap, "unknown");
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in4 = (const struct sockaddr_in *)(const void *)sa;
		uint32_t a = ntohl(in4->sin_addr.s_addr);
		*loopback = (a >> 24) == 127;
		inet_ntop(AF_INET, &in4->sin_addr, out, (socklen_t)cap);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		const unsigned char *b = in6->sin6_addr.s6_addr;
		static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0,    0,
		                                           0, 0, 0, 0, 0xff, 0xff};
		*loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
		            (memcmp(b, v4mapped, 12) == 0 && b[12] == 127);
		inet_ntop(AF_INET6, &in6->sin6_addr, out, (socklen_t)cap);
	}
}

static struct lt_date today_utc(void)
{
	struct lt_date d = {0, 0, 0};
	struct tm tm;
	time_t now = time(NULL);
	if (gmtime_r(&now, &tm)) {
		d.year = tm.tm_year + 1900;
		d.month = tm.tm_mon + 1;
		d.day = tm.tm_mday;
	}
	return d;
}

/* libmicrohttpd's free callback for response bodies: they may hold what a
 * person typed, so wipe before freeing. Bodies are NUL-terminated text. */
static void body_free(void *p)
{
	if (!p)
		return;
	lt_crypto_wipe(p, strlen(p));
	free(p);
}

/* ---- logging ------------------------------------------------------------- */

enum web_log_level { WEB_LOG_INFO, WEB_LOG_WARN };

/*
 * Write one log line on stderr: "lantern: http: " (plus "warning: " for
 * WEB_LOG_WARN), the formatted text cut at its first newline, and a newline,
 * in one write so lines from different workers never interleave. Callers
 * pass identifiers (request id, method, route pattern, status), never
 * request contents.
 */
LT_PRINTF(2, 0) static void web_vlog(enum web_log_level level, const char *fmt, va_list ap)
{
	char line[768];
	int n = snprintf(line, sizeof(line), "lantern: http: %s",
	                 level == WEB_LOG_WARN ? "warning: " : "");
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	line[strcspn(line, "\r\n")] = '\0';
	size_t len = strlen(line);
	if (len + 1 >= sizeof(line))
		len = sizeof(line) - 2;
	line[len] = '\n';
	line[len + 1] = '\0';
	fputs(line, stderr);
}

LT_PRINTF(2, 3) static void web_log(enum web_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	web_vlog(level, fmt, ap);
	va_end(ap);
}

/* ---- callbacks ----------------------------------------------------------- */

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	web_log(WEB_LOG_WARN, "libmicrohttpd: %s", msg);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct web_server *srv = cls;
	struct request_state *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	size_t n = strnlen(uri, LT_HTTP_URL_MAX + 1);
	s->target = malloc(n + 1);
	if (!s->target) {
		free(s);
		return NULL;
	}
	memcpy(s->target, uri, n);
	s->target[n] = '\0';
	lt_buf_init(&s->body, LT_HTTP_BODY_MAX);
	s->route = "-";
	snprintf(s->id, sizeof(s->id), "r%08lx", atomic_fetch_add(&srv->next_id, 1) + 1);
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	atomic_fetch_add(&srv->in_flight, 1);
	return s;
}

static void on_completed(void *cls, struct MHD_Connection *con, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct web_server *srv = cls;
	struct request_state *s = *con_cls;
	if (!s)
		return;
	if (s->answered)
		web_log(toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? WEB_LOG_INFO : WEB_LOG_WARN,
		        "id=%s method=%s route=%s status=%d ms=%ld%s", s->id,
		        s->method[0] ? s->method : "-", s->route, s->status, elapsed_ms(&s->t0),
		        toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (not fully sent)");
	else
		web_log(WEB_LOG_WARN,
		        "id=%s method=%s route=- status=0 ms=%ld (ended before an answer)", s->id,
		        s->method[0] ? s->method : "-", elapsed_ms(&s->t0));
	state_free(s);
	*con_cls = NULL;
	atomic_fetch_sub(&srv->in_flight, 1);
}

/* Build the request, let web_handle answer it, and queue the answer. */
static enum MHD_Result respond(struct web_server *srv, struct MHD_Connection *con,
                               struct request_state *s, const char *method)
{
	struct web_request rq;
	struct web_response rs;
	struct MHD_Response *resp = NULL;
	char peer[INET6_ADDRSTRLEN + 1];
	enum MHD_Result ret = MHD_NO;

	memset(&rq, 0, sizeof(rq));
	peer_describe(con, peer, sizeof(peer), &rq.peer_loopback);
	rq.method = method;
	rq.target = s->target;
	rq.content_type =
	    MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	rq.body = s->body.data;
	rq.body_len = s->body.len;
	rq.body_too_big = s->too_big;
	rq.peer = peer;
	rq.today = today_utc();
	rq.id = s->id;

	web_response_init(&rs);
	if (s->failed != LT_OK)
		web_error_response(&rq, &rs, web_kind_for_path(s->target), s->failed,
		                   "The request could not be read.", NULL);
	else
		web_handle(&srv->app, &rq, &rs);

	if (rs.body) {
		resp = MHD_create_response_from_buffer_with_free_callback(rs.body_len, rs.body,
		                                                          body_free);
		if (resp)
			rs.body = NULL; /* libmicrohttpd owns it now */
	} else {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	}
	if (!resp)
		goto out;
	for (size_t i = 0; i < rs.nheaders; i++)
		if (MHD_add_response_header(resp, rs.headers[i].name, rs.headers[i].value) !=
		    MHD_YES)
			goto out;
	ret = MHD_queue_response(con, (unsigned)rs.status, resp);
	if (ret == MHD_YES) {
		s->answered = true;
		s->status = rs.status;
		s->route = rs.route;
	}
out:
	if (resp)
		MHD_destroy_response(resp);
	if (rs.body)
		lt_crypto_wipe(rs.body, rs.body_len);
	web_response_release(&rs);
	return ret;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *con, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
	struct web_server *srv = cls;
	struct request_state *s = *con_cls;

	if (!s)
		return MHD_NO; /* on_uri could not allocate: drop the connection */

	if (!s->started) {
		s->started = true;
		method_copy(s->method, method);
		const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
		                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && content_length_too_big(cl)) {
			s->too_big = true;
			return respond(srv, con, s, method); /* early: the connection closes */
		}
		return MHD_YES;
	}

	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (s->too_big || s->failed != LT_OK) {
			s->drained += n;
			return s->drained > LT_HTTP_DRAIN_MAX ? MHD_NO : MHD_YES;
		}
		lt_status st = lt_buf_append(&s->body, upload_data, n);
		if (st != LT_OK) {
			if (st == LT_ETOOBIG)
				s->too_big = true;
			else
				s->failed = st;
			if (s->body.data)
				lt_crypto_wipe(s->body.data, s->body.len);
			lt_buf_release(&s->body);
			s->drained = n;
		}
		return MHD_YES;
	}

	if (s->answered)
		return MHD_YES;
	return respond(srv, con, s, method);
}

/* ---- start and stop ------------------------------------------------------ */

/* Parse "A.B.C.D:PORT" or "[IPv6]:PORT". */
static lt_status listen_parse(const char *listen, struct sockaddr_storage *ss, socklen_t *len,
                              struct lt_error *err)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *hstart, *hend;
	char *end = NULL;

	memset(ss, 0, sizeof(*ss));
	if (!listen || !*listen)
		goto bad;
	if (listen[0] == '[') {
		hstart = listen + 1;
		hend = strchr(hstart, ']');
		if (!hend || hend[1] != ':')
			goto bad;
		colon = hend + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon)
			goto bad;
		hstart = listen;
		hend = colon;
	}
	if ((size_t)(hend - hstart) >= sizeof(host) || hend == hstart)
		goto bad;
	memcpy(host, hstart, (size_t)(hend - hstart));
	host[hend - hstart] = '\0';
	if (!colon[1] || colon[1] < '0' || colon[1] > '9')
		goto bad;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	if (errno || *end || port < 0 || port > 65535)
		goto bad;

	if (listen[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			goto bad;
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			goto bad;
		*len = sizeof(*a);
	}
	return LT_OK;
bad:
	return lt_error_set(err, LT_EUSAGE, "listen",
	                    "'%s' is not an address to listen on (expected HOST:PORT with an "
	                    "IPv4 address, or [IPv6]:PORT, and a port from 0 to 65535)",
	                    listen ? listen : "");
}

lt_status web_server_start(struct store *st, const struct web_options *o, struct web_server **out,
                           struct lt_error *err)
{
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	struct web_server *srv = NULL;
	lt_status rc;
	unsigned threads = o->threads ? o->threads : LT_HTTP_THREADS;

	*out = NULL;
	rc = listen_parse(o->listen, &ss, &sslen, err);
	if (rc != LT_OK)
		goto out;
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		rc = lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
		goto out;
	}
	atomic_init(&srv->next_id, 0);
	atomic_init(&srv->in_flight, 0);
	rc = web_app_init(&srv->app, st, o->keyfile, err);
	if (rc != LT_OK)
		goto out;

	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	errno = 0;
	srv->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_access, srv, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log,
	    srv, /* first, so it sees every message */
	    MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
	    threads, MHD_OPTION_CONNECTION_LIMIT, (unsigned)LT_HTTP_CONNECTIONS_MAX,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)LT_HTTP_PER_IP_MAX,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)LT_HTTP_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)LT_HTTP_CONNECTION_MEMORY,
	    MHD_OPTION_STRICT_FOR_CLIENT, (int)1, MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_END);
	if (!srv->daemon) {
		int e = errno;
		rc = lt_error_set(err, LT_EIO, "listen", "could not listen on %s%s%s", o->listen,
		                  e ? ": " : "", e ? strerror(e) : "");
		goto out;
	}
	const union MHD_DaemonInfo *di =
	    MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = di ? di->port : 0;
	*out = srv;
	srv = NULL;
	rc = LT_OK;
out:
	if (srv) {
		web_app_release(&srv->app);
		free(srv);
	}
	return rc;
}

unsigned web_server_port(const struct web_server *srv)
{
	return srv->port;
}

void web_server_stop(struct web_server *srv)
{
	if (!srv)
		return;
	if (srv->daemon) {
		MHD_socket fd = MHD_quiesce_daemon(srv->daemon);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
		for (int waited = 0; waited < WEB_STOP_WAIT_MS && atomic_load(&srv->in_flight) > 0;
		     waited += 10) {
			struct timespec ts = {0, 10 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		MHD_stop_daemon(srv->daemon);
		srv->daemon = NULL;
	}
	web_app_release(&srv->app);
	free(srv);
}
