/*
 * server_run.c — starting `lantern serve` and waiting for it to exit, for
 * the integration tests (server_run.h). The server is spawned directly
 * (posix_spawn), its standard output on a pipe read only up to the first
 * line, which is the URL it listens on; nothing here sleeps but the wait
 * for its exit, in 50 ms steps, bounded by the caller's seconds.
 */
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "server_run.h"

#include "core/banned.h"

extern char **environ;

int server_start(const char *bin, const char *db, const char *log, bool append, pid_t *pid,
                 unsigned *port)
{
	int p[2];
	char line[256];
	size_t n = 0;
	posix_spawn_file_actions_t fa;
	const char *argv[] = {bin, "serve", "--db", db, "--listen", "127.0.0.1:0", NULL};

	*port = 0;
	if (pipe(p) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	posix_spawn_file_actions_addclose(&fa, p[1]);
	posix_spawn_file_actions_addopen(&fa, 2, log,
	                                 O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0600);
	int rc = posix_spawn(pid, bin, &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		*pid = -1;
		return -1;
	}
	/* The first line, within 30 s. */
	while (n < sizeof(line) - 1) {
		struct pollfd pfd = {p[0], POLLIN, 0};
		if (poll(&pfd, 1, 30000) <= 0)
			break;
		ssize_t r = read(p[0], line + n, 1);
		if (r <= 0 || line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	close(p[0]); /* the server writes nothing more to stdout */
	if (sscanf(line, "http://127.0.0.1:%u/", port) != 1 || *port == 0) {
		fprintf(stderr, "first line of lantern serve is not its URL: '%s' (log: %s)\n", line,
		        log);
		return -1;
	}
	return 0;
}

int server_wait(pid_t *pid, int seconds)
{
	int status;
	for (int i = 0; i < seconds * 20; i++) {
		pid_t r = waitpid(*pid, &status, WNOHANG);
		if (r == *pid) {
			*pid = -1;
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return -1;
}
