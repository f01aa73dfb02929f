#!/usr/bin/env bash
# The dashboard's browser test (docs/dashboard.md).   Usage: tests/browser/run.sh BUILD_DIR
# Needs Debian's chromium (/usr/bin/chromium), mosquitto and mosquitto-clients, Node.js
# 20 or newer, and `npm ci` run once in tests/browser (playwright-core, no browser
# download: the test drives Debian's chromium).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ $# -ne 1 ] || [ ! -x "$1/larderd" ]; then
  echo "usage: $0 BUILD_DIR   (a build dir with larderd and larder-sandbox)" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
if [ ! -d "$here/node_modules/playwright-core" ]; then
  echo "tests/browser: playwright-core is missing; run 'npm ci' in $here" >&2
  exit 2
fi
cd "$here"
LARDER_BUILD_DIR="$build" exec node --test-reporter=spec dashboard.test.mjs
