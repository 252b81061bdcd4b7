//! A real SMTP server on loopback that keeps what it receives, parsed: mailin's SMTP session
//! (commands, replies, the message's end) behind a thread per connection.
//!
//! Not mailin-embedded, which wraps the same session: it always brings rustls with its default
//! features, aws-lc's C among them, into the test build, while the platform uses ring
//! (docs/BENCHMARKS.md, « First start »). Our mail goes out without STARTTLS on loopback, so
//! the sink offers none.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mail_parser::{MessageParser, MimeHeaders};
use mailin::{Action, Handler, Response, SessionBuilder, response};

/// A message as the recipient's mail program would show it.
#[derive(Clone, Debug)]
pub struct ReceivedMail {
    pub envelope_to: Vec<String>,
    pub subject: String,
    pub to: String,
    pub text: String,
    /// (file name, content type, bytes)
    pub attachments: Vec<(String, String, Vec<u8>)>,
}

#[derive(Clone, Default)]
struct Capture {
    inbox: Arc<Mutex<Vec<ReceivedMail>>>,
    current: Option<(Vec<String>, Vec<u8>)>,
}

impl Handler for Capture {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some((to.to_vec(), Vec::new()));
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some((_, data)) = &mut self.current {
            data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let Some((envelope_to, raw)) = self.current.take() {
            let parsed = MessageParser::default()
                .parse(&raw)
                .expect("a parsable message");
            let mail = ReceivedMail {
                envelope_to,
                subject: parsed.subject().unwrap_or("").to_owned(),
                to: parsed
                    .to()
                    .and_then(|a| a.first())
                    .and_then(|a| a.address())
                    .unwrap_or("")
                    .to_owned(),
                text: parsed
                    .body_text(0)
                    .map(|t| t.into_owned())
                    .unwrap_or_default(),
                attachments: parsed
                    .attachments()
                    .map(|a| {
                        (
                            a.attachment_name().unwrap_or("").to_owned(),
                            a.content_type()
                                .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")))
                                .unwrap_or_default(),
                            a.contents().to_vec(),
                        )
                    })
                    .collect(),
            };
            self.inbox.lock().unwrap().push(mail);
        }
        response::OK
    }
}

/// One client's SMTP conversation, until it quits or hangs up.
fn converse(stream: TcpStream, sessions: &SessionBuilder, capture: Capture) -> std::io::Result<()> {
    let remote = stream.peer_addr()?.ip();
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = BufWriter::new(stream);
    let mut session = sessions.build(remote, capture);
    let reply = |writer: &mut BufWriter<TcpStream>, response: &Response| {
        response.write_to(writer)?;
        writer.flush()
    };
    reply(&mut writer, &session.greeting())?;
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let response = session.process(&line);
        match response.action {
            Action::NoReply => {}
            Action::Reply => reply(&mut writer, &response)?,
            // No STARTTLS is offered, so an upgrade is not asked for; close as for QUIT.
            Action::Close | Action::UpgradeTls => return reply(&mut writer, &response),
        }
    }
}

/// The running server; it lives until the test process ends.
pub struct SmtpSink {
    pub addr: SocketAddr,
    inbox: Arc<Mutex<Vec<ReceivedMail>>>,
}

impl SmtpSink {
    pub fn start() -> Self {
        Self::start_on(std::net::TcpListener::bind("127.0.0.1:0").unwrap())
    }

    pub fn start_on(listener: TcpListener) -> Self {
        let addr = listener.local_addr().unwrap();
        let capture = Capture::default();
        let inbox = capture.inbox.clone();
        let sessions = SessionBuilder::new("localhost");
        std::thread::spawn(move || {
            // One thread per connection: lettre keeps pooled connections open a minute, and
            // a test may deliver from several tasks at once.
            for stream in listener.incoming().flatten() {
                let (sessions, capture) = (sessions.clone(), capture.clone());
                std::thread::spawn(move || {
                    if let Err(e) = converse(stream, &sessions, capture) {
                        eprintln!("SMTP sink: a connection ended on an error: {e}");
                    }
                });
            }
        });
        Self { addr, inbox }
    }

    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn received(&self) -> Vec<ReceivedMail> {
        self.inbox.lock().unwrap().clone()
    }

    /// Waits until `count` messages have arrived (fails after 20 s).
    pub async fn wait_for(&self, count: usize) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "only {} of {count} message(s) arrived",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for the first message whose subject holds `subject` (fails after 20 s).
    pub async fn wait_for_subject(&self, subject: &str) -> ReceivedMail {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(mail) = self
                .received()
                .into_iter()
                .find(|m| m.subject.contains(subject))
            {
                return mail;
            }
            assert!(
                Instant::now() < deadline,
                "no message about « {subject} » arrived, only: {:?}",
                self.received()
                    .iter()
                    .map(|m| m.subject.clone())
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
