#!/usr/bin/env bash
# EXPLAIN (ANALYZE, BUFFERS) of the dashboard's search and column sorts (issue 14) on a seeded
# event of 5,000 proposals, like bench/explain.sh: seeds a throwaway database with
# `mcfp bench-seed`, VACUUM ANALYZEs it, prints each plan's scans and timings, drops it.
# Needs target/release/mcfp (or BENCH_MCFP_BIN; the plans do not depend on the build) and
# PostgreSQL on 127.0.0.1:5432 with user postgres. The SQL is copied from
# src/db/proposals/search.rs; when it changes there, change it here.
set -euo pipefail
cd "$(dirname "$0")/.."
MCFP=${BENCH_MCFP_BIN:-target/release/mcfp}
[ -x "$MCFP" ] || cargo build --release --locked --bin mcfp
DB=mcfp_h2_explain_$$
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB
trap 'psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1' EXIT
MCFP_BENCH_PASSWORD=explain-password RUST_LOG=warn "$MCFP" bench-seed --slug explain \
  --proposals 5000 --reviewers 40 --reviews-per-proposal 5 --accepted 500 --unreleased 1000 --idle-speakers 0 --publish >/dev/null
q() { psql -h 127.0.0.1 -U postgres -d "$DB" -X -q -v ON_ERROR_STOP=1 "$@"; }
q -c 'VACUUM ANALYZE'
EVENT=$(q -Atc "SELECT id FROM events WHERE slug = 'explain'")
explain() { printf '\n### %s\n\n```\n' "$1"; q -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) $2" | sed '/^$/d' | grep -E "Execution Time|Planning Time|Scan|Sort|Limit|Filter|Rows Removed" ; printf '```\n'; }
MATCH="(proposals.search_text @@ websearch_to_tsquery('english'::regconfig, 'Miri') OR proposals.search_text @@ to_tsquery('simple'::regconfig, '''miri'':*') OR proposals.submitter_id IN (SELECT u.id FROM users u WHERE to_tsvector('simple'::regconfig, u.name) @@ websearch_to_tsquery('simple'::regconfig, 'Miri') OR to_tsvector('simple'::regconfig, u.name) @@ to_tsquery('simple'::regconfig, '''miri'':*')) OR proposals.id IN (SELECT cs.proposal_id FROM co_speakers cs JOIN users cu ON cu.id = cs.user_id WHERE cs.accepted_at IS NOT NULL AND (to_tsvector('simple'::regconfig, cu.name) @@ websearch_to_tsquery('simple'::regconfig, 'Miri') OR to_tsvector('simple'::regconfig, cu.name) @@ to_tsquery('simple'::regconfig, '''miri'':*'))))"
echo "matches for Miri: $(q -Atc "SELECT count(*) FROM proposals WHERE event_id = '$EVENT' AND $MATCH")"
explain "q=Miri, first page oldest first (db::proposals::chair_list)" "SELECT id, title FROM proposals WHERE event_id = '$EVENT' AND $MATCH ORDER BY proposals.created_at ASC, proposals.id ASC LIMIT 51"
explain "q=Miri, ids only, for a sort over the ranking (db::proposals::search_matches)" "SELECT id FROM proposals WHERE event_id = '$EVENT' AND $MATCH"
explain "q=Ada (a first name: 'ada':* also matches Adam…), first page" "SELECT id FROM proposals WHERE event_id = '$EVENT' AND $(echo "$MATCH" | sed "s/Miri/Ada/g; s/miri/ada/g") ORDER BY proposals.created_at, proposals.id LIMIT 51"
explain "sort=title, first page" "SELECT id FROM proposals WHERE event_id = '$EVENT' ORDER BY lower(proposals.title) ASC, proposals.id ASC LIMIT 51"
explain "sort=title, a later page (keyset)" "SELECT id FROM proposals WHERE event_id = '$EVENT' AND (lower(proposals.title), proposals.id) > (lower('Porting'), '00000000-0000-0000-0000-000000000000') ORDER BY lower(proposals.title) ASC, proposals.id ASC LIMIT 51"
explain "sort=-confidence, first page" "SELECT id FROM proposals WHERE event_id = '$EVENT' ORDER BY proposals.auto_confidence DESC NULLS LAST, proposals.id DESC LIMIT 51"
