# mk/hardware.mk — installing voiced as a service, the Debian package, and the hardware checks.
# Included by the top-level Makefile (`-include mk/*.mk`).
#
#   make install         PREFIX=/usr/local DESTDIR=  binaries from the release build, unit, sysusers,
#                        tmpfiles, udev rule, config (kept if present), completions, man pages, docs
#   make uninstall       removes what install put under PREFIX (never the config, key or state)
#   make deb             out/voiced_<version>_<arch>.deb that installs, enables and starts the service
#   make check-units     systemd-analyze verify + security of systemd/voiced.service
#   make check-firmware  Firmware/ fragments and overlay sources
#   make check-gpiod-v2  builds the libgpiod v2 code path against libgpiod 2 from PyPI's sdist
#   make check-deb       builds a package (stand-in binaries unless RELEASE_BIN is given) and checks it

PREFIX ?= /usr/local
DESTDIR ?=
SYSCONFDIR ?= /etc
BINDIR ?= $(PREFIX)/bin
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
DATADIR ?= $(PREFIX)/share
DOCDIR ?= $(DATADIR)/doc/voiced
MANDIR ?= $(DATADIR)/man
INSTALL ?= install
# Where the release binaries are; `make build CONFIG=release` puts them there.
RELEASE_BIN ?= $(shell $(or $(SWIFT),swift) build -c release --show-bin-path 2>/dev/null)
INSTALLED_BINARIES ?= voiced voicectl
# Man pages produced by the man page generator (see the control helper's notes).
MANPAGES ?= $(wildcard man/*.[1-8] docs/man/*.[1-8])

DEB_VERSION ?= 0.1.0~git$(shell git rev-parse --short HEAD 2>/dev/null || echo 0)
DEB_ARCH ?= $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
DEB_MAINTAINER ?= voiced maintainers <voiced@localhost>
DEB_OUT ?= out
DEB_STAGE ?= .build/deb/root
DEB_FILE = $(DEB_OUT)/voiced_$(DEB_VERSION)_$(DEB_ARCH).deb

.PHONY: install uninstall deb check-units check-firmware check-gpiod-v2 check-deb

install:
	@set -e; bin="$(RELEASE_BIN)"; \
	for name in $(INSTALLED_BINARIES); do \
	    [ -x "$$bin/$$name" ] || { echo "install: $$bin/$$name is missing: run 'make build CONFIG=release' first (or pass RELEASE_BIN=DIR)" >&2; exit 1; }; \
	done; \
	root="$(DESTDIR)"; \
	$(INSTALL) -d "$$root$(BINDIR)" "$$root$(UNITDIR)" "$$root$(SYSUSERSDIR)" "$$root$(TMPFILESDIR)" \
	    "$$root$(UDEVRULESDIR)" "$$root$(SYSCONFDIR)/voiced" "$$root$(DOCDIR)"; \
	for name in $(INSTALLED_BINARIES); do $(INSTALL) -m 0755 "$$bin/$$name" "$$root$(BINDIR)/$$name"; done; \
	sed -e 's|/usr/bin/voiced |$(BINDIR)/voiced |' -e 's|file:/usr/share/doc/voiced/|file:$(DOCDIR)/|' \
	    -e 's|/etc/voiced/|$(SYSCONFDIR)/voiced/|g' systemd/voiced.service > "$$root$(UNITDIR)/voiced.service"; \
	chmod 0644 "$$root$(UNITDIR)/voiced.service"; \
	$(INSTALL) -m 0644 systemd/voiced.sysusers "$$root$(SYSUSERSDIR)/voiced.conf"; \
	sed -e 's|/etc/voiced|$(SYSCONFDIR)/voiced|g' systemd/voiced.tmpfiles > "$$root$(TMPFILESDIR)/voiced.conf"; \
	chmod 0644 "$$root$(TMPFILESDIR)/voiced.conf"; \
	$(INSTALL) -m 0644 systemd/60-voiced-gpio.rules "$$root$(UDEVRULESDIR)/60-voiced-gpio.rules"; \
	if [ -f Config/voiced.yaml ]; then \
	    if [ -e "$$root$(SYSCONFDIR)/voiced/voiced.yaml" ]; then \
	        echo "install: keeping the existing $(SYSCONFDIR)/voiced/voiced.yaml"; \
	    else \
	        $(INSTALL) -m 0644 Config/voiced.yaml "$$root$(SYSCONFDIR)/voiced/voiced.yaml"; \
	    fi; \
	else \
	    echo "install: no Config/voiced.yaml in the tree; voiced runs on its defaults" >&2; \
	fi; \
	for shell_dir in "bash:$(DATADIR)/bash-completion/completions/voicectl" \
	                 "zsh:$(DATADIR)/zsh/site-functions/_voicectl" \
	                 "fish:$(DATADIR)/fish/vendor_completions.d/voicectl.fish"; do \
	    shell="$${shell_dir%%:*}"; target="$$root$${shell_dir#*:}"; \
	    $(INSTALL) -d "$$(dirname "$$target")"; \
	    if [ -f "completions/voicectl.$$shell" ]; then \
	        $(INSTALL) -m 0644 "completions/voicectl.$$shell" "$$target"; \
	    elif "$$bin/voicectl" --generate-completion-script "$$shell" > "$$target.tmp" 2>/dev/null && [ -s "$$target.tmp" ]; then \
	        mv "$$target.tmp" "$$target"; chmod 0644 "$$target"; \
	    else \
	        rm -f "$$target.tmp"; echo "install: no $$shell completion for voicectl" >&2; \
	    fi; \
	done; \
	for page in $(MANPAGES); do \
	    section="$${page##*.}"; $(INSTALL) -d "$$root$(MANDIR)/man$$section"; \
	    $(INSTALL) -m 0644 "$$page" "$$root$(MANDIR)/man$$section/$$(basename "$$page")"; \
	done; \
	[ -n "$(MANPAGES)" ] || echo "install: no man pages found (man/*.[1-8])" >&2; \
	for doc in README.md Firmware Config/alsa docs/control-protocol.md; do \
	    [ -e "$$doc" ] && cp -R "$$doc" "$$root$(DOCDIR)/" || true; \
	done; \
	chmod -R u+rwX,go+rX,go-w "$$root$(DOCDIR)"; \
	if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
	    command -v systemd-sysusers >/dev/null && systemd-sysusers "$(SYSUSERSDIR)/voiced.conf"; \
	    command -v systemd-tmpfiles >/dev/null && systemd-tmpfiles --create "$(TMPFILESDIR)/voiced.conf"; \
	    [ -d /run/systemd/system ] && systemctl daemon-reload || true; \
	    echo "installed. Put the API key in $(SYSCONFDIR)/voiced/api-key, then: systemctl enable --now voiced"; \
	fi

uninstall:
	rm -f $(addprefix "$(DESTDIR)$(BINDIR)/,$(addsuffix ",$(INSTALLED_BINARIES)))
	rm -f "$(DESTDIR)$(UNITDIR)/voiced.service" "$(DESTDIR)$(SYSUSERSDIR)/voiced.conf" \
	    "$(DESTDIR)$(TMPFILESDIR)/voiced.conf" "$(DESTDIR)$(UDEVRULESDIR)/60-voiced-gpio.rules" \
	    "$(DESTDIR)$(DATADIR)/bash-completion/completions/voicectl" "$(DESTDIR)$(DATADIR)/zsh/site-functions/_voicectl" \
	    "$(DESTDIR)$(DATADIR)/fish/vendor_completions.d/voicectl.fish"
	rm -rf "$(DESTDIR)$(DOCDIR)"

deb:
	@set -e; rm -rf "$(DEB_STAGE)"; mkdir -p "$(DEB_STAGE)" "$(DEB_OUT)"; \
	stage="$$(cd "$(DEB_STAGE)" && pwd)"; \
	$(MAKE) --no-print-directory install DESTDIR="$$stage" PREFIX=/usr SYSCONFDIR=/etc RELEASE_BIN="$(RELEASE_BIN)"; \
	$(INSTALL) -d -m 0755 "$$stage/DEBIAN"; \
	for script in postinst prerm postrm; do $(INSTALL) -m 0755 "packaging/deb/$$script" "$$stage/DEBIAN/$$script"; done; \
	(cd "$$stage" && find etc -type f 2>/dev/null | sed 's|^|/|' | sort) > "$$stage/DEBIAN/conffiles"; \
	[ -s "$$stage/DEBIAN/conffiles" ] || rm -f "$$stage/DEBIAN/conffiles"; \
	depends="$$(bash scripts/deb-depends.sh "$$stage")"; \
	size="$$(du -sk --exclude=DEBIAN "$$stage" | cut -f1)"; \
	sed -e "s|@VERSION@|$(DEB_VERSION)|" -e "s|@ARCH@|$(DEB_ARCH)|" -e "s|@MAINTAINER@|$(DEB_MAINTAINER)|" \
	    -e "s/@DEPENDS@/$$depends/" -e "s|@INSTALLED_SIZE@|$$size|" packaging/deb/control.in > "$$stage/DEBIAN/control"; \
	dpkg-deb --root-owner-group -Zxz --build "$$stage" "$(DEB_FILE)" >/dev/null; \
	echo "built $(DEB_FILE)"

check-units:
	bash scripts/ci-check-units.sh

check-firmware:
	bash scripts/ci-check-firmware.sh

check-gpiod-v2:
	bash scripts/ci-gpiod-v2.sh

check-deb:
	bash scripts/ci-check-deb.sh $(if $(filter command line environment,$(origin RELEASE_BIN)),"$(RELEASE_BIN)")
