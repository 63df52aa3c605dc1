/*
 * server.c — lantern's HTTP server: libmicrohttpd on one side, web_handle on
 * the other. The only file in lantern that includes <microhttpd.h>.
 *
 * Threading. libmicrohttpd runs a pool of worker threads (LT_HTTP_THREADS,
 * or web_options.threads), each with its own epoll set
 * (MHD_USE_EPOLL_INTERNAL_THREAD + MHD_OPTION_THREAD_POOL_SIZE). A request is
 * served start to finish on one worker; handlers share only the store (whose
 * backends are thread-safe), the read-only parts of web_app and its
 * throttles (which lock).
 *
 * Nothing slow runs on those threads, so that a read never waits behind
 * anything but other reads. Two kinds of requests are slow, each served by
 * a worker pool of its own (the route table says which, web_route_pool):
 *
 *   - password checks (WEB_POOL_SIGNIN: the two sign-in routes). argon2id
 *     takes 64 MiB and tens of milliseconds of a core by design, and at most
 *     LT_PASSWORD_HASHES_AT_ONCE run at once (crypto_password.c): a burst of
 *     sign-ins would leave the request threads waiting for a hash slot.
 *     LT_HTTP_POOL_THREADS threads, a queue of LT_LOGIN_QUEUE_MAX.
 *   - writes (WEB_POOL_WRITE: every method but GET and HEAD, and reads that
 *     write an audit entry). A write is acknowledged only once the store's
 *     group commit holding it has been fsynced (store_sqlite_writer.c),
 *     about a millisecond. The write pool has LT_HTTP_WRITE_THREADS threads,
 *     enough to keep the writer's batches full — the writes waiting for one
 *     fsync are committed together — and a queue of LT_HTTP_WRITE_QUEUE_MAX,
 *     as many as there can be connections, so a burst of reports waits
 *     rather than being refused.
 *
 * A request for a pool goes like this:
 *
 *   on_access (request thread)   the request is complete and its route is
 *                                a pool's: copy what web_handle
 *                                needs out of libmicrohttpd (headers, peer,
 *                                time), reserve a queue slot,
 *                                MHD_suspend_connection, queue the job,
 *                                return. The request thread goes back to
 *                                serving other connections at once.
 *   pool thread                  web_handle into the request's state, mark
 *                                it done, MHD_resume_connection. It touches
 *                                nothing of the connection after that.
 *   on_access (request thread)   called again after the resume: queue the
 *                                answer the pool made.
 *
 * A full queue is answered 503 with Retry-After at once, on the request
 * thread, without suspending. Suspended connections do not time out and
 * count against the connection limits, so the queue bound is also a bound
 * on them. Stopping drains the pools before the daemon stops, since
 * libmicrohttpd must not be stopped with a connection suspended.
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
 *   on_access last  the whole request is in: copy the headers lantern reads
 *                 (Content-Type, Cookie, Authorization, X-CSRF-Token), the
 *                 peer and the time into the request's state, build a
 *                 web_request from them, call web_handle (or hand it to the
 *                 pool, above), and queue its response. This is "the second
 *                 call" for a request without a body.
 *   on_completed  write the log line and free the state, wiping the body.
 *
 * Logs: one line per request on stderr, made when the request ends and
 * written, with the others of the last few milliseconds, by the log writer
 * thread (see "logging" below):
 *   lantern: http: id=r0000002a method=POST route=/report status=400 ms=3
 * ("lantern: http: warning: ..." when the answer was not fully sent, or for
 * libmicrohttpd's own messages).
 * The route is the pattern from the route table, never the path as sent
 * (which could carry a reference code), and libmicrohttpd's own messages
 * have the path they name cut out (web_log_mhd_format); bodies (a
 * sign-in's holds a password), query strings, headers (cookies, tokens) and
 * peer addresses are never logged. The copies of Cookie, Authorization and X-CSRF-Token
 * are wiped with the request's state.
 *
 * Stopping: web_server_stop stops accepting (MHD_quiesce_daemon), waits up
 * to WEB_STOP_WAIT_MS for requests in flight to end, then stops the daemon,
 * which closes idle keep-alive connections.
 */
#include "web/web.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
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

struct request_state;

/* A request handed to the pool: its connection is suspended until done. */
struct pool_job {
	struct MHD_Connection *con;
	struct request_state *s;
};

/* A worker pool (see above): the sign-in pool, or the write pool. */
struct worker_pool {
	pthread_mutex_t lock;
	pthread_cond_t wake;    /* a job was queued, or stop */
	struct pool_job *queue; /* heap, a ring of `cap` jobs: `count` from `head` */
	size_t cap;
	size_t head, count;
	size_t reserved;        /* slots promised to requests being suspended, not yet
	                           queued */
	bool stopping;          /* finish the queue, then exit */
	pthread_t *threads;     /* heap, `want` of them */
	size_t want;
	size_t nthreads;        /* threads started */
	const char *busy;       /* the detail of the 503 when the queue is full */
	struct web_server *srv; /* NULL until started, and once stopped */
};

struct web_server {
	struct MHD_Daemon *daemon; /* NULL once stopped */
	struct web_app app;
	unsigned port;         /* the port bound */
	atomic_ulong next_id;  /* request ids, counted from 1 */
	atomic_long in_flight; /* requests between on_uri and on_completed */
	struct worker_pool signin; /* routes that check a password (WEB_POOL_SIGNIN) */
	struct worker_pool writes; /* routes that wait for the store's commit (WEB_POOL_WRITE) */
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
	/* What web_handle reads, copied out of libmicrohttpd when the request is
	 * complete (capture), so that a pool thread never touches the
	 * connection. The strings are heap copies, NULL when absent; cookie,
	 * authorization and csrf are wiped when freed. */
	bool captured;
	char peer[INET6_ADDRSTRLEN + 1];
	bool peer_loopback;
	char *content_type;
	char *cookie;
	char *authorization;
	char *csrf;
	int64_t now;            /* seconds since 1970, UTC */
	struct lt_date today;   /* UTC */
	/* The pool. */
	bool offloaded;         /* handed to the pool: suspended until done */
	atomic_bool done;       /* the pool has answered into `rs` */
	struct web_response rs; /* the pool's answer, queued after the resume */
};

/* ---- helpers ------------------------------------------------------------- */

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Free a heap string, wiping it first. */
static void secret_free(char *p)
{
	if (!p)
		return;
	lt_crypto_wipe(p, strlen(p));
	free(p);
}

static void state_free(struct request_state *s)
{
	if (!s)
		return;
	if (s->body.data)
		lt_crypto_wipe(s->body.data, s->body.len);
	lt_buf_release(&s->body);
	free(s->target);
	free(s->content_type);
	secret_free(s->cookie);
	secret_free(s->authorization);
	secret_free(s->csrf);
	if (s->offloaded) {
		if (s->rs.body)
			lt_crypto_wipe(s->rs.body, s->rs.body_len);
		web_response_release(&s->rs);
	}
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

static struct lt_date today_utc(time_t now)
{
	struct lt_date d = {0, 0, 0};
	struct tm tm;
	if (gmtime_r(&now, &tm)) {
		d.year = tm.tm_year + 1900;
		d.month = tm.tm_mon + 1;
		d.day = tm.tm_mday;
	}
	return d;
}

/* A heap copy of header `name`, NULL when absent (or out of memory). */
static char *header_copy(struct MHD_Connection *con, const char *name)
{
	const char *v = MHD_lookup_connection_value(con, MHD_HEADER_KIND, name);
	return v ? strdup(v) : NULL;
}

/* Copy out of libmicrohttpd what web_handle reads (once per request). */
static void capture(struct MHD_Connection *con, struct request_state *s)
{
	time_t now = time(NULL);
	if (s->captured)
		return;
	s->captured = true;
	peer_describe(con, s->peer, sizeof(s->peer), &s->peer_loopback);
	s->content_type = header_copy(con, MHD_HTTP_HEADER_CONTENT_TYPE);
	s->cookie = header_copy(con, MHD_HTTP_HEADER_COOKIE);
	s->authorization = header_copy(con, MHD_HTTP_HEADER_AUTHORIZATION);
	s->csrf = header_copy(con, "X-CSRF-Token");
	s->now = (int64_t)now;
	s->today = today_utc(now);
}

/* The web_request of a captured request; it points into `s`. */
static void request_of(const struct request_state *s, struct web_request *rq)
{
	memset(rq, 0, sizeof(*rq));
	rq->method = s->method;
	rq->target = s->target;
	rq->content_type = s->content_type;
	rq->body = s->body.data;
	rq->body_len = s->body.len;
	rq->body_too_big = s->too_big;
	rq->peer_loopback = s->peer_loopback;
	rq->peer = s->peer;
	rq->today = s->today;
	rq->now = s->now;
	rq->id = s->id;
	rq->cookie = s->cookie;
	rq->authorization = s->authorization;
	rq->csrf_header = s->csrf;
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
 * The log writer. A write(2) of every line from the request thread that
 * answered costs a system call per request — a tenth of an authenticated
 * read — so while a server runs its lines go into a buffer, and a thread of
 * their own writes what has gathered in one write(2), at most
 * WEB_LOG_DELAY_MS after the first line of the batch: lines keep their
 * order and are never cut; they reach stderr a few milliseconds late. A
 * line that finds the buffer full (the writer is stuck), and every line
 * while no server runs, is written at once instead. Stopping the server
 * writes everything left.
 */
#define WEB_LOG_BUF (64 * 1024) /* bytes of lines gathered between two writes */
#define WEB_LOG_DELAY_MS 5      /* how long a batch gathers before it is written */

static struct {
	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t wake;  /* signalled: the buffer was empty and has a line, or stop */
	char *buf[2];         /* heap, WEB_LOG_BUF each: one fills while the other is written */
	size_t len;           /* bytes in buf[fill] */
	int fill;
	bool running;         /* the writer thread runs: lines go to the buffer */
	bool stopping;
	pthread_t thread;
	unsigned servers;     /* servers running (the writer runs while one does) */
} web_logger = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static void log_write_all(const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(STDERR_FILENO, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* nowhere to log to */
		p += w;
		n -= (size_t)w;
	}
}

static void *log_main(void *arg)
{
	(void)arg;
	LT_ASSERT(pthread_mutex_lock(&web_logger.lock) == 0);
	for (;;) {
		while (web_logger.len == 0 && !web_logger.stopping)
			LT_ASSERT(pthread_cond_wait(&web_logger.wake, &web_logger.lock) == 0);
		if (web_logger.len == 0)
			break; /* stopping, and everything is written */
		if (!web_logger.stopping) {
			/* Let the batch gather. */
			LT_ASSERT(pthread_mutex_unlock(&web_logger.lock) == 0);
			struct timespec ts = {0, WEB_LOG_DELAY_MS * 1000 * 1000};
			nanosleep(&ts, NULL);
			LT_ASSERT(pthread_mutex_lock(&web_logger.lock) == 0);
		}
		char *out = web_logger.buf[web_logger.fill];
		size_t n = web_logger.len;
		web_logger.fill ^= 1;
		web_logger.len = 0;
		LT_ASSERT(pthread_mutex_unlock(&web_logger.lock) == 0);
		log_write_all(out, n);
		LT_ASSERT(pthread_mutex_lock(&web_logger.lock) == 0);
	}
	LT_ASSERT(pthread_mutex_unlock(&web_logger.lock) == 0);
	return NULL;
}

/* Start the writer for one more server (a second server shares it). */
static void log_start(void)
{
	LT_ASSERT(pthread_mutex_lock(&web_logger.lock) == 0);
	if (web_logger.servers++ == 0 && !web_logger.running) {
		web_logger.buf[0] = malloc(WEB_LOG_BUF);
		web_logger.buf[1] = malloc(WEB_LOG_BUF);
		web_logger.len = 0;
		web_logger.stopping = false;
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		web_logger.running = web_logger.buf[0] && web_logger.buf[1] &&
		                     pthread_create(&web_logger.thread, NULL, log_main, NULL) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (!web_logger.running) { /* lines go straight to stderr */
			free(web_logger.buf[0]);
			free(web_logger.buf[1]);
			web_logger.buf[0] = web_logger.buf[1] = NULL;
		}
	}
	LT_ASSERT(pthread_mutex_unlock(&web_logger.lock) == 0);
}

/* The last server stopped: write what is left and stop the writer. */
static void log_stop(void)
{
	LT_ASSERT(pthread_mutex_lock(&web_logger.lock) == 0);
	LT_ASSERT(web_logger.servers > 0);
	bool last = --web_logger.servers == 0 && web_logger.running;
	if (last) {
		web_logger.stopping = true;
		LT_ASSERT(pthread_cond_signal(&web_logger.wake) == 0);
	}
	LT_ASSERT(pthread_mutex_unlock(&web_logger.lock) == 0);
	if (!last)
		return;
	pthread_join(web_logger.thread, NULL);
	LT_ASSERT(pthread_mutex_lock(&web_logger.lock) == 0);
	web_logger.running = false;
	free(web_logger.buf[0]);
	free(web_logger.buf[1]);
	web_logger.buf[0] = web_logger.buf[1] = NULL;
	LT_ASSERT(pthread_mutex_unlock(&web_logger.lock) == 0);
}

/* Hand a whole line to the writer, or write it now. */
static void log_put(const char *line, size_t n)
{
	LT_ASSERT(pthread_mutex_lock(&web_logger.lock) == 0);
	if (web_logger.running && !web_logger.stopping && web_logger.len + n <= WEB_LOG_BUF) {
		if (web_logger.len == 0)
			LT_ASSERT(pthread_cond_signal(&web_logger.wake) == 0);
		memcpy(web_logger.buf[web_logger.fill] + web_logger.len, line, n);
		web_logger.len += n;
		n = 0;
	}
	LT_ASSERT(pthread_mutex_unlock(&web_logger.lock) == 0);
	if (n)
		log_write_all(line, n);
}

/*
 * Log one line on stderr: "lantern: http: " (plus "warning: " for
 * WEB_LOG_WARN), the formatted text cut at its first newline, and a newline,
 * whole, so lines from different workers never interleave (through the log
 * writer above). Callers pass identifiers (request id, method, route
 * pattern, status), never request contents.
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
	log_put(line, len + 1);
}

LT_PRINTF(2, 3) static void web_log(enum web_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	web_vlog(level, fmt, ap);
	va_end(ap);
}

/* ---- callbacks ----------------------------------------------------------- */

/*
 * libmicrohttpd's messages about a send that failed name the request's path
 * ("Failed to send the response body for the request for `%s'. Error: %s",
 * with connection->url, the path without its query), and a path can hold a
 * person's id or a report's reference code. The log never holds a path, so
 * each conversion that follows "request for " (after an optional opening
 * quote) becomes "%.0s(path not logged)": it still takes its argument, so
 * the arguments after it line up, and prints none of it.
 */
bool web_log_mhd_format(const char *fmt, char *out, size_t cap)
{
	static const char marker[] = "request for ";
	static const char instead[] = "%.0s(path not logged)";
	size_t n = 0;
	const char *p = fmt;
	while (*p) {
		const char *m = strstr(p, marker);
		size_t take = m ? (size_t)(m - p) + sizeof(marker) - 1 : strlen(p);
		if (m && m[sizeof(marker) - 1] == '`')
			take++;
		if (n + take >= cap)
			return false;
		memcpy(out + n, p, take);
		n += take;
		p += take;
		if (m && strncmp(p, "%s", 2) == 0) {
			if (n + sizeof(instead) > cap)
				return false;
			memcpy(out + n, instead, sizeof(instead) - 1);
			n += sizeof(instead) - 1;
			p += 2;
		}
	}
	out[n] = '\0';
	return true;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char f[512], msg[512];
	if (!web_log_mhd_format(fmt, f, sizeof(f))) {
		web_log(WEB_LOG_WARN, "libmicrohttpd: a message too long to check (not logged)");
		return;
	}
	vsnprintf(msg, sizeof(msg), f, ap);
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

/* Queue `rs` (released here, whatever happens) as the answer to `s`. */
static enum MHD_Result queue_answer(struct MHD_Connection *con, struct request_state *s,
                                    struct web_response *rs)
{
	struct MHD_Response *resp = NULL;
	enum MHD_Result ret = MHD_NO;

	if (rs->body) {
		resp = MHD_create_response_from_buffer_with_free_callback(rs->body_len, rs->body,
		                                                          body_free);
		if (resp)
			rs->body = NULL; /* libmicrohttpd owns it now */
	} else {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	}
	if (!resp)
		goto out;
	for (size_t i = 0; i < rs->nheaders; i++)
		if (MHD_add_response_header(resp, rs->headers[i].name, rs->headers[i].value) !=
		    MHD_YES)
			goto out;
	ret = MHD_queue_response(con, (unsigned)rs->status, resp);
	if (ret == MHD_YES) {
		s->answered = true;
		s->status = rs->status;
		s->route = rs->route;
	}
out:
	if (resp)
		MHD_destroy_response(resp);
	if (rs->body)
		lt_crypto_wipe(rs->body, rs->body_len);
	web_response_release(rs);
	return ret;
}

/* Answer a captured request: web_handle, or the failure to read it. */
static void answer(struct web_server *srv, struct request_state *s, struct web_response *rs)
{
	struct web_request rq;
	request_of(s, &rq);
	if (s->failed != LT_OK)
		web_error_response(&rq, rs, web_kind_for_path(s->target), s->failed,
		                   "The request could not be read.", NULL);
	else
		web_handle(&srv->app, &rq, rs);
}

/*
 * Build the request, let web_handle answer it, and queue the answer: on a
 * request thread, for a route that only reads (the pools call answer
 * themselves), so its reads — the credentials, then the records — all see
 * one snapshot of the store, in one read transaction (store_read_begin).
 */
static enum MHD_Result respond(struct web_server *srv, struct MHD_Connection *con,
                               struct request_state *s)
{
	struct web_response rs;
	capture(con, s);
	web_response_init(&rs);
	store_read_begin(srv->app.st);
	answer(srv, s, &rs);
	store_read_end(srv->app.st);
	return queue_answer(con, s, &rs);
}

/* ---- the pool ------------------------------------------------------------ */

static void *pool_main(void *arg)
{
	struct worker_pool *p = arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals are for the thread that waits */
	for (;;) {
		LT_ASSERT(pthread_mutex_lock(&p->lock) == 0);
		while (p->count == 0 && !(p->stopping && p->reserved == 0))
			LT_ASSERT(pthread_cond_wait(&p->wake, &p->lock) == 0);
		if (p->count == 0) {
			LT_ASSERT(pthread_mutex_unlock(&p->lock) == 0);
			return NULL;
		}
		struct pool_job job = p->queue[p->head];
		p->head = (p->head + 1) % p->cap;
		p->count--;
		LT_ASSERT(pthread_mutex_unlock(&p->lock) == 0);

		web_response_init(&job.s->rs);
		answer(p->srv, job.s, &job.s->rs);
		atomic_store(&job.s->done, true);
		MHD_resume_connection(job.con); /* job.s belongs to the request thread again */
	}
}

/*
 * Hand `s` to pool `p`: reserve a slot, suspend the connection, queue the
 * job. False, with nothing changed, when the queue is full or stopping.
 */
static bool pool_submit(struct worker_pool *p, struct MHD_Connection *con, struct request_state *s)
{
	LT_ASSERT(pthread_mutex_lock(&p->lock) == 0);
	bool room = !p->stopping && p->nthreads > 0 && p->count + p->reserved < p->cap;
	if (room)
		p->reserved++;
	LT_ASSERT(pthread_mutex_unlock(&p->lock) == 0);
	if (!room)
		return false;

	s->offloaded = true;
	atomic_store(&s->done, false);
	MHD_suspend_connection(con); /* before the job is visible: a pool thread resumes it */

	LT_ASSERT(pthread_mutex_lock(&p->lock) == 0);
	p->reserved--;
	p->queue[(p->head + p->count) % p->cap] = (struct pool_job){con, s};
	p->count++;
	LT_ASSERT(pthread_cond_signal(&p->wake) == 0);
	LT_ASSERT(pthread_mutex_unlock(&p->lock) == 0);
	return true;
}

/* Start pool `p`: `threads` threads, a queue of `cap` jobs. */
static lt_status pool_start_one(struct web_server *srv, struct worker_pool *p, size_t threads,
                                size_t cap, const char *busy, struct lt_error *err)
{
	p->queue = calloc(cap, sizeof(*p->queue));
	p->threads = calloc(threads, sizeof(*p->threads));
	if (!p->queue || !p->threads) {
		free(p->queue);
		free(p->threads);
		p->queue = NULL;
		p->threads = NULL;
		return lt_error_set(err, LT_ENOMEM, NULL, "out of memory");
	}
	p->cap = cap;
	p->want = threads;
	p->busy = busy;
	p->srv = srv;
	if (pthread_mutex_init(&p->lock, NULL) != 0 || pthread_cond_init(&p->wake, NULL) != 0)
		return lt_error_set(err, LT_ENOMEM, NULL, "could not make the worker pool's lock");
	for (size_t i = 0; i < threads; i++) {
		if (pthread_create(&p->threads[i], NULL, pool_main, p) != 0)
			return lt_error_set(err, LT_ENOMEM, NULL,
			                    "could not start the worker pool's threads");
		p->nthreads++;
	}
	return LT_OK;
}

/* Start the sign-in pool and the write pool. */
static lt_status pool_start(struct web_server *srv, struct lt_error *err)
{
	lt_status rc = pool_start_one(srv, &srv->signin, LT_HTTP_POOL_THREADS, LT_LOGIN_QUEUE_MAX,
	                              "Too many people are signing in at once: try again in a "
	                              "moment.",
	                              err);
	if (rc == LT_OK)
		rc = pool_start_one(srv, &srv->writes, LT_HTTP_WRITE_THREADS, LT_HTTP_WRITE_QUEUE_MAX,
		                    "Too many writes are waiting: try again in a moment.", err);
	return rc;
}

/* Finish every queued job of `p`, stop its threads. */
static void pool_stop_one(struct worker_pool *p)
{
	if (!p->srv)
		return;
	LT_ASSERT(pthread_mutex_lock(&p->lock) == 0);
	p->stopping = true;
	LT_ASSERT(pthread_cond_broadcast(&p->wake) == 0);
	LT_ASSERT(pthread_mutex_unlock(&p->lock) == 0);
	for (size_t i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	p->nthreads = 0;
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p->queue);
	free(p->threads);
	p->queue = NULL;
	p->threads = NULL;
	p->srv = NULL;
}

/* Stop both pools (each may not have started). */
static void pool_stop(struct web_server *srv)
{
	pool_stop_one(&srv->signin);
	pool_stop_one(&srv->writes);
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
			return respond(srv, con, s); /* early: the connection closes */
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
	if (s->offloaded) {
		/* Called again after the pool resumed the connection. */
		if (!atomic_load(&s->done))
			return MHD_YES;
		return queue_answer(con, s, &s->rs);
	}
	capture(con, s);
	if (s->failed == LT_OK && !s->too_big) {
		const struct web_route *r = web_route_for(s->method, s->target);
		enum web_pool kind = r ? web_route_pool(r) : WEB_POOL_NONE;
		struct worker_pool *p = kind == WEB_POOL_SIGNIN  ? &srv->signin
		                     : kind == WEB_POOL_WRITE ? &srv->writes
		                                              : NULL;
		if (p) {
			if (pool_submit(p, con, s))
				return MHD_YES;
			struct web_request rq;
			struct web_response rs;
			request_of(s, &rq);
			web_response_init(&rs);
			rs.route = r->path;
			web_error_response(&rq, &rs, r->kind, LT_EBUSY, p->busy, NULL);
			web_response_header(&rs, "Retry-After", "1");
			return queue_answer(con, s, &rs);
		}
	}
	return respond(srv, con, s);
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

/* True when the address to listen on is a loopback address. */
static bool listen_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)ss;
		return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)ss;
		return IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
	}
	return false;
}

lt_status web_server_start(struct store *st, const struct web_options *o, struct web_server **out,
                           struct lt_error *err)
{
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	struct web_server *srv = NULL;
	lt_status rc;
	bool app_ready = false;
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
	if (o->insecure_http && !listen_loopback(&ss)) {
		rc = lt_error_set(err, LT_EUSAGE, "insecure-http",
		                  "--insecure-http sends session cookies without Secure, so it is "
		                  "allowed only when listening on a loopback address (127.0.0.1 or "
		                  "[::1]), not on %s",
		                  o->listen);
		goto out;
	}
	rc = web_app_init(&srv->app, st, o->keyfile, err);
	if (rc != LT_OK)
		goto out;
	srv->app.insecure_http = o->insecure_http;
	app_ready = true;
	if (o->data_keys && (rc = web_app_data_keys(&srv->app, o->data_keys, err)) != LT_OK)
		goto out;
	rc = pool_start(srv, err);
	if (rc != LT_OK)
		goto out;

	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
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
	log_start();
	*out = srv;
	srv = NULL;
	rc = LT_OK;
out:
	if (srv) {
		pool_stop(srv);
		if (app_ready)
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
		/* No connection may be suspended when the daemon stops: the pools
		 * finish (and resume) every job they hold first. */
		pool_stop(srv);
		MHD_stop_daemon(srv->daemon);
		srv->daemon = NULL;
	}
	pool_stop(srv);
	web_app_release(&srv->app);
	free(srv);
	log_stop(); /* after the daemon: its last requests' lines are written */
}
