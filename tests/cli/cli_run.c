/*
 * cli_run.c — the spawn-and-capture helpers of cli_run.h.
 */
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "cli_run.h"
#include "core/buf.h"

#include "core/banned.h"

extern char **environ;

char *slurp_n(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct lt_buf b;
	char chunk[4096];
	size_t n;
	lt_buf_init(&b, 64u << 20);
	if (len)
		*len = 0;
	if (!f)
		return calloc(1, 1);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(lt_buf_append(&b, chunk, n), LT_OK);
	fclose(f);
	char *s = lt_buf_detach(&b, len);
	if (!s) {
		if (len)
			*len = 0;
		s = calloc(1, 1);
	}
	return s;
}

char *slurp(const char *path)
{
	return slurp_n(path, NULL);
}

void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

struct run run_in(const char *input, const char *const *args)
{
	const char *bin = getenv("LANTERN_BIN");
	char outp[1100], errp[1100], inp[1100];
	char *argv[32];
	size_t n = 0;
	struct run r;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st;

	assert_non_null(bin);
	snprintf(outp, sizeof(outp), "%s", test_tmp_path("stdout"));
	snprintf(errp, sizeof(errp), "%s", test_tmp_path("stderr"));
	snprintf(inp, sizeof(inp), "%s", test_tmp_path("stdin"));
	if (input)
		write_file(inp, input);
	argv[n++] = (char *)bin;
	while (*args && n < 31)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, input ? inp : "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(posix_spawn(&pid, bin, &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r.out = slurp(outp);
	r.err = slurp(errp);
	if (input)
		unlink(inp);
	return r;
}

struct run run_lantern(const char *const *args)
{
	return run_in(NULL, args);
}

struct run run_expect(int want, const char *const *args)
{
	struct run r = run_lantern(args);
	if (r.status != want)
		fail_msg("exit %d, want %d\nstdout: %s\nstderr: %s", r.status, want, r.out, r.err);
	return r;
}

void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}
