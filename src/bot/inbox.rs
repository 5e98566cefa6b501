//! Nothing lost, nothing twice. teloxide's stock polling listener confirms a batch to Telegram
//! before the handlers run, so a crash would lose replies. Here every update is first stored in
//! the inbox (one transaction per batch; a redelivery, known by its id and date, is kept
//! once) and only then confirmed: by the
//! next getUpdates offset in polling mode, by the 200 answer in webhook mode. A processor works
//! the inbox off through the conversation core ([`conversation::handle`]), one chat in order,
//! chats in parallel: fresh updates as the listener hands them over in memory (see [`Handoff`]), the
//! rest — retries, what an earlier run left — from a scan of the inbox once a second. A
//! failing update is retried with backoff a bounded number of times, then marked failed and
//! reported to the admins. Handlers are idempotent per update (its number in the inbox,
//! [`InboxSeq`]), so an update handled again after a crash changes nothing twice.

use super::telegram;
use crate::clock::Clock;
use crate::conversation::{self, ChatSettings, Ctx, SharedCtx};
use crate::followup::Followup;
use crate::store::{InboxItem, InboxSeq, Incoming, OutMessage, Role, Seen, Store, UpdateKey};
use crate::wording::texts;
use anyhow::Context as _;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::types::Me;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

/// Seconds a getUpdates call waits for updates; under teloxide's 17 s request timeout.
const POLL_TIMEOUT_SECS: u32 = 10;
/// How many due updates the processor takes from the inbox at a time.
const BATCH: i64 = 256;
/// How often the processor looks for due updates in the inbox (retries, and what an earlier
/// run left); fresh ones reach it from the listener at once.
const SCAN_EVERY: Duration = Duration::from_secs(1);
/// How many updates are handled at once, across chats: a bound on memory and on the tasks
/// competing with SQLite's one writer for the runtime.
const CONCURRENCY: usize = 64;
/// The longest wait before a failed update is tried again.
const MAX_BACKOFF_SECS: i64 = 300;
const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// How updates reach duban.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Long polling with getUpdates.
    Polling,
    /// Telegram posts each update to `url`; duban listens on `listen` (behind a TLS proxy in
    /// production) at the URL's path.
    Webhook { url: String, listen: SocketAddr },
}

/// The running bot: stop it to shut down gracefully.
pub struct Running {
    stop: watch::Sender<bool>,
    tasks: JoinSet<anyhow::Result<()>>,
    /// The bot's username, as getMe gave it.
    pub username: String,
}

impl Running {
    /// Stops taking updates, lets the handlers that started finish, and returns. Updates
    /// received but not yet handled stay in the inbox for the next start.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        let mut first_error = None;
        while let Some(joined) = self.tasks.join_next().await {
            if let Err(e) = joined.context("a bot task panicked").and_then(|r| r)
                && first_error.is_none()
            {
                first_error = Some(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// Starts the bot: asks Telegram who it is, registers the commands, and starts the listener
/// and the processor. Updates left pending by an earlier run are handled first.
pub async fn start(
    store: Store,
    clock: Clock,
    settings: ChatSettings,
    bot: Bot,
    mode: Mode,
    followup: Followup,
) -> anyhow::Result<Running> {
    let me = bot.get_me().await.context(
        "向 Bot API 查询机器人（getMe）失败：请检查令牌 DUBAN_BOT_TOKEN 和配置项 telegram_api_url",
    )?;
    let username = me.username().to_owned();
    bot.set_my_commands(telegram::command_menu())
        .await
        .context("注册命令列表（setMyCommands）失败")?;
    let ctx = Arc::new(Ctx {
        store: store.clone(),
        clock: clock.clone(),
        settings,
        username: username.clone(),
        followup,
    });
    let (stop, stopped) = watch::channel(false);
    let (fresh_sender, fresh) = mpsc::unbounded_channel();
    let handoff = Handoff {
        in_flight: Arc::default(),
        fresh: fresh_sender,
    };
    let mut tasks = JoinSet::new();
    match mode {
        Mode::Polling => {
            bot.delete_webhook()
                .await
                .context("切换到长轮询（deleteWebhook）失败")?;
            let listener = Poller {
                bot: bot.clone(),
                store,
                clock,
                handoff: handoff.clone(),
            };
            tasks.spawn(listener.run(stopped.clone()));
        }
        Mode::Webhook { url, listen } => {
            let secret = conversation::invites::new_code();
            let path = webhook_path(&url)?;
            let socket = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("无法监听 {listen}"))?;
            bot.set_webhook(url.parse().context("webhook 地址无效")?)
                .secret_token(secret.clone())
                .await
                .context("注册 webhook（setWebhook）失败")?;
            let receiver = Arc::new(Receiver {
                store,
                clock,
                handoff: handoff.clone(),
                secret,
            });
            tasks.spawn(serve_webhook(socket, path, receiver, stopped.clone()));
        }
    }
    let processor = Arc::new(Processor {
        ctx,
        bot,
        me,
        handler: conversation::schema::schema(),
        in_flight: handoff.in_flight,
        finished: Mutex::new(Vec::new()),
        slots: tokio::sync::Semaphore::new(CONCURRENCY),
    });
    tasks.spawn(processor.run(fresh, stopped));
    Ok(Running {
        stop,
        tasks,
        username,
    })
}

fn webhook_path(url: &str) -> anyhow::Result<String> {
    let parsed: reqwest::Url = url.parse().context("webhook 地址无效")?;
    Ok(match parsed.path() {
        "" => "/".to_owned(),
        path => path.to_owned(),
    })
}

/// The chat of an update, and the update as JSON, for the inbox.
fn incoming(update: &Update) -> anyhow::Result<Incoming> {
    Ok(Incoming {
        update_id: i64::from(update.id.0),
        update_date: update_date(update),
        chat_id: update.chat().map(|c| c.id.0),
        payload: serde_json::to_string(update).context("serialize an update")?,
    })
}

/// The date an update carries, which a redelivery carries too (see [`UpdateKey`]): of its
/// message (or of the message's last edit), of the message under a pressed button, of a member
/// change or a join request; 0 for kinds without one. Migration 0007 reads the same from the
/// JSON of the updates stored before it.
fn update_date(update: &Update) -> i64 {
    use teloxide::types::{MaybeInaccessibleMessage, UpdateKind};
    let date = match &update.kind {
        UpdateKind::Message(m)
        | UpdateKind::EditedMessage(m)
        | UpdateKind::ChannelPost(m)
        | UpdateKind::EditedChannelPost(m) => Some(*m.edit_date().unwrap_or(&m.date)),
        UpdateKind::CallbackQuery(q) => match &q.message {
            Some(MaybeInaccessibleMessage::Regular(m)) => Some(m.date),
            _ => None,
        },
        UpdateKind::MyChatMember(c) | UpdateKind::ChatMember(c) => Some(c.date),
        UpdateKind::ChatJoinRequest(r) => Some(r.date),
        _ => None,
    };
    date.map_or(0, |d| d.timestamp())
}

/// Aborts the process at a named point when `DUBAN_FAILPOINT` names it: how the tests kill
/// duban between receiving an update and storing its effect. Unset in production.
fn failpoint(name: &str) {
    static POINT: OnceLock<Option<String>> = OnceLock::new();
    let point = POINT.get_or_init(|| std::env::var("DUBAN_FAILPOINT").ok());
    if point.as_deref() == Some(name) {
        eprintln!("failpoint {name}: aborting");
        std::process::abort();
    }
}

/// Updates just stored, handed from the listener to the processor in memory, so that the
/// processor neither reads them back nor parses them again. Each is claimed (put in the
/// processor's `in_flight`) before its batch is stored: a scan of the inbox that finds it
/// stored meanwhile leaves it to the handoff, so it is handed out once.
#[derive(Clone)]
struct Handoff {
    /// Updates claimed by a listener or handed to a chat worker, and not yet seen finished.
    in_flight: Arc<Mutex<HashSet<UpdateKey>>>,
    fresh: mpsc::UnboundedSender<Vec<Fresh>>,
}

/// A stored update and the update itself.
struct Fresh {
    item: InboxItem,
    update: Update,
}

/// Updates a listener claimed; those not handed over are released when it drops (also when
/// the listener is cancelled half-way), for the scans of the inbox to find.
struct Claim<'a> {
    in_flight: &'a Mutex<HashSet<UpdateKey>>,
    ids: Vec<UpdateKey>,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        let mut in_flight = self.in_flight.lock().expect("in-flight lock");
        for id in &self.ids {
            in_flight.remove(id);
        }
    }
}

impl Handoff {
    /// Stores `batch`, claiming its updates first. The result hands the new ones over, or,
    /// dropped, releases them. An update stored before (a redelivery) is not handed over: it
    /// is done, a worker has it, or a scan will find it.
    async fn store(
        &self,
        store: &Store,
        batch: &[Incoming],
        now: i64,
    ) -> Result<Stored<'_>, crate::store::StoreError> {
        let mut claim = Claim {
            in_flight: &self.in_flight,
            ids: Vec::with_capacity(batch.len()),
        };
        {
            let mut in_flight = self.in_flight.lock().expect("in-flight lock");
            claim.ids.extend(
                batch
                    .iter()
                    .map(Incoming::key)
                    .filter(|key| in_flight.insert(*key)),
            );
        }
        let new = store.inbox_put(batch, now).await?;
        Ok(Stored {
            handoff: self,
            claim,
            new,
            now,
        })
    }
}

/// A batch stored, its updates claimed.
struct Stored<'a> {
    handoff: &'a Handoff,
    claim: Claim<'a>,
    /// The updates that were new, with their numbers in the inbox, sorted by key.
    new: Vec<(UpdateKey, i64)>,
    now: i64,
}

impl Stored<'_> {
    /// Hands the new updates to the processor: `batch` as stored and `updates`, the same
    /// updates in the same order, moved (not copied). Returns how many were new.
    fn hand_over(mut self, batch: Vec<Incoming>, updates: Vec<Update>) -> usize {
        let new = std::mem::take(&mut self.new);
        let seq_of = |key: &UpdateKey| {
            new.binary_search_by_key(key, |(k, _)| *k)
                .ok()
                .map(|i| new[i].1)
        };
        let fresh: Vec<Fresh> = batch
            .into_iter()
            .zip(updates)
            .filter_map(|(incoming, update)| Some((seq_of(&incoming.key())?, incoming, update)))
            .map(|(seq, incoming, update)| Fresh {
                item: InboxItem {
                    seq,
                    update_id: incoming.update_id,
                    update_date: incoming.update_date,
                    payload: incoming.payload,
                    chat_id: incoming.chat_id,
                    state: "pending".into(),
                    attempts: 0,
                    last_error: None,
                    received_at: self.now,
                },
                update,
            })
            .collect();
        // New ones were not in flight before, so all of them are in the claim; the rest of it
        // is released when `self` drops.
        self.claim.ids.retain(|key| seq_of(key).is_none());
        let handed = fresh.len();
        if handed > 0 && self.handoff.fresh.send(fresh).is_err() {
            // The processor has stopped: what was stored is handled on the next start.
            tracing::debug!("the processor has stopped; stored updates wait for the next start");
        }
        handed
    }
}

struct Poller {
    bot: Bot,
    store: Store,
    clock: Clock,
    handoff: Handoff,
}

impl Poller {
    async fn run(self, mut stop: watch::Receiver<bool>) -> anyhow::Result<()> {
        let mut offset: i32 = 0;
        let mut failures: u32 = 0;
        loop {
            if *stop.borrow() {
                return Ok(());
            }
            let request = self
                .bot
                .get_updates()
                .offset(offset)
                .timeout(POLL_TIMEOUT_SECS);
            let result = tokio::select! {
                result = request.send() => result,
                _ = stop.changed() => return Ok(()),
            };
            let updates = match result {
                Ok(updates) => {
                    failures = 0;
                    updates
                }
                Err(RequestError::RetryAfter(after)) => {
                    tracing::warn!(seconds = after.seconds(), "getUpdates: told to wait");
                    sleep_or_stop(after.duration(), &mut stop).await;
                    continue;
                }
                Err(e) => {
                    failures += 1;
                    tracing::warn!(error = %e, failures, "getUpdates failed");
                    sleep_or_stop(backoff(failures), &mut stop).await;
                    continue;
                }
            };
            let Some(last) = updates.last() else {
                continue;
            };
            let next = i32::try_from(last.id.0)
                .unwrap_or(i32::MAX)
                .saturating_add(1);
            let batch = updates
                .iter()
                .map(incoming)
                .collect::<anyhow::Result<Vec<_>>>()?;
            // Not confirmed (offset unchanged) until stored: on a database error, wait and
            // store again; if we stop meanwhile, Telegram keeps the updates for the next run.
            let mut attempt = 0;
            loop {
                let stored = self
                    .handoff
                    .store(&self.store, &batch, self.clock.unix())
                    .await;
                match stored {
                    Ok(stored) => {
                        let received = batch.len();
                        let new = stored.hand_over(batch, updates);
                        tracing::debug!(received, new, "stored updates");
                        break;
                    }
                    Err(e) => {
                        attempt += 1;
                        tracing::error!(error = %e, attempt, "could not store updates");
                        sleep_or_stop(backoff(attempt), &mut stop).await;
                        if *stop.borrow() {
                            return Ok(());
                        }
                    }
                }
            }
            failpoint("after_store");
            offset = next;
        }
    }
}

fn backoff(failures: u32) -> Duration {
    Duration::from_millis(250u64.saturating_mul(1 << failures.min(6)))
}

async fn sleep_or_stop(duration: Duration, stop: &mut watch::Receiver<bool>) {
    tokio::select! {
        _ = tokio::time::sleep(duration) => {}
        _ = stop.changed() => {}
    }
}

struct Receiver {
    store: Store,
    clock: Clock,
    handoff: Handoff,
    secret: String,
}

async fn serve_webhook(
    socket: tokio::net::TcpListener,
    path: String,
    receiver: Arc<Receiver>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let app = axum::Router::new()
        .route(&path, axum::routing::post(receive))
        .with_state(receiver);
    axum::serve(socket, app)
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|stopped| *stopped).await;
        })
        .await
        .context("serve the webhook")
}

/// One update posted by Telegram: 200 only once it is stored, so that Telegram sends again
/// whatever duban could not store.
async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let secret = headers.get(SECRET_HEADER).and_then(|v| v.to_str().ok());
    if secret != Some(receiver.secret.as_str()) {
        return StatusCode::UNAUTHORIZED;
    }
    let update: Update = match serde_json::from_slice(&body) {
        Ok(update) => update,
        Err(e) => {
            tracing::warn!(error = %e, "webhook: not an update");
            return StatusCode::BAD_REQUEST;
        }
    };
    let incoming = Incoming {
        update_id: i64::from(update.id.0),
        update_date: update_date(&update),
        chat_id: update.chat().map(|c| c.id.0),
        payload: String::from_utf8_lossy(&body).into_owned(),
    };
    let batch = vec![incoming];
    match receiver
        .handoff
        .store(&receiver.store, &batch, receiver.clock.unix())
        .await
    {
        Ok(stored) => {
            stored.hand_over(batch, vec![update]);
        }
        Err(e) => {
            tracing::error!(error = %e, "webhook: could not store an update");
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    }
    failpoint("after_store");
    StatusCode::OK
}

struct Processor {
    ctx: SharedCtx,
    bot: Bot,
    me: Me,
    handler: conversation::Handler,
    /// Updates claimed by a listener (see [`Handoff`]) or handed to a chat worker, and not yet
    /// seen finished by the processor.
    in_flight: Arc<Mutex<HashSet<UpdateKey>>>,
    /// Updates the workers finished since the processor last looked, and whether they
    /// succeeded: the processor marks the successes done, many in one transaction.
    finished: Mutex<Vec<Finished>>,
    /// How many updates are handled at once, across chats.
    slots: tokio::sync::Semaphore,
}

/// An update a worker finished: its number in the inbox, its key, and whether it succeeded.
struct Finished {
    seq: i64,
    key: UpdateKey,
    ok: bool,
}

/// An update for a chat worker: from the inbox, the update itself when the listener handed
/// it over (else it is read from the payload), and the revisions it may assume.
type Work = (InboxItem, Option<Update>, Option<Seen>);

impl Processor {
    /// Hands updates to chat workers: the fresh ones as the listener hands them over, and,
    /// once a second, everything due in the inbox — retries, and what an earlier run left —
    /// read in pages of [`BATCH`] until a short one.
    async fn run(
        self: Arc<Self>,
        mut fresh: mpsc::UnboundedReceiver<Vec<Fresh>>,
        mut stop: watch::Receiver<bool>,
    ) -> anyhow::Result<()> {
        let mut workers: HashMap<i64, mpsc::UnboundedSender<Work>> = HashMap::new();
        let mut running = JoinSet::new();
        let mut arrived: Vec<Fresh> = Vec::new();
        let mut listening = true;
        // Where the scan of the inbox goes on (above which number), while one is under way.
        let mut scan = Some(i64::MIN);
        let mut next_scan = tokio::time::Instant::now() + SCAN_EVERY;
        loop {
            // Finished updates leave `in_flight` once their done marks are committed (a failed
            // one has its next attempt recorded before it finishes): a read of the inbox from
            // here on does not show them pending until they are due again. (If the marks cannot
            // be written, they stay pending and are handled again: handlers are idempotent.)
            let finished = self.mark_finished().await;
            {
                let mut in_flight = self.in_flight.lock().expect("in-flight lock");
                for update in finished {
                    in_flight.remove(&update.key);
                }
            }
            let mut due: Vec<(InboxItem, Option<Update>)> = Vec::new();
            if let Some(after) = scan {
                match self
                    .ctx
                    .store
                    .inbox_due_after(self.ctx.clock.unix(), after, BATCH)
                    .await
                {
                    Ok(page) => {
                        let full = page.len() as i64 == BATCH;
                        scan = page.last().map(|item| item.seq).filter(|_| full);
                        // What a listener claimed is handed over by it, what a worker has is
                        // under way: the scan hands out the rest.
                        let mut in_flight = self.in_flight.lock().expect("in-flight lock");
                        due.extend(
                            page.into_iter()
                                .filter(|item| in_flight.insert(item.key()))
                                .map(|item| (item, None)),
                        );
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "could not read the inbox");
                        scan = None;
                    }
                }
            }
            // Fresh updates are newer than any a scan finds: they wait while a scan pages on, so
            // that each chat's updates are handed out in order.
            if scan.is_none() {
                due.extend(arrived.drain(..).map(|f| (f.item, Some(f.update))));
            }
            // Read after the updates were stored.
            let seen = if due.is_empty() {
                None
            } else {
                match self.ctx.store.seen().await {
                    Ok(seen) => Some(seen),
                    Err(e) => {
                        tracing::warn!(
                            error = %e,
                            "could not read the revisions; handling without the copies in memory"
                        );
                        None
                    }
                }
            };
            for (item, update) in due {
                let chat = item.chat_id.unwrap_or(0);
                let work = (item, update, seen);
                let work = match workers.get(&chat) {
                    Some(worker) => match worker.send(work) {
                        Ok(()) => continue,
                        Err(returned) => returned.0,
                    },
                    None => work,
                };
                let (sender, receiver) = mpsc::unbounded_channel();
                running.spawn(self.clone().work(receiver));
                sender.send(work).expect("a fresh worker is listening");
                workers.insert(chat, sender);
            }
            // Reap workers that ended (a panic in one must not go unnoticed).
            while let Some(ended) = running.try_join_next() {
                if let Err(e) = ended {
                    tracing::error!(error = %e, "a chat worker panicked");
                }
            }
            if scan.is_some() {
                continue;
            }
            tokio::select! {
                batch = fresh.recv(), if listening => match batch {
                    Some(batch) => arrived.extend(batch),
                    None => listening = false,
                },
                _ = tokio::time::sleep_until(next_scan) => {}
                _ = stop.changed() => break,
            }
            while let Ok(batch) = fresh.try_recv() {
                arrived.extend(batch);
            }
            if tokio::time::Instant::now() >= next_scan {
                scan = Some(i64::MIN);
                next_scan = tokio::time::Instant::now() + SCAN_EVERY;
            }
        }
        // Let every worker finish what it was handed, mark it, then stop.
        drop(workers);
        while running.join_next().await.is_some() {}
        self.mark_finished().await;
        Ok(())
    }

    /// Takes what the workers finished and marks the successes done, in one transaction.
    /// Returns every finished update, successes and failures.
    async fn mark_finished(&self) -> Vec<Finished> {
        let finished = std::mem::take(&mut *self.finished.lock().expect("finished lock"));
        let done: Vec<i64> = finished.iter().filter(|f| f.ok).map(|f| f.seq).collect();
        if let Err(e) = self
            .ctx
            .store
            .inbox_done(&done, self.ctx.clock.unix())
            .await
        {
            // They stay pending and are handled again: handlers are idempotent.
            tracing::error!(error = %e, "could not mark updates done");
        }
        finished
    }

    async fn work(self: Arc<Self>, mut items: mpsc::UnboundedReceiver<Work>) {
        while let Some((item, update, seen)) = items.recv().await {
            let (seq, key) = (item.seq, item.key());
            let permit = self
                .slots
                .acquire()
                .await
                .expect("the slots are never closed");
            let ok = self.handle(item, update, seen).await;
            drop(permit);
            self.finished
                .lock()
                .expect("finished lock")
                .push(Finished { seq, key, ok });
        }
    }

    /// Runs one update through the schema; true when it succeeded (the processor then marks
    /// it done). A failure is recorded here, with the time of the next attempt.
    async fn handle(&self, item: InboxItem, update: Option<Update>, seen: Option<Seen>) -> bool {
        failpoint("before_handle");
        let result = self
            .ctx
            .store
            .activity()
            .busy(self.dispatch(&item, update, seen))
            .await;
        failpoint("after_handle");
        let Err(e) = result else {
            return true;
        };
        let error = format!("{e:#}");
        tracing::warn!(
            update_id = item.update_id,
            error,
            "handling an update failed"
        );
        let now = self.ctx.clock.unix();
        let retry_at = now + (1i64 << item.attempts.clamp(0, 8)).min(MAX_BACKOFF_SECS);
        let max = self.ctx.settings.inbox_attempts;
        match self
            .ctx
            .store
            .inbox_attempt_failed(item.seq, &error, retry_at, max)
            .await
        {
            Ok(true) => self.tell_admins(&item, &error).await,
            Ok(false) => {}
            Err(e) => {
                tracing::error!(update_id = item.update_id, error = %e, "could not record a failed attempt")
            }
        }
        false
    }

    async fn dispatch(
        &self,
        item: &InboxItem,
        update: Option<Update>,
        seen: Option<Seen>,
    ) -> anyhow::Result<()> {
        let update: Update = match update {
            Some(update) => update,
            None => serde_json::from_str(&item.payload).context("read a stored update")?,
        };
        let Some(event) = telegram::event(&update, &self.me) else {
            // Channel posts and the like: nothing for duban.
            return Ok(());
        };
        let seq = InboxSeq(item.seq);
        let replies =
            conversation::handle(&self.ctx, &self.handler, event.clone(), seq, seen).await?;
        telegram::deliver(&self.bot, &self.ctx, &update, &event, replies).await
    }

    /// An update failed for good: every admin hears of it.
    async fn tell_admins(&self, item: &InboxItem, error: &str) {
        let mut admins: Vec<i64> = self.ctx.settings.admins.clone();
        match self.ctx.store.members(None).await {
            Ok(members) => admins.extend(
                members
                    .iter()
                    .filter(|m| m.role == Role::Admin)
                    .map(|m| m.user_id),
            ),
            Err(e) => tracing::error!(error = %e, "could not list the admins"),
        }
        admins.sort_unstable();
        admins.dedup();
        let text = texts::failed_for_admins(item.update_id, error);
        let messages: Vec<OutMessage> = admins
            .into_iter()
            .map(|admin| OutMessage {
                key: format!("inbox-failed:{}:{admin}", item.seq),
                chat_id: admin,
                is_group: false,
                payload: serde_json::json!({ "text": text }),
                anchor_task: None,
                file: None,
            })
            .collect();
        match self
            .ctx
            .store
            .enqueue(&messages, self.ctx.clock.unix())
            .await
        {
            Ok(_) => self.ctx.followup.outbox.notify_one(),
            Err(e) => {
                tracing::error!(error = %e, "could not tell the admins about a failed update")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use teloxide::types::UpdateKind;

    #[test]
    fn an_update_survives_the_inbox_round_trip() {
        let json = r#"{"update_id":5,"message":{"message_id":3,"date":1646874000,
            "chat":{"id":1001,"type":"private","first_name":"张三"},
            "from":{"id":1001,"is_bot":false,"first_name":"张三"},
            "text":"新增创新平台3家",
            "reply_to_message":{"message_id":2,"date":1646874000,
                "chat":{"id":1001,"type":"private","first_name":"张三"},
                "from":{"id":42,"is_bot":true,"first_name":"督办","username":"duban_bot"},
                "text":"第8项任务"}}}"#;
        let update: Update = serde_json::from_str(json).unwrap();
        let stored = incoming(&update).unwrap();
        println!("{}", stored.payload);
        let back: Update = serde_json::from_str(&stored.payload).unwrap();
        let UpdateKind::Message(msg) = back.kind else {
            panic!()
        };
        assert_eq!(msg.text(), Some("新增创新平台3家"));
        assert_eq!(msg.reply_to_message().unwrap().text(), Some("第8项任务"));
    }

    #[test]
    fn an_update_is_dated_by_what_a_redelivery_carries_too() {
        let date = |json: &str| update_date(&serde_json::from_str(json).unwrap());
        let user = r#""from":{"id":1001,"is_bot":false,"first_name":"张三"}"#;
        let chat = r#""chat":{"id":1001,"type":"private","first_name":"张三"}"#;

        let message = format!(
            r#"{{"update_id":1,"message":{{"message_id":3,"date":1646874000,{chat},{user},"text":"x"}}}}"#
        );
        let edited = format!(
            r#"{{"update_id":2,"edited_message":{{"message_id":3,"date":1646874000,"edit_date":1646875000,{chat},{user},"text":"y"}}}}"#
        );
        let pressed = format!(
            r#"{{"update_id":3,"callback_query":{{"id":"q","chat_instance":"c",{user},"data":"d",
            "message":{{"message_id":4,"date":1646876000,{chat},"text":"z"}}}}}}"#
        );

        assert_eq!(date(&message), 1_646_874_000);
        assert_eq!(date(&edited), 1_646_875_000);
        assert_eq!(date(&pressed), 1_646_876_000);
    }

    fn update(id: u32) -> (Incoming, Update) {
        let json = format!(
            r#"{{"update_id":{id},"message":{{"message_id":{id},"date":1646874000,
            "chat":{{"id":1001,"type":"private","first_name":"张三"}},
            "from":{{"id":1001,"is_bot":false,"first_name":"张三"}},"text":"/help"}}}}"#
        );
        let update: Update = serde_json::from_str(&json).unwrap();
        (incoming(&update).unwrap(), update)
    }

    /// Stores the updates `ids` through `handoff` and hands over the new ones.
    async fn store_ids(
        handoff: &Handoff,
        store: &Store,
        ids: &[u32],
    ) -> Result<usize, crate::store::StoreError> {
        let (incoming, updates): (Vec<Incoming>, Vec<Update>) =
            ids.iter().map(|id| update(*id)).unzip();
        let stored = handoff.store(store, &incoming, 0).await?;
        Ok(stored.hand_over(incoming, updates))
    }

    fn handed(receiver: &mut mpsc::UnboundedReceiver<Vec<Fresh>>) -> Vec<i64> {
        let mut ids = Vec::new();
        while let Ok(fresh) = receiver.try_recv() {
            ids.extend(fresh.iter().map(|f| f.item.update_id));
        }
        ids
    }

    fn in_flight(handoff: &Handoff) -> Vec<i64> {
        let mut ids: Vec<i64> = handoff
            .in_flight
            .lock()
            .unwrap()
            .iter()
            .map(|k| k.id)
            .collect();
        ids.sort_unstable();
        ids
    }

    #[tokio::test]
    async fn only_new_updates_are_handed_over_and_the_rest_is_left_to_the_scans() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("duban.db").display());
        let store = Store::connect(&url).await.unwrap();
        let (sender, mut receiver) = mpsc::unbounded_channel();
        let handoff = Handoff {
            in_flight: Arc::default(),
            fresh: sender,
        };

        assert_eq!(store_ids(&handoff, &store, &[1, 2]).await.unwrap(), 2);
        assert_eq!(handed(&mut receiver), [1, 2]);
        assert_eq!(in_flight(&handoff), [1, 2]);

        // 2 again (Telegram redelivers what it was not told of) while a worker has it: only 3
        // is new.
        assert_eq!(store_ids(&handoff, &store, &[2, 3]).await.unwrap(), 1);
        assert_eq!(handed(&mut receiver), [3]);
        assert_eq!(in_flight(&handoff), [1, 2, 3]);

        // 1 again after it finished: stored before, so not handed over, and not left claimed
        // (a scan finds it if it is still pending).
        let key = UpdateKey {
            id: 1,
            date: 1_646_874_000,
        };
        handoff.in_flight.lock().unwrap().remove(&key);
        assert_eq!(store_ids(&handoff, &store, &[1]).await.unwrap(), 0);
        assert!(handed(&mut receiver).is_empty());
        assert_eq!(in_flight(&handoff), [2, 3]);

        // Stored, then dropped before it was handed over (a cancelled webhook request): the
        // claim is released, and a scan finds the update.
        let (incoming, _) = update(5);
        drop(handoff.store(&store, &[incoming], 0).await.unwrap());
        assert!(handed(&mut receiver).is_empty());
        assert_eq!(in_flight(&handoff), [2, 3]);
        assert_eq!(store.inbox_due(0, 10).await.unwrap().len(), 4);

        // A batch that cannot be stored is not claimed either.
        store.close().await;
        assert!(store_ids(&handoff, &store, &[4]).await.is_err());
        assert!(handed(&mut receiver).is_empty());
        assert_eq!(in_flight(&handoff), [2, 3]);
    }
}
