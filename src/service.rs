//! The whole service as `duban run` starts it, on one clock: the conversation on every platform
//! configured (Telegram, DingTalk: each an inbox listener and a processor), the scheduler that
//! turns fire times into outbox rows, and the sender that delivers the outbox at the rate the
//! platforms allow. Tests, the demo and the benchmarks start the same thing against the local
//! Bot API server and the local DingTalk server.

use crate::bot::inbox::{self, Mode, Running};
use crate::bulletin::channels::{Channels, Robots};
use crate::clock::Clock;
use crate::cluster::{Cluster, Keeper};
use crate::config::Settings;
use crate::conversation::ChatSettings;
use crate::dingtalk::run::{self as dingtalk, DingTalkConfig};
use crate::followup::Followup;
use crate::followup::retention::{self, Daily};
use crate::followup::scheduler::{Scheduler, Ticking};
use crate::followup::sender::{self, Limiter, SendLimits, SenderConfig, SenderHandle, Transport};
use crate::store::{Platform, Store};
use crate::telemetry::Metrics;
use crate::telemetry::health::Probe;
use anyhow::Result;
use std::sync::Arc;
use std::time::Duration;
use teloxide::Bot;

/// How often the scheduler looks at the clock (real time): with `--clock-speed` a tick covers
/// more simulated time, and every fire time in it is still seen.
pub const TICK: Duration = Duration::from_secs(1);

/// The platforms to run on; at least one.
pub struct Platforms {
    /// Telegram: the client and how updates arrive.
    pub telegram: Option<(Bot, Mode)>,
    pub dingtalk: Option<DingTalkConfig>,
}

/// A running service.
pub struct Service {
    telegram: Option<Running>,
    dingtalk: Option<dingtalk::Running>,
    ticking: Ticking,
    sender: SenderHandle,
    /// Renews this instance's leases.
    keeper: Keeper,
    cluster: Cluster,
    probe: Probe,
    /// The daily prune of old rows.
    retention: Daily,
    /// The Telegram bot's username, as getMe gave it; empty without Telegram.
    pub username: String,
}

/// Starts the sender, the chat loop on Telegram and the scheduler (ticking every `tick`).
pub async fn start(
    store: Store,
    clock: Clock,
    settings: &Settings,
    bot: Bot,
    mode: Mode,
    tick: Duration,
) -> Result<Service> {
    let platforms = Platforms {
        telegram: Some((bot, mode)),
        dingtalk: None,
    };
    start_on(store, clock, settings, platforms, tick).await
}

/// Starts the sender, the conversation on each of `platforms` and the scheduler (ticking every
/// `tick`).
pub async fn start_on(
    store: Store,
    clock: Clock,
    settings: &Settings,
    platforms: Platforms,
    tick: Duration,
) -> Result<Service> {
    // The admins named in the settings, on Telegram (by user id) and on DingTalk (by userId,
    // as duban numbers them): the scheduler, the sender and the chat see them all.
    let mut admins = settings.admins.clone();
    if let Some(config) = &platforms.dingtalk {
        admins.extend(config.admin_ids(&store).await?);
    }
    admins.sort_unstable();
    admins.dedup();
    let settings = &Settings {
        admins: admins.clone(),
        ..settings.clone()
    };
    let calendar = crate::commands::calendar::load(&settings.calendar)?;
    let scheduler = Scheduler::new(settings, calendar, store.clone(), clock.clone())?;
    let limits = SendLimits::from(settings);
    let limiter = Limiter::new(limits);
    let cluster = Cluster::join(&store, &limiter).await?;
    let keeper = cluster.keep();
    let (api_url, token) = match &platforms.telegram {
        Some((bot, _)) => (
            bot.api_url().as_str().trim_end_matches('/').to_owned(),
            bot.token().to_owned(),
        ),
        None => (String::new(), String::new()),
    };
    let metrics = Metrics::new();
    let probe = Probe {
        store: store.clone(),
        clock: clock.clone(),
        metrics: metrics.clone(),
        platforms: [
            platforms.telegram.as_ref().map(|_| Platform::Telegram),
            platforms.dingtalk.as_ref().map(|_| Platform::DingTalk),
        ]
        .into_iter()
        .flatten()
        .collect(),
    };
    let dingtalk_transport = platforms
        .dingtalk
        .as_ref()
        .map(|config| Arc::new(config.transport(&store, &clock)) as Arc<dyn Transport>);
    let sender = sender::spawn(
        store.clone(),
        clock.clone(),
        limiter.clone(),
        SenderConfig {
            api_url,
            token,
            limits,
            max_attempts: settings.outbox_attempts,
            admins: admins.clone(),
            dingtalk: dingtalk_transport,
            cluster: Some(cluster.clone()),
            metrics: metrics.clone(),
            robots: Some(Arc::new(Robots::new(Channels::from_settings(
                settings,
                |name| std::env::var(name).ok(),
            )))),
        },
    );
    let followup = Followup {
        scheduler: scheduler.clone(),
        outbox: sender.waker(),
        limiter,
        cluster: cluster.clone(),
        metrics: metrics.clone(),
    };
    let chat_settings = ChatSettings {
        telegram: platforms.telegram.is_some(),
        dingtalk: platforms.dingtalk.is_some(),
        ..ChatSettings::from(settings)
    };
    let mut telegram = None;
    if let Some((bot, mode)) = platforms.telegram {
        let started = inbox::start(
            store.clone(),
            clock.clone(),
            chat_settings.clone(),
            bot,
            mode,
            followup.clone(),
        )
        .await;
        match started {
            Ok(running) => telegram = Some(running),
            Err(e) => {
                sender.stop().await;
                keeper.stop().await;
                return Err(e);
            }
        }
    }
    let mut dingtalk = None;
    if let Some(config) = platforms.dingtalk {
        let started = dingtalk::start(
            store.clone(),
            clock.clone(),
            chat_settings,
            config,
            followup.clone(),
        )
        .await;
        match started {
            Ok(running) => dingtalk = Some(running),
            Err(e) => {
                if let Some(telegram) = telegram {
                    let _ = telegram.stop().await;
                }
                sender.stop().await;
                keeper.stop().await;
                return Err(e);
            }
        }
    }
    let outbox = followup.outbox.clone();
    let ticking = Ticking::start(
        scheduler,
        cluster.clone(),
        metrics.clone(),
        tick,
        move || outbox.notify_one(),
    );
    let retention = Daily::start(store, clock, retention::Retention::from(settings), tick);
    Ok(Service {
        username: telegram
            .as_ref()
            .map(|t| t.username.clone())
            .unwrap_or_default(),
        telegram,
        dingtalk,
        ticking,
        sender,
        keeper,
        cluster,
        probe,
        retention,
    })
}

impl Service {
    /// What `/healthz` and `/metrics` look at (see [`crate::telemetry::http`]).
    pub fn probe(&self) -> Probe {
        self.probe.clone()
    }

    /// The service's metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.probe.metrics
    }

    /// Stops taking updates and fire times, lets what started finish, and returns. Pending
    /// outbox rows stay for the next start.
    pub async fn stop(self) -> Result<()> {
        let telegram = match self.telegram {
            Some(running) => running.stop().await,
            None => Ok(()),
        };
        let dingtalk = match self.dingtalk {
            Some(running) => running.stop().await,
            None => Ok(()),
        };
        self.ticking.stop().await;
        self.retention.stop().await;
        self.sender.stop().await;
        // Last: the leases given up, the other instances take over at once.
        self.keeper.stop().await;
        telegram.and(dingtalk)
    }

    /// Ends everything at once, as a crash would: the updates being handled and the messages
    /// being sent are cut off, nothing is marked, the leases are left to expire. For the tests
    /// of several instances.
    pub fn abort(self) {
        self.keeper.abort();
        self.ticking.abort();
        self.retention.abort();
        self.sender.abort();
        if let Some(telegram) = self.telegram {
            telegram.abort();
        }
        if let Some(dingtalk) = self.dingtalk {
            dingtalk.abort();
        }
    }

    /// This instance among the others on the database.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }
}
