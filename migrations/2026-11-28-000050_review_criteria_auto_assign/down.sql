ALTER TABLE review_history DROP COLUMN criteria;
ALTER TABLE reviews DROP COLUMN criteria;
DROP TABLE review_digests;
DROP INDEX review_assignments_pending;
ALTER TABLE review_assignments DROP COLUMN notified_at;
ALTER TABLE events
    DROP COLUMN review_criteria,
    DROP COLUMN reviewers_per_proposal,
    DROP COLUMN auto_assign;
