//! The conversation core, which no chat platform owns. An adapter (Telegram in
//! [`crate::bot`]) stores what arrives in the inbox, turns it into a neutral [`Event`] — who,
//! which chat, private or group, the text, the bot message it replies to, the button pressed —
//! and hands it to [`handle`]. The event runs through [`schema::schema`], the `dptree` tree in
//! which every permission is a filter; the use cases in [`cases`] write through the store and
//! answer with neutral [`Reply`]s (texts from [`crate::wording`], buttons as actions, bulletins,
//! edits, toasts), which the adapter draws and sends in its platform's way.

mod cases;
pub mod command;
pub mod event;
pub mod fetch;
pub mod inbox;
pub mod invites;
pub mod reply;
pub mod schema;

pub use crate::store::Platform;
pub use cases::extensions::parse_date;
pub use cases::items::parse_every;
pub use command::Command;
pub use event::{Attachment, Chat, Event, EventKind, Sender};
pub use fetch::{Fetch, Fetched, Fetcher};
pub use reply::{Replies, Reply, Say};

use crate::clock::Clock;
use crate::config::Settings;
use crate::followup::Followup;
use crate::progress::{Cycle, period_label};
use crate::store::{CurrentTasks, InboxSeq, Keeping, Member, Role, Seen, Store, StoreError};
use std::ops::ControlFlow;
use std::sync::Arc;

/// What the handlers share: the store, the clock and the settings the chat loop uses.
#[derive(Debug)]
pub struct Ctx {
    pub store: Store,
    pub clock: Clock,
    pub settings: ChatSettings,
    /// The Telegram bot's username (from getMe), for invite links; empty without Telegram.
    pub username: String,
    /// The scheduler and the outbox, for `/schedule` and `/remind`.
    pub followup: Followup,
}

pub type SharedCtx = Arc<Ctx>;

/// The settings of the conversation, taken from [`Settings`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatSettings {
    pub admins: Vec<i64>,
    pub cycle: Cycle,
    /// The day of the month reports are due (monthly and quarterly cycles).
    pub due_day: u32,
    pub edit_window_minutes: u32,
    pub invite_days: u32,
    pub inbox_attempts: u32,
    /// The platforms the service runs on: an invite says how to bind on each.
    pub telegram: bool,
    pub dingtalk: bool,
    pub evidence: EvidenceSettings,
}

/// What is taken as evidence (佐证材料), and where it is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceSettings {
    pub keeping: Keeping,
    pub max_bytes: u64,
    /// File name endings, lower case, without the dot.
    pub types: Vec<String>,
}

impl EvidenceSettings {
    /// Whether a file of this name is of a type taken (a photo always is).
    pub fn accepts(&self, name: &str) -> bool {
        let Some((_, ending)) = name.rsplit_once('.') else {
            return false;
        };
        let ending = ending.to_lowercase();
        self.types.contains(&ending)
    }
}

impl From<&Settings> for EvidenceSettings {
    fn from(s: &Settings) -> Self {
        EvidenceSettings {
            keeping: if s.evidence_dir.trim().is_empty() {
                Keeping::Database
            } else {
                Keeping::Folder(s.evidence_dir.trim().into())
            },
            max_bytes: u64::from(s.evidence_max_mb) * 1024 * 1024,
            types: s
                .evidence_types
                .iter()
                .map(|t| t.trim().trim_start_matches('.').to_lowercase())
                .collect(),
        }
    }
}

impl From<&Settings> for ChatSettings {
    fn from(s: &Settings) -> Self {
        ChatSettings {
            admins: s.admins.clone(),
            cycle: s.cycle,
            due_day: s.due_day,
            edit_window_minutes: s.edit_window_minutes,
            invite_days: s.invite_days,
            inbox_attempts: s.inbox_attempts,
            telegram: true,
            dingtalk: false,
            evidence: EvidenceSettings::from(s),
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

    /// The due date of the period of now.
    pub fn due(&self) -> chrono::NaiveDate {
        crate::progress::due_date(
            self.settings.cycle,
            self.clock.office_date(),
            self.settings.due_day,
        )
    }

    pub async fn notice(&self) -> Result<Option<i64>, StoreError> {
        self.store.latest_notice_id().await
    }
}

/// Who sent an event, as the permission filters see them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub name: String,
    pub member: Option<Member>,
    /// Named in the config's `admins`: an admin whatever the database says.
    pub config_admin: bool,
}

impl Actor {
    /// Who `sender` is, as new as `seen` (from memory if the members kept there are), or from
    /// the database when `seen` is None.
    pub async fn load(ctx: &Ctx, sender: &Sender, seen: Option<Seen>) -> Result<Actor, StoreError> {
        let user_id = sender.id;
        let members = seen.map(|seen| seen.members);
        Ok(Actor {
            user_id,
            name: sender.name.clone(),
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

/// Where an event came from: a private chat, or a group that an admin did or did not
/// register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Private,
    Group { registered: bool },
}

impl Place {
    pub async fn load(ctx: &Ctx, chat: &Chat) -> Result<Place, StoreError> {
        if !chat.is_group() {
            return Ok(Place::Private);
        }
        Ok(Place::Group {
            registered: ctx.store.group_registered(chat.id).await?,
        })
    }

    pub fn is_group(self) -> bool {
        matches!(self, Place::Group { .. })
    }

    /// Task data may be shown here.
    pub fn shows_data(self) -> bool {
        matches!(self, Place::Private | Place::Group { registered: true })
    }
}

/// The dispatch tree, built once per adapter and shared by its workers.
pub type Handler = dptree::Handler<'static, anyhow::Result<Replies>>;

/// Runs one stored event through the dispatch tree: who sent it and where, then the use case
/// its permissions lead to. `seq` is the event's number in the inbox (what makes a use case
/// idempotent); `seen` what the database held when the event was taken from the inbox;
/// `fetcher` how the event's platform hands over the bytes of a photo or a file.
pub async fn handle(
    ctx: &SharedCtx,
    handler: &Handler,
    event: Event,
    seq: InboxSeq,
    seen: Option<Seen>,
    fetcher: Fetcher,
) -> anyhow::Result<Replies> {
    let actor = Actor::load(ctx, &event.sender, seen).await?;
    let place = Place::load(ctx, &event.chat).await?;
    let deps = dptree::deps![ctx.clone(), seq, event, actor, place, fetcher];
    let handled = handler.dispatch(deps);
    let handled = match seen {
        Some(seen) => SEEN.scope(seen, handled).await,
        None => handled.await,
    };
    match handled {
        ControlFlow::Break(result) => result,
        ControlFlow::Continue(_) => Ok(Replies::new()),
    }
}
