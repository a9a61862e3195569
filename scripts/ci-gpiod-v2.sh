#!/usr/bin/env bash
# Compiles the libgpiod v2 code path of voiced (Debian trixie and later ship libgpiod 2.x; this
# machine and bookworm have 1.6).
#
# The `gpiod` package on PyPI bundles the libgpiod 2 C sources. This script downloads that sdist
# with pip, builds the bundled library into a static archive under a temporary prefix, writes a
# pkg-config file for it, and then:
#   1. compiles Sources/CVoiceGPIOShim/shim.c against it with -Wall -Wextra -Werror,
#   2. links and runs a probe that checks the shim reports API 2 and fails cleanly without a chip,
#   3. builds the Swift VoiceGPIO module against it (skip with GPIOD_V2_SKIP_SWIFT=1), and
#   4. with GPIOD_V2_RUN_TESTS=1, also runs VoiceGPIOTests against libgpiod v2.
#
# Environment:
#   GPIOD_SDIST          use this gpiod-*.tar.gz instead of downloading one
#   GPIOD_PIP_VERSION    pip requirement, default "gpiod>=2.1,<3"
#   GPIOD_V2_WORKDIR     keep the work directory here (default: a temp dir, removed at exit)
#   GPIOD_V2_SCRATCH     SwiftPM scratch path (default: .build-gpiodv2)
#   SWIFT                swift executable (default: swift)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
swift_bin="${SWIFT:-swift}"
requirement="${GPIOD_PIP_VERSION:-gpiod>=2.1,<3}"
scratch="${GPIOD_V2_SCRATCH:-.build-gpiodv2}"

if [[ -n "${GPIOD_V2_WORKDIR:-}" ]]; then
    work="$GPIOD_V2_WORKDIR"
    mkdir -p "$work"
else
    work="$(mktemp -d /tmp/voiced-gpiod-v2.XXXXXX)"
    trap 'rm -rf "$work"' EXIT
fi

step() { printf '\n== %s\n' "$*"; }

step "libgpiod v2 sources from PyPI ($requirement)"
if [[ -n "${GPIOD_SDIST:-}" ]]; then
    sdist="$GPIOD_SDIST"
else
    python3 -m pip download --quiet --no-binary :all: --no-deps --dest "$work/download" "$requirement"
    sdist="$(ls "$work"/download/gpiod-*.tar.gz | head -n 1)"
fi
echo "sdist: $(basename "$sdist")"
rm -rf "$work/src"
mkdir -p "$work/src"
tar -xzf "$sdist" -C "$work/src" --strip-components=1
src="$work/src"
[[ -f "$src/include/gpiod.h" && -d "$src/lib" ]] || {
    echo "error: $(basename "$sdist") does not bundle the libgpiod C sources (include/gpiod.h, lib/)" >&2
    exit 1
}
version="$(tr -d '[:space:]' < "$src/libgpiod-version.txt" 2>/dev/null || true)"
version="${version:-2}"
echo "bundled libgpiod: $version"

step "build libgpiod $version (static) into $work/prefix"
prefix="$work/prefix"
rm -rf "$prefix" "$work/obj"
mkdir -p "$prefix/include" "$prefix/lib/pkgconfig" "$work/obj"
for source in "$src"/lib/*.c; do
    cc -std=gnu11 -O2 -fPIC -D_GNU_SOURCE "-DGPIOD_API_VERSION_STR=\"$version\"" \
        -I "$src/include" -I "$src/lib" -c "$source" -o "$work/obj/$(basename "${source%.c}").o"
done
ar rcs "$prefix/lib/libgpiod.a" "$work"/obj/*.o
cp "$src/include/gpiod.h" "$prefix/include/"
cat > "$prefix/lib/pkgconfig/libgpiod.pc" <<EOF
prefix=$prefix
includedir=\${prefix}/include
libdir=\${prefix}/lib

Name: libgpiod
Description: libgpiod $version built from the PyPI gpiod sdist for voiced's CI
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -lgpiod
EOF
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
echo "pkg-config libgpiod: $(pkg-config --modversion libgpiod)"

step "compile the shim against libgpiod v2"
cc -std=gnu11 -Wall -Wextra -Werror $(pkg-config --cflags libgpiod) -I Sources/CVoiceGPIOShim/include \
    -c Sources/CVoiceGPIOShim/shim.c -o "$work/shim-v2.o"

cat > "$work/probe.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include "voiced_gpio_shim.h"

// Checks the v2 build end to end without hardware: the API generation, and a clean
// chip-not-found failure from the v2 request path.
int main(void) {
    if (voiced_gpio_api_version() != 2) {
        fprintf(stderr, "shim reports API %d, expected 2\n", voiced_gpio_api_version());
        return 1;
    }
    voiced_gpio_error error;
    voiced_gpio_request request = {
        .chip = "/dev/gpiochip-voiced-ci-missing", .offset = 17, .active_low = 1,
        .bias = VOICED_GPIO_BIAS_PULL_UP, .debounce_us = 20000, .consumer = "voiced-ci",
    };
    if (voiced_gpio_request_input(&request, &error) != NULL || error.kind != VOICED_GPIO_CHIP_NOT_FOUND) {
        fprintf(stderr, "expected chip-not-found, got kind %d\n", error.kind);
        return 1;
    }
    request.chip = "/dev/null";
    if (voiced_gpio_request_output(&request, 0, &error) != NULL || error.kind != VOICED_GPIO_CHIP_NOT_FOUND ||
        strcmp(error.function, "gpiod_chip_open") != 0) {
        fprintf(stderr, "expected /dev/null to be refused by gpiod_chip_open, got kind %d (%s)\n", error.kind,
                error.function);
        return 1;
    }
    printf("shim: libgpiod API %d, library %s, failure paths ok\n", voiced_gpio_api_version(),
           voiced_gpio_library_version());
    return 0;
}
EOF
cc -std=gnu11 -Wall -Wextra -Werror -I Sources/CVoiceGPIOShim/include "$work/probe.c" "$work/shim-v2.o" \
    $(pkg-config --libs libgpiod) -o "$work/probe"
"$work/probe"

if [[ "${GPIOD_V2_SKIP_SWIFT:-0}" != 1 ]]; then
    step "swift build --target VoiceGPIO against libgpiod v2 (scratch $scratch)"
    VOICED_ONLY=VoiceGPIOTests "$swift_bin" build --target VoiceGPIO --scratch-path "$scratch"
    if [[ "${GPIOD_V2_RUN_TESTS:-0}" == 1 ]]; then
        step "VoiceGPIOTests against libgpiod v2"
        VOICED_EXPECT_GPIOD_API=2 VOICED_ONLY=VoiceGPIOTests "$swift_bin" test --scratch-path "$scratch"
    fi
fi

step "libgpiod v2 code path: OK"
