//! Domain values that parse their input once, at the edge: holding one means it is valid.

pub mod conflicts;
mod email;
mod event_fields;
mod list_query;
mod password;
mod person_name;
mod profile;
mod proposal_fields;
pub mod questions;
mod scale;
pub mod schema;
mod states;
mod text;
pub mod track;
pub mod whole_number;

pub use email::EmailAddress;
pub use event_fields::{EventSlug, TimeZoneName};
pub use list_query::{ProposalSort, SEARCH_MAX_CHARS, SearchText, SortKey};
pub use password::NewPassword;
pub use person_name::PersonName;
pub use profile::Profile;
pub use proposal_fields::{Abstract, ChairNotes, MaterialLink, ProposalTitle};
pub use scale::Scale;
pub use states::{Decision, ProposalState, Transition, TransitionRefused};
pub use text::{TextError, TextRule, clean_text, rules};

macro_rules! typed_id {
    ($name:ident) => {
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        #[serde(transparent)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            pub fn new() -> Self {
                $name(uuid::Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Uuid, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <uuid::Uuid as diesel::serialize::ToSql<diesel::sql_types::Uuid, diesel::pg::Pg>>::to_sql(&self.0, out)
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Uuid, diesel::pg::Pg> for $name {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                <uuid::Uuid as diesel::deserialize::FromSql<diesel::sql_types::Uuid, diesel::pg::Pg>>::from_sql(bytes).map($name)
            }
        }
    };
}

typed_id!(UserId);
typed_id!(EventId);
typed_id!(TrackId);
typed_id!(SessionId);
typed_id!(ApiTokenId);
typed_id!(OutboxId);
typed_id!(ProposalId);
