#!/usr/bin/env bash
# The Debian package (docs/packaging.md), ctest label `package`: builds the .deb from
# BUILD_DIR with cpack into a temporary folder and checks it with dpkg-deb:
#   - contents: larderd and larderctl in /usr/bin (not larder-sandbox), the unit and its
#     drop-in in /lib/systemd/system, /etc/larder/larder.yaml, the dashboard's index.html
#     in /usr/share/larder/web, the message catalogs en.json and de.json in
#     /usr/share/larder/locales;
#   - control: name, the project's version, dpkg's architecture, Depends from dpkg-shlibdeps
#     (libc6) plus adduser, procps and tzdata, Recommends mosquitto and ca-certificates;
#     conffiles names /etc/larder/larder.yaml;
#   - postinst, prerm and postrm present, executable, and `sh -n` clean.
# Then, as root where unshare(1) can make a private mount namespace, the maintainer scripts
# run for real on copies of /etc and /var/lib and an empty /run (no systemd: as in a
# chroot): a first install creates the user, the state directory, the token files and
# enables the unit; an upgrade overwrites no token; purge deletes what postinst made.
# The host is never changed. Elsewhere that part is skipped with a message.
#
#   check_deb.sh BUILD_DIR
set -euo pipefail

build=${1:?usage: check_deb.sh BUILD_DIR}
failures=0
ok() { echo "ok: $*"; }
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
# expect WHAT ACTUAL WANTED
expect() {
  if [ "$2" = "$3" ]; then ok "$1: $2"; else fail "$1: '$2', expected '$3'"; fi
}

tmp=$(mktemp -d /tmp/larder-package-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

echo "== cpack in $build"
if ! (cd "$build" && cpack -G DEB -B "$tmp/out") >"$tmp/cpack.log" 2>&1; then
  cat "$tmp/cpack.log"
  echo "FAIL: cpack could not build the package"
  exit 1
fi
debs=("$tmp"/out/*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || { echo "FAIL: no single .deb: ${debs[*]}"; exit 1; }
deb=${debs[0]}
echo "package: $(basename "$deb")"

echo "== contents (dpkg-deb -c)"
dpkg-deb -c "$deb" | awk '{print $1, $2, $NF}' >"$tmp/contents"
# has PERMS PATH: PATH is in the package with these permissions (and owned by root).
has() {
  if grep -qx -- "$1 root/root ./$2" "$tmp/contents"; then ok "$2 ($1)"; else fail "$2 ($1) is missing"; fi
}
has -rwxr-xr-x usr/bin/larderd
has -rwxr-xr-x usr/bin/larderctl
has -rw-r--r-- lib/systemd/system/larderd.service
has -rw-r--r-- lib/systemd/system/larderd.service.d/larder-user.conf
has -rw-r--r-- etc/larder/larder.yaml
has -rw-r--r-- usr/share/larder/web/index.html
has -rw-r--r-- usr/share/larder/locales/en.json
has -rw-r--r-- usr/share/larder/locales/de.json
if grep -q 'larder-sandbox' "$tmp/contents"; then fail "larder-sandbox is in the package"; else ok "no larder-sandbox"; fi
if grep -Eq ' \./usr/local/| \./usr/etc/| \./usr/lib/systemd/' "$tmp/contents"; then
  fail "files outside the Debian layout: $(grep -E ' \./usr/local/| \./usr/etc/| \./usr/lib/systemd/' "$tmp/contents" | tr '\n' ' ')"
fi

echo "== control (dpkg-deb -I)"
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
expect Package "$(dpkg-deb -f "$deb" Package)" larder
expect Version "$(dpkg-deb -f "$deb" Version)" "$version"
if grep -q '^CMAKE_TOOLCHAIN_FILE:' "$build/CMakeCache.txt"; then
  ok "Architecture: $(dpkg-deb -f "$deb" Architecture) (a cross build)"
else
  expect Architecture "$(dpkg-deb -f "$deb" Architecture)" "$(dpkg --print-architecture)"
fi
depends=$(dpkg-deb -f "$deb" Depends)
if [ -n "$depends" ]; then ok "Depends: $depends"; else fail "Depends is empty"; fi
for dep in adduser procps tzdata libc6 libpaho-mqttpp3 libyaml-cpp libsqlite3 libssl3 libcpprest; do
  case ", $depends" in
    *", $dep"*) ;;
    *) fail "Depends lacks $dep (is dpkg-dev, with dpkg-shlibdeps, installed?)" ;;
  esac
done
expect Recommends "$(dpkg-deb -f "$deb" Recommends)" "mosquitto, ca-certificates"

echo "== control files (dpkg-deb -e)"
ctl=$tmp/control
dpkg-deb -e "$deb" "$ctl"
expect conffiles "$(cat "$ctl/conffiles" 2>/dev/null)" /etc/larder/larder.yaml
for script in postinst prerm postrm; do
  if [ ! -f "$ctl/$script" ]; then
    fail "$script is missing"
  elif [ ! -x "$ctl/$script" ]; then
    fail "$script is not executable"
  elif ! sh -n "$ctl/$script"; then
    fail "$script: sh -n reports a syntax error"
  else
    ok "$script: executable, sh -n clean"
  fi
done

# The maintainer scripts for real, in a private mount namespace (see the top).
can_run_scripts() {
  [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null && [ -d /lib/systemd/system ] &&
    unshare -m --propagation private true 2>/dev/null
}
if ! can_run_scripts; then
  echo "SKIP: the maintainer scripts were not run (they need root, unshare -m and /lib/systemd/system)"
else
  echo "== maintainer scripts in a private mount namespace"
  dpkg-deb -x "$deb" "$tmp/root"
  mkdir -p "$tmp/ns/varlib" "$tmp/ns/units"
  cp -a /etc "$tmp/ns/etc"
  # A machine that never had the package: no user, no group, no files of it.
  for f in passwd group shadow gshadow; do
    [ -f "$tmp/ns/etc/$f" ] && sed -i '/^larder:/d' "$tmp/ns/etc/$f"
  done
  rm -rf "$tmp/ns/etc/larder" "$tmp/ns/etc/systemd/system/multi-user.target.wants/larderd.service"
  cp -a "$tmp/root/etc/larder" "$tmp/ns/etc/larder"
  cp -a "$tmp/root/lib/systemd/system/." "$tmp/ns/units/"
  # The target the unit is WantedBy (the host's other units are hidden in the namespace).
  [ -f /lib/systemd/system/multi-user.target ] && cp /lib/systemd/system/multi-user.target "$tmp/ns/units/"
  status=0
  unshare -m --propagation private bash "$(dirname "$0")/maintainer_scripts.sh" \
    "$tmp/ns" "$ctl" "$version" "$(dpkg-deb -f "$deb" Architecture)" || status=$?
  failures=$((failures + status))
fi

if [ "$failures" -ne 0 ]; then
  echo "== $failures check(s) failed"
  exit 1
fi
echo "== the package is complete"
