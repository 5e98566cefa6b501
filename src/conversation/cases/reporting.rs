//! Progress reports, three ways to one record: `/report N 内容` (or `报告 N 内容`), a reply to
//! a bot message about a task, and a light button followed by a text (a prompt that asks for
//! it). Then withdrawal and correction from the receipt's buttons, within the configured
//! window.

use super::{Outcome, RepliedTo, first_word, task_ref};
use crate::conversation::{Actor, Ctx, Event, Reply, SharedCtx};
use crate::progress::{Light, read_figures};
use crate::refusal::ReportRefusal;
use crate::store::{
    Anchor, InboxSeq, NewReport, Report, ReportFigure, ReportState, TaskSelection, TaskView,
    Withdrawal,
};
use crate::wording::{actions, texts};

/// A refusal, said in the chat.
fn refuse(refusal: ReportRefusal) -> Outcome {
    super::say(texts::report_refused(&refusal))
}

/// A refusal, answering a pressed button.
fn refuse_button(refusal: ReportRefusal) -> Outcome {
    super::alert(texts::report_refused(&refusal))
}

/// `/report N 内容`.
pub async fn command(ctx: SharedCtx, actor: Actor, update: InboxSeq, args: String) -> Outcome {
    let (number, text) = first_word(&args);
    let Some(task_ref) = task_ref(number) else {
        return refuse(ReportRefusal::Usage);
    };
    let Some(current) = ctx.current_tasks().await? else {
        return refuse(ReportRefusal::NoNotice);
    };
    let Some(task) = current.get(task_ref) else {
        return refuse(ReportRefusal::NoSuchTask(task_ref.arg()));
    };
    let submission = Submission {
        task: task.clone(),
        light: None,
        text,
        corrects: None,
    };
    submit(&ctx, &actor, update, submission).await
}

/// A reply to one of the bot's messages (`replied`).
pub async fn reply(
    ctx: SharedCtx,
    event: Event,
    actor: Actor,
    update: InboxSeq,
    RepliedTo(replied): RepliedTo,
) -> Outcome {
    let text = event.text().unwrap_or_default();
    let message = i32::try_from(replied).unwrap_or(i32::MAX);
    let anchor = ctx.store.anchor(event.chat.id, message).await?;
    let (task_id, light, corrects) = match anchor {
        Some(Anchor::Task { task_id }) => (task_id, None, None),
        Some(Anchor::Receipt { report_id }) => match ctx.store.report(report_id).await? {
            Some(report) => (report.task_id, None, None),
            None => return refuse(ReportRefusal::ReportGone),
        },
        Some(Anchor::Prompt {
            task_id,
            light,
            user_id,
        }) => {
            if user_id != actor.user_id {
                return refuse(ReportRefusal::PromptNotYours);
            }
            (task_id, Some(light), None)
        }
        Some(Anchor::ReturnReason { report_id, user_id }) => {
            return super::review::reason(&ctx, &event, &actor, report_id, user_id).await;
        }
        Some(Anchor::Correction { report_id, user_id }) => {
            if user_id != actor.user_id {
                return refuse(ReportRefusal::PromptNotYours);
            }
            let Some(old) = ctx.store.report(report_id).await? else {
                return refuse(ReportRefusal::ReportGone);
            };
            if old.state != ReportState::Active {
                return refuse(ReportRefusal::NotActive(Box::new(old)));
            }
            (old.task_id, None, Some(old))
        }
        None => return refuse(ReportRefusal::NotAboutATask),
    };
    let Some(task) = task_by_id(&ctx, task_id).await? else {
        return refuse(ReportRefusal::ButtonExpired);
    };
    let submission = Submission {
        task,
        light,
        text,
        corrects,
    };
    submit(&ctx, &actor, update, submission).await
}

pub async fn refuse_supervisor() -> Outcome {
    refuse(ReportRefusal::SupervisorsDoNotReport)
}

pub async fn refuse_supervisor_button() -> Outcome {
    refuse_button(ReportRefusal::SupervisorsDoNotReport)
}

/// A light button of a task card: asks for the text with a prompt.
pub async fn light_pressed(
    ctx: SharedCtx,
    actor: Actor,
    (task_id, light): (i64, Light),
) -> Outcome {
    let Some(task) = task_by_id(&ctx, task_id).await? else {
        return refuse_button(ReportRefusal::ButtonExpired);
    };
    if let Err(refusal) = authorize(&actor, &task, None) {
        return refuse_button(refusal);
    }
    if let Some(refusal) = closed(&ctx, &task).await? {
        return refuse_button(refusal);
    }
    let anchor = Anchor::Prompt {
        task_id,
        light,
        user_id: actor.user_id,
    };
    Ok(ask(texts::light_prompt(task.task_ref(), light), anchor))
}

/// After a button: a prompt that a reply will refer to, and a notice on the button.
fn ask(text: String, anchor: Anchor) -> Vec<Reply> {
    vec![
        Reply::prompt(text, anchor),
        Reply::toast(texts::reply_prompt_toast(), false),
    ]
}

/// 撤回 on a receipt.
pub async fn withdraw(ctx: SharedCtx, actor: Actor, report_id: i64) -> Outcome {
    let report = match editable(&ctx, &actor, report_id).await? {
        Ok(report) => report,
        Err(refusal) => return refuse_button(refusal),
    };
    match ctx
        .store
        .withdraw_report(report.id, actor.user_id, ctx.clock.unix())
        .await?
    {
        Withdrawal::Withdrawn(report) => Ok(vec![
            Reply::Edit(texts::withdrawn_receipt(&report)),
            Reply::toast(texts::withdrawn_toast(), false),
        ]),
        Withdrawal::NotActive(report) => refuse_button(ReportRefusal::NotActive(Box::new(report))),
        Withdrawal::NotFound => refuse_button(ReportRefusal::ReportGone),
    }
}

/// 修改 on a receipt: asks for the corrected text.
pub async fn correct(ctx: SharedCtx, actor: Actor, report_id: i64) -> Outcome {
    let report = match editable(&ctx, &actor, report_id).await? {
        Ok(report) => report,
        Err(refusal) => return refuse_button(refusal),
    };
    let anchor = Anchor::Correction {
        report_id: report.id,
        user_id: actor.user_id,
    };
    Ok(ask(texts::correction_prompt(&report), anchor))
}

/// The report, if `actor` may still withdraw or correct it; otherwise why not.
async fn editable(
    ctx: &Ctx,
    actor: &Actor,
    report_id: i64,
) -> anyhow::Result<Result<Report, ReportRefusal>> {
    let Some(report) = ctx.store.report(report_id).await? else {
        return Ok(Err(ReportRefusal::ReportGone));
    };
    if report.user_id != actor.user_id && !actor.is_admin() {
        return Ok(Err(ReportRefusal::NotYourReport));
    }
    if report.state != ReportState::Active {
        return Ok(Err(ReportRefusal::NotActive(Box::new(report))));
    }
    let window = i64::from(ctx.settings.edit_window_minutes) * 60;
    if ctx.clock.unix() > report.created_at + window {
        return Ok(Err(ReportRefusal::WindowClosed(
            ctx.settings.edit_window_minutes,
        )));
    }
    Ok(Ok(report))
}

/// A closed task (已办结) takes no more reports.
async fn closed(ctx: &Ctx, task: &TaskView) -> anyhow::Result<Option<ReportRefusal>> {
    let state = ctx.store.task_state(task.id, &ctx.period()).await?.state;
    Ok((!state.is_open()).then_some(ReportRefusal::Closed(task.task_ref())))
}

struct Submission<'a> {
    task: TaskView,
    /// The light of the button pressed before the text, if any.
    light: Option<Light>,
    text: &'a str,
    corrects: Option<Report>,
}

/// The unit a report of `actor` on `task` is for, or why not. A contact reports for their own
/// unit, which must host or co-organize the task; an admin reports for the task's host unit; a
/// correction stays with the unit of the report it corrects.
pub(crate) fn authorize(
    actor: &Actor,
    task: &TaskView,
    corrects: Option<&Report>,
) -> Result<i64, ReportRefusal> {
    if let Some(old) = corrects {
        return Ok(old.unit_id);
    }
    if let Some((unit_id, unit)) = actor.unit() {
        return match task.role_of(unit_id) {
            Some(_) => Ok(unit_id),
            None => Err(ReportRefusal::NotYourTask {
                task: task.task_ref(),
                unit: unit.to_owned(),
            }),
        };
    }
    if actor.is_admin() {
        return task
            .hosts()
            .next()
            .or(task.units.first())
            .map(|u| u.unit_id)
            .ok_or(ReportRefusal::NoHostUnit(task.task_ref()));
    }
    Err(ReportRefusal::SupervisorsDoNotReport)
}

/// Checks and stores (once per update) a report, and confirms it with a receipt that carries
/// the 撤回 / 修改 buttons.
async fn submit(ctx: &Ctx, actor: &Actor, update: InboxSeq, submission: Submission<'_>) -> Outcome {
    let Submission {
        task,
        light,
        text,
        corrects,
    } = submission;
    let unit_id = match authorize(actor, &task, corrects.as_ref()) {
        Ok(unit_id) => unit_id,
        Err(refusal) => return refuse(refusal),
    };
    if let Some(refusal) = closed(ctx, &task).await? {
        return refuse(refusal);
    }
    let unit_name = match (&corrects, task.units.iter().find(|u| u.unit_id == unit_id)) {
        (Some(old), _) => old.unit.clone(),
        (None, Some(unit)) => unit.name.clone(),
        (None, None) => String::new(),
    };
    let (marker, text) = Light::strip_marker(text);
    if text.is_empty() {
        return refuse(ReportRefusal::Empty);
    }
    let chars = text.chars().count();
    if chars > texts::MAX_REPORT_CHARS {
        return refuse(ReportRefusal::TooLong(chars));
    }
    let light = light
        .or(marker)
        .or(corrects.as_ref().and_then(|old| old.light));
    let figures = read_figures(text, &task.targets)
        .into_iter()
        .map(|f| {
            let target = &task.targets[f.target];
            ReportFigure {
                target_position: f.target,
                metric: target.metric.clone(),
                text: f.text,
                value: f.value,
                target_value: target.value,
                unit: target.unit.clone(),
            }
        })
        .collect();
    let new = NewReport {
        task_id: task.id,
        task_number: task.number,
        item: task.item.is_some(),
        unit_id,
        unit_name,
        period: corrects
            .as_ref()
            .map(|old| old.period.clone())
            .unwrap_or_else(|| ctx.period()),
        user_id: actor.user_id,
        light,
        text: text.to_owned(),
        inbox_seq: update.0,
        corrects: corrects.as_ref().map(|old| old.id),
        figures,
    };
    let span = tracing::Span::current();
    span.record("unit", unit_id);
    span.record("task", task.number);
    span.record("period", new.period.as_str());
    let (report, _) = ctx.store.store_report(&new, ctx.clock.unix()).await?;
    tracing::info!(report = report.id, "report stored");
    let receipt = texts::receipt(&task, &report, ctx.settings.edit_window_minutes);
    let anchor = Anchor::Receipt {
        report_id: report.id,
    };
    Ok(vec![Reply::with_buttons(
        receipt,
        actions::receipt(report.id),
        Some(anchor),
    )])
}

/// A task by id, with the notice it belongs to: from the current notice's tasks in memory,
/// else (a retired task, an older notice) from the database.
pub(crate) async fn task_with_notice(
    ctx: &Ctx,
    task_id: i64,
) -> anyhow::Result<Option<(i64, TaskView)>> {
    if let Some(current) = ctx.current_tasks().await?
        && let Some(task) = current.id(task_id)
    {
        return Ok(Some((current.notice_id, task.clone())));
    }
    let Some(notice) = ctx.store.notice_of_task(task_id).await? else {
        return Ok(None);
    };
    let task = ctx
        .store
        .tasks(notice, TaskSelection::Id(task_id))
        .await?
        .pop();
    Ok(task.map(|task| (notice, task)))
}

pub(crate) async fn task_by_id(ctx: &Ctx, task_id: i64) -> anyhow::Result<Option<TaskView>> {
    Ok(task_with_notice(ctx, task_id).await?.map(|(_, task)| task))
}
