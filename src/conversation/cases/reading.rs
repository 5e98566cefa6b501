//! Reading: `/tasks` for contacts (their unit's tasks and task cards), `/status` for
//! supervisors and admins.

use super::evidence;
use super::reporting::task_with_notice;
use super::{Outcome, alert, say, task_ref};
use crate::conversation::reply::lines;
use crate::conversation::{Actor, Ctx, Reply, SharedCtx};
use crate::store::{
    Anchor, EvidenceOf, Report, ReportFilter, ReportState, TaskRef, TaskSelection, TaskView,
};
use crate::wording::{actions, texts};

pub async fn contacts_only() -> Outcome {
    say(texts::contacts_only())
}

pub async fn readers_only() -> Outcome {
    say(texts::readers_only())
}

/// This period's active reports (of the notice's tasks and of the items: what is shown picks
/// them by task).
async fn current_reports(ctx: &Ctx) -> anyhow::Result<Vec<Report>> {
    Ok(ctx
        .store
        .reports(&ReportFilter {
            period: Some(ctx.period()),
            active_only: true,
            ..ReportFilter::default()
        })
        .await?)
}

/// `/tasks` (the unit's list with a task picker) and `/tasks N` (one task card).
pub async fn tasks(ctx: SharedCtx, actor: Actor, args: String) -> Outcome {
    let Some((unit_id, unit)) = actor.unit() else {
        return say(texts::contacts_only());
    };
    let Some(current) = ctx.current_tasks().await? else {
        return say(texts::no_notice());
    };
    let args = args.trim();
    if !args.is_empty() {
        let task = task_ref(args).and_then(|named| current.get(named));
        let Some(task) = task else {
            return say(texts::no_such_task(args));
        };
        if task.role_of(unit_id).is_none() {
            return say(texts::not_your_task(task.task_ref(), unit));
        }
        let reports = current_reports(&ctx).await?;
        return Ok(vec![card(&ctx, task, &reports).await?]);
    }
    let tasks: Vec<TaskView> = current.of_unit(unit_id).cloned().collect();
    let reports = current_reports(&ctx).await?;
    let messages = texts::unit_tasks(unit, unit_id, &ctx.period(), &tasks, &reports);
    let picker: Vec<(i64, TaskRef)> = tasks.iter().map(|t| (t.id, t.task_ref())).collect();
    let buttons = (!picker.is_empty()).then(|| actions::task_picker(&picker));
    Ok(lines(messages, buttons))
}

/// A text that names no task (no command, no reply to a task's message): a contact is asked
/// which task, with their unit's tasks to pick from; others get the hint.
pub async fn which_task(ctx: SharedCtx, actor: Actor) -> Outcome {
    let Some((unit_id, unit)) = actor.unit() else {
        return say(texts::plain_text_hint());
    };
    let Some(current) = ctx.current_tasks().await? else {
        return say(texts::plain_text_hint());
    };
    let picker: Vec<(i64, TaskRef)> = current
        .of_unit(unit_id)
        .map(|t| (t.id, t.task_ref()))
        .collect();
    if picker.is_empty() {
        return say(texts::plain_text_hint());
    }
    Ok(vec![Reply::with_buttons(
        texts::which_task(unit),
        actions::task_picker(&picker),
        None,
    )])
}

/// A task card with its light buttons and its evidence; replies to it report on the task (or,
/// with a photo or a file, add evidence).
async fn card(ctx: &Ctx, task: &TaskView, reports: &[Report]) -> anyhow::Result<Reply> {
    let mut text = texts::task_card(task, &ctx.period(), reports);
    for line in evidence::lines_of_task(ctx, task.id).await? {
        text.push('\n');
        text.push_str(&line);
    }
    let anchor = Anchor::Task { task_id: task.id };
    Ok(Reply::with_buttons(
        text,
        actions::lights(task.id),
        Some(anchor),
    ))
}

/// A task button of the picker: sends that task's card.
pub async fn open_task(ctx: SharedCtx, actor: Actor, task_id: i64) -> Outcome {
    let Some((_, task)) = task_with_notice(&ctx, task_id).await? else {
        return alert(texts::button_expired());
    };
    if let Some((unit_id, unit)) = actor.unit()
        && task.role_of(unit_id).is_none()
    {
        return alert(texts::not_your_task(task.task_ref(), unit));
    }
    let reports = current_reports(&ctx).await?;
    Ok(vec![card(&ctx, &task, &reports).await?])
}

/// `/status`: the period's totals; `/status N`: one task's history; `/status 单位` or
/// `/status 领导`: their tasks with this period's latest light.
pub async fn status(ctx: SharedCtx, args: String) -> Outcome {
    let Some(notice) = ctx.notice().await? else {
        return say(texts::no_notice());
    };
    let query = args.trim();
    if query.is_empty() {
        let tasks = ctx.store.tasks(notice, TaskSelection::All).await?;
        let reports = current_reports(&ctx).await?;
        return say(texts::status_overview(&ctx.period(), &tasks, &reports));
    }
    if let Some(named) = task_ref(query) {
        let current = ctx.current_tasks().await?;
        let Some(task) = current.as_ref().and_then(|c| c.get(named)).cloned() else {
            return say(texts::no_such_task(query));
        };
        let history = ctx
            .store
            .reports(&ReportFilter {
                task_id: Some(task.id),
                ..ReportFilter::default()
            })
            .await?;
        let period = ctx.period();
        let status = ctx.store.task_state(task.id, &period).await?;
        let waiting: Vec<i64> = history
            .iter()
            .filter(|r| r.state == ReportState::Active && r.reviewed_at.is_none())
            .map(|r| r.id)
            .collect();
        let buttons = (!waiting.is_empty()).then(|| actions::review(&waiting));
        let evidence = ctx.store.evidence_list(EvidenceOf::Task(task.id)).await?;
        let history = texts::task_history(&task, &history, &evidence, &period, &status);
        return Ok(lines(history, buttons));
    }
    let period = ctx.period();
    let (title, selection) = if let Some(unit) = ctx.store.unit_named(query).await? {
        (
            texts::unit_tasks_title(&unit.name, &period),
            TaskSelection::Unit(unit.id),
        )
    } else if let Some(leader) = ctx.store.leader_named(query).await? {
        (
            texts::leader_tasks_title(&leader.name, &period),
            TaskSelection::Leader(leader.id),
        )
    } else {
        let suggestions = ctx.store.units_like(query, 5).await?;
        return say(texts::nothing_found(query, &suggestions));
    };
    let tasks = ctx.store.tasks(notice, selection).await?;
    let reports = current_reports(&ctx).await?;
    Ok(lines(texts::task_list(&title, &tasks, &reports), None))
}
