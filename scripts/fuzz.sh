#!/usr/bin/env bash
# Runs the property tests (proptest) far longer than the test suite does: PROPTEST_CASES cases per property
# (default 20000), each crate's run cut off after FUZZ_SECONDS (default 600). What fails is written by proptest to
# `proptest-regressions/` beside the test (commit it: the suite replays every case kept there) and printed here.
# Record runs and findings in docs/FUZZING.md.
set -uo pipefail
cd "$(dirname "$0")/.."
cases=${PROPTEST_CASES:-20000}
seconds=${FUZZ_SECONDS:-600}
status=0
for crate in verity-ingest verity-pipeline verity-web verity-text verity-store verity-triage; do
  echo "== $crate: $cases cases a property, at most $seconds s"
  started=$(date +%s)
  PROPTEST_CASES=$cases timeout "$seconds" cargo test --locked -q -p "$crate" --test properties -- --test-threads 2
  code=$?
  echo "== $crate: exit $code after $(( $(date +%s) - started )) s"
  [ "$code" -eq 0 ] || status=1
done
exit $status
