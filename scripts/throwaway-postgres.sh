# Sourced by the PostgreSQL benchmarks: starts a throwaway cluster (Debian's postgresql, a Unix socket in a
# temporary directory `$work`, as `nobody` when run as root), creates the database `verity` and sets `$db` to its
# URL. Arguments are passed to `postgres` (e.g. `-c max_connections=200`). Processes whose ids the caller adds to
# `pids` are killed on exit; then the cluster is stopped and `$work` removed.
#     source scripts/throwaway-postgres.sh [POSTGRES ARGS...]
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "${pg:-}" ] && kill -INT "$pg" 2>/dev/null; then wait "$pg" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
as_pg=()
if [ "$(id -u)" = 0 ]; then chown nobody:nogroup "$work"; as_pg=(setpriv --reuid=nobody --regid=nogroup --clear-groups); fi
"${as_pg[@]}" "$bin/initdb" -D "$work/pg" -U verity --auth=trust -E UTF8 --locale=C >/dev/null
"${as_pg[@]}" "$bin/postgres" -D "$work/pg" -k "$work" -c listen_addresses= "$@" >"$work/pg.log" 2>&1 &
pg=$!
until "$bin/pg_isready" -q -h "$work" -U verity -d postgres; do sleep 0.1; done
"$bin/createdb" -h "$work" -U verity verity
db="postgres://verity@$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$work")/verity"
