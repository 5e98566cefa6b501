//! `duban invite`: an invite link for a unit contact, a supervisor or an admin.

use super::{open_store, run::TOKEN_VAR, user_error};
use crate::clock::Clock;
use crate::config::Settings;
use crate::conversation::invites::{self, Invite, Invitee};
use crate::outln;
use crate::wording::texts;
use anyhow::Result;
use teloxide::prelude::*;

pub async fn run(settings: &Settings, invitee: Invitee, expires: Option<&str>) -> Result<()> {
    let seconds = match expires {
        None => i64::from(settings.invite_days) * 86_400,
        Some(text) => invites::parse_duration(text).ok_or_else(|| {
            user_error(format!(
                "有效期“{text}”无效：请写成 7d（天）、12h（小时）或 30m（分钟），最长 {} 天",
                invites::MAX_INVITE_DAYS
            ))
        })?,
    };
    let store = open_store(&settings.database_url).await?;
    let now = Clock::system().unix();
    let result = invites::invite(&store, invitee, now + seconds, "cli", now).await;
    store.close().await;
    let Invite { code, what } = result?.map_err(|r| user_error(texts::invite_refused(&r)))?;
    let username = username(settings).await;
    outln!(
        "邀请链接（{what}，有效至 {}，只能使用一次）：",
        crate::wording::format_time(now + seconds)
    )?;
    let dingtalk = !settings.dingtalk_client_id.trim().is_empty();
    let telegram = !username.is_empty() || std::env::var(TOKEN_VAR).is_ok() || !dingtalk;
    if telegram {
        outln!("{}", invites::link(&username, &code))?;
        if username.is_empty() {
            outln!(
                "（未设置 bot_username，也无法向 Telegram 查询：请让对方在机器人对话里发送上面这行。）"
            )?;
        }
    }
    if dingtalk {
        outln!("{}", texts::dingtalk_bind(&code))?;
    }
    Ok(())
}

/// The bot's username: from the config, else from Telegram when a token is set, else empty.
async fn username(settings: &Settings) -> String {
    if !settings.bot_username.is_empty() {
        return settings.bot_username.clone();
    }
    let (Ok(token), Ok(api)) = (
        std::env::var(TOKEN_VAR),
        settings.telegram_api_url.parse::<reqwest::Url>(),
    ) else {
        return String::new();
    };
    match Bot::new(token).set_api_url(api).get_me().await {
        Ok(me) => me.username().to_owned(),
        Err(_) => String::new(),
    }
}
