# Two commands on a fresh Debian 12 machine: `make run` and `make test`. Each installs what is missing, configures,
# builds, then runs. Everything comes from Debian packages; nothing is downloaded at configure, build or run time.

BUILD_DIR ?= build
BUILD_TYPE ?= Release
# Extra CMake options for the first configure, e.g. CMAKE_ARGS=-DPARE_WARNINGS_AS_ERRORS=ON (CI sets that).
CMAKE_ARGS ?=
PARE := $(BUILD_DIR)/app/pare
BUNDLED_MODEL := resources/models/lenet5-fashion-mnist.pt

PACKAGES := build-essential cmake ninja-build ccache \
	libtorch-dev python3-torch libopenblas0-pthread \
	qt6-base-dev qt6-tools-dev qt6-l10n-tools libqcustomplot-dev \
	libopencv-dev libonnx-dev libzstd-dev nlohmann-json3-dev libcli11-dev \
	dataset-fashion-mnist clang-format
# Only `make test` installs these: PyTorch's model definitions make the test fixtures (no weights are downloaded).
# clang-14, libFuzzer and the sanitizer runtimes (libclang-rt-14-dev, only recommended by clang-14, named here) build
# the fuzz harnesses; zstd forges .pare files in the hostile-input test. Slurm and munge make the single-node cluster
# the sweep test starts and stops itself (never on a user's desktop: `make run` installs none of them). python3-onnx
# writes the Keras-shaped test graphs and libonnx-testdata holds ONNX's own operator tests, both for the ONNX import.
TEST_PACKAGES := python3-torchvision clang-14 libfuzzer-14-dev libclang-rt-14-dev zstd \
	slurmctld slurmd slurm-client munge python3-onnx libonnx-testdata

# sudo only when not root (CI and containers run as root and may have no sudo).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps configure build run eval test fuzz bench package clean

all: build

# `dpkg -s` alone also succeeds for removed packages whose configuration is left, so ask for "installed".
deps:
	@missing=""; \
	for p in $(PACKAGES) $(EXTRA_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing missing packages:$$missing"; \
		$(SUDO) apt-get update && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	else \
		echo "All build dependencies are installed."; \
	fi

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS)

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR)

# The studio opens with the bundled LeNet-5 and Fashion-MNIST loaded (or the last project).
run: build
	$(BUILD_DIR)/app/pare-studio

# The command line's view of the same default: evaluate the bundled LeNet-5 on Fashion-MNIST.
eval: build
	$(PARE) eval $(BUNDLED_MODEL) --data fashion-mnist

# Two tests at a time on the 2-core CI machine: many wait on child processes, daemons or a single-threaded fuzzer.
TEST_JOBS ?= $(shell nproc)
test: EXTRA_PACKAGES = $(TEST_PACKAGES)
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(TEST_JOBS)

# The fuzz harnesses for FUZZ_SECONDS each (make test gives them 8 s each).
FUZZ_SECONDS ?= 600
fuzz: EXTRA_PACKAGES = $(TEST_PACKAGES)
fuzz: build
	fuzz/run.sh $(PARE) $(BUILD_DIR)/fuzz $(FUZZ_SECONDS)

bench: build
	bench/run.sh $(BUILD_DIR)

package: build
	cd $(BUILD_DIR) && cpack -G DEB

clean:
	rm -rf $(BUILD_DIR)
