/*
 * cmd_link_db.c — `lantern link --db`: the persons of the database linked
 * across agencies (docs/linkage.md, "Linkage in the service").
 *
 * `lantern link` is one command; cli_cmd_link_main (the command table's
 * entry) sends a call naming --db here and every other to cli_cmd_link
 * (cmd_link.c, the files). Here:
 *
 *   1. the live persons are opened with the data key file
 *      (store_link_persons for the operator "cli": erased persons have no
 *      key left and are skipped), each audited "person.link" with the
 *      purpose (--purpose, default "record linkage across agencies
 *      (lantern link --db)");
 *   2. the model is trained on them as lantern link trains on files
 *      (link_run.h: term frequencies, u from random pairs, λ from a
 *      deterministic rule, m by EM, λ again while the blocked pairs are
 *      scored: lt_link_score_fit), or read
 *      from --settings FILE;
 *   3. the default blocking rules find the pairs, which are scored;
 *   4. persons are clustered under the scored pairs and the match
 *      decisions stored in the database (lt_link_person_cluster: a 'same'
 *      pair always together, a 'not_same' pair never);
 *   5. agency,person_id,cluster is printed for every person (or JSON).
 * --save-model stores the trained model in the database, without its
 * term-frequency tables (they list names), for the server's likely
 * matches. Figures go to standard error; no personal value is printed.
 *
 * --db takes the database's path as its argument, or as the next word
 * when that is not an option; alone, the default database
 * ($LANTERN_DB, else var/lantern.db).
 */
#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "linkage/link_persons.h"
#include "linkage/link_run.h"
#include "core/banned.h"

#define DB_PAIR_BUDGET_MIN        5000000ULL /* a rule may always make this many pairs */
#define DB_PAIR_BUDGET_PER_RECORD 20ULL      /* and this many per record */
#define DB_PURPOSE                "record linkage across agencies (lantern link --db)"

enum {
	OPT_DATA_KEY = CLI_OPT_DATA_KEY,
	OPT_THRESHOLD = 2000,
	OPT_FORMAT,
	OPT_PURPOSE,
	OPT_SAVE,
	OPT_SETTINGS,
	OPT_THREADS
};

static int is_db_option(const char *a)
{
	return strcmp(a, "--db") == 0 || strncmp(a, "--db=", 5) == 0;
}

static int cli_cmd_link_db(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", optional_argument, NULL, CLI_OPT_DB},
	    {"key", required_argument, NULL, CLI_OPT_KEY},
	    {"data-key", required_argument, NULL, OPT_DATA_KEY},
	    {"threshold", required_argument, NULL, OPT_THRESHOLD},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"purpose", required_argument, NULL, OPT_PURPOSE},
	    {"save-model", no_argument, NULL, OPT_SAVE},
	    {"settings", required_argument, NULL, OPT_SETTINGS},
	    {"threads", required_argument, NULL, OPT_THREADS},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct cli_common c;
	const char *data_key = NULL, *purpose = DB_PURPOSE, *settings = NULL;
	double threshold = 0.5;
	int json = 0, save = 0, opt;
	char buf[4200], *end;
	struct lt_link_run_opts ro;

	lt_link_run_opts_default(&ro);
	ro.mode = LT_LINK_BLOCK_ALL;
	cli_common_init(&c);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case CLI_OPT_DB:
			if (optarg)
				c.db = optarg;
			else if (optind < argc && argv[optind][0] != '-')
				c.db = argv[optind++];
			break;
		case CLI_OPT_KEY:
			cli_common_option(&c, opt, optarg);
			break;
		case OPT_DATA_KEY:
			data_key = optarg;
			break;
		case OPT_THRESHOLD:
			if (cli_opt_probability("link", "--threshold", optarg, &threshold) !=
			    CLI_EXIT_OK)
				return CLI_EXIT_USAGE;
			break;
		case OPT_FORMAT:
			if (cli_opt_format("link", optarg, &json) != CLI_EXIT_OK)
				return CLI_EXIT_USAGE;
			break;
		case OPT_PURPOSE:
			purpose = optarg;
			break;
		case OPT_SAVE:
			save = 1;
			break;
		case OPT_SETTINGS:
			settings = optarg;
			break;
		case OPT_THREADS: {
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 || v > 16)
				return cli_usage(
				    "link", "--threads: '%s' is not a number from 1 to 16", optarg);
			ro.threads = (unsigned)v;
			break;
		}
		case 'h':
			cli_help("link", stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage("link",
			                 "with --db: unknown option (--db takes --data-key, "
			                 "--purpose, --threshold, --format, --settings, "
			                 "--save-model, --threads)");
		}
	}
	if (optind < argc)
		return cli_usage("link", "with --db, name no files ('%s')", argv[optind]);
	if (save && settings)
		return cli_usage("link",
		                 "--save-model stores a trained model; --settings trains none");
	cli_common_finish(&c);

	struct store *s = NULL;
	struct lt_crypto_keyring kr;
	struct lt_link_table t;
	struct lt_link_model model;
	struct lt_link_prep prep;
	struct lt_link_blocker blocker;
	struct lt_link_person_clusters pc;
	struct lt_link_edge *edges = NULL;
	struct store_match_decision *dec = NULL;
	struct lt_link_decision *ld = NULL;
	size_t nedge = 0, ndec = 0;
	bool have_model = false, have_prep = false, have_blocker = false, have_keys = false;
	struct lt_error err;
	lt_status st;
	int rc;

	memset(&t, 0, sizeof(t));
	memset(&pc, 0, sizeof(pc));
	lt_error_clear(&err);
	const char *key_path = cli_data_key_path(&c, data_key, buf, sizeof(buf));
	if ((rc = cli_open_store(&c, &s)) != CLI_EXIT_OK)
		return rc;
	rc = CLI_EXIT_FAIL;
	if ((st = cli_data_key_load(key_path, &kr, &err)) != LT_OK) {
		rc = cli_fail("lantern link --db", st, &err);
		goto out;
	}
	have_keys = true;
	struct store_link_query q = {purpose, 0, NULL};
	if ((st = store_link_persons(s, &kr, NULL, "cli", &q, &t, NULL, &err)) != LT_OK) {
		rc = cli_fail("lantern link --db", st, &err);
		goto out;
	}
	if ((st = store_match_decisions(s, 0, &dec, &ndec, &err)) != LT_OK) {
		rc = cli_fail("lantern link --db", st, &err);
		goto out;
	}
	if (ndec >= LT_LINK_DECISIONS_MAX)
		fprintf(stderr,
		        "lantern link --db: more than %d match decisions: only the first %d "
		        "(by person id) are respected\n",
		        LT_LINK_DECISIONS_MAX, LT_LINK_DECISIONS_MAX);
	if (ndec && !(ld = calloc(ndec, sizeof(*ld))))
		goto oom;
	for (size_t i = 0; i < ndec; i++)
		ld[i] = (struct lt_link_decision){dec[i].a, dec[i].b, dec[i].same};

	/* the model, the blocks and the scores: only with two rows or more */
	if (t.nrec >= 2) {
		if (settings) {
			st = cli_link_model_read(settings, &model, &err);
			if (st != LT_OK) {
				rc = cli_fail(settings, st, &err);
				goto out;
			}
			have_model = true;
		} else {
			struct lt_link_train_report rep;
			if ((st = lt_link_default_model(&t, &model, &err)) != LT_OK) {
				rc = cli_fail("lantern link --db", st, &err);
				goto out;
			}
			have_model = true;
			if ((st = lt_link_train(&model, &t, &ro, &rep, &err)) != LT_OK) {
				rc = cli_fail("lantern link --db: training", st, &err);
				goto out;
			}
		}
		if ((st = lt_link_prep_init(&prep, &model, &t, &err)) != LT_OK) {
			rc = cli_fail(settings ? settings : "lantern link --db", st, &err);
			goto out;
		}
		have_prep = true;
		struct lt_link_rule rules[LT_LINK_BLOCK_RULES_MAX], kept[LT_LINK_BLOCK_RULES_MAX];
		struct lt_link_rule_count counts[LT_LINK_BLOCK_RULES_MAX];
		size_t nrule = 0, keep[LT_LINK_BLOCK_RULES_MAX], nkeep = 0;
		lt_link_default_rules(&t, &ro, rules, &nrule);
		if ((st = lt_link_blocker_init(&blocker, &t, rules, nrule, ro.mode, &err)) !=
		    LT_OK) {
			rc = cli_fail("lantern link --db", st, &err);
			goto out;
		}
		have_blocker = true;
		uint64_t budget = DB_PAIR_BUDGET_PER_RECORD * t.nrec;
		if (budget < DB_PAIR_BUDGET_MIN)
			budget = DB_PAIR_BUDGET_MIN;
		lt_link_rules_budget(&blocker, budget, keep, &nkeep, counts);
		if (nkeep < nrule) {
			for (size_t k = 0; k < nkeep; k++)
				kept[k] = rules[keep[k]];
			lt_link_blocker_release(&blocker);
			have_blocker = false;
			fprintf(stderr,
			        "lantern link --db: %zu blocking rule%s over the pair budget "
			        "dropped\n",
			        nrule - nkeep, nrule - nkeep == 1 ? "" : "s");
			if ((st = lt_link_blocker_init(&blocker, &t, kept, nkeep, ro.mode, &err)) !=
			    LT_OK) {
				rc = cli_fail("lantern link --db", st, &err);
				goto out;
			}
			have_blocker = true;
		}
		struct lt_link_train_session ses;
		uint64_t scored = 0;
		if ((st = lt_link_score_fit(&model, &prep, &blocker, ro.threads, threshold,
		                            !settings, &ses, &edges, &nedge, &scored, &err)) !=
		    LT_OK) {
			rc = cli_fail("lantern link --db", st, &err);
			goto out;
		}
		fprintf(stderr,
		        "lantern link --db: %zu names of persons; %llu pairs scored, %zu at "
		        "or above %.4g\n",
		        t.nrec, (unsigned long long)scored, nedge, threshold);
		if (save) {
			char *text = NULL;
			int64_t id = 0;
			if (lt_link_model_to_json(&model, false, &text) != LT_OK)
				goto oom;
			st = store_link_model_save(s, "cli", text, &id, &err);
			free(text);
			if (st != LT_OK) {
				rc = cli_fail("lantern link --db: --save-model", st, &err);
				goto out;
			}
			fprintf(stderr,
			        "lantern link --db: model stored in the database as "
			        "linkmodel:%lld (without term frequencies)\n",
			        (long long)id);
		}
	} else if (save) {
		fprintf(stderr, "lantern link --db: fewer than two names of persons: no model "
		                "trained or stored\n");
	}
	if ((st = lt_link_person_cluster(&t, edges, nedge, threshold, ld, ndec, &pc, &err)) !=
	    LT_OK) {
		rc = cli_fail("lantern link --db", st, &err);
		goto out;
	}
	fprintf(stderr,
	        "lantern link --db: %zu persons in %zu clusters; %zu decisions (%zu same joined, "
	        "%zu pairs cut by not-same, %zu conflicting)\n",
	        pc.n, pc.ncluster, ndec, pc.joined_same, pc.cut, pc.conflicts);
	if (json) {
		printf("{\"persons\": %zu, \"clusters\": %zu, \"records\": [", pc.n, pc.ncluster);
		for (size_t i = 0; i < pc.n; i++) {
			printf(i ? ",\n  {\"agency\": " : "\n  {\"agency\": ");
			cli_json_write(stdout, t.source_names[pc.source[i]]);
			printf(", \"person_id\": %lld, \"cluster\": %u}", (long long)pc.person[i],
			       pc.cluster[i]);
		}
		printf("\n]}\n");
	} else {
		printf("agency,person_id,cluster\n");
		for (size_t i = 0; i < pc.n; i++)
			printf("%s,%lld,%u\n", t.source_names[pc.source[i]],
			       (long long)pc.person[i], pc.cluster[i]);
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "lantern link --db: cannot write the output: %s\n",
		        strerror(errno));
		goto out;
	}
	rc = CLI_EXIT_OK;
	goto out;
oom:
	fprintf(stderr, "lantern link --db: out of memory\n");
	rc = CLI_EXIT_FAIL;
out:
	lt_link_person_clusters_release(&pc);
	free(edges);
	free(ld);
	free(dec);
	if (have_blocker)
		lt_link_blocker_release(&blocker);
	if (have_prep)
		lt_link_prep_release(&prep);
	if (have_model)
		lt_link_model_release(&model);
	lt_link_person_table_wipe(&t);
	if (have_keys)
		lt_crypto_keyring_wipe(&kr);
	store_close(s);
	return rc;
}

int cli_cmd_link_main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (is_db_option(argv[i]))
			return cli_cmd_link_db(argc, argv);
	}
	return cli_cmd_link(argc, argv);
}
