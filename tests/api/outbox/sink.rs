//! An SMTP server of these tests' own, on plain threads (so it answers while a test blocks or a
//! process is killed): it records the Message-ID of every message when its end-of-data marker
//! arrives, can wait before it answers each message (a slow relay), and can hold its answer
//! until released (a message in flight, for as long as a test needs).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

#[derive(Default)]
struct State {
    received: Vec<String>,
    held: Vec<String>,
    holding: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    released: Condvar,
}

pub struct Sink {
    shared: Arc<Shared>,
    port: u16,
}

impl Sink {
    /// Listens on 127.0.0.1:0; answers each message `delay` after it arrived.
    pub fn start(delay: Duration) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the sink");
        let port = listener.local_addr().expect("addr").port();
        let shared = Arc::new(Shared::default());
        let accepting = Arc::clone(&shared);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = Arc::clone(&accepting);
                std::thread::spawn(move || {
                    let _ = session(stream, &shared, delay);
                });
            }
        });
        Sink { shared, port }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.state.lock().expect("sink state")
    }

    /// The Message-IDs of every message received, in order (held ones included).
    pub fn received(&self) -> Vec<String> {
        self.state().received.clone()
    }

    /// While on, messages are received but not answered.
    pub fn hold(&self, on: bool) {
        self.state().holding = on;
        self.shared.released.notify_all();
    }

    /// The Message-IDs of the messages whose answer was held.
    pub fn held(&self) -> Vec<String> {
        self.state().held.clone()
    }
}

fn session(stream: TcpStream, shared: &Shared, delay: Duration) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    writer.write_all(b"220 sink.test ESMTP\r\n")?;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        match line
            .get(..4)
            .unwrap_or_default()
            .to_ascii_uppercase()
            .as_str()
        {
            "EHLO" | "HELO" => {
                writer.write_all(b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")?
            }
            "DATA" => {
                writer.write_all(b"354 go ahead\r\n")?;
                let mut message_id = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line)? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    if message_id.is_empty() && line.to_ascii_lowercase().starts_with("message-id:")
                    {
                        message_id = line["message-id:".len()..].trim().to_owned();
                    }
                }
                let mut state = shared.state.lock().expect("sink state");
                state.received.push(message_id.clone());
                if state.holding {
                    state.held.push(message_id);
                    while state.holding {
                        state = shared.released.wait(state).expect("sink state");
                    }
                }
                drop(state);
                std::thread::sleep(delay);
                writer.write_all(b"250 ok\r\n")?;
            }
            "QUIT" => {
                writer.write_all(b"221 bye\r\n")?;
                return Ok(());
            }
            _ => writer.write_all(b"250 ok\r\n")?,
        }
    }
}
