ALTER TABLE outbox DROP COLUMN last_error_at;
DROP TABLE outbox_history;
