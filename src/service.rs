//! The whole service as `duban run` starts it, on one clock: the conversation on every platform
//! configured (Telegram, DingTalk: each an inbox listener and a processor), the scheduler that
//! turns fire times into outbox rows, and the sender that delivers the outbox at the rate the
//! platforms allow. Tests, the demo and the benchmarks start the same thing against the local
//! Bot API server and the local DingTalk server.

use crate::bot::inbox::{self, Mode, Running};
use crate::clock::Clock;
use crate::config::Settings;
use crate::conversation::ChatSettings;
use crate::dingtalk::run::{self as dingtalk, DingTalkConfig};
use crate::followup::Followup;
use crate::followup::retention::{self, Daily};
use crate::followup::scheduler::{Scheduler, Ticking};
use crate::followup::sender::{self, Limiter, SendLimits, SenderConfig, SenderHandle, Transport};
use crate::store::Store;
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
    let (api_url, token) = match &platforms.telegram {
        Some((bot, _)) => (
            bot.api_url().as_str().trim_end_matches('/').to_owned(),
            bot.token().to_owned(),
        ),
        None => (String::new(), String::new()),
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
        },
    );
    let followup = Followup {
        scheduler: scheduler.clone(),
        outbox: sender.waker(),
        limiter,
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
                return Err(e);
            }
        }
    }
    let outbox = followup.outbox.clone();
    let ticking = Ticking::start(scheduler, tick, move || outbox.notify_one());
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
        retention,
    })
}

impl Service {
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
        telegram.and(dingtalk)
    }
}
