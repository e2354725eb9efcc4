-- Delivery claims outbox rows with a lease instead of a row lock held through the SMTP
-- conversation: a worker sets lease_until and its lease_token in one short statement, sends
-- outside any transaction, and records the outcome only while the row still carries its token.
-- A row whose lease has run out (its worker died) is claimable again and goes out once more
-- with the same Message-ID: delivery is at least once.
ALTER TABLE outbox
    ADD COLUMN lease_until timestamptz,
    ADD COLUMN lease_token uuid;
