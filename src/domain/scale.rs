//! A review score scale.

/// The event's score scale, inclusive (`min < max`, validated by the caller).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub min: i16,
    pub max: i16,
}

impl Default for Scale {
    /// The default 1–5 scale.
    fn default() -> Self {
        Scale { min: 1, max: 5 }
    }
}
