DROP TRIGGER subtopics_bump_public_version ON subtopics;
DROP FUNCTION bump_public_version_of_subtopic();
DROP TRIGGER tracks_bump_public_version ON tracks;
DROP FUNCTION bump_public_version_of_track();
DROP TRIGGER users_bump_public_version ON users;
DROP FUNCTION bump_public_version_of_speaker();
DROP TRIGGER proposals_bump_public_version ON proposals;
DROP FUNCTION bump_public_version_of_proposal();
ALTER TABLE events DROP COLUMN public_version;
