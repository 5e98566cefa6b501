//! duban's `/report` through the DingTalk path: the local DingTalk server pushes each message
//! as a CALLBACK frame on the Stream WebSocket; the client stores it in the inbox and ACKs it;
//! the core stores the report; the receipt, which carries 撤回 and 修改, goes out as a card
//! (`createAndDeliver`, since the office configured a card template) and is numbered in the
//! store. The same contacts, unit and messages as the Telegram line.

use super::{Sends, Spent, process_cpu};
use crate::clock::Clock;
use crate::config::Settings;
use crate::dingapi::{Api, DingApiOptions, DingApiServer, DingUser};
use crate::dingtalk::run::DingTalkConfig;
use crate::matrix::Matrix;
use crate::service::{self, Platforms};
use crate::store::{DingName, InviteSpec, ReportFilter, Role, Store};
use anyhow::{Context, Result, bail};
use std::path::Path;
use std::time::{Duration, Instant};

/// Frames pushed and not yet ACKed, at most. The Stream client takes at most 256 frames at a
/// time and leaves the rest unACKed (`MAX_IN_FLIGHT` in `dingtalk/stream/connection.rs`), for
/// DingTalk to push again — or, for robot messages, perhaps never (docs/dingtalk-protocol.md
/// §8). Pushed all at once, 4,000 messages are mostly left; so the benchmark's DingTalk keeps
/// 200 in flight, as Telegram's getUpdates hands over 100 at a time.
const WINDOW: usize = 200;

/// The card template the benchmark's office made (any name: the local server draws none).
const TEMPLATE: &str = "duban-card.schema";

fn user(i: usize) -> DingUser {
    DingUser::new(&format!("bench{i:04}"), &format!("联络员{i}"))
}

/// Settings for `server`: DingTalk only, cards, no send caps (as the Telegram line).
fn settings(server: &DingApiServer) -> Settings {
    let url = server.url().trim_end_matches('/').to_owned();
    Settings {
        dingtalk_client_id: DingApiOptions::default().client_id,
        dingtalk_api_url: url.clone(),
        dingtalk_oapi_url: url,
        dingtalk_card_template: TEMPLATE.into(),
        send_per_second: 0,
        send_per_chat_per_second: 0,
        send_per_group_per_minute: 0,
        ..Settings::default()
    }
}

pub(super) async fn dingtalk_replies(
    matrix: &Matrix,
    scratch: &Path,
    chats: usize,
    per_chat: usize,
) -> Result<Spent> {
    let url = format!(
        "sqlite://{}",
        scratch.join("chat-bench-dingtalk.db").display()
    );
    let store = Store::connect(&url).await?;
    store.import_matrix(matrix).await?;
    let unit = store
        .unit_named("区科技局")
        .await?
        .context("种子通知里没有区科技局，无法为测速绑定联络员")?;
    let server = DingApiServer::start(DingApiOptions::default()).await?;
    let users: Vec<DingUser> = (0..chats).map(user).collect();
    for (i, u) in users.iter().enumerate() {
        server.add_user(u);
        let id = store
            .dingtalk_id(&DingName::User(u.staff_id.clone()))
            .await?;
        let spec = InviteSpec {
            role: Role::Contact,
            unit: Some(unit.clone()),
            leader: None,
            expires_at: i64::MAX,
            created_by: "bench".into(),
        };
        let hash = format!("bench-{i}");
        store.create_invite(&hash, &spec, 0).await?;
        store.redeem_invite(&hash, id, &u.nick, 0).await?;
    }
    let settings = settings(&server);
    let config = DingTalkConfig::new(&settings, &DingApiOptions::default().client_secret)
        .context("测速的钉钉设置不完整")?;
    let platforms = Platforms {
        telegram: None,
        dingtalk: Some(config),
    };
    let running = service::start_on(
        store.clone(),
        Clock::system(),
        &settings,
        platforms,
        service::TICK,
    )
    .await?;
    let elapsed = match server
        .wait_for_connections(1, Duration::from_secs(10))
        .await
    {
        Ok(()) => measure(&server, &users, per_chat).await,
        Err(e) => Err(e.context("测速的钉钉 Stream 连接没有建立")),
    };
    running.stop().await?;
    let stored = store.reports(&ReportFilter::default()).await?.len();
    store.close().await;
    let cards = server.calls(Api::CardCreateAndDeliver);
    server.shutdown().await;
    let elapsed = elapsed?;
    let total = chats * per_chat;
    if stored != total {
        bail!("测速出错：钉钉上 {total} 条消息存下了 {stored} 条报告，应为 {total} 条");
    }
    if usize::try_from(cards).ok() != Some(total) {
        bail!("测速出错：钉钉上 {total} 条回执发出了 {cards} 张卡片，应为 {total} 张");
    }
    Ok(elapsed)
}

/// Pushes the messages in the Telegram line's order, keeping [`WINDOW`] of them pushed and not
/// yet ACKed, and waits until each is ACKed and answered.
async fn measure(server: &DingApiServer, users: &[DingUser], per_chat: usize) -> Result<Spent> {
    let total = users.len() * per_chat;
    let mut messages = (0..per_chat).flat_map(|k| users.iter().map(move |u| (u, k)));
    let mut pushed = 0;
    let cpu = process_cpu()?;
    let start = Instant::now();
    loop {
        let acked = server.acked_count();
        while pushed < acked + WINDOW
            && let Some((u, k)) = messages.next()
        {
            server.user_says(u, &Sends::Report.text(k));
            pushed += 1;
        }
        if acked >= total && server.sent_count() >= total {
            break;
        }
        if start.elapsed() > Duration::from_secs(300) {
            bail!(
                "测速超时：300 秒内钉钉上 {total} 条消息只确认了 {} 条、回答了 {} 条",
                server.acked_count(),
                server.sent_count()
            );
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(Spent {
        wall: start.elapsed(),
        cpu: process_cpu()?.saturating_sub(cpu),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::UnitDirectory;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_report_on_dingtalk_is_stored_and_answered_with_a_card() {
        let scratch = tempfile::tempdir().unwrap();
        let dir =
            UnitDirectory::from_toml(include_str!("../../../seeds/yanzhou-units.toml")).unwrap();
        let text = include_str!("../../../seeds/yanzhou-2022-task-notice.txt");
        let matrix = crate::matrix::parse_notice(text, &dir).unwrap();

        // Fails unless every message was ACKed, stored as a report and answered with a card.
        dingtalk_replies(&matrix, scratch.path(), 3, 4)
            .await
            .unwrap();
    }
}
