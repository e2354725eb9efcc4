#!/usr/bin/env bash
# The performance benchmark (issue 12), one command from a fresh clone:
#
#   bench/run.sh [--large] [--duration S] [--warmup S] [--connections N] [--threads N]
#                [--output FILE] [--only REGEX]
#
# Installs what it needs (wrk, pgbench, psql from Debian; aiosmtpd into bench/.venv from PyPI),
# builds target/release/mcfp, creates a throwaway database mcfp_bench_<pid> on the PostgreSQL at
# 127.0.0.1:5432 (user postgres), seeds it through the database layer (`mcfp bench-seed`: an
# event of 5,000 proposals; with --large also one of 100,000), starts the SMTP sink,
# `mcfp serve` (its outbox worker sending to the sink) and `mcfp bench-hello` (the hello-world,
# 1 SELECT and 1 INSERT references), then measures every scenario next to its limit
# (bench/scenarios.py), prints the table and writes it to bench/RESULTS.md. On exit, however
# it exits, it stops what it started and drops the database.
#
# --only REGEX runs only the scenarios whose name matches (and the limits they are compared
# with), e.g. --only 'ranking|dashboard'; the table is then partial: write it elsewhere (--output).
# Defaults: 64 connections, 3 s warm-up + 10 s per scenario; about 5 minutes after the build.
# BENCH_MCFP_BIN=path uses that binary instead of building (to try the script; not for figures);
# BENCH_RUST_LOG sets the servers' RUST_LOG (default warn, so request logs cost nothing).
# Every load loop is bounded in time and only ever targets 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

LARGE=0
DURATION=10
WARMUP=3
CONNECTIONS=64
THREADS=$(nproc)
OUTPUT=bench/RESULTS.md
ONLY=
PASSWORD=bench-password-2026
IDLE_SPEAKERS=256
ARGS="$*"

usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --large) LARGE=1 ;;
    --duration) DURATION=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --connections) CONNECTIONS=$2; shift ;;
    --threads) THREADS=$2; shift ;;
    --output) OUTPUT=$2; shift ;;
    --only) ONLY=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
for n in "$DURATION" "$WARMUP" "$CONNECTIONS" "$THREADS"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "bench/run.sh: $n is not a whole number" >&2; exit 2; }
done
[ "$DURATION" -ge 1 ] && [ "$DURATION" -le 600 ] || { echo "--duration must be 1..600 s" >&2; exit 2; }

log() { printf '\n== %s\n' "$*" >&2; }

# ---------------------------------------------------------------- tools
install_tools() {
  local missing=()
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  # Debian's pgbench is a wrapper (postgresql-client-common) around the server package's binary
  pgbench --version >/dev/null 2>&1 || missing+=(postgresql-contrib)
  command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} (Debian)"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  fi
  if ! bench/.venv/bin/python -c 'import aiosmtpd' >/dev/null 2>&1; then
    log "installing the SMTP sink (aiosmtpd) into bench/.venv"
    python3 -m venv bench/.venv
    bench/.venv/bin/pip install -q 'aiosmtpd==1.4.6'
  fi
}

ensure_postgres() {
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    log "nothing answers on 127.0.0.1:5432: installing and starting Debian's PostgreSQL"
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
      apt-get update -q
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
    fi
    for version in $(ls /etc/postgresql 2>/dev/null); do
      pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
  psql -h 127.0.0.1 -U postgres -d postgres -w -Atqc 'select 1' >/dev/null ||
    { echo "bench/run.sh: PostgreSQL at 127.0.0.1:5432 does not let user postgres in without a password" >&2; exit 1; }
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

install_tools
ensure_postgres

if [ -n "${BENCH_MCFP_BIN:-}" ]; then
  # for trying the script itself quickly (e.g. with target/debug/mcfp); figures are not comparable
  MCFP=$(realpath "$BENCH_MCFP_BIN")
  log "using $MCFP (BENCH_MCFP_BIN), not a fresh release build"
else
  log "building target/release/mcfp"
  cargo build --release --locked --bin mcfp
  MCFP=$ROOT/target/release/mcfp
fi

# ---------------------------------------------------------------- the run
DB=mcfp_bench_$$
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB
WORK=$ROOT/bench/out/run-$$
mkdir -p "$WORK"
PIDS=()

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 ||
    echo "bench/run.sh: could not drop $DB" >&2
  [ "$status" -eq 0 ] || echo "bench/run.sh: failed (exit $status); logs in $WORK" >&2
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "seeding $DB through the database layer"
export MCFP_BENCH_PASSWORD=$PASSWORD
export RUST_LOG=${BENCH_RUST_LOG:-warn}
SEED_REPORTS=(--seed-report "$WORK/seed-bench-5k.json")
SLUGS=bench-5k
start=$(date +%s.%N)
"$MCFP" bench-seed --slug bench-5k --proposals 5000 --reviewers 40 --reviews-per-proposal 5 \
  --accepted 500 --unreleased 1000 --idle-speakers "$IDLE_SPEAKERS" --publish >"$WORK/seed-bench-5k.json"
echo "bench-5k seeded in $(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')") s: $(cat "$WORK/seed-bench-5k.json")" >&2
if [ "$LARGE" = 1 ]; then
  start=$(date +%s.%N)
  "$MCFP" bench-seed --slug bench-100k --proposals 100000 --reviewers 800 --reviews-per-proposal 5 \
    --accepted 500 --publish >"$WORK/seed-bench-100k.json"
  echo "bench-100k seeded in $(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')") s" >&2
  SEED_REPORTS+=(--seed-report "$WORK/seed-bench-100k.json")
  SLUGS=bench-5k,bench-100k
fi

SINK_PORT=$(free_port)
SINK_STATUS_PORT=$(free_port)
MCFP_PORT=$(free_port)
HELLO_PORT=$(free_port)

# A bulk load leaves the visibility map unset: index-only scans would read the heap, and
# autovacuum would start on the new tables in the middle of the scenarios. Vacuum now, as
# autovacuum keeps a live database.
log "VACUUM ANALYZE $DB"
start=$(date +%s.%N)
psql -h 127.0.0.1 -U postgres -d "$DB" -qc 'VACUUM ANALYZE'
echo "vacuumed in $(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')") s" >&2

log "starting the SMTP sink, mcfp serve and mcfp bench-hello"
bench/.venv/bin/python bench/smtp_sink.py --port "$SINK_PORT" --status-port "$SINK_STATUS_PORT" \
  >"$WORK/sink.log" 2>&1 &
PIDS+=($!)

export MCFP_SMTP_URL=smtp://127.0.0.1:$SINK_PORT
export MCFP_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
export MCFP_AUTH_RATE_PER_MINUTE=1000000
export MCFP_SUBMIT_RATE_PER_MINUTE=1000000
export MCFP_MAIL_FROM='mcfp bench <cfp@bench.test>'
(cd "$WORK" && MCFP_LISTEN=127.0.0.1:$MCFP_PORT exec "$MCFP" serve >"$WORK/mcfp.log" 2>&1) &
PIDS+=($!)
MCFP_PID=$!
(cd "$WORK" && exec "$MCFP" bench-hello --listen "127.0.0.1:$HELLO_PORT" --slug bench-5k \
  >"$WORK/hello.log" 2>&1) &
PIDS+=($!)
HELLO_PID=$!

python3 bench/scenarios.py \
  --db "$DB" --mcfp-bin "$MCFP" \
  --mcfp-port "$MCFP_PORT" --mcfp-pid "$MCFP_PID" \
  --hello-port "$HELLO_PORT" --hello-pid "$HELLO_PID" \
  --sink-port "$SINK_PORT" --sink-status-port "$SINK_STATUS_PORT" \
  --slugs "$SLUGS" --idle-speakers "$IDLE_SPEAKERS" --password "$PASSWORD" \
  --duration "$DURATION" --warmup "$WARMUP" --connections "$CONNECTIONS" --threads "$THREADS" \
  "${SEED_REPORTS[@]}" --workdir "$WORK" --output "$OUTPUT" \
  --only "$ONLY" --command "bench/run.sh${ARGS:+ $ARGS}"
