//! Admin commands: `/units`, `/contacts [单位]`, `/invite …`, `/remove <user>`, `/assign …`,
//! `/tasks` (the tasks without units), `/register` and `/unregister` in a group.

use super::{Outcome, first_word, say};
use crate::conversation::command::Command;
use crate::conversation::invites::{self, Invitee};
use crate::conversation::reply::lines;
use crate::conversation::{Actor, Event, SharedCtx};
use crate::store::{AssignRequest, Role, TaskView};
use crate::wording::texts;
use std::collections::HashMap;

pub async fn register(ctx: SharedCtx, event: Event, actor: Actor, cmd: Command) -> Outcome {
    let Some(title) = &event.chat.group else {
        return say(texts::register_in_groups_only());
    };
    let on = matches!(cmd, Command::Register(_));
    let changed = ctx
        .store
        .register_group(event.chat.id, title, on, actor.user_id, ctx.clock.unix())
        .await?;
    say(if on {
        texts::group_registered(changed)
    } else {
        texts::group_unregistered(changed)
    })
}

pub async fn units(ctx: SharedCtx) -> Outcome {
    let Some(notice) = ctx.notice().await? else {
        return say(texts::no_notice());
    };
    let mut contacts: HashMap<String, usize> = HashMap::new();
    for member in ctx.store.members(None).await? {
        if let (Role::Contact, Some(unit)) = (member.role, member.unit) {
            *contacts.entry(unit.name).or_default() += 1;
        }
    }
    let rows: Vec<(String, i64, i64, usize)> = ctx
        .store
        .unit_task_counts(notice)
        .await?
        .into_iter()
        .map(|c| {
            let n = contacts.get(&c.name).copied().unwrap_or(0);
            (c.name, c.host, c.co, n)
        })
        .collect();
    Ok(lines(texts::units_list(&rows), None))
}

pub async fn contacts(ctx: SharedCtx, args: String) -> Outcome {
    let name = args.trim();
    let unit_id = if name.is_empty() {
        None
    } else {
        match ctx.store.unit_named(name).await? {
            Some(unit) => Some(unit.id),
            None => {
                let suggestions = ctx.store.units_like(name, 5).await?;
                return say(texts::unknown_unit(name, &suggestions));
            }
        }
    };
    let members = ctx.store.members(unit_id).await?;
    Ok(lines(texts::contacts_list(&members), None))
}

/// `/invite 单位名`, `/invite 督查 [领导名]`, `/invite 管理员`.
pub async fn invite(ctx: SharedCtx, actor: Actor, args: String) -> Outcome {
    let args = args.trim();
    let (first, rest) = first_word(args);
    let invitee = match first {
        "" => return say(texts::invite_usage()),
        "督查" | "督查人员" => Invitee::Supervisor {
            leader: (!rest.is_empty()).then(|| rest.to_owned()),
        },
        "管理员" => Invitee::Admin,
        _ => Invitee::Unit(args.to_owned()),
    };
    let now = ctx.clock.unix();
    let expires_at = now + i64::from(ctx.settings.invite_days) * 86_400;
    let created_by = actor.user_id.to_string();
    say(
        match invites::invite(&ctx.store, invitee, expires_at, &created_by, now).await? {
            Ok(invite) => {
                let link = ctx
                    .settings
                    .telegram
                    .then(|| invites::link(&ctx.username, &invite.code));
                texts::invite(
                    &invite.what,
                    ctx.settings.invite_days,
                    &invite.code,
                    link.as_deref(),
                    ctx.settings.dingtalk,
                )
            }
            Err(refusal) => texts::invite_refused(&refusal),
        },
    )
}

pub async fn remove(ctx: SharedCtx, actor: Actor, args: String) -> Outcome {
    let args = args.trim();
    let Ok(user_id) = args.parse::<i64>() else {
        return say(texts::remove_usage());
    };
    let removed = ctx
        .store
        .unbind(user_id, &actor.user_id.to_string(), ctx.clock.unix())
        .await?;
    say(match removed {
        Some(member) => texts::removed(&member),
        None => texts::not_a_member(args),
    })
}

/// `/tasks` of an admin: the tasks no unit is reminded of (待明确承办单位), to assign.
pub async fn unassigned(ctx: SharedCtx) -> Outcome {
    let Some(current) = ctx.current_tasks().await? else {
        return say(texts::no_notice());
    };
    let tasks: Vec<&TaskView> = current
        .all()
        .iter()
        .filter(|t| t.units.is_empty())
        .collect();
    Ok(lines(texts::unassigned_tasks(&tasks), None))
}

/// `/assign 12 区财政局 协办：区商务局、各镇街`: sets the task's units, audited with the admin
/// as actor; without arguments, the usage and the tasks waiting for units.
pub async fn assign(ctx: SharedCtx, actor: Actor, args: String) -> Outcome {
    let Some(request) = AssignRequest::from_chat(&args) else {
        return say(texts::assign_usage());
    };
    let Some(notice) = ctx.notice().await? else {
        return say(texts::no_notice());
    };
    let result = ctx
        .store
        .assign_units(
            notice,
            &request,
            &actor.user_id.to_string(),
            ctx.clock.unix(),
        )
        .await?;
    say(match result {
        Ok(assignment) => texts::assigned(&assignment),
        Err(refusal) => texts::assign_refused(&refusal),
    })
}
