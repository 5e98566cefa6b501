//! Idle memory of `duban run`: this binary started again as a child process, on a fresh SQLite
//! file holding the seed notice, against the in-process Bot API server. Once it is polling and
//! has idled for a few seconds (long polls waiting, the scheduler ticking), its resident set
//! is read from `/proc` (Linux only).

use crate::botapi::{BotApiOptions, BotApiServer};
use crate::matrix::Matrix;
use crate::store::Store;
use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long the service idles before its memory is read.
pub const IDLE: Duration = Duration::from_secs(3);

/// Resident memory of an idle `duban run`, in KiB: now and at its peak.
#[derive(Debug, Clone, Copy)]
pub struct Idle {
    pub rss_kib: u64,
    pub peak_kib: u64,
}

pub async fn idle_run(matrix: &Matrix, scratch: &Path) -> Result<Idle> {
    let url = format!("sqlite://{}", scratch.join("idle.db").display());
    let store = Store::connect(&url).await?;
    store.import_matrix(matrix).await?;
    store.close().await;
    let server = BotApiServer::start(BotApiOptions::default()).await?;
    let exe = std::env::current_exe().context("找不到 duban 可执行文件")?;
    let mut child = Command::new(exe)
        .arg("run")
        .env("DUBAN_BOT_TOKEN", server.token())
        .env("DUBAN_TELEGRAM_API_URL", server.url())
        .env("DUBAN_DATABASE_URL", &url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("无法启动 duban run")?;
    let measured = async {
        let start = Instant::now();
        while server.calls("getUpdates") == 0 {
            if start.elapsed() > Duration::from_secs(30) {
                bail!("duban run 30 秒内没有开始轮询");
            }
            if let Some(status) = child.try_wait()? {
                bail!("duban run 提前退出：{status}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(IDLE).await;
        read_memory(child.id())
    }
    .await;
    let _ = child.kill();
    let _ = child.wait();
    server.shutdown().await;
    measured
}

fn read_memory(pid: u32) -> Result<Idle> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .context("无法读取 /proc（内存测量只支持 Linux）")?;
    let field = |name: &str| -> Result<u64> {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .with_context(|| format!("/proc/{pid}/status 中没有 {name}"))
    };
    Ok(Idle {
        rss_kib: field("VmRSS:")?,
        peak_kib: field("VmHWM:")?,
    })
}
