//! A proposal's state and a chair's decision, as types, and the one function that says which
//! transition a proposal may take from which state (`ProposalState::after`).
//!
//! Both are stored as text (`proposals.state`, `proposals.decision`,
//! `proposals.released_decision`); a text the database holds that is none of the values is a
//! deserialization error, never a panic. In JSON they are the same lowercase words.

use std::fmt;

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;

/// `as_str`, `parse`, `ALL`, `Display` and the checked text mapping of a unit enum.
macro_rules! text_enum {
    ($name:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            /// Every value, in the order lists and messages show them.
            pub const ALL: [$name; [$($name::$variant),+].len()] = [$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(text: &str) -> Option<$name> {
                $name::ALL.into_iter().find(|value| value.as_str() == text)
            }

            /// The value of a text column's bytes: an error (never a panic) for any other text.
            fn from_column(bytes: &[u8]) -> deserialize::Result<$name> {
                let text = std::str::from_utf8(bytes)?;
                $name::parse(text).ok_or_else(|| {
                    format!(concat!("unknown ", $what, " {:?} in the database"), text).into()
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ToSql<Text, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                std::io::Write::write_all(out, self.as_str().as_bytes())?;
                Ok(IsNull::No)
            }
        }

        impl FromSql<Text, Pg> for $name {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                $name::from_column(bytes.as_bytes())
            }
        }
    };
}

/// Where a proposal stands.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
    AsExpression,
    FromSqlRow,
)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "lowercase")]
pub enum ProposalState {
    /// Submitted, in the running; the only state a speaker may edit or withdraw it in.
    Submitted,
    /// Withdrawn by a speaker: out of the review and of the decisions, for good.
    Withdrawn,
    /// An acceptance was released; the speakers are asked to confirm.
    Accepted,
    /// A rejection was released.
    Rejected,
    /// A waitlisting was released.
    Waitlisted,
    /// Accepted, and the speakers confirmed presenting it.
    Confirmed,
    /// Accepted, and the speakers declined presenting it.
    Declined,
    /// Not submitted yet: seen by its speaker only (kept in `proposal_drafts`, never in
    /// `proposals`), counted nowhere until it is submitted.
    Draft,
}

text_enum!(ProposalState, "proposal state", {
    Submitted => "submitted",
    Withdrawn => "withdrawn",
    Accepted => "accepted",
    Rejected => "rejected",
    Waitlisted => "waitlisted",
    Confirmed => "confirmed",
    Declined => "declined",
    Draft => "draft",
});

/// A chair's decision on a proposal (`proposals.decision`, and as released
/// `proposals.released_decision`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
    AsExpression,
    FromSqlRow,
)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Accept,
    Reject,
    Waitlist,
}

text_enum!(Decision, "decision", {
    Accept => "accept",
    Reject => "reject",
    Waitlist => "waitlist",
});

impl Decision {
    /// The proposal's state once the decision is released.
    pub fn state(self) -> ProposalState {
        match self {
            Decision::Accept => ProposalState::Accepted,
            Decision::Reject => ProposalState::Rejected,
            Decision::Waitlist => ProposalState::Waitlisted,
        }
    }
}

/// What may happen to a proposal. Some transitions move it to another state; the others
/// (`Edit`, `Decide`, `Review`) are allowed in some states only and leave the state as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// A speaker edits it.
    Edit,
    /// A speaker withdraws it.
    Withdraw,
    /// A chair records (or changes) a decision; the speakers learn it at the release.
    Decide,
    /// Chairs assign reviewers to it, reviewers review it.
    Review,
    /// The chairs' release makes this decision the proposal's state.
    Release(Decision),
    /// A speaker confirms presenting it.
    Confirm,
    /// A speaker declines presenting it.
    Decline,
    /// A speaker submits a draft.
    Submit,
}

impl Transition {
    /// Every transition (each decision's release included).
    pub const ALL: [Transition; 10] = [
        Transition::Edit,
        Transition::Withdraw,
        Transition::Decide,
        Transition::Review,
        Transition::Release(Decision::Accept),
        Transition::Release(Decision::Reject),
        Transition::Release(Decision::Waitlist),
        Transition::Confirm,
        Transition::Decline,
        Transition::Submit,
    ];
}

/// A transition the proposal's state does not allow; its text is the message the API and the
/// pages show (with a 409).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionRefused {
    pub from: ProposalState,
    pub transition: Transition,
}

impl fmt::Display for TransitionRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let from = self.from;
        match self.transition {
            Transition::Edit => write!(f, "a {from} proposal cannot be edited"),
            Transition::Withdraw => write!(f, "a {from} proposal cannot be withdrawn"),
            Transition::Decide | Transition::Review if from == ProposalState::Draft => {
                f.write_str("the proposal is a draft, not submitted")
            }
            Transition::Decide | Transition::Review => f.write_str("the proposal is withdrawn"),
            Transition::Release(_) => {
                write!(f, "the decision on a {from} proposal cannot be released")
            }
            Transition::Confirm => {
                write!(
                    f,
                    "a {from} proposal cannot be confirmed: only accepted ones are"
                )
            }
            Transition::Decline => {
                write!(
                    f,
                    "a {from} proposal cannot be declined: only accepted ones are"
                )
            }
            Transition::Submit => {
                write!(f, "a {from} proposal cannot be submitted: only drafts are")
            }
        }
    }
}

impl std::error::Error for TransitionRefused {}

impl ProposalState {
    /// Every rule about what may happen to a proposal in which state, and the state it is in
    /// afterwards. `Ok(self)` means the state stays: for `Edit`, `Decide` and `Review` that is
    /// all they ever do; for `Confirm` and `Decline` it is the same answer given again, which
    /// changes nothing.
    ///
    /// - only a submitted proposal may be edited or withdrawn;
    /// - a withdrawn one takes no decision, no reviewers and no release (releases skip it);
    /// - a release moves any other state to the decision's (`Decision::state`), a confirmed or
    ///   declined talk included when the chairs changed their decision;
    /// - an accepted proposal may be confirmed or declined, a confirmed one still declined;
    /// - a draft may be edited, submitted, or withdrawn (which deletes it), nothing else.
    pub fn after(self, transition: Transition) -> Result<ProposalState, TransitionRefused> {
        use ProposalState::*;
        let next = match (self, transition) {
            (Submitted, Transition::Edit) => Some(Submitted),
            (Submitted, Transition::Withdraw) => Some(Withdrawn),
            (Draft, Transition::Edit) => Some(Draft),
            (Draft, Transition::Withdraw) => Some(Withdrawn),
            (Draft, Transition::Submit) => Some(Submitted),
            (Draft, _) => None,
            (Withdrawn, Transition::Decide | Transition::Review | Transition::Release(_)) => None,
            (state, Transition::Decide | Transition::Review) => Some(state),
            (_, Transition::Release(decision)) => Some(decision.state()),
            (Accepted | Confirmed, Transition::Confirm) => Some(Confirmed),
            (Accepted | Confirmed | Declined, Transition::Decline) => Some(Declined),
            _ => None,
        };
        next.ok_or(TransitionRefused {
            from: self,
            transition,
        })
    }

    /// Whether `after` allows the transition.
    pub fn allows(self, transition: Transition) -> bool {
        self.after(transition).is_ok()
    }

    pub fn is_withdrawn(self) -> bool {
        self == ProposalState::Withdrawn
    }

    /// The decision the speakers were told, as this state shows it: an acceptance for an
    /// accepted, confirmed or declined proposal; none before a release or once withdrawn.
    pub fn released(self) -> Option<Decision> {
        match self {
            ProposalState::Submitted | ProposalState::Withdrawn | ProposalState::Draft => None,
            ProposalState::Accepted | ProposalState::Confirmed | ProposalState::Declined => {
                Some(Decision::Accept)
            }
            ProposalState::Rejected => Some(Decision::Reject),
            ProposalState::Waitlisted => Some(Decision::Waitlist),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ProposalState::*;
    use super::*;

    /// The column of a transition in `TABLE`; a new transition does not compile until it has one.
    fn column(transition: Transition) -> usize {
        match transition {
            Transition::Edit => 0,
            Transition::Withdraw => 1,
            Transition::Decide => 2,
            Transition::Review => 3,
            Transition::Release(Decision::Accept) => 4,
            Transition::Release(Decision::Reject) => 5,
            Transition::Release(Decision::Waitlist) => 6,
            Transition::Confirm => 7,
            Transition::Decline => 8,
            Transition::Submit => 9,
        }
    }

    /// The row of a state in `TABLE`; a new state does not compile until it has one.
    fn row(state: ProposalState) -> usize {
        match state {
            Submitted => 0,
            Withdrawn => 1,
            Accepted => 2,
            Rejected => 3,
            Waitlisted => 4,
            Confirmed => 5,
            Declined => 6,
            Draft => 7,
        }
    }

    const NO: Option<ProposalState> = None;

    /// Every state × every transition: the state afterwards, or `NO` (refused, a 409).
    #[rustfmt::skip]
    const TABLE: [(ProposalState, [Option<ProposalState>; 10]); 8] = [
        //            Edit             Withdraw         Decide            Review            Release(accept)   Release(reject)   Release(waitlist)   Confirm          Decline          Submit
        (Submitted,  [Some(Submitted), Some(Withdrawn), Some(Submitted),  Some(Submitted),  Some(Accepted),   Some(Rejected),   Some(Waitlisted),   NO,              NO,              NO]),
        (Withdrawn,  [NO,              NO,              NO,               NO,               NO,               NO,               NO,                 NO,              NO,              NO]),
        (Accepted,   [NO,              NO,              Some(Accepted),   Some(Accepted),   Some(Accepted),   Some(Rejected),   Some(Waitlisted),   Some(Confirmed), Some(Declined),  NO]),
        (Rejected,   [NO,              NO,              Some(Rejected),   Some(Rejected),   Some(Accepted),   Some(Rejected),   Some(Waitlisted),   NO,              NO,              NO]),
        (Waitlisted, [NO,              NO,              Some(Waitlisted), Some(Waitlisted), Some(Accepted),   Some(Rejected),   Some(Waitlisted),   NO,              NO,              NO]),
        (Confirmed,  [NO,              NO,              Some(Confirmed),  Some(Confirmed),  Some(Accepted),   Some(Rejected),   Some(Waitlisted),   Some(Confirmed), Some(Declined),  NO]),
        (Declined,   [NO,              NO,              Some(Declined),   Some(Declined),   Some(Accepted),   Some(Rejected),   Some(Waitlisted),   NO,              Some(Declined),  NO]),
        (Draft,      [Some(Draft),     Some(Withdrawn), NO,               NO,               NO,               NO,               NO,                 NO,              NO,              Some(Submitted)]),
    ];

    #[test]
    fn every_state_times_every_transition_follows_the_table() {
        assert_eq!(ProposalState::ALL.len(), TABLE.len());
        for (i, state) in ProposalState::ALL.into_iter().enumerate() {
            assert_eq!(
                row(state),
                i,
                "ALL and the table list the states in one order"
            );
            assert_eq!(TABLE[i].0, state);
        }
        for (i, transition) in Transition::ALL.into_iter().enumerate() {
            assert_eq!(
                column(transition),
                i,
                "ALL lists every transition once, in order"
            );
        }
        let mut checked = 0;
        for state in ProposalState::ALL {
            for transition in Transition::ALL {
                let expected = TABLE[row(state)].1[column(transition)];
                let actual = state.after(transition);
                match expected {
                    Some(next) => assert_eq!(actual, Ok(next), "{state} × {transition:?}"),
                    None => assert_eq!(
                        actual,
                        Err(TransitionRefused {
                            from: state,
                            transition
                        }),
                        "{state} × {transition:?}"
                    ),
                }
                assert_eq!(state.allows(transition), expected.is_some());
                checked += 1;
            }
        }
        assert_eq!(checked, 8 * 10);
    }

    #[test]
    fn refusals_read_as_the_api_has_always_said() {
        let refused = |from, transition| TransitionRefused { from, transition }.to_string();
        assert_eq!(
            refused(Accepted, Transition::Edit),
            "a accepted proposal cannot be edited"
        );
        assert_eq!(
            refused(Withdrawn, Transition::Withdraw),
            "a withdrawn proposal cannot be withdrawn"
        );
        assert_eq!(
            refused(Withdrawn, Transition::Decide),
            "the proposal is withdrawn"
        );
        assert_eq!(
            refused(Submitted, Transition::Confirm),
            "a submitted proposal cannot be confirmed: only accepted ones are"
        );
        assert_eq!(
            refused(Rejected, Transition::Decline),
            "a rejected proposal cannot be declined: only accepted ones are"
        );
    }

    #[test]
    fn text_json_and_parse_agree() {
        let states: Vec<&str> = ProposalState::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            states,
            [
                "submitted",
                "withdrawn",
                "accepted",
                "rejected",
                "waitlisted",
                "confirmed",
                "declined",
                "draft"
            ]
        );
        for state in ProposalState::ALL {
            assert_eq!(ProposalState::parse(state.as_str()), Some(state));
            assert_eq!(state.to_string(), state.as_str());
            let json = serde_json::to_string(&state).expect("json");
            assert_eq!(json, format!("\"{state}\""));
            assert_eq!(
                serde_json::from_str::<ProposalState>(&json).expect("back"),
                state
            );
        }
        let decisions: Vec<&str> = Decision::ALL.iter().map(|d| d.as_str()).collect();
        assert_eq!(decisions, ["accept", "reject", "waitlist"]);
        for decision in Decision::ALL {
            assert_eq!(Decision::parse(decision.as_str()), Some(decision));
            let json = serde_json::to_string(&decision).expect("json");
            assert_eq!(json, format!("\"{decision}\""));
            assert_eq!(decision.state().released(), Some(decision));
        }
        assert_eq!(ProposalState::parse("Submitted"), None);
        assert_eq!(Decision::parse("accepted"), None);
    }

    #[test]
    fn an_unknown_text_in_the_database_is_an_error_not_a_panic() {
        for state in ProposalState::ALL {
            assert_eq!(
                ProposalState::from_column(state.as_str().as_bytes()).ok(),
                Some(state)
            );
        }
        let error = ProposalState::from_column(b"archived").expect_err("not a state");
        assert_eq!(
            error.to_string(),
            "unknown proposal state \"archived\" in the database"
        );
        assert!(ProposalState::from_column(b"").is_err());
        assert!(ProposalState::from_column(&[0xff, 0xfe]).is_err());
        assert_eq!(
            Decision::from_column(b"waitlist").ok(),
            Some(Decision::Waitlist)
        );
        let error = Decision::from_column(b"accepted").expect_err("a state, not a decision");
        assert_eq!(
            error.to_string(),
            "unknown decision \"accepted\" in the database"
        );
    }
}
