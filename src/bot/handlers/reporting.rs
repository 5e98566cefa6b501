//! Progress reports, three ways to one record: `/report N 内容`, a reply to a bot message about
//! a task, and a light button followed by a text (ForceReply). Then withdrawal and correction
//! from the receipt's buttons, within the configured window.

use super::{
    HandlerResult, RepliedTo, answer, answer_with, first_word, pressed_on, send_turn, task_number,
    toast,
};
use crate::bot::{Actor, Ctx, SharedCtx, keyboards, texts};
use crate::progress::{Light, read_figures};
use crate::store::{
    Anchor, InboxSeq, NewReport, Report, ReportFigure, ReportState, TaskSelection, TaskView,
    Withdrawal,
};
use teloxide::prelude::*;
use teloxide::types::ReplyMarkup;

/// `/report N 内容`.
pub async fn command(
    bot: Bot,
    ctx: SharedCtx,
    msg: Message,
    actor: Actor,
    update: InboxSeq,
    args: String,
) -> HandlerResult {
    let (number, text) = first_word(&args);
    let Some(number) = task_number(number) else {
        answer(&bot, &msg, texts::report_usage()).await?;
        return Ok(());
    };
    let Some(current) = ctx.current_tasks().await? else {
        answer(&bot, &msg, texts::no_notice()).await?;
        return Ok(());
    };
    let Some(task) = current.number(number) else {
        answer(&bot, &msg, texts::no_such_task(&number.to_string())).await?;
        return Ok(());
    };
    let submission = Submission {
        task: task.clone(),
        light: None,
        text,
        corrects: None,
    };
    submit(&bot, &ctx, &msg, &actor, update, submission).await
}

/// A reply to one of the bot's messages (`replied`).
pub async fn reply(
    bot: Bot,
    ctx: SharedCtx,
    msg: Message,
    actor: Actor,
    update: InboxSeq,
    RepliedTo(replied): RepliedTo,
) -> HandlerResult {
    let text = msg.text().unwrap_or_default();
    let anchor = ctx.store.anchor(msg.chat.id.0, replied.id.0).await?;
    let (task_id, light, corrects) = match anchor {
        Some(Anchor::Task { task_id }) => (task_id, None, None),
        Some(Anchor::Receipt { report_id }) => match ctx.store.report(report_id).await? {
            Some(report) => (report.task_id, None, None),
            None => return say(&bot, &msg, texts::report_gone()).await,
        },
        Some(Anchor::Prompt {
            task_id,
            light,
            user_id,
        }) => {
            if user_id != actor.user_id {
                return say(&bot, &msg, texts::prompt_not_yours()).await;
            }
            (task_id, Some(light), None)
        }
        Some(Anchor::Correction { report_id, user_id }) => {
            if user_id != actor.user_id {
                return say(&bot, &msg, texts::prompt_not_yours()).await;
            }
            let Some(old) = ctx.store.report(report_id).await? else {
                return say(&bot, &msg, texts::report_gone()).await;
            };
            if old.state != ReportState::Active {
                return say(&bot, &msg, texts::not_active(&old)).await;
            }
            (old.task_id, None, Some(old))
        }
        None => return say(&bot, &msg, texts::reply_not_about_a_task()).await,
    };
    let Some(task) = task_by_id(&ctx, task_id).await? else {
        return say(&bot, &msg, texts::button_expired()).await;
    };
    let submission = Submission {
        task,
        light,
        text,
        corrects,
    };
    submit(&bot, &ctx, &msg, &actor, update, submission).await
}

pub async fn refuse_supervisor(bot: Bot, msg: Message) -> HandlerResult {
    say(&bot, &msg, texts::supervisors_do_not_report()).await
}

pub async fn refuse_supervisor_button(bot: Bot, q: CallbackQuery) -> HandlerResult {
    toast(&bot, &q, texts::supervisors_do_not_report(), true).await
}

/// A light button of a task card: asks for the text with a ForceReply prompt.
pub async fn light_pressed(
    bot: Bot,
    ctx: SharedCtx,
    q: CallbackQuery,
    actor: Actor,
    (task_id, light): (i64, Light),
) -> HandlerResult {
    let (Some(task), Some((chat, _))) = (task_by_id(&ctx, task_id).await?, pressed_on(&q)) else {
        return toast(&bot, &q, texts::button_expired(), true).await;
    };
    if let Err(refusal) = authorize(&actor, &task, None) {
        return toast(&bot, &q, refusal, true).await;
    }
    let anchor = Anchor::Prompt {
        task_id,
        light,
        user_id: actor.user_id,
    };
    ask(
        &bot,
        &ctx,
        &q,
        chat,
        texts::light_prompt(task.number, light),
        anchor,
    )
    .await
}

/// After a button: asks for a text with a ForceReply prompt that a reply will refer to.
async fn ask(
    bot: &Bot,
    ctx: &Ctx,
    q: &CallbackQuery,
    chat: ChatId,
    text: String,
    anchor: Anchor,
) -> HandlerResult {
    // Group chats have negative ids.
    let _turn = send_turn(chat, chat.0 < 0).await;
    let prompt = bot
        .send_message(chat, text)
        .reply_markup(keyboards::force_reply())
        .await?;
    ctx.store
        .remember_message(chat.0, prompt.id.0, &anchor, ctx.clock.unix())
        .await?;
    toast(bot, q, texts::reply_prompt_toast(), false).await
}

/// 撤回 on a receipt.
pub async fn withdraw(
    bot: Bot,
    ctx: SharedCtx,
    q: CallbackQuery,
    actor: Actor,
    report_id: i64,
) -> HandlerResult {
    let report = match editable(&ctx, &actor, report_id).await? {
        Ok(report) => report,
        Err(refusal) => return toast(&bot, &q, refusal, true).await,
    };
    match ctx
        .store
        .withdraw_report(report.id, actor.user_id, ctx.clock.unix())
        .await?
    {
        Withdrawal::Withdrawn(report) => {
            if let Some((chat, message)) = pressed_on(&q) {
                bot.edit_message_text(chat, message, texts::withdrawn_receipt(&report))
                    .await?;
            }
            toast(&bot, &q, texts::withdrawn_toast(), false).await
        }
        Withdrawal::NotActive(report) => toast(&bot, &q, texts::not_active(&report), true).await,
        Withdrawal::NotFound => toast(&bot, &q, texts::report_gone(), true).await,
    }
}

/// 修改 on a receipt: asks for the corrected text.
pub async fn correct(
    bot: Bot,
    ctx: SharedCtx,
    q: CallbackQuery,
    actor: Actor,
    report_id: i64,
) -> HandlerResult {
    let report = match editable(&ctx, &actor, report_id).await? {
        Ok(report) => report,
        Err(refusal) => return toast(&bot, &q, refusal, true).await,
    };
    let Some((chat, _)) = pressed_on(&q) else {
        return toast(&bot, &q, texts::button_expired(), true).await;
    };
    let anchor = Anchor::Correction {
        report_id: report.id,
        user_id: actor.user_id,
    };
    ask(
        &bot,
        &ctx,
        &q,
        chat,
        texts::correction_prompt(&report),
        anchor,
    )
    .await
}

/// The report, if `actor` may still withdraw or correct it; otherwise what to tell them.
async fn editable(
    ctx: &Ctx,
    actor: &Actor,
    report_id: i64,
) -> anyhow::Result<Result<Report, String>> {
    let Some(report) = ctx.store.report(report_id).await? else {
        return Ok(Err(texts::report_gone()));
    };
    if report.user_id != actor.user_id && !actor.is_admin() {
        return Ok(Err(texts::not_your_report()));
    }
    if report.state != ReportState::Active {
        return Ok(Err(texts::not_active(&report)));
    }
    let window = i64::from(ctx.settings.edit_window_minutes) * 60;
    if ctx.clock.unix() > report.created_at + window {
        return Ok(Err(texts::window_closed(ctx.settings.edit_window_minutes)));
    }
    Ok(Ok(report))
}

struct Submission<'a> {
    task: TaskView,
    /// The light of the button pressed before the text, if any.
    light: Option<Light>,
    text: &'a str,
    corrects: Option<Report>,
}

/// The unit a report of `actor` on `task` is for, or what to tell them. A contact reports for
/// their own unit, which must host or co-organize the task; an admin reports for the task's
/// host unit; a correction stays with the unit of the report it corrects.
fn authorize(actor: &Actor, task: &TaskView, corrects: Option<&Report>) -> Result<i64, String> {
    if let Some(old) = corrects {
        return Ok(old.unit_id);
    }
    if let Some((unit_id, unit)) = actor.unit() {
        return match task.role_of(unit_id) {
            Some(_) => Ok(unit_id),
            None => Err(texts::not_your_task(task.number, unit)),
        };
    }
    if actor.is_admin() {
        return task
            .hosts()
            .next()
            .or(task.units.first())
            .map(|u| u.unit_id)
            .ok_or_else(|| texts::no_host_unit(task.number));
    }
    Err(texts::supervisors_do_not_report())
}

/// Checks, stores (once per update) and confirms a report with a receipt that carries the
/// 撤回 / 修改 buttons.
async fn submit(
    bot: &Bot,
    ctx: &Ctx,
    msg: &Message,
    actor: &Actor,
    update: InboxSeq,
    submission: Submission<'_>,
) -> HandlerResult {
    let Submission {
        task,
        light,
        text,
        corrects,
    } = submission;
    let unit_id = match authorize(actor, &task, corrects.as_ref()) {
        Ok(unit_id) => unit_id,
        Err(refusal) => return say(bot, msg, refusal).await,
    };
    let unit_name = match (&corrects, task.units.iter().find(|u| u.unit_id == unit_id)) {
        (Some(old), _) => old.unit.clone(),
        (None, Some(unit)) => unit.name.clone(),
        (None, None) => String::new(),
    };
    let (marker, text) = Light::strip_marker(text);
    if text.is_empty() {
        return say(bot, msg, texts::empty_report()).await;
    }
    let chars = text.chars().count();
    if chars > texts::MAX_REPORT_CHARS {
        return say(bot, msg, texts::report_too_long(chars)).await;
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
    let (report, _) = ctx.store.store_report(&new, ctx.clock.unix()).await?;
    let receipt = texts::receipt(&task, &report, ctx.settings.edit_window_minutes);
    let markup = ReplyMarkup::InlineKeyboard(keyboards::receipt(report.id));
    let sent = answer_with(bot, msg, receipt, Some(markup)).await?;
    let anchor = Anchor::Receipt {
        report_id: report.id,
    };
    ctx.store
        .remember_message(msg.chat.id.0, sent.id.0, &anchor, ctx.clock.unix())
        .await?;
    Ok(())
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

async fn task_by_id(ctx: &Ctx, task_id: i64) -> anyhow::Result<Option<TaskView>> {
    Ok(task_with_notice(ctx, task_id).await?.map(|(_, task)| task))
}

async fn say(bot: &Bot, msg: &Message, text: String) -> HandlerResult {
    answer(bot, msg, text).await?;
    Ok(())
}
