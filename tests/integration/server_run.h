/*
 * server_run.h — the real `lantern serve` started and stopped by the tests
 * of tests/integration, as an operator runs it: on a free loopback port,
 * its URL read from the first line of its standard output.
 */
#ifndef LT_TEST_SERVER_RUN_H
#define LT_TEST_SERVER_RUN_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Start `bin serve --db db --listen 127.0.0.1:0`, its standard error into
 * the file `log` (appended to when `append`, else truncated), and read its
 * URL from the first line of its standard output (waiting at most 30 s):
 * its process id into *pid and its port into *port. 0, else -1 with a
 * message on stderr (*pid is -1 when it could not be spawned; a server
 * that printed no URL is left to the caller to kill).
 */
int server_start(const char *bin, const char *db, const char *log, bool append, pid_t *pid,
                 unsigned *port);

/* Wait at most `seconds` for the server *pid to exit: its exit status (or
 * 128 + the signal), *pid then -1; -1 when it is still running. */
int server_wait(pid_t *pid, int seconds);

#endif
