#!/usr/bin/env bash
# CI: checks that the OpenAPI document tells the truth. Serves mcfp on a free port over a
# throwaway database (mcfp_schemathesis, seeded with the demo microconference), and runs
# schemathesis against GET /api/v1/openapi.json, signed in as the demo chair with a bearer API
# token: every response must have a documented status, content type, headers and body schema,
# and none may be a 5xx. Fails on any failure. Installs schemathesis itself (into
# target/schemathesis-venv) if missing; stops the server and drops the database however it exits.
#
# Needs PostgreSQL on 127.0.0.1:5432 (as .ci/run makes sure); DATABASE_URL, if set, names the
# server and credentials to use (its database name is replaced). About 2 minutes after the build.
# SCHEMATHESIS_MAX_EXAMPLES (default 100) bounds the test cases per operation; SCHEMATHESIS_ARGS
# adds options (e.g. `--report har --report-dir /tmp/st` to see every request and response).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SCHEMATHESIS_VERSION=4.32.5
VENV=$ROOT/target/schemathesis-venv
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-100}
CHAIR=chair@demo.mcfp.test
PASSWORD=demo-password-2026

log() { printf '\n== %s\n' "$*"; }

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
    log "installing Debian's python3-venv and curl"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv curl
  fi
  log "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi
"$VENV/bin/schemathesis" --version

log "building mcfp"
cargo build --locked --bin mcfp
MCFP=$ROOT/target/debug/mcfp

SERVER=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
SERVER=${SERVER%/*}
export DATABASE_URL=$SERVER/mcfp_schemathesis
WORK=$(mktemp -d)
export MCFP_SECRET_KEY=schemathesis-run-secret-key-0123456789abcdef
export MCFP_MAIL_SPOOL=$WORK/mail-spool
# Fuzzing sends thousands of logins and submissions: lift the rate limits so the operations
# are exercised rather than answered 429 (which is documented, and tested by the suite).
export MCFP_AUTH_RATE_PER_MINUTE=1000000
export MCFP_SUBMIT_RATE_PER_MINUTE=1000000
# every 4xx is a warning in the log; an error (a 500 among them) is what a failure needs shown
export RUST_LOG=${SCHEMATHESIS_RUST_LOG:-error}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export MCFP_LISTEN=127.0.0.1:$PORT
BASE=http://127.0.0.1:$PORT
SERVER_PID=

drop_database() {
  psql "$SERVER/postgres" -w -q -c 'DROP DATABASE IF EXISTS mcfp_schemathesis WITH (FORCE)' >/dev/null
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  drop_database || true
  if [ "$status" -ne 0 ] && [ -s "$WORK/server.log" ]; then
    echo "-- the server's log (last 40 lines):"
    tail -n 40 "$WORK/server.log"
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT INT TERM

log "seeding the throwaway database mcfp_schemathesis"
drop_database
"$MCFP" demo --reset --no-serve >/dev/null

log "serving on $BASE"
"$MCFP" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "mcfp serve exited" >&2; exit 1; }
  sleep 0.2
done
curl -fsS "$BASE/readyz" >/dev/null

# A session (from logging in), then a personal API token made with it: schemathesis sends the
# token with every request, so the chair's operations are exercised, not only their 401.
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
SESSION=$(curl -fsS -H 'Content-Type: application/json' \
  -d "{\"email\":\"$CHAIR\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/auth/login" | json_field token)
TOKEN=$(curl -fsS -H 'Content-Type: application/json' -H "Authorization: Bearer $SESSION" \
  -d '{"name":"schemathesis"}' "$BASE/api/v1/me/tokens" | json_field token)

# Fuzzed slugs and ids name nothing, so every operation would only ever answer 404: the path
# parameters are pinned to the demo's event and one of its proposals (bodies and queries are
# still generated, valid and invalid).
PROPOSAL_ID=$(curl -fsS -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/events/rust-mc/proposals?limit=1" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
cat >"$WORK/schemathesis.toml" <<EOF_TOML
[parameters]
"path.slug" = "rust-mc"
"path.kind" = "acceptance"

[[operations]]
include-path-regex = "^/api/v1/proposals/"
parameters = { "path.id" = "$PROPOSAL_ID" }
EOF_TOML

# Checks: all of them (not_a_server_error, status_code_conformance, content_type_conformance,
# response_headers_conformance, response_schema_conformance, negative_data_rejection,
# missing_required_header, unsupported_method, ignored_auth, the stateful ones...) but
# - positive_data_acceptance: schema-valid input that the domain refuses (a title of spaces, a
#   closed CfP, the chair confirming a speaker's proposal, an unknown email) is rightly a
#   403/404/409/422, not a 2xx.
# Two operations are left out because they would revoke the very token the run uses: logout,
# and revoking an API token (schemathesis learns the token's id from GET /me/tokens); the suite
# tests both (tests/api/tokens.rs, accounts.rs).
log "schemathesis $SCHEMATHESIS_VERSION: at most $MAX_EXAMPLES cases per operation"
start=$(date +%s)
# from the scratch folder: schemathesis keeps a cache (.schemathesis/) in its working directory
(cd "$WORK" && "$VENV/bin/schemathesis" --config-file "$WORK/schemathesis.toml" run "$BASE/api/v1/openapi.json" \
  --checks all \
  --exclude-checks positive_data_acceptance \
  --exclude-operation-id logout \
  --exclude-operation-id revoke_token \
  --header "Authorization: Bearer $TOKEN" \
  --max-examples "$MAX_EXAMPLES" \
  --seed "${SCHEMATHESIS_SEED:-2026}" \
  --workers 2 \
  --request-timeout 30 \
  --no-color \
  --suppress-health-check all \
  --generation-database none \
  --generation-with-security-parameters false \
  ${SCHEMATHESIS_ARGS:-})
echo "schemathesis took $(($(date +%s) - start)) s"
