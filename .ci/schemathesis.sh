#!/usr/bin/env bash
# CI: checks that the OpenAPI document tells the truth. Serves mcfp on a free port over a
# throwaway database (mcfp_schemathesis, seeded with the demo microconference), and runs
# schemathesis against GET /api/v1/openapi.json twice: signed in as the demo chair with a bearer
# API token, then anonymously. Every check is on: each response must have a documented status,
# content type, headers and body schema, none may be a 5xx, schema-invalid input must be refused,
# and schema-valid input accepted, or refused only as the config below allows (401, 403, 404,
# 409, and per operation a 412 or 422 for a rule no schema can state, named there). Fails on any
# failure. Installs schemathesis itself (into target/schemathesis-venv) if missing; stops the
# server and drops the database however it exits.
#
# Needs PostgreSQL on 127.0.0.1:5432 (as .ci/run makes sure); DATABASE_URL, if set, names the
# server and credentials to use (its database name is replaced). About 3 minutes after the build.
# SCHEMATHESIS_MAX_EXAMPLES (default 100) and SCHEMATHESIS_ANONYMOUS_EXAMPLES (default 20) bound
# the test cases per operation of each pass; SCHEMATHESIS_SEED (default 2026) seeds them;
# SCHEMATHESIS_ARGS adds options (e.g. `--report har --report-dir /tmp/st` to see every request
# and response, `--continue-on-failure`); SCHEMATHESIS_SERVER_LOG names a file to keep the
# server's log in.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SCHEMATHESIS_VERSION=4.32.5
VENV=$ROOT/target/schemathesis-venv
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-100}
ANONYMOUS_EXAMPLES=${SCHEMATHESIS_ANONYMOUS_EXAMPLES:-20}
CHAIR=chair@demo.mcfp.test
ADMIN=admin@demo.mcfp.test
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
# CPython 3.11's ast.parse is not thread-safe (python/cpython#106905: "AST constructor recursion
# depth mismatch"), and hypothesis parses its lambdas' source from both workers: one at a time.
SITE_PACKAGES=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
cat >"$SITE_PACKAGES/mcfp_ast_lock.py" <<'EOF_PY'
import ast
import threading

_lock = threading.Lock()
_parse = ast.parse


def _parse_one_at_a_time(*args, **kwargs):
    with _lock:
        return _parse(*args, **kwargs)


ast.parse = _parse_one_at_a_time
EOF_PY
echo "import mcfp_ast_lock" >"$SITE_PACKAGES/mcfp_ast_lock.pth"
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
  if [ -n "${SCHEMATHESIS_SERVER_LOG:-}" ] && [ -f "$WORK/server.log" ]; then
    cp "$WORK/server.log" "$SCHEMATHESIS_SERVER_LOG"
  fi
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
api() { curl -fsS -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$@"; }
api "$BASE/api/v1/events/rust-mc" >"$WORK/event.json"
api "$BASE/api/v1/events/rust-mc/proposals?limit=1" >"$WORK/proposals.json"
api "$BASE/api/v1/events/rust-mc/reviewers" >"$WORK/reviewers.json"
# PATCH /proposals/{id} is a speaker's: it edits one the chair submitted, so that its body is
# parsed rather than refused for not being the caller's.
api -d '{"title":"A proposal schemathesis edits","format":"talk","answers":{"kind_of":"Talk"},
  "abstract":"Submitted by the chair so that PATCH /proposals/{id} has a proposal of its own to edit."}' \
  "$BASE/api/v1/events/rust-mc/proposals" >"$WORK/own.json"
# PATCH /events/{slug} really reconfigures the event it is given (formats, tracks, dates): it gets
# one of its own, made by the demo's admin with the chair as its chair, so that the demo event's
# formats and tracks stay what the dictionaries below say.
ADMIN_SESSION=$(curl -fsS -H 'Content-Type: application/json' \
  -d "{\"email\":\"$ADMIN\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/auth/login" | json_field token)
admin() { curl -fsS -H "Authorization: Bearer $ADMIN_SESSION" -H 'Content-Type: application/json' "$@" >/dev/null; }
admin -d '{"slug":"schemathesis-scratch","title":"Reconfigured by schemathesis","time_zone":"UTC",
  "cfp_opens_at":"2026-01-01T00:00:00Z","cfp_closes_at":"2036-01-01T00:00:00Z"}' "$BASE/api/v1/events"
admin -X PUT -d "{\"email\":\"$CHAIR\",\"role\":\"chair\"}" "$BASE/api/v1/events/schemathesis-scratch/members"

python3 - "$WORK" >"$WORK/schemathesis.toml" <<'EOF_PY'
import json, sys
work = sys.argv[1]
load = lambda name: json.load(open(f"{work}/{name}.json"))
event, proposals, reviewers, own = load("event"), load("proposals"), load("reviewers"), load("own")
values = lambda items: "[" + ", ".join(json.dumps(v) for v in items) + "]"
print(f"""
# What no schema can name because the server holds it (the demo event's formats, tracks and
# subtopics, its reviewers and proposals, the cursors it handed out): positive cases draw these
# fields from here in the fuzzing and stateful phases; negative ones are generated as ever.
[dictionaries]
formats = {{ values = {values(f["key"] for f in event["formats"])} }}
tracks = {{ values = {values([t["key"] for t in event["tracks"]] + [""])} }}
subtopics = {{ values = {values(s["key"] for t in event["tracks"] for s in t["subtopics"])} }}
reviewers = {{ values = {values(r["id"] for r in reviewers["items"])} }}
proposals = {{ values = {values(p["id"] for p in proposals["items"])} }}
cursors = {{ values = [""] }}

[parameters]
"path.slug" = "rust-mc"
"body.format" = {{ dictionary = "formats" }}
"body.track" = {{ dictionary = "tracks" }}
"body.subtopics[*]" = {{ dictionary = "subtopics" }}
"body.reviewer_id" = {{ dictionary = "reviewers" }}
"body.reviewer_ids[*]" = {{ dictionary = "reviewers" }}
"body.proposal_id" = {{ dictionary = "proposals" }}
"body.proposal_ids[*]" = {{ dictionary = "proposals" }}
"query.cursor" = {{ dictionary = "cursors" }}

# Schema-valid input must be taken (2xx), or refused for what the caller may not do (401, 403),
# what does not exist (404) or the state things are in (409: a withdrawn proposal, a CfP
# limit, a scale that reviews pin). Never a 400, 422 or 5xx but where an operation says why.
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409"]

# The coverage phase draws no value from the dictionaries: its positive cases for the
# operations whose body names what the server holds would name nothing (a format "0"), so it
# sends them only negative cases.
[[operations]]
include-operation-id = ["create", "patch", "put_member", "put_track", "bulk_decide",
  "put_assignments", "put_conflict", "remind", "preview_template"]
phases.coverage.generation.mode = "negative"

# (the first [[operations]] that sets `parameters` decides them all for an operation)
[[operations]]
include-operation-id = "patch"
parameters = {{ "path.id" = "{own["id"]}" }}
# If-Match names a version: an older one is a 412 (RFC 9110), which no schema can foresee.
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "412"]

[[operations]]
include-path-regex = "^/api/v1/proposals/"
parameters = {{ "path.id" = "{proposals["items"][0]["id"]}" }}

[[operations]]
include-operation-id = "patch_event"
parameters = {{ "path.slug" = "schemathesis-scratch" }}

[[operations]]
include-operation-id = "delete_member"
# responses name invited members' user_id null: not a path to fuzz with
phases.coverage.extra-data-sources.responses = false
phases.fuzzing.extra-data-sources.responses = false
phases.examples.extra-data-sources.responses = false

[[operations]]
include-operation-id = "put_member"
parameters = {{ "path.slug" = "rust-mc", "body.tracks[*]" = {{ dictionary = "tracks" }} }}

# 422s for rules no JSON Schema states, each named:
[[operations]]
include-operation-id = "put_programme"
# a talk not of the event or not accepted/confirmed, a talk placed twice, a block whose items
# overflow its end, a block ending before it starts, a talk whose format has no minutes
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

[[operations]]
include-operation-id = "patch_event"
# cfp_closes_at after cfp_opens_at and review_closes_at after review_opens_at (sent or the
# event's), score_min below score_max, no track key twice nor a subtopic key twice in a track
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

[[operations]]
include-operation-id = ["password_reset_confirm", "accept_invitation", "accept_member_invitation"]
# the token must be one this service mailed out, unused and unexpired
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

[[operations]]
include-operation-id = "create"
# an Idempotency-Key sent again with another body (draft-ietf-httpapi-idempotency-key-header):
# fuzzing repeats short keys. The body's fields are held to the schema by PATCH /proposals/{id},
# which parses them the same way (proposals::fields).
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

[[operations]]
include-operation-id = "put_track"
# subtopics must be the chosen track's, and need one
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

[[operations]]
include-operation-id = "bulk_decide"
# proposal_ids or track: exactly one of the two
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

[[operations]]
include-operation-id = "put_assignments"
# a reviewer conflicted with the proposal, or restricted to another track than its own
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

[[operations]]
include-operation-id = "list"
# answer=<key>:<option> must name one of the event's choice questions and one of its options
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

[[operations]]
include-path-regex = "^/api/v1/events/[^/]+/emails"
# a mailing must name a state, track or proposal, reach at least one speaker (who holds the
# states chosen is the event's business), and use only the known placeholders
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

[[operations]]
include-operation-id = "put_questions"
# a question's formats must be the event's, and a choice's options given (2 to 50, once each)
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

[[operations]]
include-operation-id = ["put_template", "preview_template"]
# a template's placeholders must be known and its sections closed in order; a preview sends
# subject and body together or neither
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]
""")
EOF_PY

# Checks: all of them (not_a_server_error, status_code_conformance, content_type_conformance,
# response_headers_conformance, response_schema_conformance, positive_data_acceptance,
# negative_data_rejection, missing_required_header, unsupported_method, ignored_auth, the
# stateful ones...), in two passes over one server and database:
# - as the chair, with the API token: every operation but two that would revoke the very token
#   the pass uses, logout and revoking an API token (schemathesis learns the token's id from
#   GET /me/tokens); the suite tests both (tests/api/tokens.rs, accounts.rs);
# - neither pass sends PUT /me/photo: its body is an image (PNG, JPEG, WebP), which schemathesis
#   cannot generate; tests/api/photos.rs sends it images, hostile ones included;
# - anonymously, fewer cases: every operation, the public ones doing their work and every other
#   one answering its documented 401 (problem+json, WWW-Authenticate: Bearer).
schemathesis_pass() {
  local examples=$1
  shift
  # from the scratch folder: schemathesis keeps a cache (.schemathesis/) in its working directory
  (cd "$WORK" && "$VENV/bin/schemathesis" --config-file "$WORK/schemathesis.toml" run "$BASE/api/v1/openapi.json" \
    --checks all \
    --max-examples "$examples" \
    --seed "${SCHEMATHESIS_SEED:-2026}" \
    --workers 2 \
    --request-timeout 30 \
    --no-color \
    --suppress-health-check all \
    --generation-database none \
    --generation-with-security-parameters false \
    "$@" \
    ${SCHEMATHESIS_ARGS:-})
}

start=$(date +%s)
log "schemathesis $SCHEMATHESIS_VERSION as the chair: at most $MAX_EXAMPLES cases per operation"
schemathesis_pass "$MAX_EXAMPLES" \
  --exclude-operation-id put_photo \
  --exclude-operation-id logout \
  --exclude-operation-id revoke_token \
  --header "Authorization: Bearer $TOKEN"
log "schemathesis $SCHEMATHESIS_VERSION anonymously: at most $ANONYMOUS_EXAMPLES cases per operation"
schemathesis_pass "$ANONYMOUS_EXAMPLES" --exclude-operation-id put_photo
echo "schemathesis took $(($(date +%s) - start)) s"
