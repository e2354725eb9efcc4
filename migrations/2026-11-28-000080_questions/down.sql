ALTER TABLE proposal_drafts DROP COLUMN answers;
ALTER TABLE proposals DROP COLUMN answers;
ALTER TABLE events DROP COLUMN questions, DROP COLUMN retired_questions;
