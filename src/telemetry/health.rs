//! The checks behind `/healthz`: the database answers, every platform configured is
//! connected, and the scheduler keeps up. Each is read where it is true for the whole service
//! — the scheduler's progress from the database, not from this instance — so that a standby
//! instance (one not running the scheduler) is healthy while another runs it.

use super::metrics::{FromDatabase, Metrics};
use crate::clock::Clock;
use crate::store::{Platform, Store};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// How long the database may take to answer a check (`SELECT 1`, and each read of a scrape).
pub const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

/// The scheduler may lag this far behind the service clock (in real time; a simulated clock
/// scales it) before the service is unhealthy. The scheduler records its checkpoint every
/// minute of service time even when nothing fires, and a standby takes over within 30 s, so
/// five minutes means that no instance has run the scheduler for several minutes.
pub const SCHEDULER_LAG_BOUND: Duration = Duration::from_secs(5 * 60);

/// How long a successful getUpdates vouches for the Telegram connection in polling mode: a
/// long poll returns within about ten seconds, so a minute without one means the poller is
/// stuck or failing.
pub const POLL_FRESH_FOR: Duration = Duration::from_secs(60);

/// What `/healthz` answers: healthy when every check is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    /// `ok` or `unhealthy`.
    pub status: &'static str,
    /// By name: `database`, `scheduler`, and each platform configured (`telegram`,
    /// `dingtalk`).
    pub checks: BTreeMap<&'static str, Check>,
}

/// One check: whether it passed, and in words (Chinese) what was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub ok: bool,
    pub reason: String,
    /// The scheduler check's lag in seconds of the service clock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lag_seconds: Option<i64>,
}

impl Check {
    fn ok(reason: impl Into<String>) -> Check {
        Check {
            ok: true,
            reason: reason.into(),
            lag_seconds: None,
        }
    }

    fn failed(reason: impl Into<String>) -> Check {
        Check {
            ok: false,
            reason: reason.into(),
            lag_seconds: None,
        }
    }
}

impl Health {
    pub fn healthy(&self) -> bool {
        self.checks.values().all(|c| c.ok)
    }
}

/// What the checks and the scrapes look at: the service's database, clock, metrics and the
/// platforms it runs on. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Probe {
    pub store: Store,
    pub clock: Clock,
    pub metrics: Metrics,
    /// The platforms configured: each must be connected.
    pub platforms: Vec<Platform>,
}

impl Probe {
    /// Runs every check.
    pub async fn health(&self) -> Health {
        let mut checks = BTreeMap::new();
        let database = self.store.ping(DATABASE_TIMEOUT).await.map_err(in_words);
        let scheduler = match &database {
            Ok(()) => self.scheduler_check().await,
            Err(_) => Check::failed("数据库不可用，无法读取调度器的进度"),
        };
        checks.insert(
            "database",
            match database {
                Ok(()) => Check::ok("数据库应答正常"),
                Err(e) => Check::failed(format!(
                    "数据库在 {} 秒内没有应答：{}",
                    DATABASE_TIMEOUT.as_secs(),
                    e
                )),
            },
        );
        checks.insert("scheduler", scheduler);
        for &platform in &self.platforms {
            checks.insert(platform.code(), self.link_check(platform));
        }
        let status = if checks.values().all(|c| c.ok) {
            "ok"
        } else {
            "unhealthy"
        };
        Health { status, checks }
    }

    /// The scheduler's checkpoint against the service clock, within the bound.
    async fn scheduler_check(&self) -> Check {
        let checked = match within(self.store.scheduler_checked_at()).await {
            Ok(checked) => checked,
            Err(e) => return Check::failed(format!("无法读取调度器的进度：{e}")),
        };
        let Some(checked) = checked else {
            return Check::ok("调度器尚未开始（新数据库）");
        };
        let lag = (self.clock.unix() - checked).max(0);
        let speed = self.clock.simulation().map_or(1.0, |(_, speed)| speed);
        let bound = (SCHEDULER_LAG_BOUND.as_secs_f64() * speed) as i64;
        let mut check = if lag <= bound {
            Check::ok(format!("调度器落后 {lag} 秒（上限 {bound} 秒）"))
        } else {
            Check::failed(format!(
                "调度器落后 {lag} 秒，超过上限 {bound} 秒：没有实例在运行调度器，或调度器出错"
            ))
        };
        check.lag_seconds = Some(lag);
        check
    }

    /// What the platform's connection last reported.
    fn link_check(&self, platform: Platform) -> Check {
        let Some(link) = self.metrics.link(platform) else {
            return Check::failed("尚未连接");
        };
        match (link.state, link.fresh_for) {
            (Err(reason), _) => Check::failed(reason),
            (Ok(()), Some(fresh_for)) if link.at.elapsed() > fresh_for => Check::failed(format!(
                "已有 {} 秒没有收到平台的应答",
                link.at.elapsed().as_secs()
            )),
            (Ok(()), _) => Check::ok("已连接"),
        }
    }

    /// The metrics, with what the database says at this moment; without it when it cannot be
    /// read in time.
    pub async fn metrics_text(&self) -> String {
        let database = self.read_database().await;
        if let Err(e) = &database {
            tracing::warn!(error = %e, "metrics: could not read the database");
        }
        self.metrics.render(database.as_ref().ok())
    }

    async fn read_database(&self) -> Result<FromDatabase, String> {
        let pending = within(self.store.outbox_pending_counts()).await?;
        let checked = within(self.store.scheduler_checked_at()).await?;
        let reports = match within(self.store.latest_notice_id()).await? {
            Some(notice) => within(self.store.period_counts(notice))
                .await?
                .into_iter()
                .map(|(period, reports, _, _)| (period, reports))
                .collect(),
            None => Vec::new(),
        };
        Ok(FromDatabase {
            pending,
            scheduler_lag: checked.map(|checked| (self.clock.unix() - checked).max(0)),
            reports,
        })
    }
}

/// A read of the database, given [`DATABASE_TIMEOUT`]; its error in words.
async fn within<T>(
    read: impl Future<Output = Result<T, crate::store::StoreError>>,
) -> Result<T, String> {
    match tokio::time::timeout(DATABASE_TIMEOUT, read).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(in_words(e)),
        Err(_) => Err(format!("{} 秒内没有应答", DATABASE_TIMEOUT.as_secs())),
    }
}

/// An error with its causes, `a: b: c`.
fn in_words(e: crate::store::StoreError) -> String {
    format!("{:#}", anyhow::Error::from(e))
}
