#!/bin/sh
# The web console in headless Chromium (issue 20), against a real `campaignd run` on 127.0.0.1.
# Installs what it needs (Debian's chromium and chromium-driver with apt-get, selenium with pip in
# a virtualenv of its own), builds nothing: run `swift build` first.
#
#   Tests/Browser/console-browser.sh [SCREENSHOT_DIR]
#
# CAMPAIGND_BINARY names the binary to test (default: .build/debug/campaignd). swift test runs this
# script through Tests/CampaignDaemonTests/ConsoleBrowserTests.swift.
#
# Exit code: 0 every check passed, 1 a check failed, 2 setup failed (packages, daemon).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
binary="${CAMPAIGND_BINARY:-$root/.build/debug/campaignd}"
[ -x "$binary" ] || { echo "no $binary: run swift build first" >&2; exit 2; }

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    apt-get update -qq >/dev/null || exit 2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null || exit 2
fi
venv="${CONSOLE_BROWSER_VENV:-${TMPDIR:-/tmp}/campaignd-console-browser-venv}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import selenium" 2>/dev/null; then
    /usr/bin/python3 -m venv "$venv" || exit 2
    "$venv/bin/pip" install -q selenium || exit 2
fi

shots="${1:-$root/.build/console-screenshots}"
mkdir -p "$shots"
exec "$venv/bin/python" "$here/console_browser.py" "$binary" "$shots"
