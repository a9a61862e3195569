# voicectl's shell completions and man page, generated from its argument parser (issue 6).
#   make completions   → $(GENERATED)/completions/{voicectl.bash,_voicectl,voicectl.fish}
#   make man           → $(GENERATED)/man/voicectl.1
# `make install` copies them from $(GENERATED).
GENERATED ?= .build/generated

.PHONY: completions man

completions:
	$(SWIFT) build -c $(CONFIG) --product voicectl $(BUILD_FLAGS)
	mkdir -p $(GENERATED)/completions
	$(BIN)/voicectl --generate-completion-script bash > $(GENERATED)/completions/voicectl.bash
	$(BIN)/voicectl --generate-completion-script zsh > $(GENERATED)/completions/_voicectl
	$(BIN)/voicectl --generate-completion-script fish > $(GENERATED)/completions/voicectl.fish

# generate-manual is swift-argument-parser's own tool (built from the dependency, offline); it runs
# `voicectl --experimental-dump-help` and writes mdoc pages.
man:
	$(SWIFT) build -c $(CONFIG) --product voicectl $(BUILD_FLAGS)
	$(SWIFT) build -c $(CONFIG) --product generate-manual $(BUILD_FLAGS)
	mkdir -p $(GENERATED)/man
	$(BIN)/generate-manual $(BIN)/voicectl --section 1 \
		--authors "the voiced authors" --output-directory $(GENERATED)/man
