//! `duban run`: the bot, until Ctrl-C or SIGTERM.

use super::{open_store, user_error};
use crate::bot::inbox::Mode;
use crate::clock::{Clock, office_offset};
use crate::config::Settings;
use crate::dingtalk::run::{DingTalkConfig, SECRET_VAR};
use crate::outln;
use crate::service::{self, Platforms};
use crate::telemetry;
use anyhow::{Context, Result};
use std::net::SocketAddr;
use teloxide::Bot;

/// The token's environment variable. The token is never read from a file, printed or logged.
pub const TOKEN_VAR: &str = "DUBAN_BOT_TOKEN";

pub async fn run(
    settings: &Settings,
    webhook_url: Option<String>,
    listen: Option<SocketAddr>,
    http: Option<SocketAddr>,
    clock: Clock,
) -> Result<()> {
    let token = std::env::var(TOKEN_VAR)
        .ok()
        .filter(|t| !t.trim().is_empty());
    let secret = std::env::var(SECRET_VAR)
        .ok()
        .filter(|s| !s.trim().is_empty());
    let dingtalk = match (settings.dingtalk_client_id.trim().is_empty(), secret) {
        (true, _) => None,
        (false, Some(secret)) => DingTalkConfig::new(settings, &secret),
        (false, None) => {
            return Err(user_error(format!(
                "已配置钉钉应用 dingtalk_client_id，但缺少环境变量 {SECRET_VAR}：请把钉钉开发者后台\
                 “凭证与基础信息”中的 ClientSecret 放进这个环境变量再启动（只从环境变量读取，不写进\
                 配置文件，也不会出现在日志里）。"
            )));
        }
    };
    if token.is_none() && dingtalk.is_none() {
        return Err(user_error(format!(
            "没有可用的聊天平台：Telegram 需要环境变量 {TOKEN_VAR}（BotFather 给的机器人令牌）；\
             钉钉需要配置项 dingtalk_client_id 和环境变量 {SECRET_VAR}（见 README“在钉钉上运行”）。\
             令牌和密钥只从环境变量读取，不写进配置文件，也不会出现在日志里。"
        )));
    }
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
    let telegram = match token {
        Some(token) => {
            let api: reqwest::Url = settings
                .telegram_api_url
                .parse()
                .with_context(|| format!("Bot API 地址 {} 无效", settings.telegram_api_url))?;
            Some((Bot::new(token).set_api_url(api), mode.clone()))
        }
        None => None,
    };
    let store = open_store(&settings.database_url).await?;
    let described = match &mode {
        Mode::Polling => "长轮询".to_owned(),
        Mode::Webhook { url, listen } => format!("webhook {url}，监听 {listen}"),
    };
    let simulated = clock
        .simulation()
        .map(|(origin, speed)| (crate::wording::format_time(origin.timestamp()), speed));
    let on_dingtalk = dingtalk.is_some();
    let on_telegram = telegram.is_some();
    let platforms = Platforms { telegram, dingtalk };
    let started = service::start_on(store.clone(), clock, settings, platforms, service::TICK).await;
    let running = match started {
        Ok(running) => running,
        // A wrong token or secret, an unreachable API or a port in use: all for the operator.
        Err(e) => {
            store.close().await;
            return Err(user_error(format!("无法启动机器人：{e:#}")));
        }
    };
    let http = match http {
        Some(addr) => match telemetry::http::start(addr, running.probe()).await {
            Ok(server) => Some(server),
            Err(e) => {
                let _ = running.stop().await;
                store.close().await;
                return Err(user_error(format!("{e:#}")));
            }
        },
        None => None,
    };
    if on_telegram {
        outln!(
            "督办机器人 @{} 已在 Telegram 上启动（{described}）。",
            running.username
        )?;
    }
    if on_dingtalk {
        outln!(
            "督办机器人已在钉钉上启动（应用 {}，Stream 模式）。",
            settings.dingtalk_client_id.trim()
        )?;
    }
    if let Some(server) = &http {
        outln!(
            "运维接口：http://{addr}/healthz（健康检查），http://{addr}/metrics（Prometheus 指标）。",
            addr = server.addr
        )?;
    }
    outln!("按 Ctrl-C 停止。")?;
    if let Some((start, speed)) = simulated {
        outln!(
            "模拟时钟：从 {start}（{}）起，以 {speed} 倍速运行。",
            crate::clock::zone_name()
        )?;
    }
    shutdown_signal().await;
    outln!("正在停止：处理完手头的消息后退出……")?;
    running.stop().await?;
    if let Some(server) = http {
        server.stop().await?;
    }
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
