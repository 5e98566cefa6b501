//! Replies stored and acknowledged per second through duban's whole path (inbox, schema,
//! store, receipt), next to two teloxide bots on the same kind of local Bot API server with the
//! same updates: a bare echo bot, and one that first stores each update durably in SQLite
//! ([`durable`]), which is what duban's goal is measured against. All see every update queued
//! at once, from many chats. And duban's `/report` through the DingTalk path ([`dingtalk`]),
//! with the same contacts and messages, as a figure next to the Telegram one.

mod dingtalk;
mod durable;

use crate::bot::inbox::Mode;
use crate::botapi::{BotApiOptions, BotApiServer, TestUser};
use crate::clock::Clock;
use crate::config::Settings;
use crate::matrix::Matrix;
use crate::service;
use crate::store::{InviteSpec, Role, Store};
use anyhow::{Context, Result, bail};
use std::path::Path;
use std::time::{Duration, Instant};
use teloxide::dispatching::UpdateHandler;
use teloxide::dptree::di::DependencyMap;
use teloxide::prelude::*;

/// Replies per second of duban and of the reference bots for `chats × per_chat` updates, and
/// the CPU time the process spent per reply meanwhile (the local Bot API server's share
/// included, for all).
/// `help` is duban answering `/help` instead of `/report`: the same inbox, dispatch and
/// answer, without a report to store — what the report's own work costs is the difference.
/// `durable` is the bot a user of the same stack writes so that no reply is lost: one synced
/// `INSERT` per update before its answer.
/// `dingtalk` is duban's `/report` on the local DingTalk server instead: each message a frame
/// on the Stream WebSocket and its ACK, each receipt a card sent with one HTTP call.
pub struct Throughput {
    pub updates: usize,
    pub duban: Rate,
    pub dingtalk: Rate,
    pub help: Rate,
    pub echo: Rate,
    pub durable: Rate,
}

/// Replies per second, and CPU time per reply.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub per_second: f64,
    pub cpu: Duration,
}

impl Rate {
    fn of(spent: Spent, updates: usize) -> Rate {
        Rate {
            per_second: updates as f64 / spent.wall.as_secs_f64(),
            cpu: spent.cpu / u32::try_from(updates).unwrap_or(u32::MAX),
        }
    }
}

/// What every contact sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sends {
    /// `/report 8 已新增高新技术企业N家`: stored, answered with a receipt.
    Report,
    /// `/help`: answered, nothing stored.
    Help,
}

impl Sends {
    fn text(self, k: usize) -> String {
        match self {
            Sends::Report => format!("/report 8 已新增高新技术企业{}家", k + 1),
            Sends::Help => "/help".to_owned(),
        }
    }
}

/// How long one run took, on the clock and in CPU time of the whole process.
struct Spent {
    wall: Duration,
    cpu: Duration,
}

pub async fn throughput(
    matrix: &Matrix,
    scratch: &Path,
    chats: usize,
    per_chat: usize,
) -> Result<Throughput> {
    let duban = duban_replies(matrix, scratch, chats, per_chat, Sends::Report).await?;
    let dingtalk = dingtalk::dingtalk_replies(matrix, scratch, chats, per_chat).await?;
    let help = duban_replies(matrix, scratch, chats, per_chat, Sends::Help).await?;
    let echo = echo_replies(chats, per_chat).await?;
    let durable = durable::durable_replies(scratch, chats, per_chat).await?;
    let updates = chats * per_chat;
    Ok(Throughput {
        updates,
        duban: Rate::of(duban, updates),
        dingtalk: Rate::of(dingtalk, updates),
        help: Rate::of(help, updates),
        echo: Rate::of(echo, updates),
        durable: Rate::of(durable, updates),
    })
}

fn user(i: usize) -> TestUser {
    TestUser::new(100_000 + i as i64, format!("联络员{i}"))
}

/// CPU time (user and system) this process has used so far, from `/proc/self/stat` (Linux).
fn process_cpu() -> Result<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat")
        .context("无法读取 /proc/self/stat（CPU 时间只在 Linux 上测量）")?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| -> Result<u64> {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .context("/proc/self/stat 格式不符")
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name and state.
    let total = ticks(11)? + ticks(12)?;
    // The kernel reports them in USER_HZ, 100 on every Linux target Rust supports.
    Ok(Duration::from_millis(total * 10))
}

/// Queues every update at once and waits until the bot has answered each.
async fn measure(
    server: &BotApiServer,
    chats: usize,
    per_chat: usize,
    sends: Sends,
) -> Result<Spent> {
    let users: Vec<TestUser> = (0..chats).map(user).collect();
    for u in &users {
        server.add_user(u);
    }
    let before = server.sent_count();
    let total = chats * per_chat;
    let cpu = process_cpu()?;
    let start = Instant::now();
    for k in 0..per_chat {
        for u in &users {
            server.send_text(u, u.id, &sends.text(k));
        }
    }
    while server.sent_count() < before + total {
        if start.elapsed() > Duration::from_secs(300) {
            bail!(
                "测速超时：300 秒内只收到 {total} 条中的 {} 条回答",
                server.sent_count() - before
            );
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(Spent {
        wall: start.elapsed(),
        cpu: process_cpu()?.saturating_sub(cpu),
    })
}

async fn duban_replies(
    matrix: &Matrix,
    scratch: &Path,
    chats: usize,
    per_chat: usize,
    sends: Sends,
) -> Result<Spent> {
    let file = format!("chat-bench-{sends:?}.db").to_lowercase();
    let url = format!("sqlite://{}", scratch.join(file).display());
    replies_on(matrix, &url, 1, chats, per_chat, sends).await
}

/// The seed imported into the database at `url`, and a contact of 区科技局 bound for each of
/// `chats` users.
async fn seeded(matrix: &Matrix, url: &str, chats: usize) -> Result<Store> {
    let store = Store::connect(url).await?;
    store.import_matrix(matrix).await?;
    let unit = store
        .unit_named("区科技局")
        .await?
        .context("种子通知里没有区科技局，无法为测速绑定联络员")?;
    for i in 0..chats {
        let spec = InviteSpec {
            role: Role::Contact,
            unit: Some(unit.clone()),
            leader: None,
            expires_at: i64::MAX,
            created_by: "bench".into(),
        };
        let hash = format!("bench-{i}");
        store.create_invite(&hash, &spec, 0).await?;
        store
            .redeem_invite(&hash, user(i).id, &user(i).first_name, 0)
            .await?;
    }
    Ok(store)
}

/// `instances` services of duban, each with a store of its own on the database at `url`, on
/// one local Bot API server; measures their replies to `sends`.
async fn replies_on(
    matrix: &Matrix,
    url: &str,
    instances: usize,
    chats: usize,
    per_chat: usize,
    sends: Sends,
) -> Result<Spent> {
    let store = seeded(matrix, url, chats).await?;
    let server = BotApiServer::start(BotApiOptions::default()).await?;
    // The echo bot has no send limits; neither has duban here.
    let settings = Settings {
        send_per_second: 0,
        send_per_chat_per_second: 0,
        send_per_group_per_minute: 0,
        ..Settings::default()
    };
    let mut running = Vec::with_capacity(instances);
    let mut stores = vec![store.clone()];
    for i in 0..instances {
        if i > 0 {
            stores.push(Store::connect(url).await?);
        }
        running.push(
            service::start(
                stores[i].clone(),
                Clock::system(),
                &settings,
                server.bot(),
                Mode::Polling,
                service::TICK,
            )
            .await?,
        );
    }
    if store.backend() == crate::store::Backend::Postgres {
        // An instance on PostgreSQL holds its answers back until the others may have counted
        // it: the clock starts after that, for one instance as for two.
        tokio::time::sleep(crate::cluster::SETTLE).await;
    }
    let elapsed = measure(&server, chats, per_chat, sends).await;
    if instances > 1 {
        // How the chats fell to the instances (by their leases).
        let now = chrono::Utc::now().timestamp_millis();
        let held = store.leases_held("chat:", now).await?;
        let split: Vec<usize> = running
            .iter()
            .map(|s| {
                held.iter()
                    .filter(|(_, h)| h == s.cluster().holder())
                    .count()
            })
            .collect();
        tracing::info!(?split, "chats per instance");
        SPLIT.with(|last| *last.borrow_mut() = split);
    }
    for service in running {
        service.stop().await?;
    }
    let stored = store
        .reports(&crate::store::ReportFilter::default())
        .await?
        .len();
    for store in &stores {
        store.close().await;
    }
    server.shutdown().await;
    let elapsed = elapsed?;
    let expected = match sends {
        Sends::Report => chats * per_chat,
        Sends::Help => 0,
    };
    if stored != expected {
        bail!(
            "测速出错：{} 条更新存下了 {stored} 条报告，应为 {expected} 条",
            chats * per_chat
        );
    }
    Ok(elapsed)
}

thread_local! {
    /// The chats each instance held at the end of the last run of several.
    static SPLIT: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Replies of one instance and of two on one PostgreSQL database.
pub struct Instances {
    pub one: Rate,
    pub two: Rate,
    /// How many chats each of the two held at the end.
    pub split: Vec<usize>,
}

/// `/report` replies per second of one instance and of two on one PostgreSQL database (a new
/// database each, on the server at `server_url`, dropped afterwards).
pub async fn instances(
    matrix: &Matrix,
    server_url: &str,
    chats: usize,
    per_chat: usize,
) -> Result<Instances> {
    let mut rates = Vec::with_capacity(2);
    for n in [1, 2] {
        let name = format!("duban_bench_{}_{n}", std::process::id());
        let url = postgres::create(server_url, &name).await?;
        let spent = replies_on(matrix, &url, n, chats, per_chat, Sends::Report).await;
        postgres::drop(server_url, &name).await;
        rates.push(Rate::of(spent?, chats * per_chat));
    }
    Ok(Instances {
        one: rates[0],
        two: rates[1],
        split: SPLIT.with(|last| last.take()),
    })
}

/// Throwaway databases on a PostgreSQL server, for the benchmark of two instances.
mod postgres {
    use anyhow::{Context, Result};
    use sqlx::Connection;

    /// Creates `name` on the server at `server_url` (dropping a leftover first); returns its
    /// URL.
    pub async fn create(server_url: &str, name: &str) -> Result<String> {
        let mut admin = sqlx::PgConnection::connect(server_url)
            .await
            .with_context(|| format!("无法连接 PostgreSQL（{server_url}）"))?;
        for sql in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name}"),
        ] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut admin)
                .await
                .with_context(|| format!("无法在 PostgreSQL 上建立测速数据库 {name}"))?;
        }
        admin.close().await.ok();
        let base = server_url
            .rsplit_once('/')
            .map_or(server_url, |(base, _)| base);
        Ok(format!("{base}/{name}"))
    }

    pub async fn drop(server_url: &str, name: &str) {
        if let Ok(mut admin) = sqlx::PgConnection::connect(server_url).await {
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut admin)
                .await
            {
                tracing::warn!(error = %e, "could not drop the benchmark database {name}");
            }
            admin.close().await.ok();
        }
    }
}

async fn echo_replies(chats: usize, per_chat: usize) -> Result<Spent> {
    let handler = Update::filter_message().endpoint(|bot: Bot, msg: Message| async move {
        bot.send_message(msg.chat.id, msg.text().unwrap_or_default())
            .await?;
        respond(())
    });
    stock_bot_replies(handler, DependencyMap::new(), chats, per_chat, "回显").await
}

/// Runs a stock teloxide `Dispatcher` of `handler` (given `deps`) on a Bot API server of its
/// own and measures it with the same updates as duban's `/report`; `name` names the bot in an
/// error.
async fn stock_bot_replies<Err>(
    handler: UpdateHandler<Err>,
    deps: DependencyMap,
    chats: usize,
    per_chat: usize,
    name: &str,
) -> Result<Spent>
where
    Err: std::fmt::Debug + Send + Sync + 'static,
{
    let server = BotApiServer::start(BotApiOptions::default()).await?;
    let mut dispatcher = Dispatcher::builder(server.bot(), handler)
        .dependencies(deps)
        .build();
    let shutdown = dispatcher.shutdown_token();
    let task = tokio::spawn(async move { dispatcher.dispatch().await });
    // Let the dispatcher start polling before the clock runs.
    while server.calls("getUpdates") == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = measure(&server, chats, per_chat, Sends::Report).await;
    // Wait for the dispatcher's task, not for the future `shutdown` returns: that future
    // registers for teloxide's "done" notice only when first polled, and misses it (waits
    // forever) when the dispatcher finishes in between, as it may on another thread.
    let _ = shutdown.shutdown();
    task.await
        .with_context(|| format!("对照的{name}机器人异常退出"))?;
    server.shutdown().await;
    elapsed
}
