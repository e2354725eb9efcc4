ALTER TABLE co_speakers DROP COLUMN invitations_sent;
DROP TABLE speaker_mailings;
ALTER TABLE outbox DROP COLUMN reply_to;
ALTER TABLE events DROP COLUMN contact_email;
