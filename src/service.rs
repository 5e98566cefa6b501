//! The whole service as `duban run` starts it, on one clock: the chat loop (inbox and
//! handlers), the scheduler that turns fire times into outbox rows, and the sender that
//! delivers the outbox at the rate Telegram allows. Tests, the demo and the benchmarks start
//! the same thing against the local Bot API server.

use crate::bot::inbox::{self, Mode, Running};
use crate::clock::Clock;
use crate::config::Settings;
use crate::conversation::ChatSettings;
use crate::followup::Followup;
use crate::followup::scheduler::{Scheduler, Ticking};
use crate::followup::sender::{self, Limiter, SendLimits, SenderConfig, SenderHandle};
use crate::store::Store;
use anyhow::Result;
use std::time::Duration;
use teloxide::Bot;

/// How often the scheduler looks at the clock (real time): with `--clock-speed` a tick covers
/// more simulated time, and every fire time in it is still seen.
pub const TICK: Duration = Duration::from_secs(1);

/// A running service.
pub struct Service {
    bot: Running,
    ticking: Ticking,
    sender: SenderHandle,
    /// The bot's username, as getMe gave it.
    pub username: String,
}

/// Starts the sender, the chat loop and the scheduler (ticking every `tick`).
pub async fn start(
    store: Store,
    clock: Clock,
    settings: &Settings,
    bot: Bot,
    mode: Mode,
    tick: Duration,
) -> Result<Service> {
    let calendar = crate::commands::calendar::load(&settings.calendar)?;
    let scheduler = Scheduler::new(settings, calendar, store.clone(), clock.clone())?;
    let limits = SendLimits::from(settings);
    let limiter = Limiter::new(limits);
    let mut admins = settings.admins.clone();
    admins.sort_unstable();
    let sender = sender::spawn(
        store.clone(),
        clock.clone(),
        limiter.clone(),
        SenderConfig {
            api_url: bot.api_url().as_str().trim_end_matches('/').to_owned(),
            token: bot.token().to_owned(),
            limits,
            max_attempts: settings.outbox_attempts,
            admins,
            dingtalk: None,
        },
    );
    let followup = Followup {
        scheduler: scheduler.clone(),
        outbox: sender.waker(),
        limiter,
    };
    let started = inbox::start(
        store,
        clock,
        ChatSettings::from(settings),
        bot,
        mode,
        followup.clone(),
    )
    .await;
    let bot = match started {
        Ok(bot) => bot,
        Err(e) => {
            sender.stop().await;
            return Err(e);
        }
    };
    let outbox = followup.outbox.clone();
    let ticking = Ticking::start(scheduler, tick, move || outbox.notify_one());
    Ok(Service {
        username: bot.username.clone(),
        bot,
        ticking,
        sender,
    })
}

impl Service {
    /// Stops taking updates and fire times, lets what started finish, and returns. Pending
    /// outbox rows stay for the next start.
    pub async fn stop(self) -> Result<()> {
        let stopped = self.bot.stop().await;
        self.ticking.stop().await;
        self.sender.stop().await;
        stopped
    }
}
