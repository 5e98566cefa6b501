//! Reviewing reports — the one thing supervisors write, and admins too: `/review` lists the
//! reports waiting, oldest first, each with 确认 / 退回; `/confirm ID` and `/return ID 理由`
//! (`确认 12`, `退回 12 理由`) do the same as the buttons; 退回 by button asks for the reason,
//! which the reviewer gives by replying. A returned report no longer counts and its contact is
//! told why at once; a host unit's ✅ report confirmed closes the task (已办结). `/reopen N 理由`
//! (admins) reopens a closed task. The review, the task's state and the notice are stored in one
//! transaction: after a crash the notice still goes out, once.

use super::{Outcome, RepliedTo, alert, first_word, say, task_ref};
use crate::conversation::{Actor, Ctx, Event, Reply, SharedCtx};
use crate::followup::planner::message;
use crate::progress::TaskState;
use crate::refusal::{ReviewRefusal, ReviewUsage};
use crate::store::{Anchor, OutMessage, Reopened, Report, ReportState, Reviewed, Role, Verdict};
use crate::wording::{actions, texts};

/// How many waiting reports `/review` shows at once.
const QUEUE: i64 = 5;

fn refuse(refusal: ReviewRefusal) -> Outcome {
    say(texts::review_refused(&refusal))
}

fn refuse_button(refusal: ReviewRefusal) -> Outcome {
    alert(texts::review_refused(&refusal))
}

pub async fn reviewers_only() -> Outcome {
    refuse(ReviewRefusal::ReviewersOnly)
}

pub async fn reviewers_only_button() -> Outcome {
    refuse_button(ReviewRefusal::ReviewersOnly)
}

/// `/review`: the oldest reports waiting for review, a message each with its buttons.
pub async fn queue(ctx: SharedCtx) -> Outcome {
    let waiting = ctx.store.unreviewed_reports(QUEUE + 1).await?;
    let shown = waiting.len().min(QUEUE as usize);
    let more = if waiting.len() > shown {
        usize::try_from(ctx.store.unreviewed_count().await?)
            .unwrap_or(0)
            .saturating_sub(shown)
    } else {
        0
    };
    let mut replies = vec![Reply::text(texts::review_queue(shown, more))];
    for report in waiting.iter().take(shown) {
        replies.push(Reply::with_buttons(
            texts::report_for_review(report),
            actions::review(&[report.id]),
            None,
        ));
    }
    Ok(replies)
}

/// `/confirm 12`.
pub async fn confirm_command(ctx: SharedCtx, actor: Actor, args: String) -> Outcome {
    let (id, _) = first_word(&args);
    let Some(id) = report_number(id) else {
        return refuse(ReviewRefusal::Usage(ReviewUsage::Confirm));
    };
    match review(&ctx, &actor, id, Verdict::Confirm).await? {
        Ok((report, state)) => say(texts::reviewed(&report, state)),
        Err(refusal) => refuse(refusal),
    }
}

/// `/return 12 理由`.
pub async fn return_command(ctx: SharedCtx, actor: Actor, args: String) -> Outcome {
    let (id, reason) = first_word(&args);
    let (Some(id), false) = (report_number(id), reason.trim().is_empty()) else {
        return refuse(ReviewRefusal::Usage(ReviewUsage::Return));
    };
    returned(&ctx, &actor, id, reason).await
}

/// 确认 on a report: the message becomes what was done.
pub async fn confirm_pressed(ctx: SharedCtx, actor: Actor, id: i64) -> Outcome {
    match review(&ctx, &actor, id, Verdict::Confirm).await? {
        Ok((report, state)) => Ok(vec![
            Reply::Edit(texts::reviewed(&report, state)),
            Reply::toast(texts::reviewed_toast(&report), false),
        ]),
        Err(refusal) => refuse_button(refusal),
    }
}

/// 退回 on a report: asks the reviewer for the reason.
pub async fn return_pressed(ctx: SharedCtx, actor: Actor, id: i64) -> Outcome {
    let report = match reviewable(&ctx, id).await? {
        Ok(report) => report,
        Err(refusal) => return refuse_button(refusal),
    };
    let anchor = Anchor::ReturnReason {
        report_id: id,
        user_id: actor.user_id,
    };
    Ok(vec![
        Reply::prompt(texts::return_prompt(&report), anchor),
        Reply::toast(texts::reply_prompt_toast(), false),
    ])
}

/// A reviewer's reply: the reason for a return they asked for; a supervisor's reply to
/// anything else is a report they may not make.
pub async fn reply(
    ctx: SharedCtx,
    event: Event,
    actor: Actor,
    RepliedTo(replied): RepliedTo,
) -> Outcome {
    let message = i32::try_from(replied).unwrap_or(i32::MAX);
    match ctx.store.anchor(event.chat.id, message).await? {
        Some(Anchor::ReturnReason { report_id, user_id }) => {
            reason(&ctx, &event, &actor, report_id, user_id).await
        }
        _ => super::reporting::refuse_supervisor().await,
    }
}

/// The reason for returning `report_id`, asked of `asked`.
pub(crate) async fn reason(
    ctx: &Ctx,
    event: &Event,
    actor: &Actor,
    report_id: i64,
    asked: i64,
) -> Outcome {
    if asked != actor.user_id {
        return refuse(ReviewRefusal::PromptNotYours);
    }
    let text = event.text().unwrap_or_default().trim();
    if text.is_empty() {
        return refuse(ReviewRefusal::Usage(ReviewUsage::Return));
    }
    returned(ctx, actor, report_id, text).await
}

async fn returned(ctx: &Ctx, actor: &Actor, id: i64, reason: &str) -> Outcome {
    let chars = reason.chars().count();
    if chars > texts::MAX_REPORT_CHARS {
        return refuse(ReviewRefusal::ReasonTooLong(chars));
    }
    let verdict = Verdict::Return {
        reason: reason.trim().to_owned(),
    };
    match review(ctx, actor, id, verdict).await? {
        Ok((report, state)) => say(texts::reviewed(&report, state)),
        Err(refusal) => refuse(refusal),
    }
}

/// `#12`, `12`: a report's number.
fn report_number(word: &str) -> Option<i64> {
    word.trim_start_matches(['#', '＃'])
        .parse()
        .ok()
        .filter(|n| *n > 0)
}

/// The report, if it waits for review.
async fn reviewable(ctx: &Ctx, id: i64) -> anyhow::Result<Result<Report, ReviewRefusal>> {
    Ok(match ctx.store.report(id).await? {
        None => Err(ReviewRefusal::NoSuchReport(id.to_string())),
        Some(r) if r.state == ReportState::Active && r.reviewed_at.is_none() => Ok(r),
        Some(r) => Err(ReviewRefusal::NotReviewable(Box::new(r))),
    })
}

/// Reviews report `id`: the report as reviewed and the task's state after, or why not.
async fn review(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    verdict: Verdict,
) -> anyhow::Result<Result<(Report, TaskState), ReviewRefusal>> {
    let reviewed = ctx
        .store
        .review_report(id, &verdict, actor.user_id, &notices, ctx.clock.unix())
        .await?;
    ctx.followup.outbox.notify_one();
    Ok(match reviewed {
        Reviewed::Done { report, state, .. } => Ok((report, state)),
        Reviewed::NotReviewable(report) => Err(ReviewRefusal::NotReviewable(Box::new(report))),
        Reviewed::NotFound => Err(ReviewRefusal::NoSuchReport(id.to_string())),
    })
}

/// What the report's contact is told: why it went back (with the task's light buttons, a reply
/// reporting anew), or that the task is closed. A plain confirmation tells nobody.
fn notices(report: &Report, state: TaskState) -> Vec<OutMessage> {
    let key = format!("review:{}", report.id);
    let notice = match (report.state, state) {
        (ReportState::Returned, _) => {
            let text = texts::returned_notice(report);
            message(
                key,
                report.user_id,
                text,
                Some(actions::lights(report.task_id)),
            )
        }
        (_, TaskState::Closed) => message(key, report.user_id, texts::closed_notice(report), None),
        _ => return Vec::new(),
    };
    vec![OutMessage {
        anchor_task: Some(report.task_id),
        ..notice
    }]
}

/// `/reopen 8 理由` (admins): the task is open again; its host units' contacts are told.
pub async fn reopen(ctx: SharedCtx, actor: Actor, args: String) -> Outcome {
    let (number, reason) = first_word(&args);
    let reason = reason.trim();
    let (Some(named), false) = (task_ref(number), reason.is_empty()) else {
        return refuse(ReviewRefusal::Usage(ReviewUsage::Reopen));
    };
    let Some(current) = ctx.current_tasks().await? else {
        return refuse(ReviewRefusal::NoNotice);
    };
    let Some(task) = current.get(named) else {
        return refuse(ReviewRefusal::NoSuchTask(named.arg()));
    };
    let number = task.number;
    let hosts: Vec<i64> = task.hosts().map(|u| u.unit_id).collect();
    let contacts: Vec<i64> = ctx
        .store
        .members(None)
        .await?
        .into_iter()
        .filter(|m| {
            m.role == Role::Contact && m.unit.as_ref().is_some_and(|u| hosts.contains(&u.id))
        })
        .map(|m| m.user_id)
        .collect();
    let now = ctx.clock.unix();
    let period = ctx.period();
    let notices = |_: TaskState| -> Vec<OutMessage> {
        contacts
            .iter()
            .map(|&chat| OutMessage {
                anchor_task: Some(task.id),
                ..message(
                    format!("reopen:{}:{period}:{now}:{chat}", task.id),
                    chat,
                    texts::reopened_notice(named, reason),
                    Some(actions::lights(task.id)),
                )
            })
            .collect()
    };
    let actor_id = actor.user_id.to_string();
    let reopened = ctx
        .store
        .reopen_task((task.id, number), &period, &actor_id, reason, &notices, now)
        .await?;
    ctx.followup.outbox.notify_one();
    match reopened {
        Reopened::Done(state) => say(texts::reopened(named, state, contacts.len())),
        Reopened::NotClosed(state) => refuse(ReviewRefusal::NotClosed { task: named, state }),
    }
}
