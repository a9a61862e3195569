# Footprint and latency of the whole daemon (issue 9): BENCHMARKS.md explains every figure.
#   make bench                     release build; voiced + voiced-sim on the paced simulated sound card;
#                                  prints memory, CPU, wake-ups, start-up and latency probes, then the
#                                  capture path's instruction count under callgrind
#   BENCH_SECONDS=20 make bench    shorter windows (default 60 s each)
#   BENCH_CALLGRIND=0 make bench   skip the capture path under callgrind
# Needs espeak-ng, sox and valgrind: scripts/install-deps.sh installs them.
# Release with the Swift runtime linked in, as the Debian package ships it (scripts/deb-depends.sh), and
# as callgrind needs it: the daemon measured is the one users run.
bench:
	@bash scripts/install-deps.sh valgrind
	$(SWIFT) build -c release --static-swift-stdlib $(BUILD_FLAGS)
	@bash scripts/bench.sh "$$($(SWIFT) build -c release --show-bin-path)"

# The daemon over hundreds of turns (issue 9, robustness; BENCHMARKS.md "Soak: hundreds of turns"): the release
# voiced against voiced-sim, driven through spoken turns, barge-ins, no-speech timeouts, control commands,
# reconnects, reloads and outages; samples memory, descriptors, threads and the control socket's answer time
# every 10 turns and prints the growth per 100 turns with a verdict per figure, then checks the daemon is healthy.
#   make soak                      400 turns (about 25 minutes)
#   SOAK_TURNS=1000 make soak      or SOAK_SECONDS=3600 for a fixed time; SOAK_STRICT=1 fails on growth
# Not part of `make test`: it is a benchmark. Needs espeak-ng and sox (scripts/install-deps.sh).
.PHONY: soak
soak:
	@bash scripts/install-deps.sh
	$(SWIFT) build -c release --static-swift-stdlib $(BUILD_FLAGS)
	@bash scripts/soak.sh "$$($(SWIFT) build -c release --show-bin-path)"
