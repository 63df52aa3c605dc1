# lantern — the two commands and a few more.
#
#   make          build build/lantern
#   make run      install what is missing, build, create var/lantern.db with
#                 the demo data if it does not exist, serve on 127.0.0.1:8080
#   make test     install what is missing, build with ASan + UBSan and
#                 warnings as errors, run every test
#   make bench    the benchmarks (release build)
#   make clean    remove the build directories
#
# Meson + Ninja do the building; this file only chooses the configuration.

BUILD      ?= build
TESTBUILD  ?= build-test
BENCHBUILD ?= build-bench
DB         ?= var/lantern.db
LISTEN     ?= 127.0.0.1:8080

.PHONY: all deps test-deps run test bench fuzz clean format

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	meson setup $(BUILD) -Dtests=false --buildtype=debugoptimized >/dev/null

deps:
	@scripts/install-deps

test-deps:
	@scripts/install-deps --test

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

$(BENCHBUILD)/build.ninja:
	meson setup $(BENCHBUILD) -Dtests=false --buildtype=release >/dev/null

bench: deps $(BENCHBUILD)/build.ninja
	ninja -C $(BENCHBUILD)
	bench/run $(BENCHBUILD)

# libFuzzer targets (needs clang): each runs for FUZZ_SECONDS over its corpus.
FUZZ_SECONDS ?= 60
FUZZ_CORE = $(filter-out src/core/demo.c,$(wildcard src/core/*.c))
fuzz:
	@command -v clang >/dev/null || { echo "make fuzz needs clang (apt-get install clang)"; exit 1; }
	@mkdir -p build-fuzz
	clang -std=c17 -g -O1 -fsanitize=fuzzer,address,undefined -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	    -Isrc fuzz/fuzz_import.c $(FUZZ_CORE) -o build-fuzz/fuzz_import
	cp -r fuzz/corpus/import build-fuzz/corpus-import 2>/dev/null || true
	build-fuzz/fuzz_import -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build-fuzz/corpus-import

clean:
	rm -rf $(BUILD) $(TESTBUILD) $(BENCHBUILD) build-fuzz

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
