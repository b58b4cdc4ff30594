# callsift: the two commands a newcomer needs are `make demo` and `make test`.
# Everything is built by CMake in build/ (build-asan/ for the sanitizer build).

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=

.PHONY: all deps build install test test-asan test-valgrind fuzz demo quality bench bench-matcher format format-check clean help

all: build

help:
	@echo "make demo        install what is missing, build, run the pipeline on the sample calls"
	@echo "make test        install what is missing, build, run every test (throwaway PostgreSQL)"
	@echo "make test-asan   the tests built with AddressSanitizer + UndefinedBehaviorSanitizer"
	@echo "make test-valgrind  the unit tests under valgrind (leaks fail)"
	@echo "make fuzz        each libFuzzer target for FUZZ_SECONDS (default 60) with clang; a crash fails"
	@echo "make quality     precision/recall/F1 of the offline extractor and matcher on public data"
	@echo "make bench       speed, LLM cost and scale of the pipeline beside their bounds (< 10 min)"
	@echo "make build       just build (binaries in build/bin)"
	@echo "make install     build, then install under PREFIX (default /usr/local; DESTDIR stages)"
	@echo "make format      clang-format every C file"

deps:
	@scripts/ci/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# The executables into PREFIX/bin, the migrations and deploy files into PREFIX/share/callsift,
# README and the help pages into PREFIX/share/doc/callsift (cmake/install.cmake), all under
# DESTDIR when it is set (packaging). PREFIX is given at install time: no reconfiguring.
PREFIX  ?= /usr/local
DESTDIR ?=
install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

test: build
	scripts/ci/with-pg.sh scripts/ci/run-tests.sh $(BUILD)

$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCALLSIFT_SANITIZE=ON $(CMAKE_ARGS)

test-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	scripts/ci/with-pg.sh scripts/ci/run-tests.sh $(ASAN_BUILD)

test-valgrind: build
	scripts/ci/with-pg.sh scripts/ci/run-valgrind.sh $(BUILD)

# The libFuzzer targets of tests/fuzz, built with clang in their own tree, each run for
# FUZZ_SECONDS; crash inputs land in $(FUZZ_BUILD)/fuzz-crashes/ (README "Fuzzing").
$(FUZZ_BUILD)/CMakeCache.txt:
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCALLSIFT_FUZZ=ON \
		-DCALLSIFT_TESTS=OFF $(CMAKE_ARGS)

fuzz:
	@CALLSIFT_DEPS_MODE=fuzz scripts/ci/deps.sh
	$(MAKE) $(FUZZ_BUILD)/CMakeCache.txt
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_all
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

demo: build
	scripts/ci/with-pg.sh scripts/demo/demo.sh $(BUILD)

# Quality of the offline extractor and matcher on public data (../shared/eval): docs/QUALITY.md
quality: build
	python3 scripts/quality/quality.py --bin $(BUILD)/bin
	for set in dev heldout test; do \
	    python3 scripts/quality/quality_samples.py --bin $(BUILD)/bin --set $$set && \
	    python3 scripts/quality/quality_report.py --bin $(BUILD)/bin --set $$set || exit 1; \
	done
	python3 scripts/quality/quality_matcher.py --bin $(BUILD)/bin
	scripts/ci/with-pg.sh python3 scripts/quality/quality_pipeline.py --bin $(BUILD)/bin

# Speed, cost and scale, each figure beside its bound, in one run (under 10 minutes on 2 cores):
# tests/load/bench.py, figures in docs/BENCHMARKS.md. The long matcher-only benchmark of
# earlier figures: make bench-matcher.
bench: build
	scripts/ci/with-pg.sh python3 tests/load/bench.py --bin $(BUILD)/bin --json $(BUILD)/bench.json

bench-matcher: build
	$(BUILD)/bin/bench_matcher --features 100000 --themes 20 --queries 2000 --cross-queries 200 --dims 1536
	nice $(BUILD)/bin/bench_matcher --index sparse --features 1000000 --queries 2000 --cross-queries 500 --exact 200
	nice $(BUILD)/bin/bench_matcher --index dense --features 1000000 --dims 256 --queries 2000 --cross-queries 500 --exact 200

format:
	clang-format -i $$(git ls-files --cached --others --exclude-standard '*.c' '*.h')

format-check:
	clang-format --dry-run -Werror $$(git ls-files --cached --others --exclude-standard '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
