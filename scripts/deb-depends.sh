#!/usr/bin/env bash
# Prints the Debian Depends: value for the ELF binaries under a staging root (`make deb`).
#
# Uses dpkg-shlibdeps (dpkg-dev) on the ELF files in STAGE/usr/bin, then adds what the package
# needs at run time beyond linking (systemd for sysusers/tmpfiles). Refuses binaries that link the
# Swift runtime dynamically: no Debian package provides libswiftCore.so, so such a package would not
# start. Build them with `swift build -c release --static-swift-stdlib`.
#
# Usage: scripts/deb-depends.sh STAGE
set -euo pipefail

stage="$(cd "$1" && pwd)"
extra="systemd"
fallback="libc6, libasound2, libgpiod2 | libgpiod3, libsystemd0"

elves=()
for file in "$stage"/usr/bin/*; do
    [[ -f "$file" ]] || continue
    if [[ "$(head -c 4 "$file" | od -An -c | tr -d ' ')" == "177ELF" ]]; then elves+=("$file"); fi
done
if [[ ${#elves[@]} -eq 0 ]]; then
    echo "deb-depends: no ELF binaries in $stage/usr/bin; using the static list" >&2
    echo "$fallback, $extra"
    exit 0
fi

swift_runtime="$(for elf in "${elves[@]}"; do objdump -p "$elf" | awk '/NEEDED/ { print $2 }'; done | grep -E '^lib(swift|Foundation|dispatch|BlocksRuntime)' | sort -u || true)"
if [[ -n "$swift_runtime" && "${DEB_ALLOW_SWIFT_SHARED:-0}" != 1 ]]; then
    echo "deb-depends: the binaries link the Swift runtime dynamically ($(echo $swift_runtime)); no Debian" \
        "package provides it. Rebuild with: swift build -c release --static-swift-stdlib" >&2
    exit 1
fi

if ! command -v dpkg-shlibdeps >/dev/null 2>&1; then
    echo "deb-depends: dpkg-shlibdeps not found (apt-get install dpkg-dev); using the static list" >&2
    echo "$fallback, $extra"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debian"
printf 'Source: voiced\n\nPackage: voiced\nArchitecture: any\n' > "$work/debian/control"
arguments=()
for elf in "${elves[@]}"; do arguments+=("-e$elf"); done
line="$(cd "$work" && dpkg-shlibdeps -O --ignore-missing-info "${arguments[@]}" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')"
echo "${line:+$line, }$extra"
