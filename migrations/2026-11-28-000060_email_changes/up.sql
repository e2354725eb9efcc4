-- A requested change of an account's email: confirmed by a link sent to the new address. The
-- token is stored hashed; the link expires and works once.
CREATE TABLE email_changes (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    new_email  text NOT NULL,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

CREATE INDEX email_changes_user ON email_changes (user_id);
