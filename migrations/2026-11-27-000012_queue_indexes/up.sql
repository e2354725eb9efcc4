-- The reviewer's queue reads a reviewer's assignments and reviews by (reviewer, proposal):
-- composite indexes answer it from the index alone and replace the reviewer-only ones.
CREATE INDEX review_assignments_reviewer_proposal ON review_assignments (reviewer_id, proposal_id);
DROP INDEX review_assignments_reviewer;
CREATE INDEX reviews_reviewer_proposal ON reviews (reviewer_id, proposal_id) INCLUDE (score);
DROP INDEX reviews_reviewer;
