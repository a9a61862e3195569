# Source formatting with the toolchain's swift-format and the repo's .swift-format (4 spaces, 120 columns;
# semicolons and `let a = 0, b = 1` allowed for the DSP code's short per-sample statements).
#   make format   rewrite Sources, Tests and Package.swift in place
#   make lint     fail on anything `make format` would change (CI runs it)
FORMAT_PATHS = Package.swift Sources Tests

.PHONY: format lint

format:
	$(SWIFT) format format --in-place --recursive $(FORMAT_PATHS)

lint:
	$(SWIFT) format lint --strict --recursive $(FORMAT_PATHS)
