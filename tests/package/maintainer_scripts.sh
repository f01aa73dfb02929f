#!/usr/bin/env bash
# Part of check_deb.sh: runs the package's maintainer scripts the way dpkg does, inside the
# private mount namespace check_deb.sh made with `unshare -m` (as root). /etc, /var/lib and
# /lib/systemd/system are replaced by the copies in NS_DIR, /run by an empty tmpfs (so no
# systemd is seen, as in a chroot); nothing of the host changes. Prints ok:/FAIL: lines;
# the exit status is the number of failed checks.
#
#   maintainer_scripts.sh NS_DIR CONTROL_DIR VERSION ARCH
set -euo pipefail

ns=$1
ctl=$2
version=$3
arch=$4
failures=0
ok() { echo "ok: $*"; }
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
expect() {
  if [ "$2" = "$3" ]; then ok "$1: $2"; else fail "$1: '$2', expected '$3'"; fi
}
# run SCRIPT ARGS...: a maintainer script with the environment dpkg gives it (deb-systemd-helper
# refuses to work without it); its output is shown indented.
run() {
  local out status=0
  out=$(DPKG_MAINTSCRIPT_PACKAGE=larder DPKG_MAINTSCRIPT_NAME=$1 DPKG_MAINTSCRIPT_ARCH=$arch \
    DPKG_MAINTSCRIPT_PACKAGE_REFCOUNT=1 DPKG_ROOT="" DPKG_ADMINDIR=/var/lib/dpkg \
    sh "$ctl/$1" "${@:2}" 2>&1) || status=$?
  [ -z "$out" ] || sed 's/^/    | /' <<<"$out"
  expect "$* exit status" "$status" 0
}
mode_of() { stat -c '%U:%G %a' "$1" 2>/dev/null || echo missing; }

mount --bind "$ns/etc" /etc
mount --bind "$ns/varlib" /var/lib
mount --bind "$ns/units" /lib/systemd/system
mount -t tmpfs tmpfs /run

unit=larderd.service
wants=/etc/systemd/system/multi-user.target.wants/$unit
tokens="/etc/larder/admin.token /etc/larder/read.token"

echo "-- first install: postinst configure"
run postinst configure ""
entry=$(getent passwd larder || true)
if [ -z "$entry" ]; then
  fail "no user larder"
else
  IFS=: read -r _ _ uid _ _ home shell <<<"$entry"
  if [ "$uid" -lt 1000 ]; then ok "larder is a system user (uid $uid)"; else fail "larder has uid $uid"; fi
  expect "larder's home" "$home" /var/lib/larder
  expect "larder's shell" "$shell" /usr/sbin/nologin
fi
if getent group larder >/dev/null; then ok "group larder exists"; else fail "no group larder"; fi
expect /var/lib/larder "$(mode_of /var/lib/larder)" "larder:larder 750"
for t in $tokens; do
  expect "$t" "$(mode_of "$t")" "root:larder 640"
  if grep -Eqx '[0-9a-f]{64}' "$t" 2>/dev/null; then ok "$t holds 64 hex digits"; else fail "$t is not a token"; fi
done
if [ "$(cat /etc/larder/admin.token)" != "$(cat /etc/larder/read.token)" ]; then
  ok "the admin and read tokens differ"
else
  fail "the admin and read tokens are equal"
fi
if [ -L "$wants" ]; then ok "enabled: $wants -> $(readlink "$wants")"; else fail "not enabled ($wants missing)"; fi

echo "-- upgrade: postinst configure $version (the admin changed one token, removed the other)"
echo "admin-chosen-token-0123456789" >/etc/larder/admin.token
rm /etc/larder/read.token
sed -i '/read_token_file:/d' /etc/larder/larder.yaml
run postinst configure "$version"
expect "admin.token after the upgrade" "$(cat /etc/larder/admin.token)" admin-chosen-token-0123456789
if [ -e /etc/larder/read.token ]; then
  fail "read.token was created although the configuration no longer names it"
else
  ok "read.token not created again (the configuration no longer names it)"
fi
if [ -L "$wants" ]; then ok "still enabled"; else fail "no longer enabled"; fi

echo "-- removal: prerm remove, dpkg deletes the files, postrm remove"
run prerm remove
rm -f "/lib/systemd/system/$unit"
rm -rf "/lib/systemd/system/$unit.d"
run postrm remove
expect "admin.token after remove" "$(cat /etc/larder/admin.token)" admin-chosen-token-0123456789

echo "-- purge: postrm purge"
run postrm purge
for t in $tokens; do
  if [ -e "$t" ]; then fail "$t survived the purge"; else ok "$t deleted"; fi
done
if [ -e /var/lib/larder ]; then fail "/var/lib/larder survived the purge"; else ok "/var/lib/larder deleted"; fi
if [ -e "$wants" ] || [ -L "$wants" ]; then fail "$wants survived the purge"; else ok "enable link deleted"; fi

# The number of failed checks (at most 100) is the exit status.
exit $((failures > 100 ? 100 : failures))
