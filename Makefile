# lantern — the two commands and a few more.
#
#   make          build build/lantern
#   make run      install what is missing, build, create var/lantern.db with
#                 the demo data if it does not exist, serve on 127.0.0.1:8080
#   make test     install what is missing, build with ASan + UBSan and
#                 warnings as errors, run every test; then compile the
#                 release build with warnings as errors too (-O3 finds
#                 warnings -O0 does not)
#   make bench    install wrk if missing, the benchmarks (release build)
#   make clean    remove the build directories
#
# Meson + Ninja do the building; this file only chooses the configuration.

BUILD      ?= build
TESTBUILD  ?= build-test
BENCHBUILD ?= build-bench
RELCHECK   ?= build-release-check
DB         ?= var/lantern.db
LISTEN     ?= 127.0.0.1:8080

.PHONY: all deps test-deps bench-deps run test bench fuzz fuzz-clang fuzz-import fuzz-web fuzz-mse-table fuzz-audit-line fuzz-link-compare fuzz-link-model fuzz-link-block clean format

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	meson setup $(BUILD) -Dtests=false --buildtype=debugoptimized >/dev/null

deps:
	@scripts/install-deps

test-deps:
	@scripts/install-deps --test

bench-deps:
	@scripts/install-deps --bench

run: deps
	@$(MAKE) --no-print-directory all >/dev/null
	@mkdir -p $(dir $(DB))
	@test -f $(DB) || ./$(BUILD)/lantern init --demo --db $(DB)
	@exec ./$(BUILD)/lantern serve --db $(DB) --listen $(LISTEN)

$(TESTBUILD)/build.ninja:
	meson setup $(TESTBUILD) -Db_sanitize=address,undefined -Db_lundef=false \
	    -Dwerror=true -Dtests=true --buildtype=debug >/dev/null

test: test-deps $(TESTBUILD)/build.ninja
	ninja -C $(TESTBUILD)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    meson test -C $(TESTBUILD) --print-errorlogs --num-processes 2
	@test -f $(RELCHECK)/build.ninja || meson setup $(RELCHECK) -Dtests=false \
	    -Dwerror=true --buildtype=release >/dev/null
	ninja -C $(RELCHECK)

$(BENCHBUILD)/build.ninja:
	meson setup $(BENCHBUILD) -Dtests=false --buildtype=release >/dev/null

bench: bench-deps $(BENCHBUILD)/build.ninja
	ninja -C $(BENCHBUILD)
	bench/run $(BENCHBUILD)

# libFuzzer targets (needs clang): each runs for FUZZ_SECONDS over its corpus
# (fuzz/corpus/<target>/, read; new inputs go to build-fuzz/corpus-<target>/).
# `make fuzz` runs them all; `make fuzz-web` one. Crashes are written to
# build-fuzz/ as crash-*: add the input to fuzz/corpus/<target>/ once fixed.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS = -std=c17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Isrc
FUZZ_CORE = $(filter-out src/core/demo.c,$(wildcard src/core/*.c))
# The web target links what web_handle reaches: everything but the command
# line (src/cli) and the estimators (src/mse, which need GSL and GLPK).
FUZZ_WEB_SRC = $(wildcard src/core/*.c src/crypto/*.c src/store/*.c src/stats/*.c src/web/*.c)
FUZZ_WEB_LIBS = -lmicrohttpd -lsqlite3 -ljansson -lsodium -lpthread -lm

fuzz: fuzz-import fuzz-web fuzz-mse-table fuzz-audit-line fuzz-link-compare fuzz-link-model fuzz-link-block

fuzz-clang:
	@command -v clang >/dev/null || { echo "make fuzz needs clang (apt-get install clang)"; exit 1; }
	@mkdir -p build-fuzz

fuzz-import: fuzz-clang
	clang $(FUZZ_CFLAGS) fuzz/fuzz_import.c $(FUZZ_CORE) -o build-fuzz/fuzz_import
	@mkdir -p build-fuzz/corpus-import
	build-fuzz/fuzz_import -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus-import fuzz/corpus/import

fuzz-web: fuzz-clang
	clang $(FUZZ_CFLAGS) fuzz/fuzz_web.c $(FUZZ_WEB_SRC) -o build-fuzz/fuzz_web $(FUZZ_WEB_LIBS)
	@mkdir -p build-fuzz/corpus-web
	build-fuzz/fuzz_web -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus-web fuzz/corpus/web

# The capture-history parser needs only the core and the table and model
# files of src/mse (no GSL or GLPK).
fuzz-mse-table: fuzz-clang
	clang $(FUZZ_CFLAGS) fuzz/fuzz_mse_table.c $(FUZZ_CORE) src/mse/mse_table.c \
	    src/mse/mse_model.c -o build-fuzz/fuzz_mse_table -lm
	@mkdir -p build-fuzz/corpus-mse_table
	build-fuzz/fuzz_mse_table -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus-mse_table fuzz/corpus/mse_table

# The checkpoint lines partners hand back to `lantern audit verify`.
fuzz-audit-line: fuzz-clang
	clang $(FUZZ_CFLAGS) fuzz/fuzz_audit_line.c $(FUZZ_CORE) -o build-fuzz/fuzz_audit_line
	@mkdir -p build-fuzz/corpus-audit_line
	build-fuzz/fuzz_audit_line -max_total_time=$(FUZZ_SECONDS) -max_len=1024 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus-audit_line fuzz/corpus/audit_line

# The comparators of record linkage (names and dates of linked files).
fuzz-link-compare: fuzz-clang
	clang $(FUZZ_CFLAGS) fuzz/fuzz_link_compare.c $(FUZZ_CORE) src/linkage/link_compare.c \
	    src/crypto/crypto.c -o build-fuzz/fuzz_link_compare -lsodium -lm
	@mkdir -p build-fuzz/corpus-link_compare
	build-fuzz/fuzz_link_compare -max_total_time=$(FUZZ_SECONDS) -max_len=1300 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus-link_compare fuzz/corpus/link_compare

# The models of record linkage (lantern link --settings FILE.json).
fuzz-link-model: fuzz-clang
	clang $(FUZZ_CFLAGS) fuzz/fuzz_link_model.c $(FUZZ_CORE) src/linkage/link_model.c \
	    src/linkage/link_em.c src/linkage/link_json.c src/linkage/link_compare.c \
	    src/linkage/link_table.c src/crypto/crypto.c -o build-fuzz/fuzz_link_model \
	    -ljansson -lsodium -lm
	@mkdir -p build-fuzz/corpus-link_model
	build-fuzz/fuzz_link_model -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus-link_model fuzz/corpus/link_model

# Blocking rules (lantern link --blocking) and the keys made from records.
fuzz-link-block: fuzz-clang
	clang $(FUZZ_CFLAGS) fuzz/fuzz_link_block.c $(FUZZ_CORE) src/linkage/link_block.c \
	    src/linkage/link_table.c src/linkage/link_compare.c src/crypto/crypto.c \
	    -o build-fuzz/fuzz_link_block -lsodium -lm
	@mkdir -p build-fuzz/corpus-link_block
	build-fuzz/fuzz_link_block -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus-link_block fuzz/corpus/link_block

clean:
	rm -rf $(BUILD) $(TESTBUILD) $(BENCHBUILD) $(RELCHECK) build-fuzz

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
