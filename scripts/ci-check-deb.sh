#!/usr/bin/env bash
# Builds the Debian package with `make deb` and checks it without installing it on this machine:
# the package is unpacked into a scratch root (dpkg-deb -x), its sysusers.d and tmpfiles.d entries
# are applied to that root, and every path the unit refers to is checked to exist there.
#
# Usage: scripts/ci-check-deb.sh [RELEASE_BIN]
#   RELEASE_BIN: directory with release-built voiced and voicectl (built with --static-swift-stdlib).
#   Without it, small stand-in executables are packaged, which checks the packaging, not the binaries.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
work="$(mktemp -d /tmp/voiced-deb.XXXXXX)"
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }
ok() { echo "ok: $*"; }

bin="${1:-}"
if [[ -z "$bin" ]]; then
    bin="$work/bin"
    mkdir -p "$bin"
    printf '#!/bin/sh\necho "voiced stand-in"\n' > "$bin/voiced"
    cat > "$bin/voicectl" <<'EOF'
#!/bin/sh
# Stand-in for voicectl: enough to generate completions during `make install`.
if [ "$1" = "--generate-completion-script" ]; then echo "# $2 completion for voicectl (stand-in)"; exit 0; fi
echo "voicectl stand-in"
EOF
    chmod 0755 "$bin/voiced" "$bin/voicectl"
    echo "(packaging stand-in binaries; pass a release bin directory to package the real ones)"
fi

echo "== make deb"
make --no-print-directory deb RELEASE_BIN="$bin" DEB_OUT="$work/out" DEB_STAGE="$work/stage" DEB_VERSION=0.0.0~ci
deb="$(ls "$work"/out/voiced_*.deb)"
root="$work/root"
dpkg-deb -x "$deb" "$root"
dpkg-deb -e "$deb" "$work/control"

echo
echo "== package metadata"
dpkg-deb --field "$deb" Package Version Architecture Depends | sed 's/^/  /'
[[ "$(dpkg-deb --field "$deb" Package)" == voiced ]] && ok "Package: voiced" || fail "package name"
dpkg-deb --field "$deb" Depends | grep -q systemd && ok "depends on systemd" || fail "Depends lacks systemd"
if dpkg-deb --contents "$deb" | awk '{ print $2 }' | grep -v '^root/root$' | grep -q .; then
    fail "files not owned by root/root"
else
    ok "every file is owned by root/root"
fi
for script in postinst prerm postrm; do
    if [[ -x "$work/control/$script" ]] && sh -n "$work/control/$script"; then ok "$script present, executable, parses"; else fail "$script"; fi
done
if [[ -f "$work/control/conffiles" ]]; then
    while read -r conffile; do
        [[ -f "$root$conffile" ]] && ok "conffile $conffile" || fail "conffile $conffile is not in the package"
    done < "$work/control/conffiles"
fi

echo
echo "== files where the unit expects them"
unit="$root/usr/lib/systemd/system/voiced.service"
[[ -f "$unit" ]] && ok "unit at /usr/lib/systemd/system/voiced.service" || { fail "no unit in the package"; exit 1; }
value() { sed -n "s/^$1=//p" "$unit"; }
exec_start="$(value ExecStart)"
binary="${exec_start%% *}"
[[ -x "$root$binary" ]] && ok "ExecStart binary $binary" || fail "ExecStart binary $binary missing"
[[ -x "$root/usr/bin/voicectl" ]] && ok "voicectl at /usr/bin/voicectl" || fail "voicectl missing"
config="$(sed -n 's/.*--config \([^ ]*\).*/\1/p' <<< "$exec_start")"
if [[ -n "$config" ]]; then
    if [[ -f "$root$config" ]]; then
        ok "config $config"
    elif [[ -f Config/voiced.yaml ]]; then
        fail "config $config is not in the package"
    else
        echo "warning: $config is not packaged because Config/voiced.yaml does not exist yet"
    fi
fi
for documentation in $(value Documentation); do
    case "$documentation" in
        file:*) [[ -e "$root${documentation#file:}" ]] && ok "Documentation $documentation" || fail "Documentation $documentation missing" ;;
        man:*)
            page="${documentation#man:}"; name="${page%%(*}"; section="${page#*(}"; section="${section%)}"
            if compgen -G "$root/usr/share/man/man$section/$name.$section*" >/dev/null; then
                ok "Documentation $documentation"
            else
                echo "warning: Documentation $documentation: no man page packaged yet"
            fi
            ;;
    esac
done
[[ -f "$root/usr/lib/sysusers.d/voiced.conf" ]] && ok "sysusers.d/voiced.conf" || fail "sysusers.d/voiced.conf missing"
[[ -f "$root/usr/lib/tmpfiles.d/voiced.conf" ]] && ok "tmpfiles.d/voiced.conf" || fail "tmpfiles.d/voiced.conf missing"
[[ -f "$root/usr/lib/udev/rules.d/60-voiced-gpio.rules" ]] && ok "udev rule" || fail "udev rule missing"
[[ -f "$root/usr/share/bash-completion/completions/voicectl" ]] && ok "bash completion" || fail "bash completion missing"

echo
echo "== sysusers and tmpfiles applied to the scratch root"
mkdir -p "$root/etc"
systemd-sysusers --root="$root" 2>&1 | sed 's/^/  /'
systemd-tmpfiles --create --root="$root" 2>&1 | sed 's/^/  /'
user="$(value User)"
grep -q "^$user:" "$root/etc/passwd" && ok "User=$user exists" || fail "User=$user is not created by sysusers"
for group in $(value Group) $(value SupplementaryGroups); do
    grep -q "^$group:" "$root/etc/group" && ok "group $group exists" || fail "group $group is not created by sysusers"
done
credential="$(value LoadCredential)"
credential_path="${credential#*:}"
if [[ -f "$root$credential_path" && "$(stat -c %a "$root$credential_path")" == 600 ]]; then
    ok "LoadCredential source $credential_path exists, mode 0600 (so the unit can start before a key is set)"
else
    fail "LoadCredential source $credential_path is not created with mode 0600"
fi
[[ "$(value StateDirectory)" == voiced && -d "$root/var/lib/voiced" ]] && ok "StateDirectory /var/lib/voiced" \
    || fail "StateDirectory and tmpfiles disagree"
[[ "$(value ConfigurationDirectory)" == voiced && -d "$root/etc/voiced" ]] && ok "ConfigurationDirectory /etc/voiced" \
    || fail "ConfigurationDirectory missing"

echo
echo "== the packaged unit verifies"
sed "s|^ExecStart=$binary |ExecStart=$root$binary |" "$unit" > "$work/voiced.service"
out="$(systemd-analyze verify --man=no "$work/voiced.service" 2>&1 || true)"
[[ -z "$out" ]] && ok "systemd-analyze verify: no findings" || fail "systemd-analyze verify: $out"

echo
[[ $failed -eq 0 ]] && echo "package OK: $(basename "$deb"), $(stat -c %s "$deb") bytes"
exit $failed
