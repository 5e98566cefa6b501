//! `duban run`: the bot, until Ctrl-C or SIGTERM.

use super::{open_store, user_error};
use crate::bot::inbox::Mode;
use crate::clock::{Clock, office_offset};
use crate::config::Settings;
use crate::outln;
use crate::service;
use anyhow::{Context, Result};
use std::net::SocketAddr;
use teloxide::Bot;

/// The token's environment variable. The token is never read from a file, printed or logged.
pub const TOKEN_VAR: &str = "DUBAN_BOT_TOKEN";

pub async fn run(
    settings: &Settings,
    webhook_url: Option<String>,
    listen: Option<SocketAddr>,
    clock: Clock,
) -> Result<()> {
    let token = std::env::var(TOKEN_VAR)
        .ok()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            user_error(format!(
                "缺少环境变量 {TOKEN_VAR}：请把 BotFather 给的机器人令牌放进这个环境变量再启动\
                 （令牌只从环境变量读取，不写进配置文件，也不会出现在日志里）。"
            ))
        })?;
    let mode = match (webhook_url, listen) {
        (None, None) => Mode::Polling,
        (Some(url), Some(listen)) => {
            if !url.starts_with("https://") && !url.starts_with("http://") {
                return Err(user_error(format!("--webhook-url “{url}”不是网址")));
            }
            Mode::Webhook { url, listen }
        }
        _ => {
            return Err(user_error(
                "--webhook-url 和 --listen 要一起给出（例如 --webhook-url https://example.org/duban --listen 127.0.0.1:8443）",
            ));
        }
    };
    let api: reqwest::Url = settings
        .telegram_api_url
        .parse()
        .with_context(|| format!("Bot API 地址 {} 无效", settings.telegram_api_url))?;
    let store = open_store(&settings.database_url).await?;
    let bot = Bot::new(token).set_api_url(api);
    let described = match &mode {
        Mode::Polling => "长轮询".to_owned(),
        Mode::Webhook { url, listen } => format!("webhook {url}，监听 {listen}"),
    };
    let simulated = clock
        .simulation()
        .map(|(origin, speed)| (crate::wording::format_time(origin.timestamp()), speed));
    let started = service::start(store.clone(), clock, settings, bot, mode, service::TICK).await;
    let running = match started {
        Ok(running) => running,
        // A wrong token, an unreachable API or a port in use: all for the operator to fix.
        Err(e) => {
            store.close().await;
            return Err(user_error(format!(
                "无法启动机器人（Bot API：{}）：{e:#}",
                settings.telegram_api_url
            )));
        }
    };
    outln!(
        "督办机器人 @{} 已启动（{described}）。按 Ctrl-C 停止。",
        running.username
    )?;
    if let Some((start, speed)) = simulated {
        outln!(
            "模拟时钟：从 {start}（{}）起，以 {speed} 倍速运行。",
            crate::clock::zone_name()
        )?;
    }
    shutdown_signal().await;
    outln!("正在停止：处理完手头的消息后退出……")?;
    running.stop().await?;
    store.close().await;
    outln!("已停止。")?;
    Ok(())
}

/// The system clock, or with `--clock-speed N` a clock that runs N times as fast from
/// `--clock-start` (Beijing time) or now.
pub fn clock(speed: Option<f64>, start: Option<&str>) -> Result<Clock> {
    let Some(speed) = speed else {
        return Ok(Clock::system());
    };
    if !(speed.is_finite() && speed > 0.0) {
        return Err(user_error(format!(
            "--clock-speed “{speed}”应为正数，例如 3600"
        )));
    }
    let origin = match start {
        None => chrono::Utc::now(),
        Some(text) => chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
            .ok()
            .and_then(|t| t.and_local_timezone(office_offset()).single())
            .map(|t| t.with_timezone(&chrono::Utc))
            .ok_or_else(|| {
                user_error(format!(
                    "--clock-start “{text}”不是时间，应写成 2022-03-01T08:00（{}）",
                    crate::clock::zone_name()
                ))
            })?,
    };
    Ok(Clock::scaled(origin, speed))
}

/// Ctrl-C, or SIGTERM (systemd, docker stop).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
