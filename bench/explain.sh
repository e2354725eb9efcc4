#!/usr/bin/env bash
# EXPLAIN (ANALYZE, BUFFERS) of the hot queries of issue 12 on a seeded event:
#
#   bench/explain.sh [PROPOSALS]        (default 5000; 100000 for the large event)
#
# Seeds a throwaway database mcfp_explain_<pid> with `mcfp bench-seed` (the same event shape as
# bench/run.sh), VACUUM ANALYZEs it, prints each query's plan with its timing and buffers, and
# drops the database. Needs target/release/mcfp (or BENCH_MCFP_BIN) and PostgreSQL on
# 127.0.0.1:5432 with user postgres. The SQL is copied from src/db (named above each query);
# when it changes there, change it here.
set -euo pipefail
cd "$(dirname "$0")/.."
PROPOSALS=${1:-5000}
[[ "$PROPOSALS" =~ ^[0-9]+$ ]] || { echo "usage: bench/explain.sh [PROPOSALS]" >&2; exit 2; }
MCFP=${BENCH_MCFP_BIN:-target/release/mcfp}
[ -x "$MCFP" ] || cargo build --release --locked --bin mcfp
DB=mcfp_explain_$$
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB
trap 'psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1' EXIT
REVIEWERS=$(( PROPOSALS / 125 > 40 ? PROPOSALS / 125 : 40 ))
MCFP_BENCH_PASSWORD=explain-password RUST_LOG=warn "$MCFP" bench-seed --slug explain \
  --proposals "$PROPOSALS" --reviewers "$REVIEWERS" --reviews-per-proposal 5 \
  --accepted $(( PROPOSALS / 10 )) --unreleased $(( PROPOSALS / 5 )) --idle-speakers 0 --publish >/dev/null
q() { psql -h 127.0.0.1 -U postgres -d "$DB" -X -q -v ON_ERROR_STOP=1 "$@"; }
q -c 'VACUUM ANALYZE'
EVENT=$(q -Atc "SELECT id FROM events WHERE slug = 'explain'")
REVIEWER=$(q -Atc "SELECT id FROM users WHERE email = 'reviewer001@explain.bench.test'")
explain() {
  printf '\n### %s\n\n```\n' "$1"
  q -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) $2" | sed '/^$/d'
  printf '```\n'
}
echo "# EXPLAIN (ANALYZE, BUFFERS) at $PROPOSALS proposals ($(q -Atc 'SELECT count(*) FROM reviews') reviews)"

explain "accepted list: the cache's version check (db::decisions::fingerprint), per request" \
  "SELECT id AS event_id, published_at, concat_ws('/', updated_at, public_version) AS version
   FROM events WHERE slug = 'explain'"

explain "ranking and dashboard: the cache key (db::ranking::ranking_key), per request" \
  "SELECT e.review_version AS version,
     (SELECT count(*) FROM proposals p WHERE p.event_id = e.id) AS proposals
   FROM events e WHERE e.id = '$EVENT'"

explain "dashboard and proposal list: the first page of 50 (db::proposals::list, keyset)" \
  "SELECT id, title, state FROM proposals WHERE event_id = '$EVENT'
   ORDER BY created_at, id LIMIT 51"

explain "ranking page: titles of the page's 50 ids (db::ranking::titles_of)" \
  "SELECT id, title FROM proposals WHERE id = ANY(ARRAY(
     SELECT id FROM proposals WHERE event_id = '$EVENT' ORDER BY id LIMIT 50))"

COMMON="p.event_id = '$EVENT' AND p.state <> 'withdrawn'"
COLUMNS="p.id, p.title, COALESCE(p.chair_track, p.speaker_track, p.auto_track) AS track, p.format, p.created_at"
REVIEWED="EXISTS (SELECT 1 FROM reviews r WHERE r.proposal_id = p.id AND r.reviewer_id = '$REVIEWER')"
explain "reviewer's queue: first page, pending assigned segment (db::reviews::queue_candidates)" \
  "SELECT * FROM (
     (SELECT 0 AS segment, $COLUMNS, NULL::int2 AS my_score
      FROM (SELECT a0.proposal_id FROM review_assignments a0
            WHERE a0.reviewer_id = '$REVIEWER' AND NOT EXISTS (SELECT 1 FROM reviews r
                  WHERE r.proposal_id = a0.proposal_id AND r.reviewer_id = '$REVIEWER')
            OFFSET 0) pending
      JOIN proposals p ON p.id = pending.proposal_id
      WHERE $COMMON
      ORDER BY p.created_at, p.id LIMIT 58)
     UNION ALL
     (SELECT 2 AS segment, $COLUMNS, r2.score AS my_score
      FROM review_assignments a2 JOIN proposals p ON p.id = a2.proposal_id
      JOIN reviews r2 ON r2.proposal_id = p.id AND r2.reviewer_id = '$REVIEWER'
      WHERE a2.reviewer_id = '$REVIEWER' AND $COMMON
      ORDER BY p.created_at, p.id LIMIT 58)
   ) q ORDER BY segment, created_at, id LIMIT 58"

explain "dashboard: decisions waiting for release (decisions::release_summary, one GROUP BY)" \
  "SELECT decision, released_decision, count(*) FROM proposals
   WHERE event_id = '$EVENT' AND state <> 'withdrawn' AND decision IS NOT NULL GROUP BY 1, 2"

explain "dashboard: accepted talks per track and format (db::ranking::accepted_per_track_and_format)" \
  "SELECT COALESCE(p.chair_track, p.speaker_track, p.auto_track) AS track, p.format, count(*)
   FROM proposals p WHERE p.event_id = '$EVENT' AND p.decision = 'accept'
     AND p.state NOT IN ('withdrawn', 'declined') GROUP BY 1, 2 ORDER BY 1, 2"

explain "ranking cache miss: the reviews it reads (db::ranking::reviews_of_event, slim)" \
  "SELECT r.proposal_id, r.reviewer_id, r.score, r.confidence FROM reviews r
   JOIN proposals p ON p.id = r.proposal_id WHERE p.event_id = '$EVENT'"
