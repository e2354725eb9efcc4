//! Hand-built lexicon: the terms a chair of the Rust microconference would list.
//!
//! Positive weights point to Rust for Linux, negative ones to the general Rust track.
//! Phrases are matched on normalised words (see `text::words`), longest match first;
//! a trailing `*` matches any single word with that prefix (`scx_*`).
//!
//! The data lives beside this file: `track_cues.rs` (the weighted track cues),
//! `context_words.rs` (the words of the context rules) and `subtopic_cues.rs` (the subtopics'
//! phrases); here are the shape of a cue and the builders the tables are written with.

mod context_words;
mod subtopic_cues;
mod track_cues;

pub(crate) use context_words::{COMPILE_VERBS, LOCATIVE_NEGATORS, NEGATION_BREAKERS, NEGATORS};
pub(crate) use subtopic_cues::SUBTOPIC_CUES;
pub(crate) use track_cues::TRACK_CUES;

/// How a cue takes part in the context rules of `classify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CueKind {
    /// Points at the Linux kernel; can be negated ("not a kernel talk") or be a mere
    /// motivation ("able to compile the kernel").
    Kernel,
    /// Points at general Rust.
    General,
    /// A compiler or tool; when the title names one, the talk is about that tool and
    /// kernel words in the abstract are only its motivation.
    Toolchain,
    /// A kernel other than Linux; when the title names one, kernel words in the
    /// abstract are about that kernel.
    OtherKernel,
    /// "user space" and friends: general Rust, and it turns a following kernel cue
    /// ("user-space driver") into general Rust as well.
    UserSpace,
}

pub(crate) struct Cue {
    pub phrase: &'static str,
    pub weight: f64,
    pub kind: CueKind,
}

const fn kernel(phrase: &'static str, weight: f64) -> Cue {
    Cue {
        phrase,
        weight,
        kind: CueKind::Kernel,
    }
}

const fn general(phrase: &'static str, weight: f64) -> Cue {
    Cue {
        phrase,
        weight: -weight,
        kind: CueKind::General,
    }
}

const fn toolchain(phrase: &'static str, weight: f64) -> Cue {
    Cue {
        phrase,
        weight: -weight,
        kind: CueKind::Toolchain,
    }
}

const fn other_kernel(phrase: &'static str) -> Cue {
    Cue {
        phrase,
        weight: -3.0,
        kind: CueKind::OtherKernel,
    }
}

const fn user_space(phrase: &'static str) -> Cue {
    Cue {
        phrase,
        weight: -1.5,
        kind: CueKind::UserSpace,
    }
}
