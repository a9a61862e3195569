# Source formatting with the toolchain's swift-format and the repo's .swift-format (4 spaces, 120 columns;
# semicolons and `let a = 0, b = 1` allowed for the DSP code's short per-sample statements).
#   make format   rewrite Sources, Tests and Package.swift in place
#   make lint     fail on anything `make format` would change (CI runs it), and on a module of Sources that
#                 imports Swift Testing outside `#if canImport(Testing)`: a release `swift build` of the whole
#                 package (the README's install step) has no Testing module, and CI builds only debug.
FORMAT_PATHS = Package.swift Sources Tests

.PHONY: format lint

format:
	$(SWIFT) format format --in-place --recursive $(FORMAT_PATHS)

lint:
	$(SWIFT) format lint --strict --recursive $(FORMAT_PATHS)
	@unguarded=$$(for file in $$(grep -rl '^import Testing' Sources); do \
	    grep -q '^#if canImport(Testing)' "$$file" || echo "$$file"; done); \
	if [ -n "$$unguarded" ]; then \
	    echo "lint: these import Testing outside '#if canImport(Testing)', which breaks release builds:" >&2; \
	    echo "$$unguarded" >&2; exit 1; fi
