#!/usr/bin/env bash
# Builds Verity, ingests the sample newsroom archive into ./demo-data, and checks a question against it.
# Usage: scripts/demo.sh ["QUESTION"]
set -euo pipefail
cd "$(dirname "$0")/.."
question=${1:-"Did Minister Okafor hand over protected informants to get access to a prison in Norland?"}
cargo build --release --locked -p verity-cli
export VERITY_DATA_DIR=${VERITY_DATA_DIR:-./demo-data}
./target/release/verity ingest examples/newsroom
./target/release/verity check --no-web "$question"
