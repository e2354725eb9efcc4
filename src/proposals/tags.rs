//! A proposal's topic tags: the automatic tag of its text, and what is shown of the tagger's,
//! the speaker's and the chairs' choices.

use serde::Serialize;

use crate::db::proposals::Proposal;
use crate::tagging;

/// The automatic tag of a proposal's text.
pub(super) fn auto_tag(
    title: &str,
    abstract_text: &str,
    notes: &str,
) -> (String, f32, Vec<String>, Vec<String>) {
    let c = tagging::classify(title, abstract_text, notes);
    (
        c.track.key().to_owned(),
        c.confidence as f32,
        c.subtopics.iter().map(|s| (*s).to_owned()).collect(),
        c.evidence,
    )
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TagsView {
    pub track: Option<String>,
    pub subtopics: Vec<String>,
    pub confidence: Option<f32>,
    pub evidence: Vec<String>,
    /// `auto`, `speaker` or `chair`: whose choice `track` is.
    pub source: String,
    /// What the tagger said, kept beside the speaker's and chair's choices.
    pub auto_track: Option<String>,
    pub speaker_track: Option<String>,
    /// The speaker chose a track the tagger disagrees with.
    pub speaker_disagrees: bool,
}

pub fn tags(proposal: &Proposal) -> TagsView {
    let disagrees =
        matches!((&proposal.speaker_track, &proposal.auto_track), (Some(s), Some(a)) if s != a);
    let (track, subtopics, source) = if let Some(chair) = &proposal.chair_track {
        (
            Some(chair.clone()),
            proposal.chair_subtopics.clone().unwrap_or_default(),
            "chair",
        )
    } else if let Some(speaker) = &proposal.speaker_track {
        let subtopics = if disagrees {
            Vec::new()
        } else {
            proposal.auto_subtopics.clone()
        };
        (Some(speaker.clone()), subtopics, "speaker")
    } else {
        (
            proposal.auto_track.clone(),
            proposal.auto_subtopics.clone(),
            "auto",
        )
    };
    TagsView {
        track,
        subtopics,
        confidence: proposal.auto_confidence,
        evidence: proposal.auto_evidence.clone(),
        source: source.to_owned(),
        auto_track: proposal.auto_track.clone(),
        speaker_track: proposal.speaker_track.clone(),
        speaker_disagrees: disagrees,
    }
}
