//! Binding: `/start <code>`, `/help`, `/whoami`, `/unbind`, and what unbound users are told.

use super::{Outcome, alert, say};
use crate::conversation::{Actor, SharedCtx, invites};
use crate::store::Redeemed;
use crate::wording::texts;

pub async fn start(ctx: SharedCtx, actor: Actor, code: String) -> Outcome {
    let code = code.trim();
    if code.is_empty() {
        return say(match actor.role() {
            Some(role) => texts::welcome_back(role),
            None => texts::welcome_stranger(),
        });
    }
    let now = ctx.clock.unix();
    let redeemed = ctx
        .store
        .redeem_invite(&invites::hash(code), actor.user_id, &actor.name, now)
        .await?;
    say(match redeemed {
        Redeemed::Bound(member) => texts::bound(&member),
        Redeemed::Unknown => texts::invite_unknown(),
        Redeemed::Expired => texts::invite_expired(),
        Redeemed::Used => texts::invite_used(),
    })
}

pub async fn help(actor: Actor) -> Outcome {
    say(texts::help(actor.role()))
}

pub async fn whoami(actor: Actor) -> Outcome {
    say(texts::whoami(
        actor.user_id,
        actor.member.as_ref(),
        actor.config_admin,
    ))
}

pub async fn not_bound() -> Outcome {
    say(texts::not_bound())
}

pub async fn not_bound_button() -> Outcome {
    alert(texts::not_bound())
}

pub async fn unbind(ctx: SharedCtx, actor: Actor) -> Outcome {
    let removed = ctx
        .store
        .unbind(actor.user_id, &actor.user_id.to_string(), ctx.clock.unix())
        .await?;
    say(match removed {
        Some(_) => texts::unbound_self(),
        None if actor.config_admin => texts::config_admin_cannot_unbind(),
        None => texts::not_bound(),
    })
}
