//! Email templates: `templates/email/<name>.{subject.txt,txt,html}` over a base layout each.

use askama::Template;

pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Defines the three askama views (subject, text, HTML) of one email's data struct.
macro_rules! email_views {
    ($data:ident, $subject:ident = $subject_path:literal, $text:ident = $text_path:literal, $html:ident = $html_path:literal) => {
        #[derive(Template)]
        #[template(path = $subject_path)]
        #[allow(dead_code)] // a subject template need not use the data
        struct $subject<'a> {
            d: &'a $data,
        }
        #[derive(Template)]
        #[template(path = $text_path)]
        struct $text<'a> {
            d: &'a $data,
        }
        #[derive(Template)]
        #[template(path = $html_path)]
        struct $html<'a> {
            d: &'a $data,
        }
        impl $data {
            pub fn render(&self) -> Result<RenderedEmail, askama::Error> {
                Ok(RenderedEmail {
                    // one line, whatever the template's trailing whitespace
                    subject: $subject { d: self }
                        .render()?
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" "),
                    text: $text { d: self }.render()?,
                    html: $html { d: self }.render()?,
                })
            }
        }
    };
}

pub struct PasswordReset {
    pub name: String,
    /// Contains `SECRET_PLACEHOLDER` where the token goes.
    pub link: String,
    pub valid_minutes: i64,
    pub base_url: String,
}

email_views!(
    PasswordReset,
    PasswordResetSubject = "email/password_reset.subject.txt",
    PasswordResetText = "email/password_reset.txt",
    PasswordResetHtml = "email/password_reset.html"
);

/// To the new address of an account: the link that confirms it.
pub struct EmailChange {
    pub name: String,
    /// Contains `SECRET_PLACEHOLDER` where the token goes.
    pub link: String,
    pub valid_hours: i64,
    pub base_url: String,
}

email_views!(
    EmailChange,
    EmailChangeSubject = "email/email_change.subject.txt",
    EmailChangeText = "email/email_change.txt",
    EmailChangeHtml = "email/email_change.html"
);

/// To the current address of an account when another one is requested for it.
pub struct EmailChangeNotice {
    pub name: String,
    pub new_email: String,
    pub account_link: String,
    pub base_url: String,
}

email_views!(
    EmailChangeNotice,
    EmailChangeNoticeSubject = "email/email_change_notice.subject.txt",
    EmailChangeNoticeText = "email/email_change_notice.txt",
    EmailChangeNoticeHtml = "email/email_change_notice.html"
);

/// To the owner of an account when someone tries to register again with its email.
pub struct RegistrationAttempt {
    pub name: String,
    pub sign_in_link: String,
    pub reset_link: String,
    pub base_url: String,
}

email_views!(
    RegistrationAttempt,
    RegistrationAttemptSubject = "email/registration_attempt.subject.txt",
    RegistrationAttemptText = "email/registration_attempt.txt",
    RegistrationAttemptHtml = "email/registration_attempt.html"
);

pub struct ProposalReceipt {
    pub name: String,
    pub title: String,
    pub event_title: String,
    pub link: String,
    /// The CfP's closing time in the event's time zone and UTC.
    pub closes: String,
}

email_views!(
    ProposalReceipt,
    ProposalReceiptSubject = "email/proposal_receipt.subject.txt",
    ProposalReceiptText = "email/proposal_receipt.txt",
    ProposalReceiptHtml = "email/proposal_receipt.html"
);

pub struct CoSpeakerInvitation {
    pub inviter: String,
    pub title: String,
    pub event_title: String,
    /// Contains `SECRET_PLACEHOLDER` where the invitation token goes.
    pub link: String,
    /// Sent again with a fresh link: the one sent before no longer works.
    pub again: bool,
}

email_views!(
    CoSpeakerInvitation,
    CoSpeakerInvitationSubject = "email/co_speaker_invitation.subject.txt",
    CoSpeakerInvitationText = "email/co_speaker_invitation.txt",
    CoSpeakerInvitationHtml = "email/co_speaker_invitation.html"
);

/// To the other speakers and the chairs when a speaker declines an accepted or confirmed talk.
pub struct CoSpeakerDeclined {
    pub name: String,
    /// Who declined.
    pub decliner: String,
    pub title: String,
    pub event_title: String,
    /// `accepted` or `confirmed`: what the talk was before.
    pub previous_state: String,
    /// The chairs' wording (the programme's slot) rather than a speaker's.
    pub to_chair: bool,
    pub link: String,
}

email_views!(
    CoSpeakerDeclined,
    CoSpeakerDeclinedSubject = "email/co_speaker_declined.subject.txt",
    CoSpeakerDeclinedText = "email/co_speaker_declined.txt",
    CoSpeakerDeclinedHtml = "email/co_speaker_declined.html"
);

pub struct MemberInvitation {
    pub inviter: String,
    pub role: String,
    pub event_title: String,
    /// Contains `SECRET_PLACEHOLDER` where the invitation token goes.
    pub link: String,
    /// Sent again with a fresh link: the one sent before no longer works.
    pub again: bool,
}

email_views!(
    MemberInvitation,
    MemberInvitationSubject = "email/member_invitation.subject.txt",
    MemberInvitationText = "email/member_invitation.txt",
    MemberInvitationHtml = "email/member_invitation.html"
);

pub struct ReviewReminder {
    pub name: String,
    pub chair: String,
    pub event_title: String,
    /// Titles of the proposals still waiting for this reviewer (never a conflicted one).
    pub pending: Vec<String>,
    /// When reviewing closes, in the event's time zone.
    pub closes: Option<String>,
    pub link: String,
}

email_views!(
    ReviewReminder,
    ReviewReminderSubject = "email/review_reminder.subject.txt",
    ReviewReminderText = "email/review_reminder.txt",
    ReviewReminderHtml = "email/review_reminder.html"
);

/// One proposal in a reviewer's digest of new assignments.
pub struct DigestItem {
    pub title: String,
    pub event_title: String,
    pub link: String,
}

/// To a reviewer: the proposals assigned to them on submission since their last digest.
pub struct ReviewDigest {
    pub name: String,
    pub items: Vec<DigestItem>,
    pub queue_link: String,
}

email_views!(
    ReviewDigest,
    ReviewDigestSubject = "email/review_digest.subject.txt",
    ReviewDigestText = "email/review_digest.txt",
    ReviewDigestHtml = "email/review_digest.html"
);

pub struct ConfirmationReminder {
    pub name: String,
    pub title: String,
    pub event_title: String,
    pub link: String,
    /// The confirmation deadline in the event's time zone.
    pub deadline: Option<String>,
}

email_views!(
    ConfirmationReminder,
    ConfirmationReminderSubject = "email/confirmation_reminder.subject.txt",
    ConfirmationReminderText = "email/confirmation_reminder.txt",
    ConfirmationReminderHtml = "email/confirmation_reminder.html"
);

/// A decision email whose words come from the event's (chair-edited) template: its rendered
/// subject and text, laid out over the base layouts.
pub struct DecisionEmail {
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
}

#[derive(Template)]
#[template(path = "email/decision.txt")]
struct DecisionText<'a> {
    d: &'a DecisionEmail,
}

#[derive(Template)]
#[template(path = "email/decision.html")]
struct DecisionHtml<'a> {
    d: &'a DecisionEmail,
}

impl DecisionEmail {
    pub fn render(&self) -> Result<RenderedEmail, askama::Error> {
        Ok(RenderedEmail {
            subject: self
                .subject
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            text: DecisionText { d: self }.render()?,
            html: DecisionHtml { d: self }.render()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_reset_renders_escaped_html_and_plain_text() {
        let email = PasswordReset {
            name: "Ada <script>".into(),
            link: "http://x/password-reset/confirm?token=T".into(),
            valid_minutes: 60,
            base_url: "http://x".into(),
        }
        .render()
        .expect("renders");
        assert_eq!(email.subject, "Reset your mcfp password");
        assert!(email.text.contains("Ada <script>"));
        assert!(
            email
                .text
                .contains("http://x/password-reset/confirm?token=T")
        );
        assert!(
            email.html.contains("Ada &#60;script&#62;")
                || email.html.contains("Ada &lt;script&gt;"),
            "{}",
            email.html
        );
        assert!(email.html.contains("60 minutes"));
    }
}
