# Shared by scripts/demo and scripts/test: install what is missing, build.
# Sourced, not run. Works on a fresh Debian 12 as root or with sudo.

LARDER_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Debian packages the build needs.
LARDER_BUILD_PACKAGES="cmake g++ make pkg-config
  libpaho-mqttpp-dev libpaho-mqtt-dev libboost-dev libboost-system-dev
  libsqlitecpp-dev libsqlite3-dev libcpprest-dev doctest-dev libssl-dev
  nlohmann-json3-dev libyaml-cpp-dev"
# What running the hub and its demo needs.
LARDER_RUN_PACKAGES="mosquitto mosquitto-clients curl sqlite3 tzdata ca-certificates"
# What the test suite needs besides: systemd-analyze, the openssl CLI, sqlite3 CLI, and
# Debian's Chromium for the dashboard's browser test (driven by playwright-core from the
# npm registry, tests/browser), and dpkg-dev (dpkg-shlibdeps) for the package test.
LARDER_TEST_PACKAGES="systemd openssl chromium dpkg-dev"
# The fuzz targets (scripts/fuzz, docs/fuzzing.md): clang and its libFuzzer runtime, which
# Debian 12 ships in libclang-rt-14-dev (only recommended by clang, so named here).
LARDER_FUZZ_PACKAGES="clang libclang-rt-14-dev"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# install_missing PKG...: apt-get installs only the packages that are not installed.
install_missing() {
  local missing=()
  for p in "$@"; do
    if ! dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "== all ${#@} Debian packages are installed"
    return 0
  fi
  echo "== installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# build DIR [CMAKE ARGS...]: configures (once) and builds with two jobs, through ccache
# when the machine has it (CI's fresh machine does not; a developer's rebuilds are quicker).
build() {
  local dir=$1
  shift
  local launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  echo "== building in $dir"
  cmake -S "$LARDER_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLARDER_WERROR=ON \
    "${launcher[@]}" "$@" >/dev/null
  mkdir -p "$dir"
  if ! cmake --build "$dir" -j2 >"$dir/build.log" 2>&1; then
    tail -n 60 "$dir/build.log"
    echo "== build failed; the whole log is $dir/build.log"
    return 1
  fi
}

# browser_test_deps: playwright-core for the dashboard's browser test (tests/browser), from
# the npm registry with the locked version; it needs Node.js 20 or newer. Without it the
# browser test is not registered (CMake says so) and everything else runs.
browser_test_deps() {
  local major
  major=$(node --version 2>/dev/null | sed -n 's/^v\([0-9]*\).*/\1/p')
  if [ -z "$major" ] || [ "$major" -lt 20 ] || ! command -v npm >/dev/null; then
    echo "== no Node.js 20 with npm: the dashboard's browser test is skipped"
    return 0
  fi
  echo "== installing the browser test's playwright-core (npm ci in tests/browser)"
  (cd "$LARDER_ROOT/tests/browser" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

