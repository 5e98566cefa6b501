//! `duban schedule list|set|pause|resume`: what `/schedule` does in chat, from the shell. `set`
//! previews the next fire times and saves only with `--yes`; an invalid expression is
//! explained and changes nothing. Every change goes into the audit trail as `cli`.

use super::{open_store, user_error};
use crate::clock::Clock;
use crate::config::Settings;
use crate::followup::schedule_target;
use crate::followup::scheduler::{Origin, PREVIEW, Scheduler};
use crate::schedule::{Kind, Plan};
use crate::store::{Named, ScheduleChange, Store};
use crate::text::table;
use crate::wording::texts;
use crate::{out, outln};
use anyhow::Result;

/// What to do.
pub enum Action {
    List,
    Set {
        kind: String,
        expression: String,
        unit: Option<String>,
        yes: bool,
    },
    Pause {
        kind: String,
        unit: Option<String>,
    },
    Resume {
        kind: String,
        unit: Option<String>,
    },
}

pub async fn run(settings: &Settings, action: Action) -> Result<()> {
    let store = open_store(&settings.database_url).await?;
    let result = act(settings, &store, action).await;
    store.close().await;
    result
}

async fn act(settings: &Settings, store: &Store, action: Action) -> Result<()> {
    let calendar = super::calendar::load(&settings.calendar)?;
    let scheduler = Scheduler::new(settings, calendar, store.clone(), Clock::system())?;
    match action {
        Action::List => {
            let rows: Vec<Vec<String>> = scheduler
                .schedules()
                .await?
                .into_iter()
                .map(|e| {
                    let next = if e.paused {
                        "已暂停".to_owned()
                    } else {
                        scheduler
                            .preview(&e.plan, PREVIEW)
                            .into_iter()
                            .map(texts::fire_time)
                            .collect::<Vec<_>>()
                            .join("、")
                    };
                    vec![
                        format!("{} {}", e.kind.label(), e.kind.code()),
                        e.unit.map(|u| u.name).unwrap_or_else(|| "全区".into()),
                        e.plan.expression().to_owned(),
                        match e.origin {
                            Origin::Config => "配置".into(),
                            Origin::Changed => "已修改".into(),
                        },
                        next,
                    ]
                })
                .collect();
            out!(
                "{}",
                table(
                    &[
                        "种类",
                        "范围",
                        "时间表",
                        "来源",
                        &format!("接下来（{}）", crate::clock::zone_name()),
                    ],
                    &rows
                )
            )?;
            Ok(())
        }
        Action::Set {
            kind,
            expression,
            unit,
            yes,
        } => {
            let (kind, unit) = schedule_target(store, &kind, unit.as_deref())
                .await?
                .map_err(|r| user_error(texts::schedule_refused(&r)))?;
            let plan = Plan::parse(&expression).map_err(|e| user_error(e.to_string()))?;
            let times = scheduler.preview(&plan, PREVIEW);
            let preview = texts::schedule_preview(kind, unit.as_ref(), &plan, &times);
            if !yes {
                let first = preview.lines().take(2).collect::<Vec<_>>().join("\n");
                outln!("{first}\n未保存：确认无误后加 --yes 再运行一次。")?;
                return Ok(());
            }
            let change = ScheduleChange::Set(plan.expression().to_owned());
            save(store, kind, unit.as_ref(), &change).await?;
            outln!(
                "已保存。接下来：{}",
                times
                    .into_iter()
                    .map(texts::fire_time)
                    .collect::<Vec<_>>()
                    .join("、")
            )?;
            Ok(())
        }
        Action::Pause { kind, unit } => pause(store, &kind, unit.as_deref(), true).await,
        Action::Resume { kind, unit } => pause(store, &kind, unit.as_deref(), false).await,
    }
}

async fn pause(store: &Store, kind: &str, unit: Option<&str>, paused: bool) -> Result<()> {
    let (kind, unit) = schedule_target(store, kind, unit)
        .await?
        .map_err(|r| user_error(texts::schedule_refused(&r)))?;
    let change = if paused {
        ScheduleChange::Pause
    } else {
        ScheduleChange::Resume
    };
    save(store, kind, unit.as_ref(), &change).await?;
    outln!("{}", texts::schedule_paused(kind, unit.as_ref(), paused))?;
    Ok(())
}

/// Applies a change made from the CLI (audited as `cli`).
async fn save(
    store: &Store,
    kind: Kind,
    unit: Option<&Named>,
    change: &ScheduleChange,
) -> Result<()> {
    let now = chrono::Utc::now().timestamp();
    let unit = unit.map(|u| (u.id, u.name.as_str()));
    store
        .change_schedule(kind, unit, change, "cli", now)
        .await?;
    Ok(())
}
