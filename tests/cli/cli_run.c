/*
 * cli_run.c — the spawn-and-capture helpers of cli_run.h, and the fresh
 * database (made by `lantern init`), persons and audit counts that several
 * tests of the command share.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "cli_run.h"
#include "core/buf.h"
#include "core/person.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"

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

char *slurp_source(const char *rel)
{
	const char *src = getenv("LANTERN_SOURCE");
	char path[1100];
	assert_non_null(src);
	snprintf(path, sizeof(path), "%s/%s", src, rel);
	return slurp(path);
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

int run_db_init(const char *tag, char db[RUN_PATH_MAX], char key[RUN_PATH_MAX],
                struct store **s, struct lt_crypto_keyring *kr)
{
	char dir[RUN_PATH_MAX - 16];
	struct lt_error e = {0};
	snprintf(dir, sizeof(dir), "%s", test_tmp_path(tag));
	if (mkdir(dir, 0700) != 0)
		return -1;
	snprintf(db, RUN_PATH_MAX, "%s/lantern.db", dir);
	snprintf(key, RUN_PATH_MAX, "%s/data.key", dir);
	struct run r = RUN_EXPECT(0, "init", "--db", db);
	run_free(&r);
	if (lt_crypto_keyring_read(key, kr, &e) != LT_OK)
		return -1;
	if (store_open_sqlite(db, s, &e) != LT_OK) {
		lt_crypto_keyring_wipe(kr);
		return -1;
	}
	return 0;
}

int64_t run_person_add(struct store *s, const struct lt_crypto_keyring *kr,
                       const struct lt_principal *p, const char *name, const char *dob)
{
	struct lt_person rec;
	struct lt_error e = {0};
	lt_person_init(&rec);
	rec.name = strdup(name);
	assert_int_equal(lt_date_parse(dob, strlen(dob), &rec.dob, "dob", &e), LT_OK);
	if (store_person_add(s, kr, p, &rec, &e) != LT_OK)
		fail_msg("store_person_add: %s", e.message);
	int64_t id = rec.id;
	lt_person_release(&rec);
	return id;
}

long run_audit_count(const char *db, const char *where)
{
	struct store *s = NULL;
	struct lt_error e = {0};
	char sql[512], out[32];
	assert_int_equal(store_open_sqlite(db, &s, &e), LT_OK);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE %s", where);
	assert_int_equal(store_sqlite_debug_query(s, -1, sql, out, sizeof(out), &e), LT_OK);
	store_close(s);
	return strtol(out, NULL, 10);
}
