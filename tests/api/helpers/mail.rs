//! A real SMTP server on loopback whose received messages the tests read, and the decoding of
//! what it received (headers, encoded subjects, MIME parts).

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use base64::Engine;
use mailin_embedded::{Handler, Response, Server, SslConfig, response};

#[derive(Debug, Clone)]
pub struct ReceivedEmail {
    pub from: String,
    pub to: Vec<String>,
    pub raw: String,
}

impl ReceivedEmail {
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\r\n\r\n").next()?;
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }

    /// The Subject, with RFC 2047 encoded words (non-ASCII subjects) decoded.
    pub fn subject(&self) -> String {
        let raw = self.header("Subject").unwrap_or_default();
        let words: Vec<(String, bool)> = raw
            .split_whitespace()
            .map(|word| {
                let lower = word.to_ascii_lowercase();
                if lower.starts_with("=?utf-8?b?") && lower.ends_with("?=") {
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(&word[10..word.len() - 2])
                        .unwrap_or_default();
                    (String::from_utf8_lossy(&bytes).into_owned(), true)
                } else if lower.starts_with("=?utf-8?q?") && lower.ends_with("?=") {
                    (
                        decode_quoted_printable(&word[10..word.len() - 2].replace('_', " ")),
                        true,
                    )
                } else {
                    (word.to_owned(), false)
                }
            })
            .collect();
        let mut subject = String::new();
        for (i, (text, encoded)) in words.iter().enumerate() {
            // RFC 2047: white space between two adjacent encoded words is not part of the text
            if i > 0 && !(*encoded && words[i - 1].1) {
                subject.push(' ');
            }
            subject.push_str(text);
        }
        subject
    }

    /// The decoded body of the first part with this content type.
    pub fn part(&self, content_type: &str) -> Option<String> {
        let start = self.raw.find(&format!("Content-Type: {content_type}"))?;
        let part = &self.raw[start..];
        let (head, body) = part.split_once("\r\n\r\n")?;
        // the part ends at the next MIME boundary line (not at any "--", which a signature has)
        let boundary = self
            .raw
            .split_once("boundary=\"")
            .and_then(|(_, rest)| rest.split('"').next())
            .map(|b| format!("\r\n--{b}"));
        let body = match boundary {
            Some(boundary) => body.split(boundary.as_str()).next().unwrap_or(body),
            None => body,
        };
        let encoding = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Transfer-Encoding: "))
            .unwrap_or("7bit")
            .trim()
            .to_ascii_lowercase();
        Some(match encoding.as_str() {
            "quoted-printable" => decode_quoted_printable(body),
            "base64" => {
                let compact: String = body.split_whitespace().collect();
                String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(compact)
                        .expect("base64 body"),
                )
                .expect("utf-8 body")
            }
            _ => body.to_owned(),
        })
    }

    pub fn text(&self) -> String {
        self.part("text/plain").expect("a text/plain part")
    }

    pub fn html(&self) -> String {
        self.part("text/html").expect("a text/html part")
    }
}

fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'=' && i + 2 < bytes.len())
            .then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok())
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        if let Some(byte) = escaped {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The SMTP server's side of the tests. mailin gives every session a clone of the handler, so
/// the message being received (`current`) is the session's own, while what was received and
/// the refusal setting are shared.
#[derive(Clone, Default)]
pub struct MailSink {
    pub received: Arc<Mutex<Vec<ReceivedEmail>>>,
    /// When set, the server answers RCPT with this code (e.g. 451 transient, 554 permanent).
    pub reject_with: Arc<Mutex<Option<u16>>>,
    current: Option<ReceivedEmail>,
}

impl Handler for MailSink {
    // Refusals happen at RCPT: mailin stays in its DATA state after an error at data_end, so
    // the client's QUIT would be read as message text and the session would hang.
    fn rcpt(&mut self, _to: &str) -> Response {
        match *self.reject_with.lock().expect("lock") {
            Some(code) => Response::custom(code, "rejected by the test".to_owned()),
            None => response::OK,
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some(ReceivedEmail {
            from: from.to_owned(),
            to: to.to_vec(),
            raw: String::new(),
        });
        response::START_DATA
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(mail) = self.current.as_mut() {
            mail.raw.push_str(&String::from_utf8_lossy(buf));
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let Some(mail) = self.current.take() {
            self.received.lock().expect("lock").push(mail);
        }
        response::OK
    }
}

impl MailSink {
    /// Starts an SMTP server on 127.0.0.1:0 on a detached thread (mailin has no shutdown).
    pub fn start() -> (MailSink, u16) {
        Self::start_with_threads(2)
    }

    /// The same, serving this many connections at once.
    pub fn start_with_threads(threads: u32) -> (MailSink, u16) {
        let sink = MailSink::default();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind SMTP");
        let port = listener.local_addr().expect("addr").port();
        let mut server = Server::new(sink.clone());
        server
            .with_name("smtp.test")
            .with_ssl(SslConfig::None)
            .expect("no TLS")
            .with_num_threads(threads)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        (sink, port)
    }

    pub fn emails(&self) -> Vec<ReceivedEmail> {
        self.received.lock().expect("lock").clone()
    }

    pub fn reject(&self, code: Option<u16>) {
        *self.reject_with.lock().expect("lock") = code;
    }
}
