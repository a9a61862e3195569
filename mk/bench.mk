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
