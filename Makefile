# The two entry points of the README: `make run` and `make test`. Each installs what is
# missing (Debian packages, datasets), configures, builds with ccache, and runs.
BUILD_DIR ?= build
# ccache keys on relative paths under the source tree, so every clone shares one cache.
export CCACHE_BASEDIR := $(CURDIR)
TSAN_DIR ?= build-tsan
ASAN_DIR ?= build-asan
JOBS ?= 2
CMAKE_FLAGS ?=
# `make fuzz`: seconds per harness; `make test` runs each for FUZZ_SMOKE_SECONDS.
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 4

.PHONY: all deps data configure build run test test-tsan asan-build test-asan fuzz fuzz-corpus bench format clean

all: build

deps:
	@third_party/install-deps.sh

data: deps
	@third_party/fetch-datasets.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) > $(BUILD_DIR).configure.log 2>&1 \
	  || { cat $(BUILD_DIR).configure.log; exit 1; }

build: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS)

# Lays out every source file as .clang-format says (`make test` checks it).
format: deps
	@find core app tests -name '*.cpp' -o -name '*.h' | xargs clang-format-14 -i

run: build data
	@app/run-window.sh $(BUILD_DIR)

test: build data
	@cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS)
	@$(MAKE) --no-print-directory test-tsan
	@$(MAKE) --no-print-directory test-asan

# The live trainer's tests (commands from several threads, series read while written)
# under the thread sanitizer: core and tests only, no window. They keep one oneTBB worker
# there: Debian's oneTBB is not instrumented, so the sanitizer cannot see a parallel step's
# join (tests/test_trainer.cpp says more).
test-tsan: deps
	@cmake -S . -B $(TSAN_DIR) -DCMAKE_BUILD_TYPE=Release -DTRAINSCOPE_SANITIZE=thread \
	  -DTRAINSCOPE_BUILD_APP=OFF > $(TSAN_DIR).configure.log 2>&1 \
	  || { cat $(TSAN_DIR).configure.log; exit 1; }
	@cmake --build $(TSAN_DIR) -j$(JOBS) --target trainscope_tests
	@TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	  $(TSAN_DIR)/tests/trainscope_tests --source-file='*test_trainer*.cpp,*test_series.cpp,*test_analysis_jobs.cpp,*test_fork.cpp'

# Clang 14 with the address and undefined-behaviour sanitizers and libFuzzer's coverage
# instrumentation: the whole unit suite, the panels drawn without a display, the fuzz
# harnesses and the corpus writer.
asan-build: deps
	@cmake -S . -B $(ASAN_DIR) -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Release \
	  -DTRAINSCOPE_SANITIZE=address -DTRAINSCOPE_FUZZ=ON -DTRAINSCOPE_BUILD_APP=ON \
	  > $(ASAN_DIR).configure.log 2>&1 || { cat $(ASAN_DIR).configure.log; exit 1; }
	@cmake --build $(ASAN_DIR) -j$(JOBS) --target trainscope_tests trainscope_panel_tests fuzzers

# Every unit test under ASan and UBSan (leaks included), then a short run of each fuzz
# harness on its seed corpus, so a parser regression fails CI.
test-asan: asan-build data
	@ASAN_OPTIONS="detect_leaks=1 abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1 halt_on_error=1" \
	  $(ASAN_DIR)/tests/trainscope_tests
	@ASAN_OPTIONS="detect_leaks=1 abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1 halt_on_error=1" \
	  $(ASAN_DIR)/tests/trainscope_panel_tests
	@tests/fuzz/run-fuzzers.sh $(ASAN_DIR) $(FUZZ_SMOKE_SECONDS)

# Each harness for FUZZ_SECONDS (default 60); the corpus it grows stays in $(ASAN_DIR).
fuzz: asan-build
	@tests/fuzz/run-fuzzers.sh $(ASAN_DIR) $(FUZZ_SECONDS)

# Rewrites tests/fuzz/corpus from tests/fuzz/corpus_writer.cpp.
fuzz-corpus: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS) --target fuzz_corpus_writer
	@$(BUILD_DIR)/tests/fuzz/fuzz_corpus_writer tests/fuzz/corpus assets/presets

bench: build data
	@$(BUILD_DIR)/app/trainscope-cli bench

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR).configure.log $(TSAN_DIR) $(TSAN_DIR).configure.log \
	  $(ASAN_DIR) $(ASAN_DIR).configure.log
