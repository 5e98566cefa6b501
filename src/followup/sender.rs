//! The outbox sender, and the rate limiter it shares with the bot's replies.
//!
//! The sender walks the pending rows of the outbox in id order and posts each as `sendMessage`
//! through `reqwest` directly (teloxide's client sleeps 10 s on every 5xx, which would stall a
//! fan-out). A chat's messages go in order — a later row never goes while an earlier row of the
//! same chat is pending, in flight or waiting for its retry — and different chats' messages go
//! concurrently, as fast as the [`Limiter`] lets them. What Telegram answers decides the rest:
//!
//! - accepted: the row is marked sent with its message id, many rows per transaction;
//! - 429: the chat is paused for `retry_after` and the row goes again after that, without
//!   counting an attempt;
//! - 5xx, no answer within 10 s, no connection: the attempt is recorded and the row tried again
//!   after 200 ms, 400 ms, … (at most 30 s), until `max_attempts` attempts failed;
//! - 403 (the user blocked the bot, the bot left the group) and other 4xx: given up at once.
//!
//! A row given up is marked failed, and every admin gets a message about it through the outbox.
//! A row Telegram accepted is marked sent before the sender forgets it (also on
//! [`SenderHandle::stop`]), so a restart sends nothing twice; only a request whose answer was
//! lost after Telegram had it (a timeout) may go twice, as with any at-least-once delivery.
//!
//! Rows of other platforms go through a [`Transport`] that answers in the same terms: DingTalk's
//! people and groups, and the group robots a bulletin is posted to (their rows are addressed to
//! a number per channel, [`robot_channel`]). A row's file is read from the database when the row
//! is sent; the last few are kept in memory, since a bulletin's files go to every reader.

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::{Notify, watch};
use tokio::task::{self, JoinError, JoinHandle, JoinSet};

use crate::bulletin::channels::{channel_name, robot_channel};
use crate::clock::Clock;
use crate::cluster::Cluster;
use crate::config::Settings;
use crate::store::{OutFile, OutMessage, Outgoing, Platform, Role, Store, StoreError, platform_of};
use crate::telemetry::Metrics;
use crate::wording::Keyboard;
use crate::wording::texts;

// ---------------------------------------------------------------------------------------------
// Limits and the limiter
// ---------------------------------------------------------------------------------------------

/// Telegram's flood limits as duban keeps them; 0 lifts a cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendLimits {
    /// Messages per second overall, evenly spaced (no burst).
    pub per_second: u32,
    /// Messages per second to one chat, evenly spaced.
    pub per_chat_per_second: u32,
    /// Messages to one group in any 60 seconds, on top of the per-chat spacing.
    pub per_group_per_minute: u32,
}

impl SendLimits {
    /// Telegram's documented limits: 30 messages a second, 1 a second per chat, 20 a minute per
    /// group.
    pub fn telegram() -> Self {
        Self {
            per_second: 30,
            per_chat_per_second: 1,
            per_group_per_minute: 20,
        }
    }

    /// No cap at all (a local Bot API server without limits, benchmarks).
    pub fn unlimited() -> Self {
        Self {
            per_second: 0,
            per_chat_per_second: 0,
            per_group_per_minute: 0,
        }
    }
}

impl From<&Settings> for SendLimits {
    fn from(settings: &Settings) -> Self {
        Self {
            per_second: settings.send_per_second,
            per_chat_per_second: settings.send_per_chat_per_second,
            per_group_per_minute: settings.send_per_group_per_minute,
        }
    }
}

/// Why a message may not go yet, and the earliest it might.
///
/// The time is a lower bound when the cap is held by messages still in flight: they keep
/// their place until a window's length after Telegram answers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// The overall cap: no message to any chat goes before this.
    Global(Instant),
    /// This chat's spacing, its group window or a pause after a 429.
    Chat(Instant),
}

impl Wait {
    /// The earliest the message might go.
    pub fn until(self) -> Instant {
        match self {
            Wait::Global(at) | Wait::Chat(at) => at,
        }
    }
}

/// The rate limiter every `sendMessage` of the process goes through: the outbox sender's and
/// the bot's replies. Cheap to clone; clones share the caps.
#[derive(Debug, Clone)]
pub struct Limiter(Arc<Mutex<Caps>>);

impl Limiter {
    pub fn new(limits: SendLimits) -> Self {
        Self(Arc::new(Mutex::new(Caps::new(limits))))
    }

    /// Waits until a message to `chat_id` may go and takes its place. Keep the [`Slot`] until
    /// Telegram has answered.
    pub async fn acquire(&self, chat_id: i64, is_group: bool) -> Slot {
        loop {
            match self.try_acquire(chat_id, is_group, Instant::now()) {
                Ok(slot) => return slot,
                Err(wait) => tokio::time::sleep_until(wait.until().into()).await,
            }
        }
    }

    /// Takes the place of a message to `chat_id` if it may go at `now`; else says until when
    /// it must wait and whether the overall cap or the chat's is what holds it. Never blocks:
    /// the sender asks for every pending chat and sends those that may go.
    pub fn try_acquire(&self, chat_id: i64, is_group: bool, now: Instant) -> Result<Slot, Wait> {
        self.caps().try_acquire(chat_id, is_group, now)?;
        Ok(Slot {
            limiter: self.clone(),
            chat_id,
            is_group,
        })
    }

    /// Takes this instance's share of the overall cap when `instances` instances send at once
    /// (see [`crate::cluster`]): the cap divided among them, rounded down, at least one message
    /// a second, so that together they keep it. The chats' caps need no share: one instance at
    /// a time sends to a chat.
    pub fn set_share(&self, instances: usize) {
        self.caps().set_share(instances);
    }

    /// Holds every message back until `until`: an instance that just joined waits until the
    /// others have seen it and taken their smaller shares.
    pub fn hold_all(&self, until: Instant) {
        let mut caps = self.caps();
        caps.held_until = caps.held_until.max(Some(until));
    }

    /// Holds every message to `chat_id` back for `pause` (Telegram's `retry_after` of a 429).
    pub fn pause_chat(&self, chat_id: i64, pause: Duration) {
        self.caps().pause(chat_id, Instant::now() + pause);
    }

    fn answered(&self, chat_id: i64, is_group: bool, at: Instant) {
        self.caps().answered(chat_id, is_group, at);
    }

    /// The caps; a panic in another holder leaves them usable.
    fn caps(&self) -> MutexGuard<'_, Caps> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A message's place under the caps, from the moment it was let go until it is dropped. Drop
/// it once Telegram has answered (or the request failed): the message still counts against the
/// caps for a window's length after that, because Telegram counted it at some instant before.
#[derive(Debug)]
pub struct Slot {
    limiter: Limiter,
    chat_id: i64,
    is_group: bool,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.limiter
            .answered(self.chat_id, self.is_group, Instant::now());
    }
}

/// One cap: at most `cap` messages in any `span`, and, when spaced, one due every `span / cap`
/// (no burst).
///
/// A message holds a place from the moment it is let go until `span` after Telegram answered
/// it. Telegram counted it somewhere in between, so no window Telegram measures can hold more
/// than `cap` messages, however unevenly the requests travel.
#[derive(Debug)]
struct Rate {
    cap: usize,
    span: Duration,
    /// Even spacing; `None` lets the window fill at once (the group cap).
    spacing: Option<Duration>,
    /// The earliest the next message may go by the spacing.
    next: Option<Instant>,
    /// Messages let go and not answered yet.
    in_flight: usize,
    /// When the messages answered within the last `span` were answered, oldest first.
    answered: VecDeque<Instant>,
}

impl Rate {
    /// `None` for a cap of 0 (no cap).
    fn new(cap: u32, span: Duration, spaced: bool) -> Option<Rate> {
        (cap > 0).then(|| Rate {
            cap: cap as usize,
            span,
            // Rounded up, so that `cap` spacings never fit into less than `span`.
            spacing: spaced
                .then(|| Duration::from_nanos(span.as_nanos().div_ceil(u128::from(cap)) as u64)),
            next: None,
            in_flight: 0,
            answered: VecDeque::new(),
        })
    }

    /// `None` if one more message may go at `now`, else the earliest it might.
    fn blocked_until(&mut self, now: Instant) -> Option<Instant> {
        while self
            .answered
            .front()
            .is_some_and(|&at| at + self.span <= now)
        {
            self.answered.pop_front();
        }
        let spaced = self.next.filter(|&next| next > now);
        let held = self.in_flight + self.answered.len();
        let full = (held >= self.cap).then(|| {
            // The window has room once `held - cap + 1` messages left it: the answered ones
            // leave first, oldest first; those in flight leave `span` after an answer still to
            // come, so not before `now + span`.
            self.answered
                .get(held - self.cap)
                .map_or(now + self.span, |&at| at + self.span)
        });
        spaced.max(full)
    }

    /// Takes a place at `now`. The spacing runs from the time the message was due rather than
    /// from `now`, so that timer lateness (a millisecond here and there) does not add up over a
    /// long fan-out; after a pause it runs from `now`.
    fn take(&mut self, now: Instant) {
        self.in_flight += 1;
        if let Some(spacing) = self.spacing {
            let due = self.next.filter(|&due| now < due + spacing).unwrap_or(now);
            self.next = Some(due + spacing);
        }
    }

    /// A new cap; what was sent keeps its place in the window.
    fn set_cap(&mut self, cap: u32) {
        let cap = cap.max(1);
        self.cap = cap as usize;
        if self.spacing.is_some() {
            self.spacing = Some(Duration::from_nanos(
                self.span.as_nanos().div_ceil(u128::from(cap)) as u64,
            ));
        }
    }

    fn answered(&mut self, at: Instant) {
        if self.in_flight == 0 {
            return;
        }
        self.in_flight -= 1;
        let position = self.answered.partition_point(|&t| t <= at);
        self.answered.insert(position, at);
    }

    /// Nothing of the past constrains the future any more.
    fn idle(&self, now: Instant) -> bool {
        self.in_flight == 0
            && self.next.is_none_or(|next| next <= now)
            && self.answered.back().is_none_or(|&at| at + self.span <= now)
    }
}

/// What the limiter remembers of one chat.
#[derive(Debug, Default)]
struct ChatCaps {
    paused_until: Option<Instant>,
    rate: Option<Rate>,
    group: Option<Rate>,
}

impl ChatCaps {
    fn idle(&self, now: Instant) -> bool {
        self.paused_until.is_none_or(|p| p <= now)
            && self.rate.as_ref().is_none_or(|r| r.idle(now))
            && self.group.as_ref().is_none_or(|r| r.idle(now))
    }
}

/// Chats remembered before the limiter first forgets the idle ones; the threshold then doubles
/// with the chats still remembered, so forgetting costs O(1) per message.
const FORGET_FLOOR: usize = 1024;

/// The limiter's state, a pure function of the instants passed in (the unit tests never sleep).
#[derive(Debug)]
struct Caps {
    limits: SendLimits,
    global: Option<Rate>,
    /// No message goes before then (an instance joining others).
    held_until: Option<Instant>,
    chats: HashMap<i64, ChatCaps>,
    forget_at: usize,
}

impl Caps {
    fn new(limits: SendLimits) -> Self {
        Self {
            limits,
            global: Rate::new(limits.per_second, Duration::from_secs(1), true),
            held_until: None,
            chats: HashMap::new(),
            forget_at: FORGET_FLOOR,
        }
    }

    fn set_share(&mut self, instances: usize) {
        let instances = u32::try_from(instances.max(1)).unwrap_or(u32::MAX);
        let per_second = self.limits.per_second;
        if let Some(global) = &mut self.global {
            global.set_cap(per_second / instances);
        }
    }

    fn try_acquire(&mut self, chat_id: i64, is_group: bool, now: Instant) -> Result<(), Wait> {
        if let Some(until) = self.held_until.filter(|&until| until > now) {
            return Err(Wait::Global(until));
        }
        if let Some(until) = self.global.as_mut().and_then(|g| g.blocked_until(now)) {
            return Err(Wait::Global(until));
        }
        if self.chats.len() >= self.forget_at {
            self.chats.retain(|_, chat| !chat.idle(now));
            self.forget_at = (self.chats.len() * 2).max(FORGET_FLOOR);
        }
        let limits = self.limits;
        let capped =
            limits.per_chat_per_second > 0 || (is_group && limits.per_group_per_minute > 0);
        let chat = if capped {
            let chat = self.chats.entry(chat_id).or_default();
            if chat.rate.is_none() {
                chat.rate = Rate::new(limits.per_chat_per_second, Duration::from_secs(1), true);
            }
            if is_group && chat.group.is_none() {
                chat.group = Rate::new(limits.per_group_per_minute, Duration::from_secs(60), false);
            }
            Some(chat)
        } else {
            self.chats.get_mut(&chat_id)
        };
        if let Some(chat) = chat {
            let paused = chat.paused_until.filter(|&p| p > now);
            let spaced = chat.rate.as_mut().and_then(|r| r.blocked_until(now));
            let grouped = match (is_group, chat.group.as_mut()) {
                (true, Some(group)) => group.blocked_until(now),
                _ => None,
            };
            if let Some(until) = paused.max(spaced).max(grouped) {
                return Err(Wait::Chat(until));
            }
            if let Some(rate) = &mut chat.rate {
                rate.take(now);
            }
            if let (true, Some(group)) = (is_group, &mut chat.group) {
                group.take(now);
            }
        }
        if let Some(global) = &mut self.global {
            global.take(now);
        }
        Ok(())
    }

    fn answered(&mut self, chat_id: i64, is_group: bool, at: Instant) {
        if let Some(global) = &mut self.global {
            global.answered(at);
        }
        if let Some(chat) = self.chats.get_mut(&chat_id) {
            if let Some(rate) = &mut chat.rate {
                rate.answered(at);
            }
            if let (true, Some(group)) = (is_group, &mut chat.group) {
                group.answered(at);
            }
        }
    }

    fn pause(&mut self, chat_id: i64, until: Instant) {
        let chat = self.chats.entry(chat_id).or_default();
        chat.paused_until = chat.paused_until.max(Some(until));
    }
}

// ---------------------------------------------------------------------------------------------
// The sender
// ---------------------------------------------------------------------------------------------

/// How the sender reaches Telegram and what it does with failures.
#[derive(Clone)]
pub struct SenderConfig {
    /// The Bot API server, e.g. `https://api.telegram.org` (a trailing `/` is ignored).
    pub api_url: String,
    /// The bot token; it is part of every request's URL and never logged.
    pub token: String,
    /// The caps the limiter keeps (logged at start).
    pub limits: SendLimits,
    /// Attempts that failed on a 5xx, a timeout or a lost connection before a row is given up.
    pub max_attempts: u32,
    /// The admins of the settings; members with the admin role are told as well.
    pub admins: Vec<i64>,
    /// How rows for DingTalk's people and groups go out (their numbers say so, see
    /// [`platform_of`]); None when DingTalk is not configured.
    pub dingtalk: Option<Arc<dyn Transport>>,
    /// The instances this one shares the database with: it sends only to the chats it holds
    /// (see [`crate::cluster`]); None for the only instance.
    pub cluster: Option<Cluster>,
    /// Where the sender counts what it sent, gave up and was told to wait for, and times each
    /// send.
    pub metrics: Metrics,
    /// How a bulletin's rows for the group robots go out (their numbers say so, see
    /// [`robot_channel`]); None gives such rows up.
    pub robots: Option<Arc<dyn Transport>>,
}

/// Delivers the outbox rows of a platform other than Telegram: what its API answered, in the
/// sender's terms (accepted with the message's number, wait, try again, give up). `file` is the
/// row's file, read for the send.
pub trait Transport: Send + Sync + 'static {
    fn post<'a>(
        &'a self,
        row: &'a Outgoing,
        file: Option<&'a OutFile>,
    ) -> Pin<Box<dyn Future<Output = Answer> + Send + 'a>>;
}

impl std::fmt::Debug for SenderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SenderConfig")
            .field("api_url", &self.api_url)
            .field("token", &"…")
            .field("limits", &self.limits)
            .field("max_attempts", &self.max_attempts)
            .field("admins", &self.admins)
            .field("dingtalk", &self.dingtalk.is_some())
            .field("cluster", &self.cluster)
            .field("robots", &self.robots.is_some())
            .finish()
    }
}

/// Sends under way at once, at most.
const MAX_IN_FLIGHT: usize = 64;
/// Pending rows read per query.
const READ_BATCH: i64 = 1000;
/// Rows marked sent per transaction, at most.
const MARK_BATCH: usize = 500;
/// How often the outbox is read again from its first pending row: rows enqueued by another
/// process (no wake), or committed after rows with higher ids (PostgreSQL hands ids out before
/// commit), are found within this time.
const RESCAN: Duration = Duration::from_millis(200);
/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The wait before the first retry after a failed attempt; it doubles with each failure.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// The longest wait before a retry.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The wait after the database failed, before reading or writing again.
const DATABASE_RETRY: Duration = Duration::from_secs(1);
/// When stopping, marking rows sent may fail this many times in a row before the sender gives
/// up on them (they are sent again at the next start).
const MARK_TRIES_WHEN_STOPPING: u32 = 3;
/// Dedupe keys of the admins' messages about a row given up start with this; such a message
/// that fails in turn is not reported again.
const GAVE_UP_PREFIX: &str = "gave-up:";

/// The running sender.
#[derive(Debug)]
pub struct SenderHandle {
    wake: Arc<Notify>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    limiter: Limiter,
}

impl SenderHandle {
    /// Rows were enqueued: look now rather than at the next periodic read.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// What [`wake`](Self::wake) notifies, for the scheduler and the bot's handlers to wake the
    /// sender after they enqueued rows.
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// The limiter the sender goes through, for the bot's replies.
    pub fn limiter(&self) -> &Limiter {
        &self.limiter
    }

    /// Ends at once, the sends in flight cut off and nothing marked: a crash, for the tests.
    pub fn abort(self) {
        self.task.abort();
    }

    /// Stops taking rows at once; the future resolves when the sends in flight have been
    /// answered and recorded. Rows not taken stay pending for the next start. Dropping the
    /// handle stops the sender in the same way, without waiting.
    pub fn stop(self) -> impl Future<Output = ()> {
        self.stop.send_replace(true);
        async move {
            if let Err(e) = self.task.await {
                tracing::error!(error = %e, "the outbox sender panicked");
            }
        }
    }
}

/// Starts the sender on the current tokio runtime.
pub fn spawn(store: Store, clock: Clock, limiter: Limiter, config: SenderConfig) -> SenderHandle {
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("an HTTP client without custom settings builds");
    tracing::info!(
        per_second = config.limits.per_second,
        per_chat_per_second = config.limits.per_chat_per_second,
        per_group_per_minute = config.limits.per_group_per_minute,
        max_attempts = config.max_attempts,
        "outbox sender started"
    );
    let ctx = Arc::new(Ctx {
        store,
        clock,
        limiter: limiter.clone(),
        client,
        endpoint: format!(
            "{}/bot{}/sendMessage",
            config.api_url.trim_end_matches('/'),
            config.token
        ),
        document_endpoint: format!(
            "{}/bot{}/sendDocument",
            config.api_url.trim_end_matches('/'),
            config.token
        ),
        max_attempts: config.max_attempts,
        admins: config.admins,
        dingtalk: config.dingtalk,
        cluster: config.cluster,
        metrics: config.metrics,
        robots: config.robots,
        files: Mutex::new(VecDeque::new()),
    });
    let wake = Arc::new(Notify::new());
    let (stop, stop_rx) = watch::channel(false);
    let sender = Sender {
        ctx,
        wake: wake.clone(),
        stop: stop_rx,
        stopping: false,
        jobs: JoinSet::new(),
        job_kinds: HashMap::new(),
        busy: HashMap::new(),
        backing_off: HashMap::new(),
        delivered: Vec::new(),
        unmarked: HashSet::new(),
        marking: false,
        mark_retry_at: None,
        mark_failures: 0,
        settled: HashSet::new(),
        pass: Pass::new(Instant::now()),
    };
    SenderHandle {
        wake,
        stop,
        task: tokio::spawn(sender.run()),
        limiter,
    }
}

/// What the send tasks share.
struct Ctx {
    store: Store,
    clock: Clock,
    limiter: Limiter,
    client: reqwest::Client,
    /// `{api_url}/bot{token}/sendMessage`: holds the token, so it is never logged.
    endpoint: String,
    /// `{api_url}/bot{token}/sendDocument`, for rows with a file.
    document_endpoint: String,
    max_attempts: u32,
    admins: Vec<i64>,
    dingtalk: Option<Arc<dyn Transport>>,
    cluster: Option<Cluster>,
    metrics: Metrics,
    robots: Option<Arc<dyn Transport>>,
    /// The files read last (id, bytes), newest last: a bulletin's file goes to every reader.
    files: Mutex<VecDeque<(i64, Arc<Vec<u8>>)>>,
}

/// What became of one send.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Accepted; the message's number in its chat.
    Sent(i32),
    /// Telegram's 429 with its `retry_after`, or another platform's 限流: the chat waits.
    RetryAfter(Duration),
    /// Worth another try: 5xx, no answer, no connection, an answer that cannot be read.
    Transient(String),
    /// Another try would fail the same way: 403 and the other 4xx.
    Permanent(String),
}

/// What a send task did with a row.
#[derive(Debug)]
enum Outcome {
    /// Telegram accepted it; it is still to be marked sent.
    Delivered(Outgoing, i32),
    /// A 429: the limiter holds the chat back; the row goes again when it lets it.
    Again,
    /// The attempt failed and (as far as the database allowed) was recorded: retry after this.
    Retry(Duration),
    /// Marked failed; the admins' messages are enqueued.
    GaveUp,
}

/// What a finished task of the sender did.
enum Done {
    Send(Outcome),
    /// Whether the batch was marked sent.
    Mark(bool),
}

/// What a task of the sender is about: the row a send is for, the rows a marking writes (put
/// back if it fails or panics).
enum Job {
    Send { row: i64, chat: i64 },
    Mark(Arc<Vec<(Outgoing, i32)>>),
}

/// Telegram's answer to a method call, the parts the sender reads.
#[derive(Deserialize)]
struct Reply {
    ok: bool,
    result: Option<SentMessage>,
    error_code: Option<u16>,
    description: Option<String>,
    parameters: Option<ReplyParameters>,
}

#[derive(Deserialize)]
struct SentMessage {
    message_id: i32,
}

#[derive(Deserialize)]
struct ReplyParameters {
    retry_after: Option<u64>,
}

/// Reads an HTTP answer of sendMessage.
fn classify(status: u16, body: &[u8]) -> Answer {
    let reply: Option<Reply> = serde_json::from_slice(body).ok();
    if let Some(Reply {
        ok: true,
        result: Some(sent),
        ..
    }) = &reply
    {
        return Answer::Sent(sent.message_id);
    }
    let code = reply.as_ref().and_then(|r| r.error_code).unwrap_or(status);
    let description = reply
        .as_ref()
        .and_then(|r| r.description.clone())
        .unwrap_or_else(|| format!("HTTP {status}: an answer that is not the Bot API's"));
    match code {
        429 => {
            let seconds = reply
                .and_then(|r| r.parameters)
                .and_then(|p| p.retry_after)
                .unwrap_or(1);
            Answer::RetryAfter(Duration::from_secs(seconds))
        }
        400..=499 => Answer::Permanent(format!("{code} {description}")),
        _ => Answer::Transient(format!("{code} {description}")),
    }
}

/// Buttons as Telegram's inline keyboard: each carries its action's code as callback data.
fn inline_keyboard(keyboard: &Keyboard) -> Value {
    let rows: Vec<Vec<Value>> = keyboard
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|b| json!({ "text": b.label, "callback_data": b.action }))
                .collect()
        })
        .collect();
    json!({ "inline_keyboard": rows })
}

/// A request that got no answer, described without its URL (which holds the token).
fn transport_error(e: reqwest::Error) -> String {
    if e.is_timeout() {
        return format!("no answer within {} s", REQUEST_TIMEOUT.as_secs());
    }
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Files the sender keeps in memory after reading them (a bulletin has three).
const FILES_KEPT: usize = 4;

/// The wait before the retry after `failures` failed attempts: 200 ms, 400 ms, … 30 s.
fn backoff(failures: i64) -> Duration {
    let doublings = failures.saturating_sub(1).clamp(0, 16) as u32;
    FIRST_BACKOFF
        .saturating_mul(1 << doublings)
        .min(MAX_BACKOFF)
}

impl Ctx {
    /// Sends one row and records a failure; the slot is given back as soon as Telegram answered.
    async fn deliver(&self, row: Outgoing, slot: Slot) -> Outcome {
        let started = Instant::now();
        let answer = self.post(&row).await;
        self.metrics.send_took(row.chat_id, started.elapsed());
        if let Answer::RetryAfter(pause) = answer {
            self.limiter.pause_chat(row.chat_id, pause);
            self.metrics.told_to_wait(row.chat_id);
        }
        drop(slot);
        match answer {
            Answer::Sent(message_id) => Outcome::Delivered(row, message_id),
            Answer::RetryAfter(pause) => {
                tracing::debug!(
                    id = row.id,
                    chat = row.chat_id,
                    ?pause,
                    "429: the chat waits"
                );
                Outcome::Again
            }
            Answer::Transient(error) => self.failed(&row, &error, false).await,
            Answer::Permanent(error) => self.failed(&row, &error, true).await,
        }
    }

    /// The bytes of the file `id`, from the ones read last or from the database.
    async fn file(&self, id: i64) -> Result<Arc<Vec<u8>>, String> {
        let kept = |files: &VecDeque<(i64, Arc<Vec<u8>>)>| {
            files.iter().find(|(f, _)| *f == id).map(|(_, b)| b.clone())
        };
        if let Some(bytes) = kept(&self.kept_files()) {
            return Ok(bytes);
        }
        let bytes = match self.store.outbox_file(id).await {
            Ok(Some(bytes)) => Arc::new(bytes),
            Ok(None) => return Err(format!("the file {id} of the outbox is gone")),
            Err(e) => return Err(format!("could not read the file {id}: {e}")),
        };
        let mut files = self.kept_files();
        if kept(&files).is_none() {
            if files.len() >= FILES_KEPT {
                files.pop_front();
            }
            files.push_back((id, bytes.clone()));
        }
        Ok(bytes)
    }

    fn kept_files(&self) -> MutexGuard<'_, VecDeque<(i64, Arc<Vec<u8>>)>> {
        self.files.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn post(&self, row: &Outgoing) -> Answer {
        let file = match &row.file {
            Some(file) => match self.file(file.id).await {
                Ok(bytes) => Some(OutFile {
                    name: file.name.clone(),
                    bytes: bytes.to_vec(),
                }),
                Err(e) => return Answer::Transient(e),
            },
            None => None,
        };
        if robot_channel(row.chat_id).is_some() {
            return match &self.robots {
                Some(transport) => transport.post(row, file.as_ref()).await,
                None => Answer::Permanent("the group robots are not configured".into()),
            };
        }
        if platform_of(row.chat_id) == Platform::DingTalk {
            return match &self.dingtalk {
                Some(transport) => transport.post(row, file.as_ref()).await,
                None => Answer::Permanent("DingTalk is not configured".into()),
            };
        }
        let Ok(Value::Object(mut body)) = serde_json::from_str(&row.payload) else {
            return Answer::Permanent("the stored payload is not a JSON object".into());
        };
        if let Some(buttons) = body.remove("buttons") {
            match serde_json::from_value::<Keyboard>(buttons) {
                Ok(keyboard) => {
                    body.insert("reply_markup".into(), inline_keyboard(&keyboard));
                }
                Err(e) => {
                    return Answer::Permanent(format!("the stored buttons are unreadable: {e}"));
                }
            }
        }
        body.insert("chat_id".into(), row.chat_id.into());
        let request = match file {
            None => self.client.post(&self.endpoint).json(&body),
            // A document is uploaded as multipart/form-data, the other parameters as text.
            Some(file) => {
                let mut form = reqwest::multipart::Form::new();
                for (name, value) in body {
                    let text = match value {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    form = form.text(name, text);
                }
                let part = reqwest::multipart::Part::bytes(file.bytes).file_name(file.name);
                self.client
                    .post(&self.document_endpoint)
                    .multipart(form.part("document", part))
            }
        };
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => return Answer::Transient(transport_error(e)),
        };
        let status = response.status().as_u16();
        match response.bytes().await {
            Ok(bytes) => classify(status, &bytes),
            Err(e) => Answer::Transient(transport_error(e)),
        }
    }

    /// Records a failed attempt. A permanent error or the last attempt gives the row up: the
    /// admins' messages are enqueued first, so that if recording fails the row stays pending,
    /// fails again later and enqueues them again (their dedupe keys make that harmless).
    async fn failed(&self, row: &Outgoing, error: &str, permanent: bool) -> Outcome {
        let failures = row.attempts + 1;
        let mut give_up = permanent || failures >= i64::from(self.max_attempts);
        if give_up && let Err(e) = self.tell_admins(row, error).await {
            tracing::error!(id = row.id, error = %e, "could not tell the admins about a message given up");
            give_up = false;
        }
        if let Err(e) = self
            .store
            .outbox_attempt_failed(row.id, error, give_up)
            .await
        {
            tracing::error!(id = row.id, error = %e, "could not record a failed send");
            return Outcome::Retry(backoff(failures));
        }
        if give_up {
            self.metrics.outbox_failed(row.chat_id, &row.key);
            tracing::warn!(
                id = row.id,
                chat = row.chat_id,
                key = row.key,
                error,
                "gave up on a message"
            );
            return Outcome::GaveUp;
        }
        tracing::warn!(
            id = row.id,
            chat = row.chat_id,
            failures,
            error,
            "a send failed; will retry"
        );
        Outcome::Retry(backoff(failures))
    }

    /// Enqueues a message about the row to every admin (those of the settings and members with
    /// the admin role), in their private chats. Not for a message of this kind itself.
    async fn tell_admins(&self, row: &Outgoing, error: &str) -> Result<(), StoreError> {
        if row.key.starts_with(GAVE_UP_PREFIX) {
            return Ok(());
        }
        let mut admins = self.admins.clone();
        admins.extend(
            self.store
                .members(None)
                .await?
                .iter()
                .filter(|m| m.role == Role::Admin)
                .map(|m| m.user_id),
        );
        admins.sort_unstable();
        admins.dedup();
        let text = match robot_channel(row.chat_id) {
            Some(channel) => texts::robot_gave_up(channel_name(channel), &row.key, error),
            None => texts::send_gave_up(row.chat_id, &row.key, error),
        };
        let messages: Vec<OutMessage> = admins
            .iter()
            .map(|admin| OutMessage {
                key: format!("{GAVE_UP_PREFIX}{}:{admin}", row.id),
                chat_id: *admin,
                is_group: false,
                payload: json!({ "text": text }),
                anchor_task: None,
                file: None,
            })
            .collect();
        self.store.enqueue(&messages, self.clock.unix()).await?;
        Ok(())
    }
}

/// One walk over the pending rows in id order.
struct Pass {
    started: Instant,
    /// The highest id read so far.
    cursor: i64,
    /// Rows read and not looked at yet.
    rows: VecDeque<Outgoing>,
    /// Every pending row has been read.
    read_all: bool,
    /// Chats with a row left behind in this walk: their later rows wait for it.
    held: HashSet<i64>,
    /// The earliest a row left behind by the limiter may go.
    next: Option<Instant>,
    /// The outbox may have changed behind the cursor: walk again from the start.
    stale: bool,
}

impl Pass {
    fn new(now: Instant) -> Self {
        Self {
            started: now,
            cursor: 0,
            rows: VecDeque::new(),
            read_all: false,
            held: HashSet::new(),
            next: None,
            stale: false,
        }
    }

    fn finished(&self) -> bool {
        self.read_all && self.rows.is_empty()
    }
}

/// What woke the loop.
enum Wakeup {
    Job(Result<(task::Id, Done), JoinError>),
    Wake,
    Stop,
    Timer,
}

/// The sender's loop and all it keeps track of.
struct Sender {
    ctx: Arc<Ctx>,
    wake: Arc<Notify>,
    stop: watch::Receiver<bool>,
    stopping: bool,
    /// Send tasks and the one marking task.
    jobs: JoinSet<Done>,
    job_kinds: HashMap<task::Id, Job>,
    /// Rows of each chat being sent or waiting for a retry: the chat's later rows wait.
    busy: HashMap<i64, usize>,
    /// Rows waiting for a retry: id → (chat, not before).
    backing_off: HashMap<i64, (i64, Instant)>,
    /// Rows Telegram accepted, to be marked sent.
    delivered: Vec<(Outgoing, i32)>,
    /// Ids of the rows Telegram accepted, until they are marked sent.
    unmarked: HashSet<i64>,
    marking: bool,
    /// After marking failed, the next try waits until then.
    mark_retry_at: Option<Instant>,
    mark_failures: u32,
    /// Rows marked sent or failed since the current batch was read, which may show them still
    /// pending.
    settled: HashSet<i64>,
    pass: Pass,
}

impl Sender {
    async fn run(mut self) {
        loop {
            while let Some(done) = self.jobs.try_join_next_with_id() {
                self.finished(done);
            }
            self.mark();
            if self.stopping && self.jobs.is_empty() {
                if self.delivered.is_empty() {
                    break;
                }
                if self.mark_failures >= MARK_TRIES_WHEN_STOPPING {
                    tracing::error!(
                        rows = self.delivered.len(),
                        "stopping: messages sent could not be marked sent; they will go again at the next start"
                    );
                    break;
                }
            }
            let deadline = if self.stopping {
                self.mark_retry_at
            } else {
                self.scan().await
            };
            let wakeup = tokio::select! {
                Some(done) = self.jobs.join_next_with_id(), if !self.jobs.is_empty() => {
                    Wakeup::Job(done)
                }
                () = self.wake.notified(), if !self.stopping => Wakeup::Wake,
                _ = self.stop.changed(), if !self.stopping => Wakeup::Stop,
                () = sleep_until(deadline) => Wakeup::Timer,
            };
            match wakeup {
                Wakeup::Job(done) => self.finished(done),
                Wakeup::Wake => self.pass.stale = true,
                Wakeup::Stop => self.stopping = true,
                Wakeup::Timer => {}
            }
        }
    }

    /// Lets go every row that may go now, in id order, and returns when to look again
    /// (`None`: when a task finishes). A walk goes on where it stopped (at the overall cap, or
    /// with the most sends in flight) unless the last one ended, rows were enqueued (a wake),
    /// a retry fell due or it is older than [`RESCAN`]: then it starts again from the first
    /// pending row.
    async fn scan(&mut self) -> Option<Instant> {
        let now = Instant::now();
        if self.release_retries(now)
            || self.pass.stale
            || self.pass.finished()
            || now >= self.pass.started + RESCAN
        {
            self.pass = Pass::new(now);
        }
        loop {
            if *self.stop.borrow() {
                // Stopped while walking: take nothing more, and look again at once.
                self.stopping = true;
                return Some(Instant::now());
            }
            if self.jobs.len() >= MAX_IN_FLIGHT {
                return self.deadline(None);
            }
            if self.pass.rows.is_empty() {
                if self.pass.read_all {
                    return self.deadline(self.pass.next);
                }
                if let Err(e) = self.read().await {
                    tracing::error!(error = %e, "could not read the outbox");
                    return Some(Instant::now() + DATABASE_RETRY);
                }
                continue;
            }
            let Some(row) = self.pass.rows.pop_front() else {
                continue;
            };
            if self.unmarked.contains(&row.id) || self.settled.contains(&row.id) {
                continue;
            }
            let chat = row.chat_id;
            if self.busy.contains_key(&chat) || self.pass.held.contains(&chat) {
                self.pass.held.insert(chat);
                continue;
            }
            match self
                .ctx
                .limiter
                .try_acquire(chat, row.is_group, Instant::now())
            {
                Ok(slot) => self.launch(row, slot),
                Err(Wait::Chat(until)) => {
                    self.pass.held.insert(chat);
                    self.pass.next = Some(self.pass.next.map_or(until, |next| next.min(until)));
                }
                Err(Wait::Global(until)) => {
                    self.pass.rows.push_front(row);
                    return self.deadline(Some(until));
                }
            }
        }
    }

    /// Reads the next batch of pending rows.
    async fn read(&mut self) -> Result<(), StoreError> {
        // Rows settled before this read are not pending in it; those settled during or after it
        // are added again as their tasks report.
        self.settled.clear();
        let rows = self
            .ctx
            .store
            .outbox_pending(self.pass.cursor, READ_BATCH)
            .await?;
        self.pass.read_all = (rows.len() as i64) < READ_BATCH;
        if let Some(last) = rows.last() {
            self.pass.cursor = last.id;
        }
        match self.ctx.cluster.as_ref().filter(|c| !c.is_solo()) {
            // The rows of the chats another instance holds are its to send.
            Some(cluster) => {
                let chats: Vec<i64> = rows.iter().map(|row| row.chat_id).collect();
                let mine = cluster.claim_share(&chats).await?;
                self.pass
                    .rows
                    .extend(rows.into_iter().filter(|row| mine.contains(&row.chat_id)));
            }
            None => self.pass.rows.extend(rows),
        }
        Ok(())
    }

    /// The earliest of `candidate`, the next retry, the next periodic read and the next try at
    /// marking rows sent.
    fn deadline(&self, candidate: Option<Instant>) -> Option<Instant> {
        let retry = self.backing_off.values().map(|&(_, at)| at).min();
        [
            candidate,
            retry,
            Some(self.pass.started + RESCAN),
            self.mark_retry_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Frees the rows whose retry is due; true if there were any.
    fn release_retries(&mut self, now: Instant) -> bool {
        let due: Vec<(i64, i64)> = self
            .backing_off
            .iter()
            .filter(|(_, (_, at))| *at <= now)
            .map(|(&id, &(chat, _))| (id, chat))
            .collect();
        for &(id, chat) in &due {
            self.backing_off.remove(&id);
            self.unbusy(chat);
        }
        !due.is_empty()
    }

    fn launch(&mut self, row: Outgoing, slot: Slot) {
        let (id, chat) = (row.id, row.chat_id);
        *self.busy.entry(chat).or_default() += 1;
        let ctx = self.ctx.clone();
        let task = self
            .jobs
            .spawn(async move { Done::Send(ctx.deliver(row, slot).await) });
        self.job_kinds
            .insert(task.id(), Job::Send { row: id, chat });
    }

    fn unbusy(&mut self, chat: i64) {
        if let Some(count) = self.busy.get_mut(&chat) {
            *count -= 1;
            if *count == 0 {
                self.busy.remove(&chat);
            }
        }
    }

    /// Takes in what a task did.
    fn finished(&mut self, done: Result<(task::Id, Done), JoinError>) {
        let (id, done) = match done {
            Ok((id, done)) => (id, Some(done)),
            Err(e) => {
                tracing::error!(error = %e, "an outbox task panicked");
                (e.id(), None)
            }
        };
        match self.job_kinds.remove(&id) {
            Some(Job::Send { row, chat }) => {
                let outcome = match done {
                    Some(Done::Send(outcome)) => outcome,
                    _ => Outcome::Retry(FIRST_BACKOFF),
                };
                self.sent(row, chat, outcome);
            }
            Some(Job::Mark(rows)) => {
                self.marking = false;
                if let Some(Done::Mark(true)) = done {
                    self.mark_failures = 0;
                    for (row, _) in rows.iter() {
                        self.unmarked.remove(&row.id);
                        self.settled.insert(row.id);
                    }
                } else {
                    self.mark_failures += 1;
                    self.mark_retry_at = Some(Instant::now() + DATABASE_RETRY);
                    self.delivered.extend(rows.iter().cloned());
                }
            }
            None => {}
        }
    }

    fn sent(&mut self, id: i64, chat: i64, outcome: Outcome) {
        match outcome {
            Outcome::Delivered(row, message_id) => {
                self.unmarked.insert(id);
                self.delivered.push((row, message_id));
                self.unbusy(chat);
            }
            Outcome::Again => {
                self.unbusy(chat);
                // The row is behind the cursor: the chat's later rows must not overtake it in
                // this walk.
                self.pass.held.insert(chat);
            }
            Outcome::Retry(wait) => {
                // The chat stays busy until the retry is due.
                self.backing_off.insert(id, (chat, Instant::now() + wait));
            }
            Outcome::GaveUp => {
                self.settled.insert(id);
                self.unbusy(chat);
                // The admins' messages were enqueued: read them soon.
                self.pass.stale = true;
            }
        }
    }

    /// Marks the rows Telegram accepted sent, one batch at a time: while a batch is written
    /// the next one gathers, so the batches grow with the load.
    fn mark(&mut self) {
        if self.marking
            || self.delivered.is_empty()
            || self.mark_retry_at.is_some_and(|at| at > Instant::now())
        {
            return;
        }
        self.mark_retry_at = None;
        let take = self.delivered.len().min(MARK_BATCH);
        let batch: Arc<Vec<(Outgoing, i32)>> = Arc::new(self.delivered.drain(..take).collect());
        let ctx = self.ctx.clone();
        let rows = batch.clone();
        let task = self.jobs.spawn(async move {
            match ctx.store.outbox_sent(&rows, ctx.clock.unix()).await {
                Ok(()) => {
                    for (row, _) in rows.iter() {
                        ctx.metrics.outbox_sent(row.chat_id, &row.key);
                    }
                    Done::Mark(true)
                }
                Err(e) => {
                    tracing::error!(error = %e, rows = rows.len(), "could not mark messages sent");
                    Done::Mark(false)
                }
            }
        });
        self.job_kinds.insert(task.id(), Job::Mark(batch));
        self.marking = true;
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);
    const SECOND: Duration = Duration::from_secs(1);
    /// A thirtieth of a second, rounded up to the nanosecond.
    const THIRTIETH: Duration = Duration::from_nanos(33_333_334);

    fn caps(per_second: u32, per_chat_per_second: u32, per_group_per_minute: u32) -> Caps {
        Caps::new(SendLimits {
            per_second,
            per_chat_per_second,
            per_group_per_minute,
        })
    }

    /// Acquires and answers at once, as a fast Telegram would.
    fn send(caps: &mut Caps, chat: i64, is_group: bool, at: Instant) -> Result<(), Wait> {
        caps.try_acquire(chat, is_group, at)?;
        caps.answered(chat, is_group, at);
        Ok(())
    }

    #[test]
    fn the_global_cap_spaces_messages_evenly_without_a_burst() {
        let mut caps = caps(30, 0, 0);
        let t0 = Instant::now();

        assert_eq!(send(&mut caps, 1, false, t0), Ok(()));
        assert_eq!(
            send(&mut caps, 2, false, t0),
            Err(Wait::Global(t0 + THIRTIETH))
        );
        assert_eq!(
            send(&mut caps, 2, false, t0 + 10 * MS),
            Err(Wait::Global(t0 + THIRTIETH))
        );
        let mut at = t0;
        for chat in 2..=61 {
            at += THIRTIETH;
            assert_eq!(send(&mut caps, chat, false, at), Ok(()), "message {chat}");
        }
    }

    #[test]
    fn a_late_message_does_not_push_the_next_ones_back() {
        let mut caps = caps(30, 0, 0);
        let t0 = Instant::now();
        send(&mut caps, 1, false, t0).unwrap();
        // Due at t0 + 1/30 s, sent a millisecond late: the next is still due at t0 + 2/30 s.
        send(&mut caps, 2, false, t0 + THIRTIETH + MS).unwrap();
        assert_eq!(
            send(&mut caps, 3, false, t0 + THIRTIETH + MS),
            Err(Wait::Global(t0 + 2 * THIRTIETH))
        );
        // After a pause longer than the spacing it runs from the message sent.
        let later = t0 + SECOND;
        send(&mut caps, 3, false, later).unwrap();
        assert_eq!(
            send(&mut caps, 4, false, later),
            Err(Wait::Global(later + THIRTIETH))
        );
    }

    #[test]
    fn a_message_in_flight_holds_its_place_until_a_second_after_its_answer() {
        let mut caps = caps(2, 0, 0);
        let t0 = Instant::now();
        caps.try_acquire(1, false, t0).unwrap();
        caps.try_acquire(2, false, t0 + SECOND / 2).unwrap();

        // Both still in flight: not before a second from now, whenever they are answered.
        let t1 = t0 + SECOND;
        assert_eq!(
            caps.try_acquire(3, false, t1),
            Err(Wait::Global(t1 + SECOND))
        );

        caps.answered(1, false, t0 + 1200 * MS);
        caps.answered(2, false, t0 + 1300 * MS);
        let t2 = t0 + 1500 * MS;
        assert_eq!(
            caps.try_acquire(3, false, t2),
            Err(Wait::Global(t0 + 2200 * MS))
        );
        assert_eq!(caps.try_acquire(3, false, t0 + 2200 * MS), Ok(()));
    }

    #[test]
    fn each_chat_gets_one_message_a_second_and_others_go_meanwhile() {
        let mut caps = caps(30, 1, 0);
        let t0 = Instant::now();
        let step = 40 * MS;

        assert_eq!(send(&mut caps, 1, false, t0), Ok(()));
        assert_eq!(send(&mut caps, 2, false, t0 + step), Ok(()));
        assert_eq!(
            send(&mut caps, 1, false, t0 + 2 * step),
            Err(Wait::Chat(t0 + SECOND))
        );
        assert_eq!(send(&mut caps, 3, false, t0 + 2 * step), Ok(()));
        assert_eq!(send(&mut caps, 1, false, t0 + SECOND), Ok(()));
    }

    #[test]
    fn a_chat_waits_a_second_after_the_answer_to_its_last_message() {
        let mut caps = caps(0, 1, 0);
        let t0 = Instant::now();
        caps.try_acquire(1, false, t0).unwrap();
        caps.answered(1, false, t0 + 300 * MS);

        assert_eq!(
            caps.try_acquire(1, false, t0 + 1100 * MS),
            Err(Wait::Chat(t0 + 1300 * MS))
        );
        assert_eq!(caps.try_acquire(1, false, t0 + 1300 * MS), Ok(()));
    }

    #[test]
    fn a_group_gets_at_most_twenty_messages_in_any_minute() {
        let mut caps = caps(0, 1, 20);
        let t0 = Instant::now();
        let half = SECOND / 2;
        let mut at = t0;
        for n in 0..20 {
            assert_eq!(send(&mut caps, -100, true, at), Ok(()), "message {n}");
            // A private chat has no minute cap.
            assert_eq!(send(&mut caps, 7, false, at + half), Ok(()), "message {n}");
            at += SECOND;
        }
        // The 21st waits until the first has been out of the window for a minute.
        assert_eq!(
            send(&mut caps, -100, true, at),
            Err(Wait::Chat(t0 + Duration::from_secs(60)))
        );
        assert_eq!(send(&mut caps, 7, false, at + half), Ok(()));
        // Another group has a window of its own.
        assert_eq!(send(&mut caps, -200, true, at + half), Ok(()));
        assert_eq!(
            send(&mut caps, -100, true, t0 + Duration::from_secs(60)),
            Ok(())
        );
    }

    #[test]
    fn a_paused_chat_waits_and_the_others_do_not() {
        for limits in [SendLimits::telegram(), SendLimits::unlimited()] {
            let mut caps = Caps::new(limits);
            let t0 = Instant::now();
            caps.pause(1, t0 + 5 * SECOND);

            assert_eq!(
                send(&mut caps, 1, false, t0 + SECOND),
                Err(Wait::Chat(t0 + 5 * SECOND))
            );
            assert_eq!(send(&mut caps, 2, false, t0 + SECOND), Ok(()));
            assert_eq!(send(&mut caps, 1, false, t0 + 5 * SECOND), Ok(()));
        }
    }

    #[test]
    fn the_overall_cap_is_reported_before_a_chat_s() {
        let mut caps = caps(30, 1, 0);
        let t0 = Instant::now();
        send(&mut caps, 1, false, t0).unwrap();
        assert_eq!(
            send(&mut caps, 1, false, t0 + MS),
            Err(Wait::Global(t0 + THIRTIETH))
        );
    }

    #[test]
    fn unlimited_lets_everything_go_at_once_and_remembers_no_chat() {
        let mut caps = Caps::new(SendLimits::unlimited());
        let t0 = Instant::now();
        for n in 0..10_000 {
            assert_eq!(caps.try_acquire(n % 100, n % 2 == 0, t0), Ok(()));
        }
        assert!(caps.chats.is_empty());
    }

    #[test]
    fn idle_chats_are_forgotten() {
        let mut caps = caps(0, 1, 20);
        let t0 = Instant::now();
        for chat in 0..(FORGET_FLOOR as i64) {
            send(&mut caps, chat, chat % 2 == 0, t0).unwrap();
        }
        assert_eq!(caps.chats.len(), FORGET_FLOOR);

        // A minute later every one of them is idle: the next message forgets them.
        send(&mut caps, -1, true, t0 + Duration::from_secs(61)).unwrap();
        assert_eq!(caps.chats.len(), 1);
    }

    #[test]
    fn limits_come_from_the_settings() {
        let settings = Settings {
            send_per_second: 10,
            send_per_chat_per_second: 2,
            send_per_group_per_minute: 0,
            ..Settings::default()
        };
        assert_eq!(
            SendLimits::from(&settings),
            SendLimits {
                per_second: 10,
                per_chat_per_second: 2,
                per_group_per_minute: 0
            }
        );
    }

    #[test]
    fn answers_are_read_as_telegram_means_them() {
        let ok = br#"{"ok":true,"result":{"message_id":42,"chat":{"id":1}}}"#;
        assert_eq!(classify(200, ok), Answer::Sent(42));

        let flood = br#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}"#;
        assert_eq!(classify(429, flood), Answer::RetryAfter(3 * SECOND));

        let blocked =
            br#"{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}"#;
        assert_eq!(
            classify(403, blocked),
            Answer::Permanent("403 Forbidden: bot was blocked by the user".into())
        );

        let down = br#"{"ok":false,"error_code":500,"description":"Internal Server Error"}"#;
        assert_eq!(
            classify(500, down),
            Answer::Transient("500 Internal Server Error".into())
        );
        assert!(matches!(
            classify(502, b"<html>Bad Gateway</html>"),
            Answer::Transient(_)
        ));
        assert!(matches!(classify(200, b"{}"), Answer::Transient(_)));
    }

    #[test]
    fn retries_back_off_exponentially_up_to_thirty_seconds() {
        let waits: Vec<Duration> = (1..=10).map(backoff).collect();
        assert_eq!(waits[0], 200 * MS);
        assert_eq!(waits[1], 400 * MS);
        assert_eq!(waits[4], 3200 * MS);
        assert_eq!(waits[8], 30 * SECOND);
        assert_eq!(backoff(1000), 30 * SECOND);
    }
}
