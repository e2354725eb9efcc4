DROP TABLE idempotency_keys;
DROP TABLE proposal_revisions;
DROP TABLE co_speakers;
DROP TABLE proposals;
ALTER TABLE events DROP COLUMN formats, DROP COLUMN max_co_speakers, DROP COLUMN max_proposals_per_speaker;
