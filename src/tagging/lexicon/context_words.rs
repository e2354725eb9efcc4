//! The words the context rules of `classify` look for around a kernel cue (data).

/// Words that negate a kernel cue in the next few words of the same sentence.
pub(crate) const NEGATORS: &[&str] = &["not", "no", "non", "without", "instead"];

/// Weaker negators: "outside the kernel" usually moves the subject away from the
/// kernel, but "people from outside the kernel community" still talks about it. They
/// also reach back to the cue before them ("drivers that run outside the kernel").
pub(crate) const LOCATIVE_NEGATORS: &[&str] = &["outside", "beyond"];

/// Words after a negator that make it mean "also" rather than "not" ("not only the kernel").
pub(crate) const NEGATION_BREAKERS: &[&str] = &[
    "only",
    "just",
    "merely",
    "limited",
    "longer",
    "yet",
    "necessarily",
];

/// Verbs that make the following kernel cue a target to compile, not the subject.
pub(crate) const COMPILE_VERBS: &[&str] = &["compile", "compiles", "compiling", "compiled"];
