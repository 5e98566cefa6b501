//! The scheduler: on each tick, the fire times since the last tick (shifted onto working days)
//! become outbox rows. After downtime the window is the whole downtime, and only the latest
//! fire of each schedule in it counts — missed fires are caught up once per kind and unit, not
//! once per missed tick — and only while its period is still open.

use super::planner::{self, Fire, Scope, Situation};
use crate::bulletin::channels::Channels;
use crate::bulletin::compile;
use crate::bulletin::render::{files_off_runtime, markdown, text};
use crate::clock::{Clock, office_offset};
use crate::cluster::{Cluster, Turn};
use crate::config::Settings;
use crate::progress::{Cycle, due_date, period_label};
use crate::schedule::{Calendar, Kind, Plan, Shift, WorkingPlan};
use crate::store::{
    Fence, OutFile, OutMessage, Platform, ReportFilter, Role, ScheduleRow, Store, TaskSelection,
    platform_of,
};
use crate::telemetry::Metrics;
use anyhow::{Context, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub use crate::store::{Effective, Origin};

/// Fire times shown with a schedule (`/schedule`, `duban schedule`).
pub const PREVIEW: usize = 3;

/// The scheduler records its progress at least this often (service time) even when nothing
/// fires, so that the window it scans after a restart stays short and the health check
/// (`telemetry::health`) sees within minutes when no instance runs the scheduler.
const CHECKPOINT_EVERY: Duration = Duration::minutes(1);

/// Turns fire times into outbox rows. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Scheduler(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    store: Store,
    clock: Clock,
    calendar: Calendar,
    shift: Shift,
    cycle: Cycle,
    due_day: u32,
    defaults: BTreeMap<Kind, Plan>,
    admins: Vec<i64>,
    /// For compiling bulletins.
    settings: Arc<Settings>,
    /// The group robots the bulletin also goes to (which are configured; their URLs and secrets
    /// are read again when the rows are sent).
    channels: Channels,
}

impl Scheduler {
    pub fn new(
        settings: &Settings,
        calendar: Calendar,
        store: Store,
        clock: Clock,
    ) -> Result<Self> {
        let mut defaults = BTreeMap::new();
        for kind in Kind::ALL {
            let plan = Plan::parse(settings.schedule(kind))
                .with_context(|| format!("配置项 {} 的时间表无效", kind.code()))?;
            defaults.insert(kind, plan);
        }
        Ok(Scheduler(Arc::new(Inner {
            store,
            clock,
            calendar,
            shift: settings.shift,
            cycle: settings.cycle,
            due_day: settings.due_day,
            defaults,
            admins: settings.admins.clone(),
            settings: Arc::new(settings.clone()),
            channels: Channels::from_settings(settings, |name| std::env::var(name).ok()),
        })))
    }

    pub fn clock(&self) -> &Clock {
        &self.0.clock
    }

    /// The settings it was made with (the bulletin's issuer, thresholds, cycle …).
    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    /// Where fire times on days off go.
    pub fn shift(&self) -> Shift {
        self.0.shift
    }

    /// A plan on the working-day calendar of this scheduler.
    pub fn working<'a>(&'a self, plan: &'a Plan) -> WorkingPlan<'a> {
        WorkingPlan {
            plan,
            calendar: &self.0.calendar,
            shift: self.0.shift,
        }
    }

    /// The next `n` fire times of `plan` from now.
    pub fn preview(&self, plan: &Plan, n: usize) -> Vec<DateTime<Utc>> {
        self.working(plan).next(self.0.clock.now(), n)
    }

    /// Every schedule in effect: the four office-wide ones, then the units' own.
    pub async fn schedules(&self) -> Result<Vec<Effective>> {
        let rows = self.0.store.schedule_rows().await?;
        Ok(effective(&self.0.defaults, &rows))
    }

    /// Enqueues the messages of the fire times since the last tick; returns how many rows are
    /// new.
    pub async fn tick(&self) -> Result<u64> {
        self.tick_behind(None).await
    }

    /// [`tick`](Self::tick), recording the progress only behind `fence` when given: while the
    /// scheduler's lease is still this instance's (see [`crate::cluster`]).
    pub async fn tick_behind(&self, fence: Option<&Fence>) -> Result<u64> {
        let inner = &self.0;
        let now = inner.clock.now();
        let Some(last) = inner.store.scheduler_checked_at().await? else {
            // The first start: fire times before it are not caught up.
            inner
                .store
                .enqueue_scheduled(&[], now.timestamp(), now.timestamp(), fence)
                .await?;
            return Ok(0);
        };
        let last = DateTime::from_timestamp(last, 0).unwrap_or(now);
        if now <= last {
            return Ok(0);
        }
        let schedules = self.schedules().await?;
        let today = office_day(now);
        let mut fires = Vec::new();
        let mut bulletins = Vec::new();
        for e in schedules.iter().filter(|e| !e.paused) {
            let Some(at) = self.working(&e.plan).between(last, now).pop() else {
                continue;
            };
            let day = office_day(at);
            let period = period_label(inner.cycle, day);
            if period != period_label(inner.cycle, today) {
                tracing::info!(kind = e.kind.code(), %period, "period closed: missed fire dropped");
                continue;
            }
            if e.kind == Kind::Bulletin {
                bulletins.push((period, day));
                continue;
            }
            let scope = match &e.unit {
                Some(unit) => Scope::Unit(unit.id),
                None => Scope::Office {
                    except: own_schedules(&schedules, e.kind),
                },
            };
            let prefix = match e.kind {
                Kind::Reminder => format!("reminder:{period}"),
                kind => format!("{}:{period}:{day}", kind.code()),
            };
            fires.push(Fire {
                kind: e.kind,
                scope,
                day,
                prefix,
            });
        }
        for (period, day) in &bulletins {
            self.issue_bulletin(period, *day).await?;
        }
        let mut messages = self.item_reminders(now).await?;
        if fires.is_empty() && messages.is_empty() {
            // A bulletin issued must not be issued again at the next tick: record the progress.
            if !bulletins.is_empty() || now - last >= CHECKPOINT_EVERY {
                inner
                    .store
                    .enqueue_scheduled(&[], now.timestamp(), now.timestamp(), fence)
                    .await?;
            }
            return Ok(0);
        }
        if !fires.is_empty() {
            messages.extend(self.plan(&fires, today).await?);
        }
        let added = inner
            .store
            .enqueue_scheduled(&messages, now.timestamp(), now.timestamp(), fence)
            .await?;
        tracing::info!(
            fires = fires.len(),
            messages = messages.len(),
            added,
            "scheduled"
        );
        Ok(added)
    }

    /// The approved extensions of `period`: (task, unit, until).
    async fn extended(&self, period: &str) -> Result<Vec<(i64, i64, NaiveDate)>> {
        Ok(self
            .0
            .store
            .extensions(period, true)
            .await?
            .into_iter()
            .map(|e| (e.task_id, e.unit_id, e.until))
            .collect())
    }

    /// The reminders of the open items (督办件) due now, each on its own cadence.
    async fn item_reminders(&self, now: DateTime<Utc>) -> Result<Vec<OutMessage>> {
        let inner = &self.0;
        let items = inner.store.items().await?;
        if items
            .iter()
            .all(|t| t.item.as_ref().is_none_or(|i| i.every_days.is_none()))
        {
            return Ok(Vec::new());
        }
        let local = now.with_timezone(&office_offset());
        let today = local.date_naive();
        let period = period_label(inner.cycle, today);
        let states = inner.store.task_states(&period).await?;
        let members = inner.store.members(None).await?;
        let open = |id: i64| states.get(&id).is_none_or(|s| s.state.is_open());
        let extended = self.extended(&period).await?;
        Ok(planner::item_reminders(
            &items,
            open,
            &extended,
            &members,
            today,
            chrono::Timelike::hour(&local),
        ))
    }

    /// The bulletin of `period` to every supervisor and admin through the outbox (the Telegram
    /// text, then the Word and Excel files and the chart) and to each configured group robot,
    /// all enqueued in one transaction. The rows' keys name the period: issuing the same
    /// period's bulletin again adds nothing.
    async fn issue_bulletin(&self, period: &str, day: NaiveDate) -> Result<()> {
        let inner = &self.0;
        let now = inner.clock.unix();
        let compiled = compile(&inner.store, &inner.settings, Some(period), day, now).await?;
        let bulletin = match compiled {
            Ok(b) => b,
            Err(refusal) => {
                let refusal = crate::wording::texts::bulletin_refused(&refusal);
                tracing::warn!(%period, "no bulletin: {refusal}");
                return Ok(());
            }
        };
        let members = inner.store.members(None).await?;
        let readers: BTreeSet<i64> = members
            .iter()
            .filter(|m| matches!(m.role, Role::Supervisor | Role::Admin))
            .map(|m| m.user_id)
            .chain(inner.admins.iter().copied())
            .collect();
        let parts = text::telegram(&bulletin);
        let name = crate::wording::texts::bulletin_file_name(bulletin.number, &bulletin.period);
        let files = files_off_runtime(&bulletin).await?;
        let mut messages: Vec<OutMessage> = Vec::new();
        // DingTalk shows Markdown, not Telegram's HTML.
        let markdown_parts = markdown::parts(&markdown::markdown(&bulletin));
        for user in &readers {
            let texts: Vec<serde_json::Value> = match platform_of(*user) {
                Platform::Telegram => parts
                    .iter()
                    .map(|part| serde_json::json!({ "text": part, "parse_mode": "HTML" }))
                    .collect(),
                Platform::DingTalk => markdown_parts
                    .iter()
                    .map(|part| serde_json::json!({ "markdown": part, "title": bulletin.title }))
                    .collect(),
            };
            for (i, payload) in texts.into_iter().enumerate() {
                messages.push(OutMessage {
                    key: format!("bulletin:{period}:{user}:{}", i + 1),
                    chat_id: *user,
                    is_group: false,
                    payload,
                    anchor_task: None,
                    file: None,
                });
            }
            for file in &files {
                messages.push(OutMessage {
                    key: format!("bulletin:{period}:{user}:{}", file.extension),
                    chat_id: *user,
                    is_group: false,
                    payload: serde_json::json!({}),
                    anchor_task: None,
                    file: Some(OutFile {
                        name: format!("{name}.{}", file.extension),
                        bytes: file.bytes.clone(),
                    }),
                });
            }
        }
        let robots = inner
            .channels
            .robot_rows(&bulletin, &markdown::markdown(&bulletin))
            .map_err(anyhow::Error::msg)
            .context("通报无法推送到群机器人")?;
        messages.extend(robots);
        let added = inner.store.enqueue(&messages, now).await?;
        tracing::info!(%period, number = bulletin.number, added, "bulletin issued");
        Ok(())
    }

    /// `/remind now [单位]`: this period's reminder again, now, to one unit or all; `tag` (the
    /// update or a timestamp) keeps a retried command from sending twice. Returns the rows added.
    pub async fn remind_now(&self, unit: Option<i64>, tag: &str) -> Result<u64> {
        let now = self.0.clock.now();
        let fire = Fire {
            kind: Kind::Reminder,
            scope: match unit {
                Some(id) => Scope::Unit(id),
                None => Scope::Office {
                    except: BTreeSet::new(),
                },
            },
            day: office_day(now),
            prefix: format!("remind:{tag}"),
        };
        let messages = self.plan(&[fire], office_day(now)).await?;
        Ok(self.0.store.enqueue(&messages, now.timestamp()).await?)
    }

    /// The messages of `fires`, all in the period of `today`.
    async fn plan(&self, fires: &[Fire], today: NaiveDate) -> Result<Vec<OutMessage>> {
        let inner = &self.0;
        let Some(notice) = inner.store.latest_notice_id().await? else {
            return Ok(Vec::new());
        };
        let period = period_label(inner.cycle, today);
        let mut tasks = inner.store.tasks(notice, TaskSelection::All).await?;
        // A closed task (已办结) is not chased any more.
        let states = inner.store.task_states(&period).await?;
        tasks.retain(|t| states.get(&t.id).is_none_or(|s| s.state.is_open()));
        let reports = inner
            .store
            .reports(&ReportFilter {
                notice_id: Some(notice),
                period: Some(period.clone()),
                active_only: true,
                ..ReportFilter::default()
            })
            .await?;
        let members = inner.store.members(None).await?;
        let extended = self.extended(&period).await?;
        let situation = Situation {
            period: &period,
            due: due_date(inner.cycle, today, inner.due_day),
            tasks: &tasks,
            reports: &reports,
            members: &members,
            config_admins: &inner.admins,
            extended: &extended,
        };
        Ok(fires
            .iter()
            .flat_map(|fire| planner::plan(fire, &situation))
            .collect())
    }
}

fn office_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&office_offset()).date_naive()
}

/// Units that the office-wide schedule of `kind` leaves out: those with their own expression
/// or paused.
fn own_schedules(schedules: &[Effective], kind: Kind) -> BTreeSet<i64> {
    schedules
        .iter()
        .filter(|e| e.kind == kind)
        .filter_map(|e| e.unit.as_ref().map(|u| u.id))
        .collect()
}

/// The schedules in effect from the config's and the rows admins changed. A unit row that only
/// resumed (no expression, not paused) is no schedule of its own.
fn effective(defaults: &BTreeMap<Kind, Plan>, rows: &[ScheduleRow]) -> Vec<Effective> {
    let mut out = Vec::new();
    for (kind, default) in defaults {
        let office = rows.iter().find(|r| r.kind == *kind && r.unit.is_none());
        let changed =
            office.and_then(|r| r.expression.as_deref().and_then(|e| Plan::parse(e).ok()));
        let office_plan = changed.clone().unwrap_or_else(|| default.clone());
        out.push(Effective {
            kind: *kind,
            unit: None,
            plan: office_plan.clone(),
            paused: office.is_some_and(|r| r.paused),
            origin: if changed.is_some() {
                Origin::Changed
            } else {
                Origin::Config
            },
        });
        for row in rows.iter().filter(|r| r.kind == *kind) {
            let Some(unit) = &row.unit else {
                continue;
            };
            let own = row.expression.as_deref().and_then(|e| Plan::parse(e).ok());
            if own.is_none() && !row.paused {
                continue;
            }
            out.push(Effective {
                kind: *kind,
                unit: Some(unit.clone()),
                plan: own.unwrap_or_else(|| office_plan.clone()),
                paused: row.paused,
                origin: Origin::Changed,
            });
        }
    }
    out
}

/// Ticks the scheduler every `every` (real time) until stopped.
pub struct Ticking {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Ticking {
    /// Ticks while this instance has the scheduler's turn in `cluster` (a standby waits for
    /// it); `after_enqueue` runs when a tick added rows (it wakes the sender).
    pub fn start(
        scheduler: Scheduler,
        cluster: Cluster,
        metrics: Metrics,
        every: std::time::Duration,
        after_enqueue: impl Fn() + Send + 'static,
    ) -> Ticking {
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                let turn = cluster.scheduler_turn().await;
                if let Ok(turn) = &turn {
                    metrics.set_scheduler(*turn != Turn::Standby);
                }
                let ticked = match turn {
                    Ok(Turn::Solo) => scheduler.tick().await,
                    Ok(Turn::Held(fence)) => scheduler.tick_behind(Some(&fence)).await,
                    Ok(Turn::Standby) => Ok(0),
                    Err(e) => Err(e.into()),
                };
                match ticked {
                    Ok(0) => {}
                    Ok(_) => after_enqueue(),
                    Err(e)
                        if matches!(
                            e.downcast_ref::<crate::store::StoreError>(),
                            Some(crate::store::StoreError::LeaseLost(_))
                        ) =>
                    {
                        tracing::info!("another instance took the scheduler over: standing by");
                    }
                    Err(e) => tracing::error!("scheduler tick failed: {e:#}"),
                }
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = stopped.changed() => return,
                }
            }
        });
        Ticking { stop, task }
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }

    /// Ends at once (a crash, for the tests).
    pub fn abort(self) {
        self.task.abort();
    }
}
