//! Nothing lost, nothing twice. teloxide's stock polling listener confirms a batch to Telegram
//! before the handlers run, so a crash would lose replies. Here every update is first stored in
//! the inbox (keyed by update_id, one transaction per batch) and only then confirmed: by the
//! next getUpdates offset in polling mode, by the 200 answer in webhook mode. A processor works
//! the inbox off through [`schema`](super::schema::schema), one chat in order, chats in
//! parallel; a failing update is retried with backoff a bounded number of times, then marked
//! failed and reported to the admins. Handlers are idempotent per update_id, so an update
//! handled again after a crash changes nothing twice.

use super::commands::Command;
use super::schema::schema;
use super::{Actor, BotSettings, Ctx, Place, SharedCtx, texts};
use crate::clock::Clock;
use crate::followup::Followup;
use crate::store::{InboxItem, Incoming, OutMessage, Role, Seen, Store};
use anyhow::Context as _;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use teloxide::RequestError;
use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::types::{BotCommand, Me};
use teloxide::utils::command::BotCommands;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinSet;

/// Seconds a getUpdates call waits for updates; under teloxide's 17 s request timeout.
const POLL_TIMEOUT_SECS: u32 = 10;
/// How many due updates the processor takes from the inbox at a time.
const BATCH: i64 = 256;
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
    settings: BotSettings,
    bot: Bot,
    mode: Mode,
    followup: Followup,
) -> anyhow::Result<Running> {
    let me = bot.get_me().await.context(
        "向 Bot API 查询机器人（getMe）失败：请检查令牌 DUBAN_BOT_TOKEN 和配置项 telegram_api_url",
    )?;
    let username = me.username().to_owned();
    // Telegram wants the names without the slash that teloxide's list carries.
    let commands: Vec<BotCommand> = Command::bot_commands()
        .into_iter()
        .map(|c| BotCommand::new(c.command.trim_start_matches('/'), c.description))
        .collect();
    bot.set_my_commands(commands)
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
    let wake = Arc::new(Notify::new());
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
                wake: wake.clone(),
            };
            tasks.spawn(listener.run(stopped.clone()));
        }
        Mode::Webhook { url, listen } => {
            let secret = super::invites::new_code();
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
                wake: wake.clone(),
                secret,
            });
            tasks.spawn(serve_webhook(socket, path, receiver, stopped.clone()));
        }
    }
    let processor = Arc::new(Processor {
        ctx,
        bot,
        me,
        handler: schema(),
        in_flight: Mutex::new(HashSet::new()),
        finished: Mutex::new(Vec::new()),
        wake,
        slots: tokio::sync::Semaphore::new(CONCURRENCY),
    });
    tasks.spawn(processor.run(stopped));
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
        chat_id: update.chat().map(|c| c.id.0),
        payload: serde_json::to_string(update).context("serialize an update")?,
    })
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

struct Poller {
    bot: Bot,
    store: Store,
    clock: Clock,
    wake: Arc<Notify>,
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
                match self.store.inbox_put(&batch, self.clock.unix()).await {
                    Ok(fresh) => {
                        tracing::debug!(
                            received = batch.len(),
                            new = fresh.len(),
                            "stored updates"
                        );
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
            self.wake.notify_one();
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
    wake: Arc<Notify>,
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
        chat_id: update.chat().map(|c| c.id.0),
        payload: String::from_utf8_lossy(&body).into_owned(),
    };
    if let Err(e) = receiver
        .store
        .inbox_put(&[incoming], receiver.clock.unix())
        .await
    {
        tracing::error!(error = %e, "webhook: could not store an update");
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    failpoint("after_store");
    receiver.wake.notify_one();
    StatusCode::OK
}

struct Processor {
    ctx: SharedCtx,
    bot: Bot,
    me: Me,
    handler: UpdateHandler<anyhow::Error>,
    /// Updates handed to a chat worker and not yet seen finished by the processor.
    in_flight: Mutex<HashSet<i64>>,
    /// Updates the workers finished since the processor last looked, and whether they
    /// succeeded: the processor marks the successes done, many in one transaction.
    finished: Mutex<Vec<(i64, bool)>>,
    /// Wakes the processor: new updates stored, or a worker finished one.
    wake: Arc<Notify>,
    /// How many updates are handled at once, across chats.
    slots: tokio::sync::Semaphore,
}

impl Processor {
    /// Hands pending updates to chat workers. On a wake it reads only what arrived since it
    /// last looked (above the highest id handed out); once a second it reads everything due,
    /// which picks up retries and whatever an earlier run left.
    async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) -> anyhow::Result<()> {
        let mut workers: HashMap<i64, mpsc::UnboundedSender<(InboxItem, Option<Seen>)>> =
            HashMap::new();
        let mut running = JoinSet::new();
        let mut high_water = i64::MIN;
        let mut full_scan = true;
        loop {
            // An update leaves `in_flight` only once a read of the inbox that began after it
            // finished has been made: a read that began earlier may still show it pending, and
            // must not hand it out again.
            let finished = self.mark_finished().await;
            let due = if full_scan {
                self.ctx.store.inbox_due(self.ctx.clock.unix(), BATCH).await
            } else {
                self.ctx.store.inbox_after(high_water, BATCH).await
            };
            {
                let mut in_flight = self.in_flight.lock().expect("in-flight lock");
                for (id, _) in finished {
                    in_flight.remove(&id);
                }
            }
            // Read after the batch, so after every update in it was stored.
            let seen = match &due {
                Ok(due) if !due.is_empty() => match self.ctx.store.seen().await {
                    Ok(seen) => Some(seen),
                    Err(e) => {
                        tracing::warn!(
                            error = %e,
                            "could not read the revisions; handling without the copies in memory"
                        );
                        None
                    }
                },
                _ => None,
            };
            let mut more = false;
            match due {
                Ok(due) => {
                    more = due.len() as i64 == BATCH;
                    for item in due {
                        high_water = high_water.max(item.update_id);
                        if !self
                            .in_flight
                            .lock()
                            .expect("in-flight lock")
                            .insert(item.update_id)
                        {
                            continue;
                        }
                        let chat = item.chat_id.unwrap_or(0);
                        let item = (item, seen);
                        let item = match workers.get(&chat) {
                            Some(worker) => match worker.send(item) {
                                Ok(()) => continue,
                                Err(returned) => returned.0,
                            },
                            None => item,
                        };
                        let (sender, receiver) = mpsc::unbounded_channel();
                        running.spawn(self.clone().work(receiver));
                        sender.send(item).expect("a fresh worker is listening");
                        workers.insert(chat, sender);
                    }
                }
                Err(e) => tracing::error!(error = %e, "could not read the inbox"),
            }
            // Reap workers that ended (a panic in one must not go unnoticed).
            while let Some(ended) = running.try_join_next() {
                if let Err(e) = ended {
                    tracing::error!(error = %e, "a chat worker panicked");
                }
            }
            if more && !full_scan {
                continue;
            }
            full_scan = tokio::select! {
                _ = self.wake.notified() => false,
                _ = tokio::time::sleep(Duration::from_secs(1)) => true,
                _ = stop.changed() => break,
            };
        }
        // Let every worker finish what it was handed, mark it, then stop.
        drop(workers);
        while running.join_next().await.is_some() {}
        self.mark_finished().await;
        Ok(())
    }

    /// Takes what the workers finished and marks the successes done, in one transaction.
    /// Returns every finished update, successes and failures.
    async fn mark_finished(&self) -> Vec<(i64, bool)> {
        let finished = std::mem::take(&mut *self.finished.lock().expect("finished lock"));
        let done: Vec<i64> = finished
            .iter()
            .filter(|(_, ok)| *ok)
            .map(|(id, _)| *id)
            .collect();
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

    async fn work(self: Arc<Self>, mut items: mpsc::UnboundedReceiver<(InboxItem, Option<Seen>)>) {
        while let Some((item, seen)) = items.recv().await {
            let id = item.update_id;
            let permit = self
                .slots
                .acquire()
                .await
                .expect("the slots are never closed");
            let ok = self.handle(item, seen).await;
            drop(permit);
            self.finished.lock().expect("finished lock").push((id, ok));
        }
    }

    /// Runs one update through the schema; true when it succeeded (the processor then marks
    /// it done). A failure is recorded here, with the time of the next attempt.
    async fn handle(&self, item: InboxItem, seen: Option<Seen>) -> bool {
        failpoint("before_handle");
        let result = self
            .ctx
            .store
            .activity()
            .busy(self.dispatch(&item, seen))
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
            .inbox_attempt_failed(item.update_id, &error, retry_at, max)
            .await
        {
            Ok(true) => self.tell_admins(item.update_id, &error).await,
            Ok(false) => {}
            Err(e) => {
                tracing::error!(update_id = item.update_id, error = %e, "could not record a failed attempt")
            }
        }
        false
    }

    async fn dispatch(&self, item: &InboxItem, seen: Option<Seen>) -> anyhow::Result<()> {
        let update: Update = serde_json::from_str(&item.payload).context("read a stored update")?;
        let Some(user) = update.from().cloned() else {
            // Channel posts and the like: nothing for duban.
            return Ok(());
        };
        let actor = Actor::load(&self.ctx, &user, seen).await?;
        let place = Place::load(&self.ctx, update.chat()).await?;
        let deps = dptree::deps![
            self.bot.clone(),
            self.ctx.clone(),
            self.me.clone(),
            update.id,
            update,
            actor,
            place
        ];
        let limiter = self.ctx.followup.limiter.clone();
        let handled = super::handlers::SEND_LIMITER.scope(limiter, self.handler.dispatch(deps));
        let handled = match seen {
            Some(seen) => super::SEEN.scope(seen, handled).await,
            None => handled.await,
        };
        match handled {
            ControlFlow::Break(result) => result,
            ControlFlow::Continue(_) => Ok(()),
        }
    }

    /// An update failed for good: every admin hears of it.
    async fn tell_admins(&self, update_id: i64, error: &str) {
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
        let text = texts::failed_for_admins(update_id, error);
        let messages: Vec<OutMessage> = admins
            .into_iter()
            .map(|admin| OutMessage {
                key: format!("inbox-failed:{update_id}:{admin}"),
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
}
