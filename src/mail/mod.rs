//! Email: rendering from templates/email/, queueing in the outbox, and delivery by the worker.

mod mailer;
pub mod outbox_view;
pub mod placeholders;
pub mod templates;
mod worker;

pub use mailer::{MailError, MailSession, Mailer, SMTP_TIMEOUT};
pub use worker::{DeliveryReport, LEASE, OutboxWorker, RoundJob, backoff_after};

use diesel_async::AsyncPgConnection;

use crate::crypto::SecretKey;
use crate::db::outbox::{self, NewOutboxRow};
use crate::domain::{EventId, OutboxId};
use templates::RenderedEmail;

/// Stands in the stored body where a secret (a reset token) goes; the worker fills it in at
/// send time from the sealed copy, so no usable link rests in the database.
pub const SECRET_PLACEHOLDER: &str = "MCFP-SECRET-PLACEHOLDER";

pub struct OutgoingEmail<'a> {
    /// Names the logical email: a second enqueue with the same key does nothing.
    pub dedupe_key: String,
    pub kind: &'a str,
    pub event_id: Option<EventId>,
    pub proposal_id: Option<uuid::Uuid>,
    /// `Name <address>` or a bare address.
    pub to: String,
    pub content: RenderedEmail,
    pub secret: Option<&'a str>,
}

/// Writes the email into the outbox, in the caller's transaction. True when newly queued.
#[tracing::instrument(skip_all)]
pub async fn enqueue(
    conn: &mut AsyncPgConnection,
    key: &SecretKey,
    email: OutgoingEmail<'_>,
) -> diesel::QueryResult<bool> {
    outbox::insert(
        conn,
        NewOutboxRow {
            id: OutboxId::new(),
            dedupe_key: &email.dedupe_key,
            kind: email.kind,
            event_id: email.event_id,
            proposal_id: email.proposal_id,
            recipient: &email.to,
            subject: &email.content.subject,
            body_text: &email.content.text,
            body_html: &email.content.html,
            secret_sealed: email.secret.map(|s| key.seal(s)),
        },
    )
    .await
}

/// The Message-ID of the outbox row `id`: the same at every attempt, so a receiver can drop a
/// second copy. An export writes it for each email (`db::export` builds the same text in SQL),
/// and an import keeps it as written, so the history still names the message that went out.
pub fn message_id(id: OutboxId, host: &str) -> String {
    format!("<{id}@{host}>")
}

/// The host part of Message-IDs: the base URL's host.
pub fn message_id_host(base_url: &url::Url) -> String {
    base_url.host_str().unwrap_or("mcfp.localhost").to_owned()
}

/// `Name <address>` with the name quoted safely by lettre.
pub fn mailbox_text(name: &str, address: &str) -> String {
    match address.parse::<lettre::Address>() {
        Ok(addr) => lettre::message::Mailbox::new(Some(name.to_owned()), addr).to_string(),
        Err(_) => address.to_owned(),
    }
}
