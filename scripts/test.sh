#!/usr/bin/env bash
# The test command (README, CI): builds the tests, installs the test model from PyPI when missing, runs every test,
# then the site in a real browser (scripts/browser-test.sh: Debian's chromium, Java, Node.js).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --locked --no-run
scripts/fetch-test-model.sh
cargo test --workspace --locked "$@"
scripts/browser-test.sh
