//! Binding: `/start <code>`, `/help`, `/whoami`, `/unbind`, and what unbound users are told.

use super::{HandlerResult, answer, toast};
use crate::bot::{Actor, SharedCtx, invites, texts};
use crate::store::Redeemed;
use teloxide::prelude::*;

pub async fn start(
    bot: Bot,
    ctx: SharedCtx,
    msg: Message,
    actor: Actor,
    code: String,
) -> HandlerResult {
    let code = code.trim();
    let text = if code.is_empty() {
        match actor.role() {
            Some(role) => texts::welcome_back(role),
            None => texts::welcome_stranger(),
        }
    } else {
        let now = ctx.clock.unix();
        match ctx
            .store
            .redeem_invite(&invites::hash(code), actor.user_id, &actor.name, now)
            .await?
        {
            Redeemed::Bound(member) => texts::bound(&member),
            Redeemed::Unknown => texts::invite_unknown(),
            Redeemed::Expired => texts::invite_expired(),
            Redeemed::Used => texts::invite_used(),
        }
    };
    answer(&bot, &msg, text).await?;
    Ok(())
}

pub async fn help(bot: Bot, msg: Message, actor: Actor) -> HandlerResult {
    answer(&bot, &msg, texts::help(actor.role())).await?;
    Ok(())
}

pub async fn whoami(bot: Bot, msg: Message, actor: Actor) -> HandlerResult {
    let text = texts::whoami(actor.user_id, actor.member.as_ref(), actor.config_admin);
    answer(&bot, &msg, text).await?;
    Ok(())
}

pub async fn not_bound(bot: Bot, msg: Message) -> HandlerResult {
    answer(&bot, &msg, texts::not_bound()).await?;
    Ok(())
}

pub async fn not_bound_button(bot: Bot, q: CallbackQuery) -> HandlerResult {
    toast(&bot, &q, texts::not_bound(), true).await
}

pub async fn unbind(bot: Bot, ctx: SharedCtx, msg: Message, actor: Actor) -> HandlerResult {
    let removed = ctx
        .store
        .unbind(actor.user_id, &actor.user_id.to_string(), ctx.clock.unix())
        .await?;
    let text = match removed {
        Some(_) => texts::unbound_self(),
        None if actor.config_admin => texts::config_admin_cannot_unbind(),
        None => texts::not_bound(),
    };
    answer(&bot, &msg, text).await?;
    Ok(())
}
