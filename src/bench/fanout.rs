//! Scheduled messages delivered through the outbox: N messages to N chats enqueued at once, the
//! sender started, the clock stopped when every row is marked sent. Under Telegram's limits the
//! in-process Bot API server enforces them too and counts the 429s it answers; the goal is the
//! floor the overall cap sets (N / 30 s) without a 429. With the caps lifted the figure is the
//! sender's own speed.

use crate::botapi::{BotApiOptions, BotApiServer, RateLimit, TestUser};
use crate::clock::Clock;
use crate::followup::sender::{self, Limiter, SendLimits, SenderConfig};
use crate::store::{OutMessage, Store};
use anyhow::{Result, bail};
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};

/// One fan-out.
#[derive(Debug, Clone, Copy)]
pub struct FanOut {
    pub messages: usize,
    /// From starting the sender until every row was marked sent.
    pub elapsed: Duration,
    /// The least time the overall cap allows (`messages / per_second`); `None` without a cap.
    pub floor: Option<Duration>,
    /// 429 answers of the server's flood limits.
    pub rate_limited: u64,
}

impl FanOut {
    pub fn per_second(&self) -> f64 {
        self.messages as f64 / self.elapsed.as_secs_f64()
    }

    /// Elapsed time over the floor.
    pub fn ratio(&self) -> Option<f64> {
        self.floor
            .map(|floor| self.elapsed.as_secs_f64() / floor.as_secs_f64())
    }
}

/// Fans `n` messages out to `n` private chats from a fresh SQLite file in `scratch`, the sender
/// keeping `limits`; the server enforces Telegram's limits unless `limits` are unlimited.
pub async fn fan_out(scratch: &Path, n: usize, limits: SendLimits) -> Result<FanOut> {
    let path = scratch.join(format!("fanout-{n}-{}.db", limits.per_second));
    let store = Store::connect(&format!("sqlite://{}", path.display())).await?;
    let capped = limits != SendLimits::unlimited();
    let server = BotApiServer::start(BotApiOptions {
        rate_limit: capped.then(RateLimit::telegram),
        ..BotApiOptions::default()
    })
    .await?;
    let clock = Clock::system();
    let messages: Vec<OutMessage> = (0..n)
        .map(|i| {
            let chat = 300_000 + i as i64;
            server.add_user(&TestUser::new(chat, format!("联络员{i}")));
            OutMessage {
                key: format!("fanout:{chat}"),
                chat_id: chat,
                is_group: false,
                payload: json!({ "text": "请于3月25日前报送本月任务进展：第8项 年内新增高新技术企业30家。" }),
                anchor_task: None,
                file: None,
            }
        })
        .collect();
    store.enqueue(&messages, clock.unix()).await?;

    let floor = (limits.per_second > 0)
        .then(|| Duration::from_secs_f64(n as f64 / f64::from(limits.per_second)));
    // A sender this far behind is broken; the run stops with an error.
    let limit = Duration::from_secs(120) + floor.unwrap_or_default() * 3;
    let start = Instant::now();
    let running = sender::spawn(
        store.clone(),
        clock,
        Limiter::new(limits),
        SenderConfig {
            api_url: server.url().to_owned(),
            token: server.token().to_owned(),
            limits,
            max_attempts: 5,
            admins: Vec::new(),
            dingtalk: None,
            cluster: None,
            metrics: crate::telemetry::Metrics::new(),
            robots: None,
        },
    );
    while server.sent_count() < n && start.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // Stopping waits for the last rows to be marked sent.
    running.stop().await;
    let elapsed = start.elapsed();
    let sent = store.outbox(Some("sent")).await?.len();
    store.close().await;
    let rate_limited = server.fault_stats().rate_limited;
    let arrived = server.sent_count();
    server.shutdown().await;
    if sent != n || arrived != n {
        bail!("外发基准：{n} 条消息中 {arrived} 条送达、{sent} 条标记为已发送（{limit:?} 内）");
    }
    Ok(FanOut {
        messages: n,
        elapsed,
        floor,
        rate_limited,
    })
}
