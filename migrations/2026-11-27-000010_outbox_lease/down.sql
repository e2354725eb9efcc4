ALTER TABLE outbox
    DROP COLUMN lease_token,
    DROP COLUMN lease_until;
