//! The chat loop. Updates arrive through [`inbox`] (long polling or a webhook), are stored
//! before Telegram is told they arrived, and are then run through [`schema::schema`], the
//! teloxide dispatch tree in which every permission is a filter. Handlers write through the
//! store and answer with texts from [`texts`], the one place where the bot's words live.

pub mod commands;
mod handlers;
pub mod inbox;
pub mod invites;
pub mod keyboards;
pub mod schema;
pub mod texts;

use crate::clock::{Clock, office_offset};
use crate::config::Settings;
use crate::followup::Followup;
use crate::progress::{Cycle, period_label};
use crate::store::{CurrentTasks, Member, Role, Seen, Store, StoreError};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use teloxide::types::{Chat, User};

/// What the handlers share: the store, the clock and the settings the chat loop uses.
#[derive(Debug)]
pub struct Ctx {
    pub store: Store,
    pub clock: Clock,
    pub settings: BotSettings,
    /// The bot's username (from getMe), for invite links.
    pub username: String,
    /// The scheduler and the outbox, for `/schedule` and `/remind`.
    pub followup: Followup,
}

pub type SharedCtx = Arc<Ctx>;

/// The settings of the chat loop, taken from [`Settings`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotSettings {
    pub admins: Vec<i64>,
    pub cycle: Cycle,
    pub edit_window_minutes: u32,
    pub invite_days: u32,
    pub inbox_attempts: u32,
}

impl From<&Settings> for BotSettings {
    fn from(s: &Settings) -> Self {
        BotSettings {
            admins: s.admins.clone(),
            cycle: s.cycle,
            edit_window_minutes: s.edit_window_minutes,
            invite_days: s.invite_days,
            inbox_attempts: s.inbox_attempts,
        }
    }
}

tokio::task_local! {
    /// What the update being handled may assume of the database (see [`Seen`]): the processor
    /// reads it after taking a batch from the inbox and runs each handler in its scope.
    pub(crate) static SEEN: Seen;
}

impl Ctx {
    /// The tasks of the current notice, as new as the update being handled needs them: from
    /// memory when the handler runs in a [`SEEN`] scope that the copy satisfies.
    pub async fn current_tasks(&self) -> Result<Option<Arc<CurrentTasks>>, StoreError> {
        let seen = SEEN.try_with(|seen| *seen).ok();
        self.store.current_tasks_as_of(seen).await
    }

    /// The reporting period of now.
    pub fn period(&self) -> String {
        period_label(self.settings.cycle, self.clock.office_date())
    }

    pub async fn notice(&self) -> Result<Option<i64>, StoreError> {
        self.store.latest_notice_id().await
    }
}

/// Who sent an update, as the permission filters see them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub name: String,
    pub member: Option<Member>,
    /// Named in the config's `admins`: an admin whatever the database says.
    pub config_admin: bool,
}

impl Actor {
    /// Who `user` is, as new as `seen` (from memory if the members kept there are), or from
    /// the database when `seen` is None.
    pub async fn load(ctx: &Ctx, user: &User, seen: Option<Seen>) -> Result<Actor, StoreError> {
        let user_id = i64::try_from(user.id.0).unwrap_or(i64::MAX);
        let members = seen.map(|seen| seen.members);
        Ok(Actor {
            user_id,
            name: user.full_name(),
            member: ctx.store.member_as_of(user_id, members).await?,
            config_admin: ctx.settings.admins.contains(&user_id),
        })
    }

    pub fn role(&self) -> Option<Role> {
        if self.config_admin {
            return Some(Role::Admin);
        }
        self.member.as_ref().map(|m| m.role)
    }

    pub fn is_bound(&self) -> bool {
        self.role().is_some()
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Some(Role::Admin)
    }

    pub fn is_contact(&self) -> bool {
        self.role() == Some(Role::Contact)
    }

    /// Supervisors and admins read everything.
    pub fn is_reader(&self) -> bool {
        matches!(self.role(), Some(Role::Supervisor | Role::Admin))
    }

    /// Contacts report for their unit; admins may report for a task's host unit.
    pub fn can_report(&self) -> bool {
        matches!(self.role(), Some(Role::Contact | Role::Admin))
    }

    /// The unit of a contact.
    pub fn unit(&self) -> Option<(i64, &str)> {
        let member = self.member.as_ref()?;
        let unit = member.unit.as_ref()?;
        (member.role == Role::Contact).then_some((unit.id, unit.name.as_str()))
    }
}

/// Where an update came from: a private chat, or a group that an admin did or did not
/// register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Private,
    Group { registered: bool },
}

impl Place {
    pub async fn load(ctx: &Ctx, chat: Option<&Chat>) -> Result<Place, StoreError> {
        match chat {
            None => Ok(Place::Private),
            Some(chat) if chat.is_private() => Ok(Place::Private),
            Some(chat) => Ok(Place::Group {
                registered: ctx.store.group_registered(chat.id.0).await?,
            }),
        }
    }

    pub fn is_group(self) -> bool {
        matches!(self, Place::Group { .. })
    }

    /// Task data may be shown here.
    pub fn shows_data(self) -> bool {
        matches!(self, Place::Private | Place::Group { registered: true })
    }
}

/// `2022-03-12 14:05`, Beijing time.
pub fn format_time(unix: i64) -> String {
    DateTime::<Utc>::from_timestamp(unix, 0)
        .map(|t| {
            t.with_timezone(&office_offset())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}
