# The two commands a newcomer runs: `make dev` and `make test`. See README.md.
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
JOBS       ?= $(shell nproc)
DATA_DIR   ?= $(HOME)/.daas-dev
FUZZ_SECONDS ?= 15

.PHONY: all deps build build-asan build-fuzz dev test test-normal test-asan test-fuzz bench clean format

all: build

deps:
	@scripts/install-deps.sh
	@scripts/install-npm.sh
	@scripts/install-blst.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DDAAS_SANITIZE=ON >/dev/null
	cmake --build $(BUILD_ASAN) -j $(JOBS)

build-fuzz: deps
	CC=clang cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=Debug -DDAAS_FUZZ=ON \
	  -DDAAS_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	cmake --build $(BUILD_FUZZ) -j $(JOBS)

# A one-node dev cluster in the foreground; Ctrl-C stops it. The busybox image (Debian's
# busybox-static) is imported into the host agent's store as busybox:dev.
dev: build
	@mkdir -p $(DATA_DIR)/agent
	scripts/busybox-image.sh $(DATA_DIR)/busybox.tar dev
	$(BUILD)/daas image import $(DATA_DIR)/busybox.tar --name busybox --store $(DATA_DIR)/agent/images
	$(BUILD)/daas server --dev --data-dir $(DATA_DIR)

test-normal: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The e2e tests' etcd copies (label datastore-etcd) run in the normal build only, to keep CI
# time down: under ASan they would double its e2e time once more.
test-asan: build-asan
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS) \
	  -LE datastore-etcd

test-fuzz: build-fuzz
	cd $(BUILD_FUZZ) && ctest --output-on-failure -j $(JOBS) -L fuzz

test: test-normal test-asan test-fuzz
	scripts/checksrc

bench: build
	$(BUILD)/bench_api
	$(BUILD)/bench_agent
	$(BUILD)/bench_controllers

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
