/*
 * bench_hello.c — the baseline of the HTTP benchmarks: a bare
 * libmicrohttpd server that answers every request with "hello".
 *
 * It runs libmicrohttpd exactly as `lantern serve` does (src/web/server.c):
 * a pool of LT_HTTP_THREADS threads each with its own epoll set, suspend and
 * resume allowed, the same connection limits, per-address limit, timeout
 * and per-connection memory, strict parsing. What lantern adds on top —
 * routing, authentication, JSON, the store, the security headers, the log
 * line — is what the ratio of `make bench` measures. The answer carries a
 * few headers of similar size to lantern's, so the bytes on the wire are
 * comparable.
 *
 * Usage: bench_hello [HOST:PORT]   (default 127.0.0.1:0). The first line on
 * stdout is the URL, as `lantern serve` prints it; SIGINT or SIGTERM stop
 * it. This program is a benchmark, not part of lantern: it includes
 * <microhttpd.h> itself.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "core/limits.h"

static const char hello[] = "hello\n";

static enum MHD_Result on_access(void *cls, struct MHD_Connection *con, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
	static int first_call;
	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload_data;
	/* As lantern: answer on the second call, once the request is in. */
	if (*con_cls == NULL) {
		*con_cls = &first_call;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(sizeof(hello) - 1, (void *)hello,
	                                                         MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	MHD_add_response_header(r, "Content-Security-Policy", "default-src 'none'");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	enum MHD_Result ret = MHD_queue_response(con, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

int main(int argc, char **argv)
{
	const char *listen = argc > 1 ? argv[1] : "127.0.0.1:0";
	char host[64];
	unsigned port = 0;
	struct sockaddr_in sa;
	sigset_t set;
	int sig;

	if (sscanf(listen, "%63[^:]:%u", host, &port) != 2) {
		fprintf(stderr, "bench_hello: '%s' is not HOST:PORT\n", listen);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "bench_hello: '%s' is not an IPv4 address\n", host);
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct MHD_Daemon *d = MHD_start_daemon(
	    MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL,
	    NULL, on_access, NULL, MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&sa,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)LT_HTTP_THREADS, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)LT_HTTP_CONNECTIONS_MAX, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)LT_HTTP_PER_IP_MAX, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)LT_HTTP_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)LT_HTTP_CONNECTION_MEMORY, MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
	    MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "bench_hello: could not listen on %s\n", listen);
		return 1;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("http://%s:%u/\n", host, di ? di->port : 0);
	fflush(stdout);
	while (sigwait(&set, &sig) != 0)
		;
	MHD_stop_daemon(d);
	return 0;
}
