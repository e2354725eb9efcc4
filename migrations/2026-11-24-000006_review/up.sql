-- Review: the review phase and its options, assignments, conflicts of interest, reviews and
-- their history.

ALTER TABLE events
    -- reviewing is open from review_opens_at (NULL: not opened yet) until review_closes_at
    -- (NULL: until a chair closes it)
    ADD COLUMN review_opens_at timestamptz,
    ADD COLUMN review_closes_at timestamptz,
    -- reviewers may review any proposal they are not conflicted with, not only assigned ones
    ADD COLUMN reviewers_see_all boolean NOT NULL DEFAULT false,
    -- a reviewer sharing a speaker's email domain (public mail providers excepted) is conflicted
    ADD COLUMN conflict_same_domain boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT review_phase_order
        CHECK (review_opens_at IS NULL OR review_closes_at IS NULL OR review_opens_at < review_closes_at);

CREATE TABLE review_assignments (
    proposal_id uuid NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    reviewer_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- 'manual': a chair chose; 'auto': the balancer did
    source      text NOT NULL CHECK (source IN ('manual', 'auto')),
    assigned_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (proposal_id, reviewer_id)
);
CREATE INDEX review_assignments_reviewer ON review_assignments (reviewer_id);

-- Conflicts declared by a reviewer or set by a chair. Speakers' own conflicts and email-domain
-- conflicts are computed, not stored; conflicted = false is a chair clearing a domain conflict.
CREATE TABLE review_conflicts (
    proposal_id uuid NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    reviewer_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conflicted  boolean NOT NULL,
    -- who said so last: 'reviewer' (for themselves) or 'chair'
    source      text NOT NULL CHECK (source IN ('reviewer', 'chair')),
    set_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (proposal_id, reviewer_id)
);
CREATE INDEX review_conflicts_reviewer ON review_conflicts (reviewer_id);

-- One review per reviewer and proposal. Reviews outlive their author's membership: a removed
-- reviewer's reviews stay and are shown as a former reviewer's.
CREATE TABLE reviews (
    id                   uuid PRIMARY KEY,
    proposal_id          uuid NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    reviewer_id          uuid NOT NULL REFERENCES users (id),
    score                smallint NOT NULL,
    confidence           smallint NOT NULL CHECK (confidence BETWEEN 1 AND 3),
    comment_for_chairs   text NOT NULL DEFAULT '' CHECK (length(comment_for_chairs) <= 10000),
    comment_for_speakers text NOT NULL DEFAULT '' CHECK (length(comment_for_speakers) <= 10000),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (proposal_id, reviewer_id)
);
CREATE INDEX reviews_reviewer ON reviews (reviewer_id);

-- Every version of every review, the first included.
CREATE TABLE review_history (
    id                   uuid PRIMARY KEY,
    review_id            uuid NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    score                smallint NOT NULL,
    confidence           smallint NOT NULL,
    comment_for_chairs   text NOT NULL,
    comment_for_speakers text NOT NULL,
    recorded_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX review_history_review ON review_history (review_id, recorded_at);
