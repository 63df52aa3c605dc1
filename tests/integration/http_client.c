/*
 * http_client.c — the integration suite's HTTP/1.1 client (see the header).
 */
#include "http_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/banned.h"

int http_open(struct http_conn *c, unsigned port)
{
	struct sockaddr_in a;
	struct timeval tv = {HTTP_TIMEOUT_S, 0};
	int one = 1;

	memset(c, 0, sizeof(*c));
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		int e = errno;
		close(c->fd);
		c->fd = -1;
		errno = e;
		return -1;
	}
	return 0;
}

void http_close(struct http_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = 0;
}

int http_send(struct http_conn *c, const void *p, size_t n)
{
	const char *s = p;
	while (n) {
		ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int http_send_request(struct http_conn *c, const char *method, const char *target,
                      const char *headers, const char *body, size_t body_len)
{
	char head[8192];
	int n;
	if (body)
		n = snprintf(head, sizeof(head),
		             "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sContent-Length: %zu\r\n\r\n",
		             method, target, headers ? headers : "", body_len);
	else
		n = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n",
		             method, target, headers ? headers : "");
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	if (http_send(c, head, (size_t)n) != 0)
		return -1;
	return body && body_len ? http_send(c, body, body_len) : 0;
}

/* Read more bytes into c->buf. Returns bytes read, 0 at end of stream, -1 on
 * error or timeout. */
static ssize_t fill(struct http_conn *c)
{
	if (c->len + 65536 + 1 > c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 131072;
		if (ncap > HTTP_RESPONSE_MAX * 2)
			return -1;
		char *nb = realloc(c->buf, ncap);
		if (!nb)
			return -1;
		c->buf = nb;
		c->cap = ncap;
	}
	struct pollfd pfd = {c->fd, POLLIN, 0};
	int pr = poll(&pfd, 1, HTTP_TIMEOUT_S * 1000);
	if (pr <= 0)
		return -1;
	ssize_t r;
	do
		r = recv(c->fd, c->buf + c->len, 65536, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == ECONNRESET ? 0 : -1;
	c->len += (size_t)r;
	return r;
}

static char *dup_bytes(const char *p, size_t n)
{
	char *s = malloc(n + 1);
	if (s) {
		if (n)
			memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

const char *http_header(const struct http_response *r, const char *name, char *out, size_t cap)
{
	size_t nlen = strlen(name);
	const char *line = strstr(r->head, "\r\n");
	while (line && line[2]) {
		line += 2;
		const char *end = strstr(line, "\r\n");
		if (!end)
			end = line + strlen(line);
		if ((size_t)(end - line) > nlen && strncasecmp(line, name, nlen) == 0 &&
		    line[nlen] == ':') {
			const char *v = line + nlen + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			size_t vlen = (size_t)(end - v);
			while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			if (vlen >= cap)
				vlen = cap - 1;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return out;
		}
		line = end;
	}
	return NULL;
}

int http_read_response(struct http_conn *c, bool head_only, struct http_response *r)
{
	char *hend = NULL;
	bool eof = false;
	char v[64];

	memset(r, 0, sizeof(*r));
	for (;;) {
		if (c->buf && c->len) {
			c->buf[c->len] = '\0';
			hend = strstr(c->buf, "\r\n\r\n");
			if (hend)
				break;
		}
		ssize_t got = fill(c);
		if (got <= 0)
			return -1;
	}
	size_t hlen = (size_t)(hend - c->buf) + 2; /* keep the last header's CRLF */
	r->head = dup_bytes(c->buf, hlen);
	if (!r->head || sscanf(r->head, "HTTP/1.%*1[01] %3d", &r->status) != 1)
		goto bad;
	size_t consumed = hlen + 2;

	long want = -1;
	if (http_header(r, "Content-Length", v, sizeof(v))) {
		char *end;
		want = strtol(v, &end, 10);
		if (*end || want < 0 || want > HTTP_RESPONSE_MAX)
			goto bad;
	}
	if (http_header(r, "Transfer-Encoding", v, sizeof(v)))
		goto bad; /* lantern never sends chunked responses */
	if (head_only || r->status == 204 || r->status == 304 || r->status < 200)
		want = 0;
	if (want >= 0) {
		while (c->len - consumed < (size_t)want) {
			ssize_t got = fill(c);
			if (got < 0)
				goto bad;
			if (got == 0) {
				eof = true;
				break;
			}
		}
		if (c->len - consumed < (size_t)want)
			goto bad;
	} else {
		for (;;) {
			ssize_t got = fill(c);
			if (got < 0)
				goto bad;
			if (got == 0)
				break;
		}
		eof = true;
		want = (long)(c->len - consumed);
	}
	r->body = dup_bytes(c->buf + consumed, (size_t)want);
	if (!r->body)
		goto bad;
	r->body_len = (size_t)want;
	consumed += (size_t)want;
	memmove(c->buf, c->buf + consumed, c->len - consumed);
	c->len -= consumed;
	if (!eof && http_header(r, "Connection", v, sizeof(v)) && strcasecmp(v, "close") == 0)
		eof = true;
	r->closed = eof;
	return 0;
bad:
	http_response_free(r);
	return -1;
}

void http_response_free(struct http_response *r)
{
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

int http_exchange(unsigned port, const char *method, const char *target, const char *headers,
                  const char *body, size_t body_len, struct http_response *r)
{
	struct http_conn c;
	int rc = -1;
	memset(r, 0, sizeof(*r));
	if (http_open(&c, port) != 0)
		return -1;
	if (http_send_request(&c, method, target, headers, body, body_len) == 0)
		rc = http_read_response(&c, strcmp(method, "HEAD") == 0, r);
	http_close(&c);
	return rc;
}
