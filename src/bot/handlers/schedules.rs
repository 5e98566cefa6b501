//! Admins change the follow-up from chat: `/schedule` lists every schedule with its next fire
//! times; `/schedule set` previews a new expression and saves it only when its confirm button
//! is pressed; `/schedule pause|resume` act at once; `/remind now` sends this period's
//! reminder again. Every change goes into the audit trail (in the store).

use super::{HandlerResult, answer, answer_lines, answer_with, first_word, pressed_on, toast};
use crate::bot::{Actor, SharedCtx, keyboards, texts};
use crate::followup::scheduler::PREVIEW;
use crate::followup::{schedule_target, split_expression};
use crate::schedule::{Plan, Shift};
use crate::store::{InboxSeq, ScheduleChange};
use teloxide::prelude::*;
use teloxide::types::ReplyMarkup;

pub async fn schedule(
    bot: Bot,
    ctx: SharedCtx,
    msg: Message,
    actor: Actor,
    args: String,
) -> HandlerResult {
    let (verb, rest) = first_word(&args);
    match verb {
        "" | "list" | "列表" => list(&bot, &ctx, &msg).await,
        "set" | "设置" => set(&bot, &ctx, &msg, &actor, rest).await,
        "pause" | "暂停" => pause(&bot, &ctx, &msg, &actor, rest, true).await,
        "resume" | "恢复" => pause(&bot, &ctx, &msg, &actor, rest, false).await,
        _ => {
            answer(&bot, &msg, texts::schedule_usage()).await?;
            Ok(())
        }
    }
}

async fn list(bot: &Bot, ctx: &SharedCtx, msg: &Message) -> HandlerResult {
    let scheduler = &ctx.followup.scheduler;
    let entries: Vec<_> = scheduler
        .schedules()
        .await?
        .into_iter()
        .map(|e| {
            let times = scheduler.preview(&e.plan, PREVIEW);
            (e, times)
        })
        .collect();
    let shift = match scheduler.shift() {
        Shift::Next => "遇节假日顺延到下一个工作日",
        Shift::Previous => "遇节假日提前到上一个工作日",
        Shift::Skip => "遇节假日跳过",
    };
    answer_lines(bot, msg, texts::schedule_list(&entries, shift), None).await
}

/// `/schedule set 种类 时间表 [单位]`: a preview with confirm and cancel buttons.
async fn set(
    bot: &Bot,
    ctx: &SharedCtx,
    msg: &Message,
    actor: &Actor,
    args: &str,
) -> HandlerResult {
    let (kind, rest) = first_word(args);
    let (expression, unit) = split_expression(rest);
    if kind.is_empty() || expression.is_empty() {
        answer(bot, msg, texts::schedule_usage()).await?;
        return Ok(());
    }
    let (kind, unit) = match schedule_target(&ctx.store, kind, Some(unit)).await? {
        Ok(target) => target,
        Err(refusal) => return say(bot, msg, refusal).await,
    };
    let plan = match Plan::parse(&expression) {
        Ok(plan) => plan,
        Err(e) => return say(bot, msg, e.to_string()).await,
    };
    let times = ctx.followup.scheduler.preview(&plan, PREVIEW);
    let draft = ctx
        .store
        .draft_schedule(
            kind,
            unit.as_ref(),
            plan.expression(),
            actor.user_id,
            ctx.clock.unix(),
        )
        .await?;
    let text = texts::schedule_preview(kind, unit.as_ref(), &plan, &times);
    let markup = ReplyMarkup::InlineKeyboard(keyboards::confirm_schedule(draft));
    answer_with(bot, msg, text, Some(markup)).await?;
    Ok(())
}

async fn pause(
    bot: &Bot,
    ctx: &SharedCtx,
    msg: &Message,
    actor: &Actor,
    args: &str,
    paused: bool,
) -> HandlerResult {
    let (kind, unit) = first_word(args);
    if kind.is_empty() {
        return say(bot, msg, texts::schedule_usage()).await;
    }
    let (kind, unit) = match schedule_target(&ctx.store, kind, Some(unit)).await? {
        Ok(target) => target,
        Err(refusal) => return say(bot, msg, refusal).await,
    };
    let change = if paused {
        ScheduleChange::Pause
    } else {
        ScheduleChange::Resume
    };
    ctx.store
        .change_schedule(
            kind,
            unit.as_ref().map(|u| (u.id, u.name.as_str())),
            &change,
            &actor.user_id.to_string(),
            ctx.clock.unix(),
        )
        .await?;
    say(
        bot,
        msg,
        texts::schedule_paused(kind, unit.as_ref(), paused),
    )
    .await
}

/// The confirm button of a preview.
pub async fn confirm(
    bot: Bot,
    ctx: SharedCtx,
    q: CallbackQuery,
    actor: Actor,
    draft_id: i64,
) -> HandlerResult {
    let saved = ctx
        .store
        .confirm_schedule_draft(draft_id, &actor.user_id.to_string(), ctx.clock.unix())
        .await?;
    let Some(draft) = saved else {
        return toast(&bot, &q, texts::schedule_draft_gone(), true).await;
    };
    let times = match Plan::parse(&draft.expression) {
        Ok(plan) => ctx.followup.scheduler.preview(&plan, PREVIEW),
        Err(_) => Vec::new(),
    };
    if let Some((chat, message)) = pressed_on(&q) {
        bot.edit_message_text(chat, message, texts::schedule_saved(&draft, &times))
            .await?;
    }
    toast(&bot, &q, texts::schedule_saved_toast(), false).await
}

/// The cancel button of a preview.
pub async fn cancel(bot: Bot, ctx: SharedCtx, q: CallbackQuery, draft_id: i64) -> HandlerResult {
    if !ctx.store.drop_schedule_draft(draft_id).await? {
        return toast(&bot, &q, texts::schedule_draft_gone(), true).await;
    }
    if let Some((chat, message)) = pressed_on(&q) {
        bot.edit_message_text(chat, message, texts::schedule_cancelled())
            .await?;
    }
    toast(&bot, &q, texts::schedule_cancelled(), false).await
}

/// `/remind now [单位]`.
pub async fn remind(
    bot: Bot,
    ctx: SharedCtx,
    msg: Message,
    update: InboxSeq,
    args: String,
) -> HandlerResult {
    let (now, unit) = first_word(&args);
    if !matches!(now, "now" | "现在") {
        return say(&bot, &msg, texts::remind_usage()).await;
    }
    let unit = match unit {
        "" => None,
        name => match schedule_target(&ctx.store, "reminder", Some(name)).await? {
            Ok((_, unit)) => unit,
            Err(refusal) => return say(&bot, &msg, refusal).await,
        },
    };
    let tag = format!("u{}", update.0);
    let added = ctx
        .followup
        .scheduler
        .remind_now(unit.as_ref().map(|u| u.id), &tag)
        .await?;
    ctx.followup.outbox.notify_one();
    say(&bot, &msg, texts::reminders_queued(added, unit.as_ref())).await
}

async fn say(bot: &Bot, msg: &Message, text: String) -> HandlerResult {
    answer(bot, msg, text).await?;
    Ok(())
}
