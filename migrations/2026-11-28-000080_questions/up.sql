-- The chairs' own questions on the submission form, in order. A question removed from the form
-- moves to `retired_questions`, so the answers already given stay readable with their label.
ALTER TABLE events
    ADD COLUMN questions         jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN retired_questions jsonb NOT NULL DEFAULT '[]';

-- Answers by question key. Changing a question never rewrites them.
ALTER TABLE proposals ADD COLUMN answers jsonb NOT NULL DEFAULT '{}';
ALTER TABLE proposal_drafts ADD COLUMN answers jsonb NOT NULL DEFAULT '{}';
