//! One Stream connection, from the handshake to its end: reads frames, answers pings at once,
//! hands CALLBACK frames to the sink concurrently (a slow database must not hold up pings) and
//! ACKs each only when the sink took it.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinError, JoinSet};
use tokio::time::{Instant, sleep_until, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use super::wire::{self, Incoming};
use super::{Sink, Timing};

/// Frames handed to the sink and not yet answered, at most. At the cap the connection stops
/// reading until one is answered (backpressure): a frame read and then left unACKed might never
/// come again (DingTalk documents robot messages as fire-and-forget), while one left unread in
/// the socket waits for its turn. Should the sink stay stuck for longer than `idle_ping` and
/// `pong_timeout`, the unanswered ping ends the connection and a new one is opened.
const MAX_IN_FLIGHT: usize = 256;
/// How long one write may take before the socket counts as dead.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// On stop, how long frames already handed to the sink may take to be ACKed.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// After a `disconnect` frame DingTalk closes the socket after 10 s of silence (§2); if it
/// has not after this long and nothing is in flight, the client closes it.
const DRAIN_LIMIT: Duration = Duration::from_secs(30);

/// How a connection ended.
#[derive(Debug)]
pub(super) struct Ended {
    /// Why, in English, for the log.
    pub(super) reason: String,
    /// How long it was open.
    pub(super) lasted: Duration,
}

type Taken = (String, anyhow::Result<Value>);

enum Step {
    Read(Option<Result<Message, tokio_tungstenite::tungstenite::Error>>),
    Taken(Result<Taken, JoinError>),
    Timer,
    Stop,
}

/// Serves one connection until it ends or `stop` is set. `going_away` gets `id` when DingTalk
/// sends `disconnect`, so a new connection opens while this one finishes what it holds.
pub(super) async fn run<S: Sink, T>(
    id: u64,
    mut ws: WebSocketStream<T>,
    sink: Arc<S>,
    timing: Timing,
    going_away: mpsc::UnboundedSender<u64>,
    mut stop: watch::Receiver<bool>,
) -> Ended
where
    T: AsyncRead + AsyncWrite + Unpin + Send,
{
    let started = Instant::now();
    let mut takes: JoinSet<Taken> = JoinSet::new();
    let mut last_read = Instant::now();
    let mut ping_sent: Option<Instant> = None;
    let mut drain_since: Option<Instant> = None;
    let mut stopping_since: Option<Instant> = None;
    let reason = loop {
        if stopping_since.is_some() && takes.is_empty() {
            break "stopped".to_owned();
        }
        let wake = match (stopping_since, ping_sent, drain_since) {
            (Some(t), _, _) => t + STOP_GRACE,
            (None, Some(t), _) => t + timing.pong_timeout,
            (None, None, Some(t)) if takes.is_empty() => {
                (last_read + timing.idle_ping).min(t + DRAIN_LIMIT)
            }
            (None, None, _) => last_read + timing.idle_ping,
        };
        let running = stopping_since.is_none();
        let reading = running && takes.len() < MAX_IN_FLIGHT;
        let step = tokio::select! {
            message = ws.next(), if reading => Step::Read(message),
            Some(joined) = takes.join_next() => Step::Taken(joined),
            () = sleep_until(wake) => Step::Timer,
            _ = stop.wait_for(|s| *s), if running => Step::Stop,
        };
        match step {
            Step::Read(None) => break "closed by DingTalk".to_owned(),
            Step::Read(Some(Err(e))) => break format!("read failed: {e}"),
            Step::Read(Some(Ok(message))) => {
                last_read = Instant::now();
                ping_sent = None;
                let text = match message {
                    Message::Text(text) => text,
                    // tungstenite queues the pong; flushing sends it now, not with the next write.
                    Message::Ping(_) => match timeout(WRITE_TIMEOUT, ws.flush()).await {
                        Ok(Ok(())) => continue,
                        _ => break "could not answer a WebSocket ping".to_owned(),
                    },
                    _ => continue,
                };
                let answer = match wire::read(text.as_str()) {
                    Ok(incoming) => answer(id, incoming, &sink, &mut takes, &going_away),
                    Err(e) => {
                        tracing::warn!(connection = id, error = %e, "a Stream frame that is not JSON");
                        None
                    }
                };
                if let Some(answer) = answer {
                    if matches!(answer, Answer::Draining(_)) {
                        drain_since = Some(Instant::now());
                    }
                    if let Err(e) = send(&mut ws, answer.text()).await {
                        break e;
                    }
                }
            }
            Step::Taken(joined) => {
                let Some(ack) = acknowledgement(id, joined) else {
                    continue;
                };
                if let Err(e) = send(&mut ws, ack).await {
                    break e;
                }
            }
            Step::Timer if stopping_since.is_some() => {
                tracing::warn!(
                    connection = id,
                    in_flight = takes.len(),
                    "stopping with frames still being stored; they stay unacknowledged"
                );
                break "stopped".to_owned();
            }
            Step::Timer if ping_sent.is_some() => {
                break format!(
                    "no answer to a WebSocket ping within {:?}",
                    timing.pong_timeout
                );
            }
            Step::Timer
                if takes.is_empty() && drain_since.is_some_and(|t| t.elapsed() >= DRAIN_LIMIT) =>
            {
                break "drained after disconnect".to_owned();
            }
            Step::Timer => {
                if let Err(e) = send_message(&mut ws, Message::Ping(Vec::new().into())).await {
                    break e;
                }
                ping_sent = Some(Instant::now());
            }
            Step::Stop => stopping_since = Some(Instant::now()),
        }
    };
    // Frames still with the sink finish there (the sink stores them, DingTalk pushes them again
    // and the sink drops the duplicate); cancelling them midway would help nobody.
    takes.detach_all();
    let _ = timeout(WRITE_TIMEOUT, ws.close(None)).await;
    Ended {
        reason,
        lasted: started.elapsed(),
    }
}

/// What goes back on the socket at once.
enum Answer {
    Now(String),
    /// The ACK of a `disconnect` frame: the connection drains from now on.
    Draining(String),
}

impl Answer {
    fn text(self) -> String {
        match self {
            Answer::Now(text) | Answer::Draining(text) => text,
        }
    }
}

fn answer<S: Sink>(
    id: u64,
    incoming: Incoming,
    sink: &Arc<S>,
    takes: &mut JoinSet<Taken>,
    going_away: &mpsc::UnboundedSender<u64>,
) -> Option<Answer> {
    match incoming {
        Incoming::Ping { message_id, data } => {
            Some(Answer::Now(wire::ack(200, &message_id, &data)))
        }
        Incoming::Disconnect { message_id, reason } => {
            tracing::info!(
                connection = id,
                reason,
                "DingTalk is closing this Stream connection"
            );
            let _ = going_away.send(id);
            // No answer is required (§2), but go-sdk ACKs: closing before the ACK makes the
            // server send the disconnect again.
            Some(Answer::Draining(wire::ack(200, &message_id, "")))
        }
        Incoming::Callback(frame) => {
            tracing::debug!(
                connection = id,
                message_id = frame.message_id,
                topic = frame.topic,
                "frame received"
            );
            let sink = sink.clone();
            takes.spawn(async move {
                let message_id = frame.message_id.clone();
                (message_id, sink.take(frame).await)
            });
            None
        }
        Incoming::Event { message_id, topic } => {
            tracing::debug!(
                connection = id,
                message_id,
                topic,
                "event acknowledged unread"
            );
            Some(Answer::Now(wire::event_ack(&message_id)))
        }
        Incoming::Unknown {
            message_id,
            kind,
            topic,
        } => {
            tracing::warn!(
                connection = id,
                message_id,
                kind,
                topic,
                "a frame this client does not handle"
            );
            Some(Answer::Now(wire::ack(404, &message_id, "")))
        }
    }
}

/// The ACK for a frame the sink finished with; none when it failed, so DingTalk may push it
/// again (§8: store, then ACK).
fn acknowledgement(id: u64, joined: Result<Taken, JoinError>) -> Option<String> {
    match joined {
        Ok((message_id, Ok(response))) => Some(wire::callback_ack(&message_id, response)),
        Ok((message_id, Err(e))) => {
            tracing::error!(
                connection = id,
                message_id,
                error = format!("{e:#}"),
                "the frame was not stored; not acknowledged"
            );
            None
        }
        Err(e) => {
            tracing::error!(connection = id, error = %e, "storing a frame panicked; not acknowledged");
            None
        }
    }
}

async fn send<T>(ws: &mut WebSocketStream<T>, text: String) -> Result<(), String>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    send_message(ws, Message::Text(text.into())).await
}

async fn send_message<T>(ws: &mut WebSocketStream<T>, message: Message) -> Result<(), String>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    match timeout(WRITE_TIMEOUT, ws.send(message)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("write failed: {e}")),
        Err(_) => Err(format!("a write took longer than {WRITE_TIMEOUT:?}")),
    }
}
