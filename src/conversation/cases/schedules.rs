//! Admins change the follow-up from chat: `/schedule` lists every schedule with its next fire
//! times; `/schedule set` previews a new expression and saves it only when its confirm button
//! is pressed; `/schedule pause|resume` act at once; `/remind now` sends this period's
//! reminder again. Every change goes into the audit trail (in the store).

use super::{Outcome, alert, first_word, say};
use crate::conversation::reply::lines;
use crate::conversation::{Actor, Ctx, Reply, SharedCtx};
use crate::followup::scheduler::PREVIEW;
use crate::followup::{schedule_target, split_expression};
use crate::schedule::Plan;
use crate::store::{InboxSeq, ScheduleChange};
use crate::wording::{actions, texts};

pub async fn schedule(ctx: SharedCtx, actor: Actor, args: String) -> Outcome {
    let (verb, rest) = first_word(&args);
    match verb {
        "" | "list" | "列表" => list(&ctx).await,
        "set" | "设置" => set(&ctx, &actor, rest).await,
        "pause" | "暂停" => pause(&ctx, &actor, rest, true).await,
        "resume" | "恢复" => pause(&ctx, &actor, rest, false).await,
        _ => say(texts::schedule_usage()),
    }
}

async fn list(ctx: &Ctx) -> Outcome {
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
    let shift = texts::shift_rule(scheduler.shift());
    Ok(lines(texts::schedule_list(&entries, shift), None))
}

/// `/schedule set 种类 时间表 [单位]`: a preview with confirm and cancel buttons.
async fn set(ctx: &Ctx, actor: &Actor, args: &str) -> Outcome {
    let (kind, rest) = first_word(args);
    let (expression, unit) = split_expression(rest);
    if kind.is_empty() || expression.is_empty() {
        return say(texts::schedule_usage());
    }
    let (kind, unit) = match schedule_target(&ctx.store, kind, Some(unit)).await? {
        Ok(target) => target,
        Err(refusal) => return say(texts::schedule_refused(&refusal)),
    };
    let plan = match Plan::parse(&expression) {
        Ok(plan) => plan,
        Err(e) => return say(e.to_string()),
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
    Ok(vec![Reply::with_buttons(
        text,
        actions::confirm_schedule(draft),
        None,
    )])
}

async fn pause(ctx: &Ctx, actor: &Actor, args: &str, paused: bool) -> Outcome {
    let (kind, unit) = first_word(args);
    if kind.is_empty() {
        return say(texts::schedule_usage());
    }
    let (kind, unit) = match schedule_target(&ctx.store, kind, Some(unit)).await? {
        Ok(target) => target,
        Err(refusal) => return say(texts::schedule_refused(&refusal)),
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
    say(texts::schedule_paused(kind, unit.as_ref(), paused))
}

/// The confirm button of a preview.
pub async fn confirm(ctx: SharedCtx, actor: Actor, draft_id: i64) -> Outcome {
    let saved = ctx
        .store
        .confirm_schedule_draft(draft_id, &actor.user_id.to_string(), ctx.clock.unix())
        .await?;
    let Some(draft) = saved else {
        return alert(texts::schedule_draft_gone());
    };
    let times = match Plan::parse(&draft.expression) {
        Ok(plan) => ctx.followup.scheduler.preview(&plan, PREVIEW),
        Err(_) => Vec::new(),
    };
    Ok(vec![
        Reply::Edit(texts::schedule_saved(&draft, &times)),
        Reply::toast(texts::schedule_saved_toast(), false),
    ])
}

/// The cancel button of a preview.
pub async fn cancel(ctx: SharedCtx, draft_id: i64) -> Outcome {
    if !ctx.store.drop_schedule_draft(draft_id).await? {
        return alert(texts::schedule_draft_gone());
    }
    Ok(vec![
        Reply::Edit(texts::schedule_cancelled()),
        Reply::toast(texts::schedule_cancelled(), false),
    ])
}

/// `/remind now [单位]`.
pub async fn remind(ctx: SharedCtx, update: InboxSeq, args: String) -> Outcome {
    let (now, unit) = first_word(&args);
    if !matches!(now, "now" | "现在") {
        return say(texts::remind_usage());
    }
    let unit = match unit {
        "" => None,
        name => match schedule_target(&ctx.store, "reminder", Some(name)).await? {
            Ok((_, unit)) => unit,
            Err(refusal) => return say(texts::schedule_refused(&refusal)),
        },
    };
    let tag = format!("u{}", update.0);
    let added = ctx
        .followup
        .scheduler
        .remind_now(unit.as_ref().map(|u| u.id), &tag)
        .await?;
    ctx.followup.outbox.notify_one();
    say(texts::reminders_queued(added, unit.as_ref()))
}
