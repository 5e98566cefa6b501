//! Admin commands: `/units`, `/contacts [单位]`, `/invite …`, `/remove <user>`, `/assign …`,
//! `/tasks` (the tasks without units), `/register` and `/unregister` in a group.

use super::{HandlerResult, answer, answer_lines, first_word};
use crate::bot::commands::Command;
use crate::bot::invites::{self, Invitee};
use crate::bot::{Actor, SharedCtx, texts};
use crate::store::{AssignRequest, Role, TaskView};
use std::collections::HashMap;
use teloxide::prelude::*;

pub async fn register(
    bot: Bot,
    ctx: SharedCtx,
    msg: Message,
    actor: Actor,
    cmd: Command,
) -> HandlerResult {
    if msg.chat.is_private() {
        answer(&bot, &msg, texts::register_in_groups_only()).await?;
        return Ok(());
    }
    let on = matches!(cmd, Command::Register(_));
    let title = msg.chat.title().unwrap_or_default();
    let changed = ctx
        .store
        .register_group(msg.chat.id.0, title, on, actor.user_id, ctx.clock.unix())
        .await?;
    let text = if on {
        texts::group_registered(changed)
    } else {
        texts::group_unregistered(changed)
    };
    answer(&bot, &msg, text).await?;
    Ok(())
}

pub async fn units(bot: Bot, ctx: SharedCtx, msg: Message) -> HandlerResult {
    let Some(notice) = ctx.notice().await? else {
        answer(&bot, &msg, texts::no_notice()).await?;
        return Ok(());
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
    answer_lines(&bot, &msg, texts::units_list(&rows), None).await
}

pub async fn contacts(bot: Bot, ctx: SharedCtx, msg: Message, args: String) -> HandlerResult {
    let name = args.trim();
    let unit_id = if name.is_empty() {
        None
    } else {
        match ctx.store.unit_named(name).await? {
            Some(unit) => Some(unit.id),
            None => {
                let suggestions = ctx.store.units_like(name, 5).await?;
                answer(&bot, &msg, texts::unknown_unit(name, &suggestions)).await?;
                return Ok(());
            }
        }
    };
    let members = ctx.store.members(unit_id).await?;
    answer_lines(&bot, &msg, texts::contacts_list(&members), None).await
}

/// `/invite 单位名`, `/invite 督查 [领导名]`, `/invite 管理员`.
pub async fn invite(
    bot: Bot,
    ctx: SharedCtx,
    msg: Message,
    actor: Actor,
    args: String,
) -> HandlerResult {
    let args = args.trim();
    let (first, rest) = first_word(args);
    let invitee = match first {
        "" => {
            answer(&bot, &msg, texts::invite_usage()).await?;
            return Ok(());
        }
        "督查" | "督查人员" => Invitee::Supervisor {
            leader: (!rest.is_empty()).then(|| rest.to_owned()),
        },
        "管理员" => Invitee::Admin,
        _ => Invitee::Unit(args.to_owned()),
    };
    let now = ctx.clock.unix();
    let expires_at = now + i64::from(ctx.settings.invite_days) * 86_400;
    let created_by = actor.user_id.to_string();
    let text = match invites::invite(&ctx.store, invitee, expires_at, &created_by, now).await? {
        Ok(invite) => {
            let link = invites::link(&ctx.username, &invite.code);
            texts::invite_link(&link, &invite.what, ctx.settings.invite_days)
        }
        Err(refusal) => refusal,
    };
    answer(&bot, &msg, text).await?;
    Ok(())
}

pub async fn remove(
    bot: Bot,
    ctx: SharedCtx,
    msg: Message,
    actor: Actor,
    args: String,
) -> HandlerResult {
    let args = args.trim();
    let Ok(user_id) = args.parse::<i64>() else {
        answer(&bot, &msg, texts::remove_usage()).await?;
        return Ok(());
    };
    let removed = ctx
        .store
        .unbind(user_id, &actor.user_id.to_string(), ctx.clock.unix())
        .await?;
    let text = match removed {
        Some(member) => texts::removed(&member),
        None => texts::not_a_member(args),
    };
    answer(&bot, &msg, text).await?;
    Ok(())
}

/// `/tasks` of an admin: the tasks no unit is reminded of (待明确承办单位), to assign.
pub async fn unassigned(bot: Bot, ctx: SharedCtx, msg: Message) -> HandlerResult {
    let Some(current) = ctx.current_tasks().await? else {
        answer(&bot, &msg, texts::no_notice()).await?;
        return Ok(());
    };
    let tasks: Vec<&TaskView> = current
        .all()
        .iter()
        .filter(|t| t.units.is_empty())
        .collect();
    answer_lines(&bot, &msg, texts::unassigned_tasks(&tasks), None).await
}

/// `/assign 12 区财政局 协办：区商务局、各镇街`: sets the task's units, audited with the admin
/// as actor; without arguments, the usage and the tasks waiting for units.
pub async fn assign(
    bot: Bot,
    ctx: SharedCtx,
    msg: Message,
    actor: Actor,
    args: String,
) -> HandlerResult {
    let Some(request) = AssignRequest::from_chat(&args) else {
        answer(&bot, &msg, texts::assign_usage()).await?;
        return Ok(());
    };
    let Some(notice) = ctx.notice().await? else {
        answer(&bot, &msg, texts::no_notice()).await?;
        return Ok(());
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
    let text = match result {
        Ok(assignment) => texts::assigned(&assignment),
        Err(refusal) => texts::assign_refused(&refusal),
    };
    answer(&bot, &msg, text).await?;
    Ok(())
}
