//! The one CSV writer (RFC 4180, UTF-8, `\n` line ends): a header (or none), then rows. Text
//! cells that a spreadsheet would run as a formula (a leading `=`, `+`, `-`, `@`, tab or carriage
//! return) are defused with a leading `'`; numbers and ids go in as they are.

/// One cell of a row.
pub enum Cell<'a> {
    /// Free text from people: defused, and quoted when it needs to be (or always, see
    /// `CsvWriter::quoting_all_text`).
    Text(&'a str),
    /// A number, an id or a date this service wrote: never quoted or defused.
    Plain(String),
    /// A value whose exact text the reader needs (an email address it will check and store):
    /// quoted when it needs to be, never defused, since a `'` would change the address.
    Exact(&'a str),
}

pub struct CsvWriter {
    out: String,
    quote_all_text: bool,
}

impl CsvWriter {
    /// A writer that quotes a text cell only when it holds a comma, a quote or a line break.
    pub fn new(header: &[&str]) -> CsvWriter {
        let mut out = header.join(",");
        out.push('\n');
        CsvWriter {
            out,
            quote_all_text: false,
        }
    }

    /// A writer of rows alone, for readers that take no header (Indico's contribution import).
    pub fn headerless() -> CsvWriter {
        CsvWriter {
            out: String::new(),
            quote_all_text: false,
        }
    }

    /// A writer that quotes every text cell (the tagger corpus's own format).
    pub fn quoting_all_text(header: &[&str]) -> CsvWriter {
        CsvWriter {
            quote_all_text: true,
            ..CsvWriter::new(header)
        }
    }

    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = Cell<'a>>) {
        let mut first = true;
        for cell in cells {
            if !first {
                self.out.push(',');
            }
            first = false;
            match cell {
                Cell::Plain(text) => self.out.push_str(&text),
                Cell::Text(text) => self.push_text(text),
                Cell::Exact(text) => self.push_quoted_if_needed(text),
            }
        }
        self.out.push('\n');
    }

    fn push_text(&mut self, text: &str) {
        let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{text}")
        } else {
            text.to_owned()
        };
        self.push_quoted_if_needed(&defused);
    }

    fn push_quoted_if_needed(&mut self, text: &str) {
        if self.quote_all_text || text.contains([',', '"', '\n', '\r']) {
            self.out.push('"');
            self.out.push_str(&text.replace('"', "\"\""));
            self.out.push('"');
        } else {
            self.out.push_str(text);
        }
    }

    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_when_needed_and_defuses_formulas() {
        let mut csv = CsvWriter::new(&["a", "b", "c"]);
        csv.row([
            Cell::Text("plain"),
            Cell::Text("=HYPERLINK(\"x\")"),
            Cell::Plain("-0.500".into()),
        ]);
        csv.row([
            Cell::Text("a, b"),
            Cell::Text("line\nbreak"),
            Cell::Text("@me"),
        ]);
        assert_eq!(
            csv.finish(),
            "a,b,c\nplain,\"'=HYPERLINK(\"\"x\"\")\",-0.500\n\"a, b\",\"line\nbreak\",'@me\n"
        );
    }

    #[test]
    fn headerless_rows_and_exact_cells_are_quoted_but_never_defused() {
        let mut csv = CsvWriter::headerless();
        csv.row([Cell::Exact("-dash@example.org"), Cell::Exact("a,b")]);
        assert_eq!(csv.finish(), "-dash@example.org,\"a,b\"\n");
    }

    #[test]
    fn quoting_all_text_quotes_every_text_cell() {
        let mut csv = CsvWriter::quoting_all_text(&["label", "n"]);
        csv.row([Cell::Text("rust"), Cell::Plain("3".into())]);
        assert_eq!(csv.finish(), "label,n\n\"rust\",3\n");
    }
}
