//! Extensions (延期申请): a contact of a task's host unit asks for more time (`/extend 8
//! 2022-04-15 理由`, or `延期 8 4月15日 理由`); the admins get the request with 批准 / 不批准
//! (`/approve 3`, `/refuse 3 理由`, `批准 3`, `不批准 3 理由`); the contact is told either way. An
//! approved extension moves that task's due date for the unit in the period: the nudges and the
//! escalation leave it alone until then, and the bulletin lists it.

use super::{Outcome, alert, first_word, say, task_ref};
use crate::conversation::{Actor, Ctx, Reply, SharedCtx};
use crate::followup::planner::message;
use crate::matrix::UnitRole;
use crate::refusal::ExtensionRefusal;
use crate::store::{Decided, Extension, InboxSeq, NewExtension, OutMessage, Requested, Role};
use crate::wording::{actions, texts};
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeSet;

fn refuse(refusal: ExtensionRefusal) -> Outcome {
    say(texts::extension_refused(&refusal))
}

/// `/extend 8 2022-04-15 理由` (contacts).
pub async fn extend(ctx: SharedCtx, actor: Actor, update: InboxSeq, args: String) -> Outcome {
    let (number, rest) = first_word(&args);
    let (day, reason) = first_word(rest);
    let reason = reason.trim();
    let (Some(named), false, false) = (task_ref(number), day.is_empty(), reason.is_empty()) else {
        return refuse(ExtensionRefusal::Usage);
    };
    let today = ctx.clock.office_date();
    let Some(until) = parse_date(day, today.year()) else {
        return refuse(ExtensionRefusal::BadDate(day.to_owned()));
    };
    let chars = reason.chars().count();
    if chars > texts::MAX_REPORT_CHARS {
        return refuse(ExtensionRefusal::ReasonTooLong(chars));
    }
    let Some(current) = ctx.current_tasks().await? else {
        return refuse(ExtensionRefusal::NoNotice);
    };
    let Some(task) = current.get(named) else {
        return refuse(ExtensionRefusal::NoSuchTask(named.arg()));
    };
    let number = task.number;
    let Some((unit_id, unit)) = actor.unit() else {
        return refuse(ExtensionRefusal::Usage);
    };
    if task.role_of(unit_id) != Some(UnitRole::Host) {
        return refuse(ExtensionRefusal::NotHost {
            task: named,
            unit: unit.to_owned(),
        });
    }
    let period = ctx.period();
    if !ctx
        .store
        .task_state(task.id, &period)
        .await?
        .state
        .is_open()
    {
        return refuse(ExtensionRefusal::Closed(named));
    }
    // An item (督办件) has its own due date; a notice task, the period's.
    let due = task
        .item
        .as_ref()
        .map_or_else(|| ctx.due(), |item| item.due);
    if until <= due {
        return refuse(ExtensionRefusal::NotLater(due));
    }
    let new = NewExtension {
        task_id: task.id,
        task_number: number,
        item: task.item.is_some(),
        unit_id,
        unit: unit.to_owned(),
        period,
        until,
        reason: reason.to_owned(),
        requested_by: actor.user_id,
        inbox_seq: update.0,
    };
    let admins = admins(&ctx).await?;
    let notices = |e: &Extension| -> Vec<OutMessage> {
        admins
            .iter()
            .map(|&admin| {
                message(
                    format!("extension:{}:{admin}", e.id),
                    admin,
                    texts::extension_request(e, due),
                    Some(actions::decide_extension(e.id)),
                )
            })
            .collect()
    };
    let requested = ctx
        .store
        .request_extension(&new, &notices, ctx.clock.unix())
        .await?;
    ctx.followup.outbox.notify_one();
    match requested {
        Requested::Done { extension, .. } => say(texts::extension_requested(&extension)),
        Requested::AlreadyPending(e) => refuse(ExtensionRefusal::AlreadyPending(Box::new(e))),
    }
}

/// Everyone who decides: the admins of the database and of the config.
async fn admins(ctx: &Ctx) -> anyhow::Result<BTreeSet<i64>> {
    Ok(ctx
        .store
        .members(None)
        .await?
        .into_iter()
        .filter(|m| m.role == Role::Admin)
        .map(|m| m.user_id)
        .chain(ctx.settings.admins.iter().copied())
        .collect())
}

/// `/approve 3`.
pub async fn approve_command(ctx: SharedCtx, actor: Actor, args: String) -> Outcome {
    decide_command(&ctx, &actor, &args, true).await
}

/// `/refuse 3 理由`.
pub async fn refuse_command(ctx: SharedCtx, actor: Actor, args: String) -> Outcome {
    decide_command(&ctx, &actor, &args, false).await
}

async fn decide_command(ctx: &Ctx, actor: &Actor, args: &str, approve: bool) -> Outcome {
    let (id, note) = first_word(args);
    let Some(id) = request_number(id) else {
        return refuse(ExtensionRefusal::Usage);
    };
    let note = Some(note.trim()).filter(|n| !n.is_empty());
    match decide(ctx, actor, id, approve, note).await? {
        Ok(e) => say(texts::extension_decided(&e)),
        Err(refusal) => refuse(refusal),
    }
}

/// 批准 / 不批准 under a request: the message becomes the decision.
pub async fn approve_pressed(ctx: SharedCtx, actor: Actor, id: i64) -> Outcome {
    pressed(&ctx, &actor, id, true).await
}

pub async fn refuse_pressed(ctx: SharedCtx, actor: Actor, id: i64) -> Outcome {
    pressed(&ctx, &actor, id, false).await
}

async fn pressed(ctx: &Ctx, actor: &Actor, id: i64, approve: bool) -> Outcome {
    match decide(ctx, actor, id, approve, None).await? {
        Ok(e) => {
            let text = texts::extension_decided(&e);
            Ok(vec![Reply::Edit(text.clone()), Reply::toast(text, false)])
        }
        Err(refusal) => alert(texts::extension_refused(&refusal)),
    }
}

async fn decide(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    approve: bool,
    note: Option<&str>,
) -> anyhow::Result<Result<Extension, ExtensionRefusal>> {
    if let Some(note) = note
        && note.chars().count() > texts::MAX_REPORT_CHARS
    {
        return Ok(Err(ExtensionRefusal::ReasonTooLong(note.chars().count())));
    }
    let notices = |e: &Extension| {
        vec![OutMessage {
            anchor_task: Some(e.task_id),
            ..message(
                format!("extension:{}:answer", e.id),
                e.requested_by,
                texts::extension_answer(e),
                None,
            )
        }]
    };
    let decided = ctx
        .store
        .decide_extension(id, approve, actor.user_id, note, &notices, ctx.clock.unix())
        .await?;
    ctx.followup.outbox.notify_one();
    Ok(match decided {
        Decided::Done { extension, .. } => Ok(extension),
        Decided::AlreadyDecided(e) => Err(ExtensionRefusal::AlreadyDecided(Box::new(e))),
        Decided::NotFound => Err(ExtensionRefusal::NoSuchRequest(id.to_string())),
    })
}

/// `#3`, `3`.
fn request_number(word: &str) -> Option<i64> {
    word.trim_start_matches(['#', '＃'])
        .parse()
        .ok()
        .filter(|n| *n > 0)
}

/// `2022-04-15`, `2022/4/15`, `2022年4月15日`, `4月15日`, `4-15` (in `year`).
pub fn parse_date(word: &str, year: i32) -> Option<NaiveDate> {
    let cleaned: String = word
        .trim()
        .trim_end_matches('日')
        .chars()
        .map(|c| match c {
            '年' | '月' | '/' | '.' | '－' => '-',
            c => c,
        })
        .collect();
    let parts: Vec<&str> = cleaned.split('-').collect();
    let numbers: Vec<u32> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let (y, m, d) = match numbers.as_slice() {
        [y, m, d] => (i32::try_from(*y).ok()?, *m, *d),
        [m, d] => (year, *m, *d),
        _ => return None,
    };
    NaiveDate::from_ymd_opt(y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_people_write_them() {
        let day = NaiveDate::from_ymd_opt(2022, 4, 15);
        for word in [
            "2022-04-15",
            "2022/4/15",
            "2022年4月15日",
            "4月15日",
            "4-15",
            "04-15",
        ] {
            assert_eq!(parse_date(word, 2022), day, "{word}");
        }
        for word in ["4月", "明天", "2022-02-30", "15"] {
            assert_eq!(parse_date(word, 2022), None, "{word}");
        }
    }
}
