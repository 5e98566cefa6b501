//! Telegram's listener. teloxide's stock polling listener confirms a batch to Telegram before
//! the handlers run, so a crash would lose replies. Here every update is first stored in the
//! inbox (one transaction per batch; a redelivery, known by its id and date, is kept once) and
//! only then confirmed: by the next getUpdates offset in polling mode, by the 200 answer in
//! webhook mode. The core's [`Processor`] works the inbox off (see
//! [`crate::conversation::inbox`]), with [`Telegram`] as its adapter.

use super::telegram;
use crate::clock::Clock;
use crate::cluster::{Cluster, TRY_EVERY};
use crate::conversation::inbox::{
    Adapter, Handoff, Processor, Tasks, backoff, failpoint, handoff, sleep_or_stop,
};
use crate::conversation::{self, ChatSettings, Ctx, Event, Replies};
use crate::followup::Followup;
use crate::store::{Incoming, Platform, Store};
use crate::telemetry::{Metrics, health};
use anyhow::Context as _;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use std::net::SocketAddr;
use std::sync::Arc;
use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::types::Me;
use tokio::sync::watch;

/// Seconds a getUpdates call waits for updates; under teloxide's 17 s request timeout.
const POLL_TIMEOUT_SECS: u32 = 10;
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
    tasks: Tasks,
    /// The bot's username, as getMe gave it.
    pub username: String,
}

impl Running {
    /// Stops taking updates, lets the handlers that started finish, and returns. Updates
    /// received but not yet handled stay in the inbox for the next start.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.tasks.stop().await
    }

    /// Ends at once (a crash, for the tests).
    pub fn abort(self) {
        self.tasks.abort();
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
    let (mut tasks, stopped) = Tasks::new();
    let metrics = ctx.followup.metrics.clone();
    let (handoff, fresh) = handoff(metrics.clone());
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
                cluster: ctx.followup.cluster.clone(),
                metrics,
            };
            tasks.spawn(listener.run(stopped.clone()));
        }
        Mode::Webhook { url, listen } => {
            let secret = webhook_secret(bot.token());
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
            tasks.spawn(serve_webhook(
                socket,
                path,
                receiver,
                metrics,
                stopped.clone(),
            ));
        }
    }
    let processor = Processor::new(ctx, Telegram { bot, me }, &handoff);
    tasks.spawn(processor.run(fresh, stopped));
    Ok(Running { tasks, username })
}

/// The secret Telegram sends with every update posted to the webhook: derived from the token,
/// so that every instance behind the load balancer registers and expects the same one (a
/// random secret per instance would let the last to start refuse the others' updates).
fn webhook_secret(token: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("duban webhook secret:{token}").as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
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
        platform: Platform::Telegram,
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

struct Poller {
    bot: Bot,
    store: Store,
    clock: Clock,
    handoff: Handoff<Update>,
    /// One instance polls at a time (Telegram allows one reader per token); the others stand
    /// by until its lease expires.
    cluster: Cluster,
    /// Where the health check learns whether getUpdates succeeds.
    metrics: Metrics,
}

impl Poller {
    async fn run(self, mut stop: watch::Receiver<bool>) -> anyhow::Result<()> {
        let mut offset: i32 = 0;
        let mut failures: u32 = 0;
        let mut polling = false;
        loop {
            if *stop.borrow() {
                return Ok(());
            }
            match self.cluster.poller_turn().await {
                Ok(true) if !polling => {
                    polling = true;
                    // What the last poller did not confirm comes again; the inbox keeps it once.
                    offset = 0;
                    tracing::info!("polling Telegram");
                }
                Ok(true) => {}
                Ok(false) => {
                    if polling {
                        tracing::info!("another instance polls Telegram now: standing by");
                    }
                    polling = false;
                    // Standing by is healthy: another instance polls for the service.
                    self.metrics
                        .link_up(Platform::Telegram, Some(health::POLL_FRESH_FOR));
                    sleep_or_stop(TRY_EVERY, &mut stop).await;
                    continue;
                }
                Err(e) => {
                    failures += 1;
                    tracing::warn!(error = %e, failures, "could not read the poller's lease");
                    sleep_or_stop(backoff(failures), &mut stop).await;
                    continue;
                }
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
                    self.metrics
                        .link_up(Platform::Telegram, Some(health::POLL_FRESH_FOR));
                    updates
                }
                Err(RequestError::RetryAfter(after)) => {
                    tracing::warn!(seconds = after.seconds(), "getUpdates: told to wait");
                    sleep_or_stop(after.duration(), &mut stop).await;
                    continue;
                }
                Err(e) => {
                    failures += 1;
                    self.metrics
                        .link_down(Platform::Telegram, format!("getUpdates 失败：{e}"));
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

struct Receiver {
    store: Store,
    clock: Clock,
    handoff: Handoff<Update>,
    secret: String,
}

async fn serve_webhook(
    socket: tokio::net::TcpListener,
    path: String,
    receiver: Arc<Receiver>,
    metrics: Metrics,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let app = axum::Router::new()
        .route(&path, axum::routing::post(receive))
        .with_state(receiver);
    metrics.link_up(Platform::Telegram, None);
    let served = axum::serve(socket, app)
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|stopped| *stopped).await;
        })
        .await
        .context("serve the webhook");
    metrics.link_down(Platform::Telegram, "webhook 服务已停止");
    served
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
        platform: Platform::Telegram,
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

/// Telegram as the core's adapter: updates read back from their JSON, events from
/// [`telegram::event`], replies sent by [`telegram::deliver`].
struct Telegram {
    bot: Bot,
    me: Me,
}

impl Adapter for Telegram {
    type Update = Update;
    const PLATFORM: Platform = Platform::Telegram;

    fn read(&self, payload: &str) -> anyhow::Result<Update> {
        serde_json::from_str(payload).context("read a stored update")
    }

    async fn event(&self, _: &Ctx, update: &Update) -> anyhow::Result<Option<Event>> {
        Ok(telegram::event(update, &self.me))
    }

    async fn fetch(
        &self,
        _: &Ctx,
        source: &str,
        max: u64,
    ) -> anyhow::Result<conversation::Fetched> {
        telegram::fetch(&self.bot, source, max).await
    }

    async fn deliver(
        &self,
        ctx: &Ctx,
        update: &Update,
        event: &Event,
        replies: Replies,
    ) -> anyhow::Result<()> {
        telegram::deliver(&self.bot, ctx, update, event, replies).await
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
    fn every_instance_derives_the_same_webhook_secret_from_the_token() {
        let secret = webhook_secret("424242:SECRET");
        assert_eq!(secret, webhook_secret("424242:SECRET"));
        assert_ne!(secret, webhook_secret("424243:OTHER"));
        // Telegram takes 1–256 of A-Z, a-z, 0-9, _ and -; the token itself is not in it.
        assert_eq!(secret.len(), 32);
        assert!(secret.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(!secret.contains("SECRET"));
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
}
