// Hand-written to match migrations/ (diesel print-schema gives the same); keep in step.

pub mod sql_types {
    /// PostgreSQL's `tsvector` (full text search); only ever read by SQL, never loaded.
    #[derive(diesel::query_builder::QueryId, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "tsvector"))]
    pub struct Tsvector;
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        email_normalized -> Text,
        name -> Text,
        password_hash -> Text,
        is_admin -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        given_name -> Text,
        family_name -> Text,
        affiliation -> Text,
        bio -> Text,
        pronouns -> Text,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Uuid,
        user_id -> Uuid,
        name -> Text,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    email_changes (id) {
        id -> Uuid,
        user_id -> Uuid,
        new_email -> Text,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    password_resets (id) {
        id -> Uuid,
        user_id -> Uuid,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Uuid,
        dedupe_key -> Text,
        kind -> Text,
        event_id -> Nullable<Uuid>,
        proposal_id -> Nullable<Uuid>,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        secret_sealed -> Nullable<Bytea>,
        state -> Text,
        attempts -> Int4,
        last_error -> Nullable<Text>,
        next_attempt_at -> Timestamptz,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        lease_until -> Nullable<Timestamptz>,
        lease_token -> Nullable<Uuid>,
        last_error_at -> Nullable<Timestamptz>,
        reply_to -> Nullable<Text>,
    }
}

diesel::table! {
    outbox_history (id) {
        id -> Uuid,
        event_id -> Uuid,
        proposal_id -> Nullable<Uuid>,
        message_id -> Text,
        kind -> Text,
        recipient -> Text,
        subject -> Text,
        state -> Text,
        attempts -> Int4,
        last_error -> Nullable<Text>,
        last_error_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    events (id) {
        id -> Uuid,
        slug -> Text,
        title -> Text,
        description -> Text,
        time_zone -> Text,
        cfp_opens_at -> Timestamptz,
        cfp_closes_at -> Timestamptz,
        blind_review -> Bool,
        score_min -> Int2,
        score_max -> Int2,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        formats -> Jsonb,
        max_co_speakers -> Int2,
        max_proposals_per_speaker -> Int2,
        review_opens_at -> Nullable<Timestamptz>,
        review_closes_at -> Nullable<Timestamptz>,
        reviewers_see_all -> Bool,
        conflict_same_domain -> Bool,
        confirm_by -> Nullable<Timestamptz>,
        share_review_comments -> Bool,
        published_at -> Nullable<Timestamptz>,
        slot_minutes -> Nullable<Int4>,
        public_version -> Int8,
        review_version -> Int8,
        auto_assign -> Bool,
        reviewers_per_proposal -> Int2,
        review_criteria -> Jsonb,
        questions -> Jsonb,
        retired_questions -> Jsonb,
        contact_email -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Tsvector;

    proposals (id) {
        id -> Uuid,
        event_id -> Uuid,
        submitter_id -> Uuid,
        title -> Text,
        #[sql_name = "abstract"]
        abstract_text -> Text,
        notes -> Text,
        format -> Text,
        links -> Array<Text>,
        state -> Text,
        speaker_track -> Nullable<Text>,
        auto_track -> Nullable<Text>,
        auto_confidence -> Nullable<Float4>,
        auto_subtopics -> Array<Text>,
        auto_evidence -> Array<Text>,
        chair_track -> Nullable<Text>,
        chair_subtopics -> Nullable<Array<Text>>,
        chair_set_by -> Nullable<Uuid>,
        chair_set_at -> Nullable<Timestamptz>,
        withdrawn_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        decision -> Nullable<Text>,
        decision_note -> Text,
        decided_by -> Nullable<Uuid>,
        decided_at -> Nullable<Timestamptz>,
        released_decision -> Nullable<Text>,
        released_at -> Nullable<Timestamptz>,
        responded_at -> Nullable<Timestamptz>,
        public_touched_at -> Timestamptz,
        version -> Int8,
        search_text -> Tsvector,
        answers -> Jsonb,
    }
}

diesel::table! {
    co_speakers (id) {
        id -> Uuid,
        proposal_id -> Uuid,
        email -> Text,
        email_normalized -> Text,
        user_id -> Nullable<Uuid>,
        invite_token_hash -> Bytea,
        invited_at -> Timestamptz,
        accepted_at -> Nullable<Timestamptz>,
        position -> Int4,
        invitations_sent -> Int4,
    }
}

diesel::table! {
    proposal_revisions (id) {
        id -> Uuid,
        proposal_id -> Uuid,
        author_id -> Uuid,
        changes -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Uuid,
        key -> Text,
        request_hash -> Bytea,
        response_status -> Nullable<Int2>,
        response_body -> Nullable<Jsonb>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    tracks (id) {
        id -> Uuid,
        event_id -> Uuid,
        key -> Text,
        name -> Text,
        description -> Text,
        position -> Int4,
    }
}

diesel::table! {
    subtopics (id) {
        id -> Uuid,
        track_id -> Uuid,
        key -> Text,
        name -> Text,
        position -> Int4,
    }
}

diesel::table! {
    event_members (event_id, user_id) {
        event_id -> Uuid,
        user_id -> Uuid,
        role -> Text,
        tracks -> Nullable<Array<Text>>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    tag_corrections (id) {
        id -> Uuid,
        proposal_id -> Uuid,
        event_id -> Uuid,
        chair_id -> Uuid,
        title -> Text,
        #[sql_name = "abstract"]
        abstract_text -> Text,
        auto_track -> Nullable<Text>,
        auto_confidence -> Nullable<Float4>,
        corrected_track -> Nullable<Text>,
        subtopics -> Array<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    member_invitations (id) {
        id -> Uuid,
        event_id -> Uuid,
        email -> Text,
        email_normalized -> Text,
        role -> Text,
        tracks -> Nullable<Array<Text>>,
        token_hash -> Bytea,
        invited_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        accepted_at -> Nullable<Timestamptz>,
        accepted_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    review_assignments (proposal_id, reviewer_id) {
        proposal_id -> Uuid,
        reviewer_id -> Uuid,
        source -> Text,
        assigned_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        notified_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    review_conflicts (proposal_id, reviewer_id) {
        proposal_id -> Uuid,
        reviewer_id -> Uuid,
        conflicted -> Bool,
        source -> Text,
        set_by -> Nullable<Uuid>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    reviews (id) {
        id -> Uuid,
        proposal_id -> Uuid,
        reviewer_id -> Uuid,
        score -> Int2,
        confidence -> Int2,
        comment_for_chairs -> Text,
        comment_for_speakers -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        criteria -> Nullable<Jsonb>,
    }
}

diesel::table! {
    review_history (id) {
        id -> Uuid,
        review_id -> Uuid,
        score -> Int2,
        confidence -> Int2,
        comment_for_chairs -> Text,
        comment_for_speakers -> Text,
        recorded_at -> Timestamptz,
        criteria -> Nullable<Jsonb>,
    }
}

diesel::table! {
    review_digests (reviewer_id) {
        reviewer_id -> Uuid,
        last_sent_at -> Timestamptz,
    }
}

diesel::table! {
    decision_audit (id) {
        id -> Uuid,
        proposal_id -> Uuid,
        actor_id -> Nullable<Uuid>,
        action -> Text,
        before -> Nullable<Text>,
        after -> Text,
        note -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    email_templates (event_id, kind) {
        event_id -> Uuid,
        kind -> Text,
        subject -> Text,
        body -> Text,
        updated_by -> Nullable<Uuid>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    proposal_drafts (id) {
        id -> Uuid,
        event_id -> Uuid,
        submitter_id -> Uuid,
        title -> Text,
        #[sql_name = "abstract"]
        abstract_text -> Text,
        notes -> Text,
        format -> Text,
        speaker_track -> Nullable<Text>,
        co_speakers -> Array<Text>,
        links -> Array<Text>,
        version -> Int8,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        answers -> Jsonb,
    }
}

diesel::table! {
    pending_forms (token_hash) {
        token_hash -> Bytea,
        user_id -> Nullable<Uuid>,
        target -> Text,
        sealed -> Bytea,
        expires_at -> Timestamptz,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    user_photos (user_id) {
        user_id -> Uuid,
        content_type -> Text,
        bytes -> Bytea,
        width -> Int4,
        height -> Int4,
        digest -> Text,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    speaker_mailings (id) {
        id -> Uuid,
        event_id -> Uuid,
        sent_by -> Nullable<Uuid>,
        selection -> Jsonb,
        subject -> Text,
        body -> Text,
        recipients -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    programme_blocks (id) {
        id -> Uuid,
        event_id -> Uuid,
        position -> Int4,
        title -> Text,
        room -> Text,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
    }
}

diesel::table! {
    programme_publications (event_id) {
        event_id -> Uuid,
        published_at -> Timestamptz,
    }
}

diesel::table! {
    programme_items (id) {
        id -> Uuid,
        block_id -> Uuid,
        position -> Int4,
        proposal_id -> Nullable<Uuid>,
        break_title -> Nullable<Text>,
        minutes -> Int4,
    }
}

diesel::table! {
    event_confirmations (event_id) {
        event_id -> Uuid,
        waitlist_promotion -> Text,
        reminder_days -> Nullable<Int4>,
    }
}

diesel::table! {
    confirmation_reminders (proposal_id) {
        proposal_id -> Uuid,
        sent_at -> Timestamptz,
    }
}

diesel::table! {
    vacancies (id) {
        id -> Uuid,
        event_id -> Uuid,
        freed_proposal_id -> Uuid,
        reason -> Text,
        track -> Nullable<Text>,
        minutes -> Int4,
        created_at -> Timestamptz,
        promoted_proposal_id -> Nullable<Uuid>,
        resolved_at -> Nullable<Timestamptz>,
        dismissed -> Bool,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(email_changes -> users (user_id));
diesel::joinable!(tracks -> events (event_id));
diesel::joinable!(subtopics -> tracks (track_id));
diesel::joinable!(event_members -> events (event_id));
diesel::joinable!(event_members -> users (user_id));
diesel::joinable!(proposals -> events (event_id));
diesel::joinable!(co_speakers -> proposals (proposal_id));
diesel::joinable!(proposal_revisions -> proposals (proposal_id));
diesel::joinable!(review_assignments -> proposals (proposal_id));
diesel::joinable!(review_conflicts -> proposals (proposal_id));
diesel::joinable!(reviews -> proposals (proposal_id));
diesel::joinable!(reviews -> users (reviewer_id));
diesel::joinable!(review_history -> reviews (review_id));
diesel::joinable!(decision_audit -> proposals (proposal_id));
diesel::joinable!(email_templates -> events (event_id));
diesel::joinable!(outbox_history -> events (event_id));
diesel::joinable!(outbox_history -> proposals (proposal_id));
diesel::joinable!(proposal_drafts -> events (event_id));
diesel::joinable!(user_photos -> users (user_id));
diesel::joinable!(speaker_mailings -> events (event_id));
diesel::joinable!(programme_blocks -> events (event_id));
diesel::joinable!(programme_items -> programme_blocks (block_id));
diesel::joinable!(programme_items -> proposals (proposal_id));
diesel::joinable!(programme_publications -> events (event_id));
diesel::joinable!(event_confirmations -> events (event_id));
diesel::joinable!(confirmation_reminders -> proposals (proposal_id));
diesel::joinable!(vacancies -> events (event_id));

diesel::allow_tables_to_appear_in_same_query!(
    event_confirmations,
    confirmation_reminders,
    vacancies,
    programme_blocks,
    programme_items,
    programme_publications,
    users,
    sessions,
    api_tokens,
    password_resets,
    email_changes,
    outbox,
    outbox_history,
    events,
    tracks,
    subtopics,
    event_members,
    proposals,
    co_speakers,
    proposal_revisions,
    idempotency_keys,
    tag_corrections,
    member_invitations,
    review_assignments,
    review_conflicts,
    reviews,
    review_history,
    review_digests,
    decision_audit,
    email_templates,
    proposal_drafts,
    pending_forms,
    user_photos,
    speaker_mailings,
);
