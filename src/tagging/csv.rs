//! A minimal RFC 4180 reader: quoted fields, embedded commas, doubled quotes and
//! newlines inside quotes. Enough for the embedded corpus and the evaluation file.

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CsvError(pub String);

impl std::fmt::Display for CsvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CSV error: {}", self.0)
    }
}

/// Parses CSV text into records (the header, if any, is the first record).
pub(crate) fn parse(text: &str) -> Result<Vec<Vec<String>>, CsvError> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    // Distinguishes an empty last field ("a,") from no field at all (blank line).
    let mut record_started = false;
    let mut line = 1;
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch == '\n' {
            line += 1;
        }
        if in_quotes {
            match ch {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                _ => field.push(ch),
            }
            continue;
        }
        match ch {
            '"' if field.is_empty() => {
                in_quotes = true;
                record_started = true;
            }
            '"' => {
                return Err(CsvError(format!(
                    "quote inside an unquoted field on line {line}"
                )));
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                record_started = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                if record_started || !field.is_empty() {
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                }
                record_started = false;
            }
            _ => {
                field.push(ch);
                record_started = true;
            }
        }
    }
    if in_quotes {
        return Err(CsvError(format!(
            "unterminated quoted field at end of input (line {line})"
        )));
    }
    if record_started || !field.is_empty() {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

/// Parses CSV with a header row into maps from column name to value.
pub(crate) fn parse_with_header(
    text: &str,
) -> Result<Vec<std::collections::BTreeMap<String, String>>, CsvError> {
    let mut records = parse(text)?.into_iter();
    let header = records.next().unwrap_or_default();
    records
        .enumerate()
        .map(|(index, record)| {
            if record.len() != header.len() {
                return Err(CsvError(format!(
                    "record {} has {} fields, the header has {}",
                    index + 2,
                    record.len(),
                    header.len()
                )));
            }
            Ok(header.iter().cloned().zip(record).collect())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_quotes_commas_and_newlines() {
        let text = "a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\nthere\"\n\n2,,\n";
        let records = parse(text).expect("valid CSV");
        assert_eq!(
            records,
            [
                vec!["a", "b", "c"],
                vec!["1", "x, y", "say \"hi\"\nthere"],
                vec!["2", "", ""],
            ]
        );
    }

    #[test]
    fn last_record_without_newline() {
        assert_eq!(
            parse("a,b\n1,2").expect("valid CSV"),
            [["a", "b"], ["1", "2"]]
        );
    }

    #[test]
    fn rejects_unterminated_quote_and_ragged_rows() {
        assert!(parse("a,\"b\n").is_err());
        assert!(parse_with_header("a,b\n1,2,3\n").is_err());
    }
}
