#!/usr/bin/env bash
# Installs the system packages voiced builds and tests with, only when something is missing.
# Debian 12 / Raspberry Pi OS. Needs root (or sudo) the first time. Arguments: extra packages to install.
set -euo pipefail
# Build: the three C libraries. Demo: espeak-ng and sox make and measure the spoken question.
# Tests and checks: openssl (the simulator's wss:// certificate), dpkg-dev (the .deb), device-tree-compiler
# (Firmware overlays), systemd (systemd-analyze for the unit).
packages=(libasound2-dev libgpiod-dev libsystemd-dev pkg-config alsa-utils espeak-ng sox openssl dpkg-dev
    device-tree-compiler systemd)
# Extra packages a target asks for (`make bench` adds valgrind for the capture path's instruction count).
packages+=("$@")
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! command -v swift >/dev/null; then
    echo "swift is not on PATH: install the Swift 6.3 toolchain for your platform (see README.md)" >&2
    exit 1
fi
