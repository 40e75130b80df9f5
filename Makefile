# The two entry points of the README: `make run` and `make test`. Each installs what is
# missing (Debian packages, datasets), configures, builds with ccache, and runs.
BUILD_DIR ?= build
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: all deps data configure build run test bench clean

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

bench: build data
	@$(BUILD_DIR)/app/trainscope-cli bench

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR).configure.log
