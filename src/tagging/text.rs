//! Text normalisation shared by the lexicon and the trained model.

/// Which input field a token came from; the title states the subject, so it weighs more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Title,
    Abstract,
    Notes,
}

impl Field {
    pub(crate) fn weight(self) -> f64 {
        match self {
            Field::Title => 1.5,
            Field::Abstract => 1.0,
            // Chair notes are often about logistics, so they count for less.
            Field::Notes => 0.5,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub word: String,
    /// Sentence index across the whole document; context rules never cross sentences.
    pub sentence: usize,
    pub field: Field,
}

/// Lowercases and splits into words of letters, digits and `_` (so `io_uring`,
/// `sched_ext`, `rustc_codegen_gcc` stay whole while `pin-init` becomes `pin init`).
pub(crate) fn words(text: &str) -> Vec<String> {
    tokenize_field(text, Field::Abstract, 0)
        .0
        .into_iter()
        .map(|token| token.word)
        .collect()
}

/// Tokenizes title, abstract and notes into one sequence with sentence indices.
pub(crate) fn tokenize_document(title: &str, abstract_text: &str, notes: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut next_sentence = 0;
    for (text, field) in [
        (title, Field::Title),
        (abstract_text, Field::Abstract),
        (notes, Field::Notes),
    ] {
        let (field_tokens, after) = tokenize_field(text, field, next_sentence);
        tokens.extend(field_tokens);
        // Fields never share a sentence.
        next_sentence = after + 1;
    }
    tokens
}

fn tokenize_field(text: &str, field: Field, first_sentence: usize) -> (Vec<Token>, usize) {
    let lowered = text.to_lowercase().replace("c++", "cpp");
    let chars: Vec<char> = lowered.chars().collect();
    let mut tokens = Vec::new();
    let mut sentence = first_sentence;
    let mut current = String::new();
    let flush = |current: &mut String, sentence: usize, tokens: &mut Vec<Token>| {
        // Possessive and contraction tails ("kernel's", "don't") carry no meaning.
        if !current.is_empty() && current != "s" && current != "t" {
            tokens.push(Token {
                word: std::mem::take(current),
                sentence,
                field,
            });
        }
        current.clear();
    };
    for (index, &ch) in chars.iter().enumerate() {
        if ch.is_alphanumeric() || ch == '_' {
            current.push(ch);
            continue;
        }
        flush(&mut current, sentence, &mut tokens);
        let ends_sentence = matches!(ch, '.' | '!' | '?' | ';' | '(' | ')')
            && chars
                .get(index + 1)
                .is_none_or(|next| !next.is_alphanumeric());
        if ends_sentence {
            sentence += 1;
        }
    }
    flush(&mut current, sentence, &mut tokens);
    (tokens, sentence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_underscored_identifiers_and_splits_hyphens() {
        assert_eq!(
            words("Rust-for-Linux's io_uring and rustc_codegen_gcc, C++!"),
            [
                "rust",
                "for",
                "linux",
                "io_uring",
                "and",
                "rustc_codegen_gcc",
                "cpp"
            ]
        );
    }

    #[test]
    fn sentences_and_fields_are_separated() {
        let tokens = tokenize_document("Title here", "One. Two 1.0 three", "");
        let sentences: Vec<usize> = tokens.iter().map(|t| t.sentence).collect();
        assert_eq!(sentences, [0, 0, 1, 2, 2, 2, 2]);
        assert_eq!(tokens[0].field, Field::Title);
        assert_eq!(tokens[2].field, Field::Abstract);
    }
}
