CREATE INDEX reviews_reviewer ON reviews (reviewer_id);
DROP INDEX reviews_reviewer_proposal;
CREATE INDEX review_assignments_reviewer ON review_assignments (reviewer_id);
DROP INDEX review_assignments_reviewer_proposal;
