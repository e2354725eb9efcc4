//! Conflicts of interest between reviewers and proposals.
//!
//! A reviewer is conflicted with a proposal when
//! * they speak on it: its submitter, or a co-speaker (invited by their email or accepted by
//!   their account), whatever else anyone says;
//! * the event asks for it (`conflict_same_domain`) and their email domain is a speaker's,
//!   unless that domain is a public mail provider, or a chair cleared this pair;
//! * they declared it, or a chair set it.
//!
//! Everything here is pure; `crate::accounts::policy` loads the inputs.

use std::collections::{HashMap, HashSet};

use crate::domain::{ProposalId, UserId};

/// Why a reviewer may not see a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConflictReason {
    /// The reviewer is one of its speakers; no one can clear this.
    Speaker,
    /// The reviewer shares an email domain with a speaker (event setting).
    SameDomain,
    /// The reviewer said so.
    Declared,
    /// A chair said so.
    Chair,
}

impl ConflictReason {
    pub fn describe(self) -> &'static str {
        match self {
            ConflictReason::Speaker => "a speaker of this proposal",
            ConflictReason::SameDomain => "same email domain as a speaker",
            ConflictReason::Declared => "declared by the reviewer",
            ConflictReason::Chair => "set by a chair",
        }
    }
}

/// Public mail providers: sharing one says nothing about an affiliation. (kernel.org hands out
/// addresses to maintainers of every employer, so it counts as public here.)
const PUBLIC_MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "yahoo.co.uk",
    "ymail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "pm.me",
    "tutanota.com",
    "tuta.io",
    "fastmail.com",
    "fastmail.fm",
    "hey.com",
    "zoho.com",
    "mailbox.org",
    "posteo.de",
    "posteo.net",
    "gmx.de",
    "gmx.net",
    "gmx.com",
    "web.de",
    "t-online.de",
    "free.fr",
    "orange.fr",
    "laposte.net",
    "libero.it",
    "yandex.ru",
    "yandex.com",
    "mail.ru",
    "qq.com",
    "163.com",
    "126.com",
    "sina.com",
    "naver.com",
    "kernel.org",
    "users.noreply.github.com",
];

/// The domain of a normalized email when it says something about an affiliation.
pub fn affiliation_domain(email_normalized: &str) -> Option<&str> {
    let (_, domain) = email_normalized.rsplit_once('@')?;
    (!domain.is_empty() && !PUBLIC_MAIL_DOMAINS.contains(&domain)).then_some(domain)
}

/// A reviewer's identity as far as conflicts go.
#[derive(Debug, Clone)]
pub struct ReviewerIdentity {
    pub id: UserId,
    pub email_normalized: String,
}

/// One speaker of a proposal: the submitter, or a co-speaker (invited or accepted).
#[derive(Debug, Clone)]
pub struct SpeakerIdentity {
    pub proposal: ProposalId,
    /// None for a co-speaker invitation not accepted yet.
    pub user: Option<UserId>,
    pub email_normalized: String,
}

/// A stored conflict row: declared or set (`conflicted`), or a chair's clearing (`!conflicted`).
#[derive(Debug, Clone, Copy)]
pub struct StoredConflict {
    pub proposal: ProposalId,
    pub reviewer: UserId,
    pub conflicted: bool,
    pub by_chair: bool,
}

/// Which speakers can be in conflict with any of these reviewers: the same account or address,
/// or under the same-domain rule the same affiliation domain. `conflicts` finds nothing for the
/// others, so a caller may pass it only the speakers this keeps (an event of 100,000 proposals
/// has 100,000 speakers, its committee a few hundred reviewers).
pub struct SpeakerScreen<'a> {
    ids: HashSet<UserId>,
    emails: HashSet<&'a str>,
    /// The reviewers' affiliation domains, under the same-domain rule only.
    domains: HashSet<&'a str>,
}

impl<'a> SpeakerScreen<'a> {
    pub fn new(reviewers: &'a [ReviewerIdentity], same_domain: bool) -> Self {
        SpeakerScreen {
            ids: reviewers.iter().map(|r| r.id).collect(),
            emails: reviewers
                .iter()
                .map(|r| r.email_normalized.as_str())
                .collect(),
            domains: reviewers
                .iter()
                .filter(|_| same_domain)
                .filter_map(|r| affiliation_domain(&r.email_normalized))
                .collect(),
        }
    }

    pub fn may_conflict(&self, speaker: &SpeakerIdentity) -> bool {
        speaker.user.is_some_and(|u| self.ids.contains(&u))
            || self.emails.contains(speaker.email_normalized.as_str())
            || affiliation_domain(&speaker.email_normalized)
                .is_some_and(|d| self.domains.contains(d))
    }
}

/// Every conflicted (reviewer, proposal) pair among these reviewers and these speakers' proposals.
pub fn conflicts(
    reviewers: &[ReviewerIdentity],
    speakers: &[SpeakerIdentity],
    stored: &[StoredConflict],
    same_domain: bool,
) -> HashMap<(UserId, ProposalId), ConflictReason> {
    let mut found = HashMap::new();
    let stored_by_pair: HashMap<(UserId, ProposalId), StoredConflict> = stored
        .iter()
        .map(|s| ((s.reviewer, s.proposal), *s))
        .collect();
    // declared and chair-set conflicts first; the computed reasons below win over them
    for s in stored.iter().filter(|s| s.conflicted) {
        let reason = if s.by_chair {
            ConflictReason::Chair
        } else {
            ConflictReason::Declared
        };
        found.insert((s.reviewer, s.proposal), reason);
    }
    let mut domains_of: HashMap<ProposalId, HashSet<&str>> = HashMap::new();
    if same_domain {
        for s in speakers {
            if let Some(domain) = affiliation_domain(&s.email_normalized) {
                domains_of.entry(s.proposal).or_default().insert(domain);
            }
        }
        for r in reviewers {
            let Some(domain) = affiliation_domain(&r.email_normalized) else {
                continue;
            };
            for (proposal, domains) in &domains_of {
                let cleared = stored_by_pair
                    .get(&(r.id, *proposal))
                    .is_some_and(|s| !s.conflicted && s.by_chair);
                if domains.contains(domain) && !cleared {
                    found.insert((r.id, *proposal), ConflictReason::SameDomain);
                }
            }
        }
    }
    for s in speakers {
        for r in reviewers {
            if s.user == Some(r.id) || s.email_normalized == r.email_normalized {
                found.insert((r.id, s.proposal), ConflictReason::Speaker);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reviewer(email: &str) -> ReviewerIdentity {
        ReviewerIdentity {
            id: UserId::new(),
            email_normalized: email.into(),
        }
    }

    fn speaker(proposal: ProposalId, user: Option<UserId>, email: &str) -> SpeakerIdentity {
        SpeakerIdentity {
            proposal,
            user,
            email_normalized: email.into(),
        }
    }

    #[test]
    fn speakers_and_invited_co_speakers_are_conflicted_with_their_own_proposal() {
        let (alice, bob, carol) = (
            reviewer("alice@a.example"),
            reviewer("bob@b.example"),
            reviewer("carol@c.example"),
        );
        let p = ProposalId::new();
        let speakers = [
            speaker(p, Some(alice.id), "alice@a.example"),
            // an invitation not accepted yet still names bob by email
            speaker(p, None, "bob@b.example"),
        ];
        let found = conflicts(
            &[alice.clone(), bob.clone(), carol.clone()],
            &speakers,
            &[],
            false,
        );
        assert_eq!(found.get(&(alice.id, p)), Some(&ConflictReason::Speaker));
        assert_eq!(found.get(&(bob.id, p)), Some(&ConflictReason::Speaker));
        assert_eq!(found.get(&(carol.id, p)), None);
    }

    #[test]
    fn a_shared_domain_conflicts_only_when_asked_and_never_for_public_providers() {
        let colleague = reviewer("dave@corp.example");
        let gmail = reviewer("erin@gmail.com");
        let p = ProposalId::new();
        let speakers = [
            speaker(p, None, "frank@corp.example"),
            speaker(p, None, "gina@gmail.com"),
        ];
        let reviewers = [colleague.clone(), gmail.clone()];
        assert!(conflicts(&reviewers, &speakers, &[], false).is_empty());
        let found = conflicts(&reviewers, &speakers, &[], true);
        assert_eq!(
            found.get(&(colleague.id, p)),
            Some(&ConflictReason::SameDomain)
        );
        assert_eq!(found.get(&(gmail.id, p)), None);
    }

    #[test]
    fn a_chair_can_clear_a_domain_conflict_but_not_a_speaker_one() {
        let colleague = reviewer("dave@corp.example");
        let own = reviewer("hal@corp.example");
        let p = ProposalId::new();
        let speakers = [speaker(p, Some(own.id), "hal@corp.example")];
        let cleared = |r: &ReviewerIdentity| StoredConflict {
            proposal: p,
            reviewer: r.id,
            conflicted: false,
            by_chair: true,
        };
        let found = conflicts(
            &[colleague.clone(), own.clone()],
            &speakers,
            &[cleared(&colleague), cleared(&own)],
            true,
        );
        assert_eq!(found.get(&(colleague.id, p)), None);
        assert_eq!(found.get(&(own.id, p)), Some(&ConflictReason::Speaker));
    }

    #[test]
    fn the_screen_keeps_every_speaker_that_conflicts() {
        let reviewers = [
            reviewer("dave@corp.example"),
            reviewer("erin@gmail.com"),
            reviewer("hal@solo.example"),
        ];
        let (p, q) = (ProposalId::new(), ProposalId::new());
        let speakers = [
            speaker(p, Some(reviewers[2].id), "hal.other@else.example"),
            speaker(p, None, "erin@gmail.com"),
            speaker(q, None, "frank@corp.example"),
            speaker(q, None, "gina@gmail.com"),
            speaker(q, Some(UserId::new()), "ian@elsewhere.example"),
        ];
        for same_domain in [false, true] {
            let screen = SpeakerScreen::new(&reviewers, same_domain);
            let kept: Vec<SpeakerIdentity> = speakers
                .iter()
                .filter(|s| screen.may_conflict(s))
                .cloned()
                .collect();
            // account, address, and (under the rule) domain; never a public provider's domain
            assert_eq!(kept.len(), if same_domain { 3 } else { 2 });
            assert_eq!(
                conflicts(&reviewers, &kept, &[], same_domain),
                conflicts(&reviewers, &speakers, &[], same_domain)
            );
        }
    }

    #[test]
    fn declared_and_chair_set_conflicts_are_kept_with_their_source() {
        let (ivy, jon) = (reviewer("ivy@i.example"), reviewer("jon@j.example"));
        let p = ProposalId::new();
        let stored = [
            StoredConflict {
                proposal: p,
                reviewer: ivy.id,
                conflicted: true,
                by_chair: false,
            },
            StoredConflict {
                proposal: p,
                reviewer: jon.id,
                conflicted: true,
                by_chair: true,
            },
        ];
        let found = conflicts(&[ivy.clone(), jon.clone()], &[], &stored, false);
        assert_eq!(found.get(&(ivy.id, p)), Some(&ConflictReason::Declared));
        assert_eq!(found.get(&(jon.id, p)), Some(&ConflictReason::Chair));
    }

    #[test]
    fn affiliation_domains() {
        assert_eq!(affiliation_domain("a@corp.example"), Some("corp.example"));
        assert_eq!(affiliation_domain("a@gmail.com"), None);
        assert_eq!(affiliation_domain("a@kernel.org"), None);
        assert_eq!(affiliation_domain("no-at-sign"), None);
    }
}
