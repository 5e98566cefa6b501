//! The service's metrics, served in the Prometheus text format by `duban run --http`
//! (see [`super::http`]) through the Prometheus project's `prometheus-client` crate.
//!
//! One [`Metrics`] per running service (made by [`crate::service`], cloned into the listeners,
//! the processors and the sender), not one per process: tests and benchmarks run several
//! services in one process, each against its own database, and each service's counters must
//! match its own database. Counters go up where the thing happens: an update stored new in the
//! inbox, marked done or failed; an outbox row marked sent or failed. What the database already
//! knows (rows pending, reports per period, the scheduler's checkpoint) is read at scrape time
//! and set just before encoding, so that every instance on one database reports the same.
//!
//! Names (all prefixed `duban_`), and their labels:
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `updates_stored_total` | counter | platform |
//! | `updates_handled_total` | counter | platform |
//! | `updates_failed_total` (failed for good, the admins told) | counter | platform |
//! | `outbox_sent_total` | counter | platform, kind |
//! | `outbox_failed_total` (given up) | counter | platform, kind |
//! | `outbox_pending` (read at scrape) | gauge | platform, kind |
//! | `send_seconds` (one request to the platform) | histogram | platform |
//! | `send_told_to_wait_total` (429, 限流) | counter | platform |
//! | `scheduler_lag_seconds` (read at scrape) | gauge | — |
//! | `reports` (active reports of the current notice, read at scrape) | gauge | period |
//! | `scheduler` (1: this instance runs the scheduler, 0: standby) | gauge | — |
//! | `platform_connected` (1: connected, 0: not) | gauge | platform |
//! | `database_up` (1: the scrape could read the database) | gauge | — |
//!
//! `kind` is an outbox row's dedupe key up to its first `:` (reminder, nudge, escalation,
//! bulletin, item, gave-up, …).

use crate::store::{Platform, platform_of};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The `Content-Type` of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ByPlatform {
    platform: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ByKind {
    platform: &'static str,
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ByPeriod {
    period: String,
}

type Histograms = Family<ByPlatform, Histogram, fn() -> Histogram>;

/// The metrics of one running service, and what its platforms' connections last did. Cheap to
/// clone; clones share everything.
#[derive(Clone, Debug)]
pub struct Metrics(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    /// Encoding and the values set at scrape time, one scrape at a time.
    registry: Mutex<Registry>,
    updates_stored: Family<ByPlatform, Counter>,
    updates_handled: Family<ByPlatform, Counter>,
    updates_failed: Family<ByPlatform, Counter>,
    outbox_sent: Family<ByKind, Counter>,
    outbox_failed: Family<ByKind, Counter>,
    outbox_pending: Family<ByKind, Gauge>,
    send_seconds: Histograms,
    told_to_wait: Family<ByPlatform, Counter>,
    scheduler_lag: Gauge,
    reports: Family<ByPeriod, Gauge>,
    scheduler: Gauge,
    connected: Family<ByPlatform, Gauge>,
    database_up: Gauge,
    links: Mutex<HashMap<Platform, Link>>,
}

/// What a platform's connection last did: the health check reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Connected (the last getUpdates succeeded, the webhook server listens, the Stream
    /// WebSocket is open), or why not.
    pub state: Result<(), String>,
    /// When it was last reported.
    pub at: Instant,
    /// How long a report of "connected" holds without a new one (polling: a getUpdates
    /// succeeds every few seconds); None: until it is reported otherwise.
    pub fresh_for: Option<Duration>,
}

/// What the database says at scrape time, for the gauges read from it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FromDatabase {
    /// Pending outbox rows: (chat's platform, kind, rows).
    pub pending: Vec<(Platform, String, i64)>,
    /// The service clock's now minus the scheduler's checkpoint, in seconds; None before the
    /// scheduler's first checkpoint.
    pub scheduler_lag: Option<i64>,
    /// Active reports of the current notice per period.
    pub reports: Vec<(String, i64)>,
}

/// An outbox row's kind: its dedupe key up to the first `:`.
pub fn kind_of(key: &str) -> &str {
    key.split(':').next().unwrap_or(key)
}

fn by_kind(chat_id: i64, key: &str) -> ByKind {
    ByKind {
        platform: platform_of(chat_id).code(),
        kind: kind_of(key).to_owned(),
    }
}

fn by_platform(platform: Platform) -> ByPlatform {
    ByPlatform {
        platform: platform.code(),
    }
}

/// Send latency buckets: 10 ms, 20 ms, … about 20 s (a request times out after 10 s).
fn send_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.01, 2.0, 12))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let inner = Inner {
            registry: Mutex::new(Registry::with_prefix("duban")),
            updates_stored: Family::default(),
            updates_handled: Family::default(),
            updates_failed: Family::default(),
            outbox_sent: Family::default(),
            outbox_failed: Family::default(),
            outbox_pending: Family::default(),
            send_seconds: Family::new_with_constructor(send_histogram),
            told_to_wait: Family::default(),
            scheduler_lag: Gauge::default(),
            reports: Family::default(),
            scheduler: Gauge::default(),
            connected: Family::default(),
            database_up: Gauge::default(),
            links: Mutex::new(HashMap::new()),
        };
        {
            let mut r = lock(&inner.registry);
            let i = &inner;
            r.register(
                "updates_stored",
                "Updates stored new in the inbox",
                i.updates_stored.clone(),
            );
            r.register(
                "updates_handled",
                "Updates handled and marked done",
                i.updates_handled.clone(),
            );
            r.register(
                "updates_failed",
                "Updates marked failed for good after their last attempt",
                i.updates_failed.clone(),
            );
            r.register(
                "outbox_sent",
                "Outbox rows marked sent",
                i.outbox_sent.clone(),
            );
            r.register(
                "outbox_failed",
                "Outbox rows given up",
                i.outbox_failed.clone(),
            );
            r.register(
                "outbox_pending",
                "Outbox rows pending (read from the database at scrape time)",
                i.outbox_pending.clone(),
            );
            r.register(
                "send_seconds",
                "Time from a send request to the platform's answer",
                i.send_seconds.clone(),
            );
            r.register(
                "send_told_to_wait",
                "Sends the platform answered with 429 or its rate limit",
                i.told_to_wait.clone(),
            );
            r.register(
                "scheduler_lag_seconds",
                "Service clock minus the scheduler's checkpoint (read at scrape time)",
                i.scheduler_lag.clone(),
            );
            r.register(
                "reports",
                "Active reports of the current notice per period (read at scrape time)",
                i.reports.clone(),
            );
            r.register(
                "scheduler",
                "1 when this instance runs the scheduler, 0 on standby",
                i.scheduler.clone(),
            );
            r.register(
                "platform_connected",
                "1 when the platform's connection is up",
                i.connected.clone(),
            );
            r.register(
                "database_up",
                "1 when the last scrape could read the database",
                i.database_up.clone(),
            );
        }
        Metrics(Arc::new(inner))
    }

    /// `n` updates of `platform` were stored new in the inbox.
    pub fn updates_stored(&self, platform: Platform, n: usize) {
        self.0
            .updates_stored
            .get_or_create(&by_platform(platform))
            .inc_by(n as u64);
    }

    /// `n` updates of `platform` were marked done.
    pub fn updates_handled(&self, platform: Platform, n: usize) {
        self.0
            .updates_handled
            .get_or_create(&by_platform(platform))
            .inc_by(n as u64);
    }

    /// An update of `platform` was marked failed for good.
    pub fn update_failed(&self, platform: Platform) {
        self.0
            .updates_failed
            .get_or_create(&by_platform(platform))
            .inc();
    }

    /// The outbox row with `key` to `chat_id` was marked sent.
    pub fn outbox_sent(&self, chat_id: i64, key: &str) {
        self.0
            .outbox_sent
            .get_or_create(&by_kind(chat_id, key))
            .inc();
    }

    /// The outbox row with `key` to `chat_id` was given up.
    pub fn outbox_failed(&self, chat_id: i64, key: &str) {
        self.0
            .outbox_failed
            .get_or_create(&by_kind(chat_id, key))
            .inc();
    }

    /// A send to `chat_id` took `elapsed` until the platform answered (or the request failed).
    pub fn send_took(&self, chat_id: i64, elapsed: Duration) {
        self.0
            .send_seconds
            .get_or_create(&by_platform(platform_of(chat_id)))
            .observe(elapsed.as_secs_f64());
    }

    /// A send to `chat_id` was told to wait (Telegram's 429, DingTalk's 限流).
    pub fn told_to_wait(&self, chat_id: i64) {
        self.0
            .told_to_wait
            .get_or_create(&by_platform(platform_of(chat_id)))
            .inc();
    }

    /// Whether this instance runs the scheduler (1) or stands by (0).
    pub fn set_scheduler(&self, running: bool) {
        self.0.scheduler.set(i64::from(running));
    }

    /// The platform's connection is up. `fresh_for`: how long this holds without a new report
    /// (see [`Link::fresh_for`]).
    pub fn link_up(&self, platform: Platform, fresh_for: Option<Duration>) {
        self.set_link(platform, Ok(()), fresh_for);
    }

    /// The platform's connection is down, and why (in Chinese: the health check shows it).
    pub fn link_down(&self, platform: Platform, reason: impl Into<String>) {
        self.set_link(platform, Err(reason.into()), None);
    }

    fn set_link(&self, platform: Platform, state: Result<(), String>, fresh_for: Option<Duration>) {
        let up = state.is_ok();
        lock(&self.0.links).insert(
            platform,
            Link {
                state,
                at: Instant::now(),
                fresh_for,
            },
        );
        self.0
            .connected
            .get_or_create(&by_platform(platform))
            .set(i64::from(up));
    }

    /// What `platform`'s connection last reported; None before its first report.
    pub fn link(&self, platform: Platform) -> Option<Link> {
        lock(&self.0.links).get(&platform).cloned()
    }

    /// The metrics in the Prometheus text format, with the gauges read from the database set
    /// from `database` (None: the database could not be read; those gauges are left out).
    pub fn render(&self, database: Option<&FromDatabase>) -> String {
        let registry = lock(&self.0.registry);
        let i = &self.0;
        i.outbox_pending.clear();
        i.reports.clear();
        i.database_up.set(i64::from(database.is_some()));
        if let Some(db) = database {
            for (platform, kind, rows) in &db.pending {
                let labels = ByKind {
                    platform: platform.code(),
                    kind: kind.clone(),
                };
                i.outbox_pending.get_or_create(&labels).set(*rows);
            }
            i.scheduler_lag.set(db.scheduler_lag.unwrap_or(0));
            for (period, reports) in &db.reports {
                let labels = ByPeriod {
                    period: period.clone(),
                };
                i.reports.get_or_create(&labels).set(*reports);
            }
        }
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &registry)
            .expect("writing to a String does not fail");
        text
    }
}

/// A lock that a panic elsewhere leaves usable: the values stay meaningful.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_carry_their_platform_and_kind() {
        let metrics = Metrics::new();
        metrics.updates_stored(Platform::Telegram, 3);
        metrics.outbox_sent(1001, "reminder:2022-03:5:1001:task8");
        metrics.outbox_sent(
            crate::store::DINGTALK_BASE + 1,
            "nudge:2022-03:2022-03-23:5",
        );
        metrics.set_scheduler(true);
        let text = metrics.render(Some(&FromDatabase {
            pending: vec![(Platform::Telegram, "bulletin".into(), 2)],
            scheduler_lag: Some(30),
            reports: vec![("2022-03".into(), 4)],
        }));
        for line in [
            "duban_updates_stored_total{platform=\"telegram\"} 3",
            "duban_outbox_sent_total{platform=\"telegram\",kind=\"reminder\"} 1",
            "duban_outbox_sent_total{platform=\"dingtalk\",kind=\"nudge\"} 1",
            "duban_outbox_pending{platform=\"telegram\",kind=\"bulletin\"} 2",
            "duban_scheduler_lag_seconds 30",
            "duban_reports{period=\"2022-03\"} 4",
            "duban_scheduler 1",
            "duban_database_up 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
        // Without the database the gauges read from it are left out.
        let text = metrics.render(None);
        assert!(!text.contains("duban_outbox_pending{"), "{text}");
        assert!(text.lines().any(|l| l == "duban_database_up 0"), "{text}");
    }

    #[test]
    fn a_kind_is_the_key_up_to_its_first_colon() {
        assert_eq!(kind_of("reminder:2022-03:5:1001:task8"), "reminder");
        assert_eq!(kind_of("gave-up:17:9001"), "gave-up");
        assert_eq!(kind_of("plain"), "plain");
    }
}
