-- Auto-assignment on submission, its digest email, and review criteria.

ALTER TABLE events
    -- while reviewing is open, a new proposal is assigned reviewers on submission
    ADD COLUMN auto_assign boolean NOT NULL DEFAULT true,
    -- how many reviewers auto-assignment on submission gives a proposal
    ADD COLUMN reviewers_per_proposal smallint NOT NULL DEFAULT 3
        CHECK (reviewers_per_proposal BETWEEN 1 AND 20),
    -- the review's criteria: [{key, label, weight, position}]; empty: a single score
    ADD COLUMN review_criteria jsonb NOT NULL DEFAULT '[]'::jsonb
        CHECK (jsonb_typeof(review_criteria) = 'array' AND jsonb_array_length(review_criteria) <= 10);

-- NULL: made by auto-assignment on submission and not yet told to the reviewer in a digest.
-- Every other assignment (a chair's, a chair's automatic run, those before this migration) is
-- not announced by email: the default marks it as notified.
ALTER TABLE review_assignments ADD COLUMN notified_at timestamptz DEFAULT now();
CREATE INDEX review_assignments_pending ON review_assignments (reviewer_id) WHERE notified_at IS NULL;

-- When each reviewer was last sent a digest of new assignments: at most one per interval.
CREATE TABLE review_digests (
    reviewer_id  uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    last_sent_at timestamptz NOT NULL
);

-- A review of an event with criteria: the score of each criterion ({key: score}); `score` then
-- holds their weighted mean, rounded to the nearest whole number (halves up).
ALTER TABLE reviews ADD COLUMN criteria jsonb;
ALTER TABLE review_history ADD COLUMN criteria jsonb;
