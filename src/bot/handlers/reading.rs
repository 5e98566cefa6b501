//! Reading: `/tasks` for contacts (their unit's tasks and task cards), `/status` for
//! supervisors and admins.

use super::reporting::task_with_notice;
use super::{HandlerResult, answer, answer_lines, answer_with, pressed_on, task_number, toast};
use crate::bot::{Actor, Ctx, SharedCtx, keyboards, texts};
use crate::store::{Anchor, Report, ReportFilter, TaskSelection, TaskView};
use teloxide::prelude::*;
use teloxide::types::ReplyMarkup;

pub async fn contacts_only(bot: Bot, msg: Message) -> HandlerResult {
    answer(&bot, &msg, texts::contacts_only()).await?;
    Ok(())
}

pub async fn readers_only(bot: Bot, msg: Message) -> HandlerResult {
    answer(&bot, &msg, texts::readers_only()).await?;
    Ok(())
}

/// This period's active reports of the notice.
async fn current_reports(ctx: &Ctx, notice: i64) -> anyhow::Result<Vec<Report>> {
    Ok(ctx
        .store
        .reports(&ReportFilter {
            notice_id: Some(notice),
            period: Some(ctx.period()),
            active_only: true,
            ..ReportFilter::default()
        })
        .await?)
}

/// `/tasks` (the unit's list with a task picker) and `/tasks N` (one task card).
pub async fn tasks(
    bot: Bot,
    ctx: SharedCtx,
    msg: Message,
    actor: Actor,
    args: String,
) -> HandlerResult {
    let Some((unit_id, unit)) = actor.unit() else {
        answer(&bot, &msg, texts::contacts_only()).await?;
        return Ok(());
    };
    let Some(notice) = ctx.notice().await? else {
        answer(&bot, &msg, texts::no_notice()).await?;
        return Ok(());
    };
    let args = args.trim();
    if !args.is_empty() {
        let task = match task_number(args) {
            Some(number) => ctx.store.task(notice, number).await?,
            None => None,
        };
        let Some(task) = task else {
            answer(&bot, &msg, texts::no_such_task(args)).await?;
            return Ok(());
        };
        if task.role_of(unit_id).is_none() {
            answer(&bot, &msg, texts::not_your_task(task.number, unit)).await?;
            return Ok(());
        }
        let reports = current_reports(&ctx, notice).await?;
        return send_card(&bot, &ctx, &msg, &task, &reports).await;
    }
    let tasks = ctx
        .store
        .tasks(notice, TaskSelection::Unit(unit_id))
        .await?;
    let reports = current_reports(&ctx, notice).await?;
    let messages = texts::unit_tasks(unit, unit_id, &ctx.period(), &tasks, &reports);
    let picker: Vec<(i64, u32)> = tasks.iter().map(|t| (t.id, t.number)).collect();
    let markup =
        (!picker.is_empty()).then(|| ReplyMarkup::InlineKeyboard(keyboards::task_picker(&picker)));
    answer_lines(&bot, &msg, messages, markup).await
}

/// A task card with its light buttons; replies to it report on the task.
async fn send_card(
    bot: &Bot,
    ctx: &Ctx,
    msg: &Message,
    task: &TaskView,
    reports: &[Report],
) -> HandlerResult {
    let text = texts::task_card(task, &ctx.period(), reports);
    let markup = ReplyMarkup::InlineKeyboard(keyboards::lights(task.id));
    let sent = answer_with(bot, msg, text, Some(markup)).await?;
    ctx.store
        .remember_message(
            msg.chat.id.0,
            sent.id.0,
            &Anchor::Task { task_id: task.id },
            ctx.clock.unix(),
        )
        .await?;
    Ok(())
}

/// A task button of the picker: sends that task's card.
pub async fn open_task(
    bot: Bot,
    ctx: SharedCtx,
    q: CallbackQuery,
    actor: Actor,
    task_id: i64,
) -> HandlerResult {
    let found = task_with_notice(&ctx, task_id).await?;
    let message = q.message.as_ref().and_then(|m| m.regular_message());
    let (Some((notice, task)), Some(message), Some(_)) = (found, message, pressed_on(&q)) else {
        return toast(&bot, &q, texts::button_expired(), true).await;
    };
    if let Some((unit_id, unit)) = actor.unit()
        && task.role_of(unit_id).is_none()
    {
        return toast(&bot, &q, texts::not_your_task(task.number, unit), true).await;
    }
    let reports = current_reports(&ctx, notice).await?;
    send_card(&bot, &ctx, message, &task, &reports).await?;
    bot.answer_callback_query(q.id.clone()).await?;
    Ok(())
}

/// `/status`: the period's totals; `/status N`: one task's history; `/status 单位` or
/// `/status 领导`: their tasks with this period's latest light.
pub async fn status(bot: Bot, ctx: SharedCtx, msg: Message, args: String) -> HandlerResult {
    let Some(notice) = ctx.notice().await? else {
        answer(&bot, &msg, texts::no_notice()).await?;
        return Ok(());
    };
    let query = args.trim();
    if query.is_empty() {
        let tasks = ctx.store.tasks(notice, TaskSelection::All).await?;
        let reports = current_reports(&ctx, notice).await?;
        let text = texts::status_overview(&ctx.period(), &tasks, &reports);
        answer(&bot, &msg, text).await?;
        return Ok(());
    }
    if let Some(number) = task_number(query) {
        let Some(task) = ctx.store.task(notice, number).await? else {
            answer(&bot, &msg, texts::no_such_task(query)).await?;
            return Ok(());
        };
        let history = ctx
            .store
            .reports(&ReportFilter {
                task_id: Some(task.id),
                ..ReportFilter::default()
            })
            .await?;
        return answer_lines(&bot, &msg, texts::task_history(&task, &history), None).await;
    }
    let (title, selection) = if let Some(unit) = ctx.store.unit_named(query).await? {
        (
            format!("{}承办的任务", unit.name),
            TaskSelection::Unit(unit.id),
        )
    } else if let Some(leader) = ctx.store.leader_named(query).await? {
        (
            format!("{}牵头的任务", leader.name),
            TaskSelection::Leader(leader.id),
        )
    } else {
        let suggestions = ctx.store.units_like(query, 5).await?;
        answer(&bot, &msg, texts::nothing_found(query, &suggestions)).await?;
        return Ok(());
    };
    let tasks = ctx.store.tasks(notice, selection).await?;
    let reports = current_reports(&ctx, notice).await?;
    let title = format!("{title}（本期 {}）", ctx.period());
    answer_lines(&bot, &msg, texts::task_list(&title, &tasks, &reports), None).await
}
