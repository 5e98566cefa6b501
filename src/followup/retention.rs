//! The daily prune: once per office day on the service's clock, the rows older than
//! `retention_days` that nothing refers to are removed (see [`Store::prune`]), and the evidence
//! folder's orphan files older than a day. `duban prune` runs the same [`run_once`]. Pruning
//! twice is harmless, so every instance of the service may run it.

use crate::clock::Clock;
use crate::config::Settings;
use crate::store::{Pruned, Store};
use crate::wording::format_time;
use anyhow::Result;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::path::PathBuf;

/// An evidence file no row refers to is left alone for this long: `keep_evidence` writes the
/// file before it stores the row.
const ORPHAN_GRACE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// What a prune is told: how long rows are kept and where evidence files are.
#[derive(Debug, Clone)]
pub struct Retention {
    pub days: u32,
    pub evidence_dir: Option<PathBuf>,
}

impl From<&Settings> for Retention {
    fn from(settings: &Settings) -> Self {
        let dir = settings.evidence_dir.trim();
        Retention {
            days: settings.retention_days,
            evidence_dir: (!dir.is_empty()).then(|| PathBuf::from(dir)),
        }
    }
}

impl Retention {
    /// Rows older than this go.
    pub fn cutoff(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - Duration::days(i64::from(self.days))
    }
}

/// One prune at `now` (with `dry_run`, only counted). A prune that removed something is
/// written to the audit trail, by `system`.
pub async fn run_once(
    store: &Store,
    retention: &Retention,
    now: DateTime<Utc>,
    dry_run: bool,
) -> Result<Pruned> {
    let cutoff = retention.cutoff(now);
    let mut pruned = store.prune(cutoff.timestamp(), dry_run).await?;
    if let Some(dir) = &retention.evidence_dir {
        let before = std::time::SystemTime::now() - ORPHAN_GRACE;
        (pruned.evidence_files, pruned.evidence_bytes) =
            store.prune_evidence_folder(dir, before, dry_run).await?;
    }
    if !dry_run && pruned.total() > 0 {
        let subject = format!(
            "保留 {} 天：{} 之前的记录",
            retention.days,
            format_time(cutoff.timestamp())
        );
        store
            .record_prune(now.timestamp(), &subject, &describe(&pruned))
            .await?;
    }
    Ok(pruned)
}

/// What each part of a prune is, in words, with its count.
pub fn parts(pruned: &Pruned) -> [(&'static str, u64); 6] {
    [
        ("收件箱（已处理的更新）", pruned.inbox),
        ("发件箱（已发送的消息）", pruned.outbox),
        ("发件箱中不再用到的通报文件", pruned.outbox_files),
        ("消息锚点（bot_messages）", pruned.bot_messages),
        ("钉钉消息编号", pruned.dingtalk_messages),
        ("佐证材料目录中的孤立文件", pruned.evidence_files),
    ]
}

/// `收件箱（已处理的更新）12 条，…` for the audit trail.
pub fn describe(pruned: &Pruned) -> String {
    parts(pruned)
        .iter()
        .map(|(part, n)| format!("{part} {n}"))
        .collect::<Vec<_>>()
        .join("，")
}

/// The daily prune, running until stopped.
pub struct Daily {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Daily {
    /// Looks at `clock` every `every` (real time) and prunes on the first look of each office
    /// day, the first day at once.
    pub fn start(
        store: Store,
        clock: Clock,
        retention: Retention,
        every: std::time::Duration,
    ) -> Daily {
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(async move {
            let mut done: Option<NaiveDate> = None;
            loop {
                let today = clock.office_date();
                if done != Some(today) {
                    // Tried once a day whatever happens: a failure is for the logs, and
                    // tomorrow's prune removes what this one left.
                    done = Some(today);
                    match run_once(&store, &retention, clock.now(), false).await {
                        Ok(pruned) if pruned.total() > 0 => {
                            tracing::info!(removed = %describe(&pruned), "pruned old rows")
                        }
                        Ok(_) => {}
                        Err(e) => tracing::error!("the daily prune failed: {e:#}"),
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = stopped.changed() => return,
                }
            }
        });
        Daily { stop, task }
    }

    /// Ends at once (a crash, for the tests).
    pub fn abort(self) {
        self.task.abort();
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}
