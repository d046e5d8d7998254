#!/usr/bin/env bash
# Installs what is missing, builds once and runs the whole test suite once.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/install-deps.sh
swift build --build-tests
swift test --skip-build
