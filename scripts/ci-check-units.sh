#!/usr/bin/env bash
# Checks the systemd files in systemd/ without a running systemd (CI containers have no PID 1 systemd):
#   1. `systemd-analyze verify` on a copy of voiced.service whose ExecStart points at an existing
#      binary. verify exits 0 even for unknown keys and unparsable values, so ANY output fails.
#   2. `systemd-analyze security --offline=true`: prints the findings and the exposure score, and
#      fails when the exposure is above 2.0.
#   3. sysusers.d and tmpfiles.d entries applied to a scratch root: the voiced user exists, is in
#      audio and gpio, and /etc/voiced, /var/lib/voiced have the expected modes.
#
# Usage: scripts/ci-check-units.sh [BINARY]   (BINARY replaces /usr/bin/voiced; default /bin/true)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
unit="$repo/systemd/voiced.service"
binary="${1:-/bin/true}"
max_exposure="${VOICED_MAX_EXPOSURE:-2.0}"
[[ -x "$binary" ]] || { echo "error: $binary is not an executable file" >&2; exit 2; }
binary="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"

work="$(mktemp -d /tmp/voiced-units.XXXXXX)"
trap 'rm -rf "$work"' EXIT
failed=0

echo "== systemd-analyze verify (ExecStart → $binary)"
grep -q '^ExecStart=/usr/bin/voiced ' "$unit" || { echo "error: $unit has no ExecStart=/usr/bin/voiced line" >&2; exit 1; }
sed "s|^ExecStart=/usr/bin/voiced |ExecStart=$binary |" "$unit" > "$work/voiced.service"
set +e
verify_output="$(systemd-analyze verify --man=no "$work/voiced.service" 2>&1)"
verify_status=$?
set -e
if [[ $verify_status -ne 0 || -n "$verify_output" ]]; then
    echo "FAIL: systemd-analyze verify (rc $verify_status) printed:"
    echo "$verify_output"
    failed=1
else
    echo "ok: no findings"
fi

echo
echo "== systemd-analyze security --offline=true (fails above $max_exposure)"
security_output="$(systemd-analyze security --offline=true "$work/voiced.service" 2>&1 || true)"
echo "$security_output" | grep -E '✗|Overall exposure' || true
score="$(echo "$security_output" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')"
if [[ -z "$score" ]]; then
    echo "FAIL: no exposure score in the output:"
    echo "$security_output"
    failed=1
elif awk -v score="$score" -v limit="$max_exposure" 'BEGIN { exit !(score > limit) }'; then
    echo "FAIL: exposure $score is above $max_exposure"
    failed=1
else
    echo "ok: exposure $score ≤ $max_exposure"
fi

echo
echo "== sysusers.d and tmpfiles.d in a scratch root"
root="$work/root"
mkdir -p "$root/etc"
systemd-sysusers --root="$root" "$repo/systemd/voiced.sysusers" 2>&1 | sed 's/^/  /'
systemd-tmpfiles --create --root="$root" "$repo/systemd/voiced.tmpfiles" 2>&1 | sed 's/^/  /'
check() {
    if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; failed=1; fi
}
check "user voiced with home /var/lib/voiced" "grep -q '^voiced:x:[0-9]*:[0-9]*:[^:]*:/var/lib/voiced:' '$root/etc/passwd'"
check "voiced is in group audio" "grep -Eq '^audio:x:[0-9]+:(.*,)?voiced(,|$)' '$root/etc/group'"
check "voiced is in group gpio" "grep -Eq '^gpio:x:[0-9]+:(.*,)?voiced(,|$)' '$root/etc/group'"
check "/etc/voiced is 0755" "[[ \$(stat -c %a '$root/etc/voiced') == 755 ]]"
check "/var/lib/voiced is 0750" "[[ \$(stat -c %a '$root/var/lib/voiced') == 750 ]]"

echo
echo "== the unit and the other files agree"
check "LoadCredential names /etc/voiced/api-key, which tmpfiles keeps at 0600" \
    "grep -q '^LoadCredential=xai-api-key:/etc/voiced/api-key$' '$unit' && grep -q '/etc/voiced/api-key *0600' '$repo/systemd/voiced.tmpfiles'"
check "the config file lives in ConfigurationDirectory=voiced" \
    "grep -q '^ConfigurationDirectory=voiced$' '$unit' && grep -q -- '--config /etc/voiced/' '$unit'"
check "User= is the sysusers user" "grep -q '^User=voiced$' '$unit'"

exit $failed
