//! The operations endpoints of `duban run --http`, served for a real service against the local
//! Bot API server and the local DingTalk server: `/healthz` turns 503 when the database goes
//! away (PostgreSQL refusing connections), the Bot API server stops or the DingTalk Stream
//! closes, and 200 again when the database is back; `/metrics` parses as Prometheus text and,
//! after a month of follow-up, its counters match the database.

use crate::followup::{cast, live, march, report, start};
use crate::support::chat::{TICK, WAIT, settings};
use crate::support::{TestDb, postgres_server_url};
use duban::bot::inbox::Mode;
use duban::botapi::{BotApiOptions, BotApiServer};
use duban::clock::Clock;
use duban::dingapi::{DingApiOptions, DingApiServer};
use duban::dingtalk::run::DingTalkConfig;
use duban::service::{self, Platforms};
use duban::telemetry::http::{self, HttpServer};
use serde_json::Value;
use sqlx::Connection;
use std::collections::BTreeMap;
use std::time::Duration;

async fn serve(probe: duban::telemetry::health::Probe) -> HttpServer {
    http::start("127.0.0.1:0".parse().unwrap(), probe)
        .await
        .expect("the operations server starts")
}

/// GETs `/healthz` until `wanted` holds for its status and body; returns the body.
async fn health_until(server: &HttpServer, wanted: impl Fn(u16, &Value) -> bool) -> Value {
    let url = format!("http://{}/healthz", server.addr);
    let deadline = tokio::time::Instant::now() + WAIT * 2;
    loop {
        let response = reqwest::get(&url).await.expect("/healthz answers");
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("/healthz answers JSON");
        if wanted(status, &body) {
            return body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "/healthz still {status}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn admin_sql(sql: &str) {
    let url = postgres_server_url().expect("PostgreSQL tests are on");
    let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    admin.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_turns_503_when_the_database_or_the_bot_api_goes_away_and_200_when_it_is_back() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let name = db.url.rsplit('/').next().unwrap().to_owned();
    let server = BotApiServer::start(BotApiOptions::default()).await.unwrap();
    let clock = Clock::manual(march(10, 9));
    let running = service::start(
        db.store.clone(),
        clock,
        &settings(),
        server.bot(),
        Mode::Polling,
        TICK,
    )
    .await
    .unwrap();
    let http = serve(running.probe()).await;

    let healthy = health_until(&http, |status, _| status == 200).await;
    assert_eq!(healthy["status"], "ok", "{healthy}");
    for check in ["database", "scheduler", "telegram"] {
        assert_eq!(healthy["checks"][check]["ok"], true, "{healthy}");
    }
    assert_eq!(
        healthy["checks"]["scheduler"]["lag_seconds"], 0,
        "{healthy}"
    );

    // The database refuses connections and drops the service's.
    admin_sql(&format!(
        "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false"
    ))
    .await;
    admin_sql(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    ))
    .await;
    let down = health_until(&http, |status, _| status == 503).await;
    assert_eq!(down["status"], "unhealthy", "{down}");
    assert_eq!(down["checks"]["database"]["ok"], false, "{down}");
    let reason = down["checks"]["database"]["reason"].as_str().unwrap();
    assert!(reason.starts_with("数据库在 2 秒内没有应答"), "{down}");
    assert_eq!(down["checks"]["scheduler"]["ok"], false, "{down}");
    assert_eq!(down["checks"]["telegram"]["ok"], true, "{down}");

    admin_sql(&format!(
        "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true"
    ))
    .await;
    let back = health_until(&http, |status, _| status == 200).await;
    assert_eq!(back["checks"]["database"]["ok"], true, "{back}");

    // The Bot API server stops: getUpdates fails.
    server.shutdown().await;
    let down = health_until(&http, |status, _| status == 503).await;
    assert_eq!(down["checks"]["telegram"]["ok"], false, "{down}");
    let reason = down["checks"]["telegram"]["reason"].as_str().unwrap();
    assert!(reason.starts_with("getUpdates 失败"), "{down}");
    assert_eq!(down["checks"]["database"]["ok"], true, "{down}");

    http.stop().await.unwrap();
    running.stop().await.unwrap();
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_turns_503_when_the_dingtalk_stream_is_closed() {
    let db = TestDb::sqlite().await;
    let server = DingApiServer::start(DingApiOptions::default())
        .await
        .unwrap();
    let settings = crate::support::dingtalk::settings(&server, true);
    let mut config = DingTalkConfig::new(&settings, &DingApiOptions::default().client_secret)
        .expect("DingTalk configured");
    config.stream.timing.first_retry = Duration::from_millis(20);
    config.stream.timing.max_retry = Duration::from_millis(200);
    let platforms = Platforms {
        telegram: None,
        dingtalk: Some(config),
    };
    let clock = Clock::manual(march(10, 9));
    let running = service::start_on(db.store.clone(), clock, &settings, platforms, TICK)
        .await
        .unwrap();
    let http = serve(running.probe()).await;

    let healthy = health_until(&http, |status, _| status == 200).await;
    assert_eq!(healthy["checks"]["dingtalk"]["ok"], true, "{healthy}");
    assert!(healthy["checks"].get("telegram").is_none(), "{healthy}");

    // The DingTalk server goes away with its WebSocket.
    server.shutdown().await;
    let down = health_until(&http, |status, _| status == 503).await;
    assert_eq!(down["checks"]["dingtalk"]["ok"], false, "{down}");
    assert_eq!(down["checks"]["database"]["ok"], true, "{down}");

    http.stop().await.unwrap();
    running.stop().await.unwrap();
    db.finish().await;
}

/// A sample's labels, sorted by name.
type Labels = BTreeMap<String, String>;

/// Prometheus text (format 0.0.4), read strictly: every line is a `# HELP`, a `# TYPE` or a
/// sample of a family typed before it; names and labels are well formed, values are numbers,
/// no sample appears twice. Returns the samples by name and labels.
fn parse_prometheus(text: &str) -> BTreeMap<(String, Labels), f64> {
    fn is_name(name: &str) -> bool {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    }
    fn labels(text: &str) -> Labels {
        let mut out = Labels::new();
        let mut rest = text;
        while !rest.is_empty() {
            let (name, after) = rest.split_once("=\"").expect("label=\"value\"");
            assert!(is_name(name), "label name {name:?}");
            let mut value = String::new();
            let mut chars = after.char_indices();
            let end = loop {
                match chars.next().expect("a closing quote") {
                    (_, '\\') => match chars.next().expect("an escape").1 {
                        'n' => value.push('\n'),
                        c @ ('\\' | '"') => value.push(c),
                        c => panic!("bad escape \\{c}"),
                    },
                    (i, '"') => break i,
                    (_, c) => value.push(c),
                }
            };
            assert!(out.insert(name.to_owned(), value).is_none(), "label twice");
            rest = &after[end + 1..];
            rest = rest.strip_prefix(',').unwrap_or(rest);
        }
        out
    }
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut samples = BTreeMap::new();
    for line in text.lines() {
        if let Some(help) = line.strip_prefix("# HELP ") {
            let name = help.split(' ').next().unwrap();
            assert!(is_name(name), "{line}");
            continue;
        }
        if let Some(typed) = line.strip_prefix("# TYPE ") {
            let (name, kind) = typed.split_once(' ').expect(line);
            assert!(is_name(name), "{line}");
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{line}"
            );
            assert!(
                types.insert(name.to_owned(), kind.to_owned()).is_none(),
                "{line}"
            );
            continue;
        }
        assert!(!line.starts_with('#') && !line.is_empty(), "{line:?}");
        let (series, value) = line.rsplit_once(' ').expect(line);
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("value in {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => (name, labels(rest.strip_suffix('}').expect(line))),
            None => (series, Labels::new()),
        };
        assert!(is_name(name), "{line}");
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .filter_map(|suffix| name.strip_suffix(suffix))
            .find(|base| types.get(*base).is_some_and(|t| t == "histogram"))
            .unwrap_or(name);
        assert!(types.contains_key(family), "{line}: no # TYPE before it");
        assert!(
            samples.insert((name.to_owned(), labels), value).is_none(),
            "{line} twice"
        );
    }
    samples
}

/// The samples of `name`, by the value of their label `label`.
fn by_label(
    samples: &BTreeMap<(String, Labels), f64>,
    name: &str,
    label: &str,
) -> BTreeMap<String, i64> {
    samples
        .iter()
        .filter(|((n, _), _)| n == name)
        .map(|((_, labels), value)| (labels[label].clone(), *value as i64))
        .collect()
}

fn one(samples: &BTreeMap<(String, Labels), f64>, name: &str, labels: &[(&str, &str)]) -> i64 {
    let labels: Labels = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    samples
        .get(&(name.to_owned(), labels.clone()))
        .map_or(0, |v| *v as i64)
}

async fn metrics_match_the_database_after_a_month(db: &TestDb) {
    let clock = Clock::manual(march(1, 8));
    let mut chat = start(&db.store, settings(), None, clock.clone()).await;
    let cast = cast(&mut chat).await;
    live(&chat, march(1, 8), march(20, 14)).await;
    report(&mut chat, &cast).await;
    live(&chat, march(20, 14), march(31, 20)).await;
    // Stopped, the service has marked everything it handled and sent: the counters are final.
    let probe = chat.probe();
    chat.stop().await.shutdown().await;
    let http = serve(probe).await;

    let response = reqwest::get(format!("http://{}/metrics", http.addr))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let samples = parse_prometheus(&response.text().await.unwrap());

    // Outbox: sent per kind as in the table; nothing failed, pending or told to wait.
    let rows = db.store.outbox(None).await.unwrap();
    let mut sent: BTreeMap<String, i64> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.state == "sent") {
        *sent
            .entry(row.key.split(':').next().unwrap().to_owned())
            .or_default() += 1;
    }
    assert!(
        sent.contains_key("reminder") && sent.contains_key("nudge"),
        "{sent:?}"
    );
    assert!(
        sent.contains_key("escalation") && sent.contains_key("bulletin"),
        "{sent:?}"
    );
    assert_eq!(by_label(&samples, "duban_outbox_sent_total", "kind"), sent);
    assert!(
        by_label(&samples, "duban_outbox_sent_total", "platform")
            .keys()
            .eq(["telegram"])
    );
    assert!(by_label(&samples, "duban_outbox_failed_total", "kind").is_empty());
    assert!(by_label(&samples, "duban_outbox_pending", "kind").is_empty());
    assert!(by_label(&samples, "duban_send_told_to_wait_total", "platform").is_empty());
    // One timed request per attempt.
    let attempts: i64 = rows.iter().map(|r| r.attempts).sum();
    let telegram = [("platform", "telegram")];
    assert_eq!(
        one(&samples, "duban_send_seconds_count", &telegram),
        attempts
    );
    assert_eq!(
        one(
            &samples,
            "duban_send_seconds_bucket",
            &[("platform", "telegram"), ("le", "+Inf")]
        ),
        attempts
    );

    // Inbox: every update stored was handled.
    let counts: BTreeMap<String, i64> =
        db.store.inbox_counts().await.unwrap().into_iter().collect();
    let stored: i64 = counts.values().sum();
    assert!(stored >= 9, "the cast binding and reporting: {counts:?}");
    assert_eq!(counts.get("done"), Some(&stored), "{counts:?}");
    assert_eq!(
        one(&samples, "duban_updates_stored_total", &telegram),
        stored
    );
    assert_eq!(
        one(&samples, "duban_updates_handled_total", &telegram),
        stored
    );
    assert_eq!(one(&samples, "duban_updates_failed_total", &telegram), 0);

    // Reports per period, as `duban periods` counts them.
    let notice = db.store.latest_notice_id().await.unwrap().unwrap();
    let periods: BTreeMap<String, i64> = db
        .store
        .period_counts(notice)
        .await
        .unwrap()
        .into_iter()
        .map(|(period, reports, _, _)| (period, reports))
        .collect();
    assert_eq!(
        periods.get("2022-03"),
        Some(&(cast.a_tasks.len() as i64 + 1))
    );
    assert_eq!(by_label(&samples, "duban_reports", "period"), periods);

    // The scheduler ran here and is up to date; the database and Telegram were up.
    let checked = db.store.scheduler_checked_at().await.unwrap().unwrap();
    assert_eq!(
        one(&samples, "duban_scheduler_lag_seconds", &[]),
        clock.unix() - checked
    );
    assert_eq!(one(&samples, "duban_scheduler", &[]), 1);
    assert_eq!(one(&samples, "duban_database_up", &[]), 1);
    assert_eq!(one(&samples, "duban_platform_connected", &telegram), 1);
    http.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_match_the_database_after_a_month_on_sqlite() {
    let db = TestDb::sqlite().await;
    metrics_match_the_database_after_a_month(&db).await;
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_match_the_database_after_a_month_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    metrics_match_the_database_after_a_month(&db).await;
    db.finish().await;
}

#[test]
fn the_strict_reader_refuses_what_is_not_prometheus_text() {
    let good = "# HELP a_total A.\n# TYPE a_total counter\na_total{k=\"v \\\"q\\\"\"} 1\n";
    let samples = parse_prometheus(good);
    assert_eq!(one(&samples, "a_total", &[("k", "v \"q\"")]), 1);
    for bad in [
        "a_total 1\n",
        "# TYPE a_total counter\na_total one\n",
        "# TYPE a_total counter\na_total{k=v} 1\n",
        "# TYPE a_total counter\na_total 1\na_total 2\n",
    ] {
        let result = std::panic::catch_unwind(|| parse_prometheus(bad));
        assert!(result.is_err(), "{bad:?} was accepted");
    }
}
