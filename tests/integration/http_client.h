/*
 * http_client.h — a small HTTP/1.1 client for the integration suite.
 *
 * Just enough HTTP to drive `lantern serve` over loopback and see exactly
 * what it sends: one TCP connection per `struct http_conn`, requests written
 * byte for byte as given (so a test can send a malformed or oversized one),
 * and responses read with Content-Length framing (or to end of stream when
 * there is none), keeping any bytes past the response for the next one on a
 * keep-alive connection. Every read and write has a timeout, so a server
 * that hangs fails the test instead of blocking it.
 *
 * Not a general client: no TLS, no redirects, no chunked responses (lantern
 * always answers with Content-Length), IPv4 loopback only.
 */
#ifndef LT_TEST_HTTP_CLIENT_H
#define LT_TEST_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_TIMEOUT_S    20        /* seconds any single read or write may take */
#define HTTP_RESPONSE_MAX (4 << 20) /* bytes of one response, head and body */

struct http_conn {
	int fd;     /* -1 when closed */
	char *buf;  /* bytes read but not yet consumed (heap) */
	size_t len; /* bytes at buf */
	size_t cap;
};

struct http_response {
	int status; /* e.g. 200 */
	char *head; /* the status line and headers, NUL-terminated (heap) */
	char *body; /* the body, NUL-terminated (heap); "" when empty */
	size_t body_len;
	bool closed; /* the server closed the connection after it */
};

/* Connect to 127.0.0.1:port. Returns 0, or -1 with errno set. */
int http_open(struct http_conn *c, unsigned port);
void http_close(struct http_conn *c);

/* Write all of `n` bytes. Returns 0, or -1 (errno set) when the peer closed
 * or the write timed out. */
int http_send(struct http_conn *c, const void *p, size_t n);

/*
 * Write a request: "METHOD target HTTP/1.1", Host, `headers` (zero or more
 * complete "Name: value\r\n" lines, may be NULL), Content-Length when `body`
 * is not NULL, a blank line and the body.
 */
int http_send_request(struct http_conn *c, const char *method, const char *target,
                      const char *headers, const char *body, size_t body_len);

/* Read one response. `head_only`: the request was HEAD (no body follows).
 * Returns 0, or -1 when no complete response arrived. */
int http_read_response(struct http_conn *c, bool head_only, struct http_response *r);
void http_response_free(struct http_response *r);

/* The value of header `name` (case-insensitive), copied into out; NULL when
 * the response has no such header. */
const char *http_header(const struct http_response *r, const char *name, char *out, size_t cap);

/* One request on a fresh connection, which is then closed. Returns 0 or -1. */
int http_exchange(unsigned port, const char *method, const char *target, const char *headers,
                  const char *body, size_t body_len, struct http_response *r);

#endif
