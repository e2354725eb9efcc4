#!/usr/bin/env bash
# The reviewer's queue API alone (issue 12): seeds a throwaway database with `mcfp bench-seed`
# (as bench/run.sh does), serves it, signs in as reviewer001 and times N sequential requests of
# the first page, then prints p50 and max. Usage: bench/queue_p50.sh [proposals] [requests]
# (defaults 5000 and 20; reviewers scale as bench/run.sh's: 40 for 5,000, 800 for 100,000).
# BENCH_SEE_ALL=1 lets reviewers review every proposal (`reviewers_see_all`) before timing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MCFP=${BENCH_MCFP_BIN:-$ROOT/target/release/mcfp}
PROPOSALS=${1:-5000}
N=${2:-20}
REVIEWERS=$(( PROPOSALS >= 100000 ? 800 : 40 ))
SLUG=bench-q$PROPOSALS
DB=mcfp_queue_$$
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB
export MCFP_BENCH_PASSWORD=bench-password-2026 RUST_LOG=warn
export MCFP_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
export MCFP_AUTH_RATE_PER_MINUTE=1000000 MCFP_SMTP_URL=smtp://127.0.0.1:9
SERVER=
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
  psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
"$MCFP" bench-seed --slug "$SLUG" --proposals "$PROPOSALS" --reviewers "$REVIEWERS" \
  --reviews-per-proposal 5 >/dev/null
if [ "${BENCH_SEE_ALL:-0}" = 1 ]; then
  psql -h 127.0.0.1 -U postgres -d "$DB" -qc "UPDATE events SET reviewers_see_all = true" >/dev/null
fi
MCFP_LISTEN=127.0.0.1:$PORT "$MCFP" serve >/dev/null 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
python3 - "$PORT" "$SLUG" "$N" "$SERVER" <<'PY'
import json, statistics, sys, time, urllib.request
port, slug, n, pid = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
base = f"http://127.0.0.1:{port}"
req = urllib.request.Request(f"{base}/api/v1/auth/login", method="POST",
    data=json.dumps({"email": f"reviewer001@{slug}.bench.test", "password": "bench-password-2026"}).encode(),
    headers={"Content-Type": "application/json"})
token = json.load(urllib.request.urlopen(req))["token"]
times, body = [], None
for _ in range(n):
    r = urllib.request.Request(f"{base}/api/v1/events/{slug}/review-queue",
                               headers={"Authorization": f"Bearer {token}"})
    t = time.perf_counter()
    body = json.load(urllib.request.urlopen(r, timeout=120))
    times.append(time.perf_counter() - t)
rss = next(l for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS")).split()[1]
print(f"{slug}: {n} sequential requests, p50 {statistics.median(times)*1000:.1f} ms, "
      f"max {max(times)*1000:.1f} ms, {len(body['items'])} items, next_cursor "
      f"{'set' if body['next_cursor'] else 'null'}, server RSS {int(rss)//1024} MB")
PY
