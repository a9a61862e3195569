#!/usr/bin/env bash
# Checks Firmware/:
#   - every config.txt fragment contains only comments, blank lines, [filters] and key=value lines,
#     names its button in a "# voiced:" comment, and is listed in Firmware/README.md;
#   - every device-tree overlay source (*.dts) compiles with dtc (errors fail; warnings are shown).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
firmware="$repo/Firmware"
failed=0
fail() { echo "FAIL: $*"; failed=1; }

echo "== config.txt fragments"
shopt -s nullglob
fragments=("$firmware"/*/config.txt)
[[ ${#fragments[@]} -gt 0 ]] || fail "no Firmware/*/config.txt fragments"
for fragment in "${fragments[@]}"; do
    board="$(basename "$(dirname "$fragment")")"
    bad="$(grep -nvE '^[[:space:]]*(#.*)?$|^\[[A-Za-z0-9_=:. -]+\]$|^[A-Za-z0-9_]+=[^[:space:]].*$' "$fragment" || true)"
    [[ -z "$bad" ]] || fail "$board/config.txt has lines that are not key=value:"$'\n'"$bad"
    grep -q '^# voiced: ' "$fragment" || fail "$board/config.txt does not say which pins voiced uses (# voiced: …)"
    grep -q "\`$board/\`" "$firmware/README.md" || fail "$board is not in the table in Firmware/README.md"
    echo "ok: $board"
done

echo
echo "== device-tree overlay sources"
sources=("$firmware"/*.dts "$firmware"/*/*.dts)
if [[ ${#sources[@]} -eq 0 ]]; then
    echo "none (the boards' overlays ship with the Raspberry Pi kernel or the vendor's driver package)"
fi
work="$(mktemp -d /tmp/voiced-firmware.XXXXXX)"
trap 'rm -rf "$work"' EXIT
for source in "${sources[@]}"; do
    name="$(basename "${source%.dts}")"
    if dtc -@ -q -I dts -O dtb -o "$work/$name.dtbo" "$source"; then
        echo "ok: $name.dts → $(stat -c %s "$work/$name.dtbo") bytes"
    else
        fail "$name.dts does not compile"
    fi
done

exit $failed
