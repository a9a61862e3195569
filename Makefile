# voiced — the two commands a person needs:
#   make demo   install what is missing, build, run one spoken turn on the simulated sound card
#               against the local realtime simulator, print transcript and status, keep the reply WAV
#   make test   install what is missing, build, run every test
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= debug
BUILD_FLAGS ?=
BIN = $(shell $(SWIFT) build -c $(CONFIG) --show-bin-path 2>/dev/null)

.PHONY: all deps build test demo bench clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build -c $(CONFIG) $(BUILD_FLAGS)

# The systemd suites set and unset process environment variables (libsystemd reads NOTIFY_SOCKET itself). Adding a
# variable can move glibc's environment array while another thread's getenv walks it (libasound reads its variables
# whenever an ALSA test opens a device), so they run in a process of their own, one test at a time.
test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	@{ $(SWIFT) test --skip-build --skip VoiceSystemdTests; first=$$?; \
	  $(SWIFT) test --skip-build --no-parallel --filter VoiceSystemdTests; second=$$?; \
	  exit $$(( first != 0 ? first : second )); } 2>&1 | tee .build/test-output.log; status=$${PIPESTATUS[0]}; \
	if [ $$status -ne 0 ]; then \
	  echo "--- make test: the failures again (a report that keeps only the tail still names them) ---"; \
	  grep -E '✘|recorded an issue|Fatal error|error:' .build/test-output.log | grep -v ' passed after ' | head -40; \
	fi; exit $$status

demo: deps
	$(SWIFT) build -c $(CONFIG) $(BUILD_FLAGS)
	@bash scripts/demo.sh "$(BIN)"

clean:
	rm -rf .build demo-out bench-out

-include mk/*.mk
