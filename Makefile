# The two entry points of the README: `make run` and `make test`. Each installs what is
# missing (Debian packages, datasets), configures, builds with ccache, and runs.
BUILD_DIR ?= build
# ccache keys on relative paths under the source tree, so every clone shares one cache.
export CCACHE_BASEDIR := $(CURDIR)
TSAN_DIR ?= build-tsan
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: all deps data configure build run test test-tsan bench clean

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

run: build data
	@app/run-window.sh $(BUILD_DIR)

test: build data
	@cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS)
	@$(MAKE) --no-print-directory test-tsan

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
	  $(TSAN_DIR)/tests/trainscope_tests --source-file='*test_trainer.cpp'

bench: build data
	@$(BUILD_DIR)/app/trainscope-cli bench

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR).configure.log $(TSAN_DIR) $(TSAN_DIR).configure.log
