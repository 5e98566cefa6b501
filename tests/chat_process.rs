//! `duban run` as a process: killed between receiving an update and storing its effect, then
//! restarted, the report exists exactly once; SIGTERM stops it cleanly; the token is required
//! and never printed; `--http` serves /healthz and /metrics, and `log_format = json` writes one
//! JSON object per line with the update, chat, unit, task and period of a handler's lines.

#[path = "it/support/seed.rs"]
mod seed;

use duban::botapi::{BotApiOptions, BotApiServer, TestUser};
use duban::store::{InviteSpec, ReportFilter, Role, Store};
use seed::{WAIT, import_seed, text};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "424242:SECRET-do-not-print-me";

struct Setup {
    server: BotApiServer,
    store: Store,
    url: String,
    _dir: tempfile::TempDir,
    alice: TestUser,
}

async fn setup() -> Setup {
    let server = BotApiServer::start(BotApiOptions {
        token: TOKEN.into(),
        ..BotApiOptions::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("duban.db").display());
    let store = Store::connect(&url).await.unwrap();
    import_seed(&store).await;
    let unit = store.unit_named("区科技局").await.unwrap();
    let spec = InviteSpec {
        role: Role::Contact,
        unit,
        leader: None,
        expires_at: i64::MAX,
        created_by: "cli".into(),
    };
    store.create_invite("h", &spec, 0).await.unwrap();
    store.redeem_invite("h", 1001, "张三", 0).await.unwrap();
    let alice = TestUser::new(1001, "张三");
    server.add_user(&alice);
    Setup {
        server,
        store,
        url,
        _dir: dir,
        alice,
    }
}

fn duban_run(setup: &Setup, failpoint: Option<&str>) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_duban"));
    command
        .arg("run")
        .env("DUBAN_BOT_TOKEN", TOKEN)
        .env("DUBAN_TELEGRAM_API_URL", setup.server.url())
        .env("DUBAN_DATABASE_URL", &setup.url)
        .env("DUBAN_LOG", "debug")
        .env_remove("DUBAN_FAILPOINT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(point) = failpoint {
        command.env("DUBAN_FAILPOINT", point);
    }
    command.spawn().expect("start duban run")
}

/// Waits for the process to end by itself.
async fn wait_exit(mut child: Child) -> Output {
    let deadline = Instant::now() + WAIT;
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "duban run did not exit");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.wait_with_output().unwrap()
}

/// SIGTERM, then waits for a clean exit.
async fn terminate(child: Child) -> Output {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    wait_exit(child).await
}

fn printed(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs duban with the failpoint `point`, has `send` send an update (returning its id), waits
/// for the crash, then runs duban again until the update is done and stops it. Returns the
/// crashed run's output, what the bot sent to 1001, the stopped run's output, and whether the
/// update was stored before the crash.
async fn crash_and_restart(
    setup: &Setup,
    point: &str,
    send: impl FnOnce(&Setup) -> i32,
) -> (Output, Vec<duban::botapi::SentMessage>, Output, bool) {
    let child = duban_run(setup, Some(point));
    let update = send(setup);
    let crashed = wait_exit(child).await;
    assert!(!crashed.status.success(), "{point}: the failpoint aborts");
    assert!(printed(&crashed).contains(&format!("failpoint {point}")));
    let stored = setup
        .store
        .inbox_with_update_id(i64::from(update))
        .await
        .unwrap()
        .pop()
        .is_some();

    let child = duban_run(setup, None);
    let sent = setup.server.wait_for_sent(1001, 1, WAIT).await.unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        let item = setup
            .store
            .inbox_with_update_id(i64::from(update))
            .await
            .unwrap()
            .pop();
        if item.is_some_and(|i| i.state == "done") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{point}: not handled after the restart"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stopped = terminate(child).await;
    (crashed, sent, stopped, stored)
}

async fn killed_at_then_restarted(point: &str) {
    let setup = setup().await;
    let (crashed, sent, stopped, stored) = crash_and_restart(&setup, point, |setup| {
        setup
            .server
            .send_text(&setup.alice, 1001, "/report 8 已新增高新技术企业18家")
    })
    .await;

    assert!(text(&sent[0]).starts_with("已记录第8项进展"), "{sent:?}");
    let reports = setup.store.reports(&ReportFilter::default()).await.unwrap();
    assert_eq!(reports.len(), 1, "{point}: exactly one report");
    assert!(stored, "{point}: the update was stored before the crash");
    let item = setup
        .store
        .inbox_item(reports[0].inbox_seq)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(item.state, "done");
    assert!(stopped.status.success(), "{}", printed(&stopped));
    assert!(
        printed(&stopped).contains("已停止"),
        "{}",
        printed(&stopped)
    );
    for output in [&crashed, &stopped] {
        assert!(!printed(output).contains("SECRET"), "the token was printed");
    }
}

/// A photo sent just after a report (its evidence), the process killed before handling it or
/// after keeping and answering it: after the restart the evidence is kept once.
async fn evidence_killed_at_then_restarted(point: &str) {
    use duban::store::{EvidenceOf, Keeping, NewReport};
    let setup = setup().await;
    let notice = setup.store.latest_notice_id().await.unwrap().unwrap();
    let task = setup.store.task(notice, 8).await.unwrap().unwrap();
    let unit = setup.store.unit_named("区科技局").await.unwrap().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let report = NewReport {
        task_id: task.id,
        task_number: 8,
        item: false,
        unit_id: unit.id,
        unit_name: unit.name.clone(),
        period: "2022-03".into(),
        user_id: 1001,
        light: None,
        text: "已新增高新技术企业18家".into(),
        inbox_seq: 1_000_000,
        corrects: None,
        figures: Vec::new(),
    };
    setup.store.store_report(&report, now).await.unwrap();
    let photo: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();

    let sent_photo = photo.clone();
    let (_, sent, stopped, stored) = crash_and_restart(&setup, point, move |setup| {
        setup
            .server
            .send_photo_bytes(&setup.alice, 1001, sent_photo, None)
    })
    .await;

    assert!(
        text(&sent[0]).starts_with("已保存第8项佐证材料"),
        "{sent:?}"
    );
    assert!(stored, "{point}: the update was stored before the crash");
    let evidence = setup
        .store
        .evidence_list(EvidenceOf::Task(task.id))
        .await
        .unwrap();
    assert_eq!(evidence.len(), 1, "{point}: kept once: {evidence:?}");
    assert_eq!(
        setup
            .store
            .evidence_bytes(&evidence[0], &Keeping::Database)
            .await
            .unwrap(),
        photo
    );
    assert!(stopped.status.success(), "{}", printed(&stopped));
}

#[tokio::test]
async fn killed_before_handling_a_photo_its_evidence_is_kept_once_after_restart() {
    evidence_killed_at_then_restarted("before_handle").await;
}

#[tokio::test]
async fn killed_after_keeping_a_photo_its_evidence_is_kept_once_after_restart() {
    evidence_killed_at_then_restarted("after_handle").await;
}

#[tokio::test]
async fn killed_before_handling_an_update_the_report_exists_once_after_restart() {
    killed_at_then_restarted("before_handle").await;
}

#[tokio::test]
async fn killed_after_storing_the_effect_the_report_exists_once_after_restart() {
    killed_at_then_restarted("after_handle").await;
}

#[tokio::test]
async fn killed_right_after_storing_updates_nothing_is_lost() {
    killed_at_then_restarted("after_store").await;
}

#[tokio::test]
async fn run_needs_a_platform_and_its_secret_from_the_environment() {
    // Neither Telegram's token nor DingTalk's app: nothing to run on.
    let output = Command::new(env!("CARGO_BIN_EXE_duban"))
        .arg("run")
        .env_remove("DUBAN_BOT_TOKEN")
        .env_remove("DUBAN_DINGTALK_CLIENT_ID")
        .env("DUBAN_DATABASE_URL", "sqlite::memory:")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("没有可用的聊天平台"), "{stderr}");
    assert!(stderr.contains("DUBAN_BOT_TOKEN"), "{stderr}");
    assert!(stderr.contains("DUBAN_DINGTALK_CLIENT_SECRET"), "{stderr}");

    // DingTalk's app named, its secret missing.
    let output = Command::new(env!("CARGO_BIN_EXE_duban"))
        .arg("run")
        .env_remove("DUBAN_BOT_TOKEN")
        .env("DUBAN_DINGTALK_CLIENT_ID", "dingappkey")
        .env_remove("DUBAN_DINGTALK_CLIENT_SECRET")
        .env("DUBAN_DATABASE_URL", "sqlite::memory:")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(
            "已配置钉钉应用 dingtalk_client_id，但缺少环境变量 DUBAN_DINGTALK_CLIENT_SECRET"
        ),
        "{stderr}"
    );
}

#[tokio::test]
async fn webhook_options_come_together() {
    let output = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(["run", "--webhook-url", "https://example.org/hook"])
        .env("DUBAN_BOT_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--listen"));
}

#[tokio::test]
async fn a_wrong_token_is_named_in_chinese_and_not_printed() {
    let setup = setup().await;
    let mut command = Command::new(env!("CARGO_BIN_EXE_duban"));
    command
        .arg("run")
        .env("DUBAN_BOT_TOKEN", "999:WRONG-secret")
        .env("DUBAN_TELEGRAM_API_URL", setup.server.url())
        .env("DUBAN_DATABASE_URL", &setup.url);
    // Off the test's runtime thread: the in-process server must keep answering meanwhile.
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let printed = printed(&output);
    assert!(printed.contains("请检查令牌 DUBAN_BOT_TOKEN"), "{printed}");
    assert!(!printed.contains("WRONG-secret"), "{printed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fast_clock_lives_to_the_reminder_of_the_18th() {
    let setup = setup().await;
    // 17 March 2022 08:00 in Beijing at a day a second: the reminder of the 18th, 09:00, is
    // about a second away.
    let mut command = Command::new(env!("CARGO_BIN_EXE_duban"));
    let child = command
        .args([
            "run",
            "--clock-speed",
            "86400",
            "--clock-start",
            "2022-03-17T08:00",
        ])
        .env("DUBAN_BOT_TOKEN", TOKEN)
        .env("DUBAN_TELEGRAM_API_URL", setup.server.url())
        .env("DUBAN_DATABASE_URL", &setup.url)
        .env("DUBAN_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    let sent = setup.server.wait_for_sent(1001, 1, WAIT).await.unwrap();
    let output = terminate(child).await;

    assert!(text(&sent[0]).starts_with("【督办提醒】"), "{sent:?}");
    assert!(text(&sent[0]).contains("截止3月25日"), "{sent:?}");
    assert!(
        printed(&output)
            .contains("模拟时钟：从 2022-03-17 08:00（北京时间）起，以 86400 倍速运行。")
    );
    let rows = setup.store.outbox(None).await.unwrap();
    assert!(
        rows.iter().all(|r| r.key.starts_with("reminder:2022-03:")),
        "{rows:?}"
    );
    assert!(rows.iter().any(|r| r.state == "sent"), "{rows:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_clock_speed_is_refused_in_chinese() {
    let output = tokio::task::spawn_blocking(|| {
        Command::new(env!("CARGO_BIN_EXE_duban"))
            .args(["run", "--clock-speed", "0"])
            .env("DUBAN_BOT_TOKEN", TOKEN)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        printed(&output).contains("--clock-speed “0”应为正数"),
        "{}",
        printed(&output)
    );
}

/// A free port on 127.0.0.1 (free when asked; the test binds it right after).
fn free_port() -> u16 {
    let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    socket.local_addr().unwrap().port()
}

/// GETs `url` until its answer satisfies `wanted`; returns the status and the body.
async fn get_until(url: &str, wanted: impl Fn(u16, &str) -> bool) -> (u16, String) {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(response) = reqwest::get(url).await {
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            if wanted(status, &body) {
                return (status, body);
            }
            assert!(Instant::now() < deadline, "{url}: {status} {body}");
        }
        assert!(Instant::now() < deadline, "{url} does not answer");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_the_update_chat_unit_task_and_period_and_http_serves_health_and_metrics() {
    let setup = setup().await;
    let addr = format!("127.0.0.1:{}", free_port());
    // Logs to a file, so that a full pipe never holds the process up.
    let log_path = setup._dir.path().join("stderr.log");
    let child = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(["run", "--http", &addr])
        .env("DUBAN_BOT_TOKEN", TOKEN)
        .env("DUBAN_TELEGRAM_API_URL", setup.server.url())
        .env("DUBAN_DATABASE_URL", &setup.url)
        .env("DUBAN_LOG", "debug")
        .env("DUBAN_LOG_FORMAT", "json")
        .env_remove("DUBAN_FAILPOINT")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();

    let update = setup
        .server
        .send_text(&setup.alice, 1001, "/report 8 已新增高新技术企业18家");
    let sent = setup.server.wait_for_sent(1001, 1, WAIT).await.unwrap();
    assert!(text(&sent[0]).starts_with("已记录第8项进展"), "{sent:?}");
    let (_, health) = get_until(&format!("http://{addr}/healthz"), |status, _| status == 200).await;
    let health: serde_json::Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["status"], "ok", "{health}");
    let handled = "duban_updates_handled_total{platform=\"telegram\"} 1";
    let (_, metrics) = get_until(&format!("http://{addr}/metrics"), |_, body| {
        body.lines().any(|l| l == handled)
    })
    .await;
    assert!(
        metrics
            .lines()
            .any(|l| l == "duban_updates_stored_total{platform=\"telegram\"} 1"),
        "{metrics}"
    );
    let output = terminate(child).await;
    assert!(output.status.success(), "{}", printed(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("运维接口：http://{addr}/healthz")),
        "{stdout}"
    );

    // Every line is a JSON object; the report's handler logs the update, the chat, the unit,
    // the task and the period, e.g. {"fields":{"message":"report stored","report":1},
    // "level":"INFO","span":{"chat":1001,"name":"update","period":"2022-03",
    // "platform":"telegram","task":8,"unit":38,"update_id":1},"target":…,"timestamp":…}.
    let logs = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    assert!(
        lines
            .iter()
            .all(|l| l["level"].is_string() && l["fields"].is_object())
    );
    let stored = lines
        .iter()
        .find(|l| l["fields"]["message"] == "report stored")
        .unwrap_or_else(|| panic!("no line of the report's handler in\n{logs}"));
    let span = &stored["span"];
    let unit = setup.store.unit_named("区科技局").await.unwrap().unwrap();
    assert_eq!(span["update_id"], i64::from(update), "{stored}");
    assert_eq!(span["chat"], 1001, "{stored}");
    assert_eq!(span["platform"], "telegram", "{stored}");
    assert_eq!(span["task"], 8, "{stored}");
    assert_eq!(span["unit"], unit.id, "{stored}");
    let reports = setup.store.reports(&ReportFilter::default()).await.unwrap();
    assert_eq!(span["period"], reports[0].period.as_str(), "{stored}");
    // Other lines of the same update carry it too.
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["message"] == "update handled"
                && l["span"]["update_id"] == i64::from(update)),
        "{logs}"
    );
}

// ---- the same on DingTalk ------------------------------------------------------------------

mod dingtalk {
    use super::{printed, terminate, wait_exit};
    use crate::seed::{WAIT, import_seed};
    use duban::dingapi::{DingApiOptions, DingApiServer, DingUser, SentBody};
    use duban::store::{DingName, InviteSpec, ReportFilter, Role, Store};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    struct Setup {
        server: DingApiServer,
        store: Store,
        url: String,
        _dir: tempfile::TempDir,
        alice: DingUser,
    }

    async fn setup() -> Setup {
        let server = DingApiServer::start(DingApiOptions::default())
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("duban.db").display());
        let store = Store::connect(&url).await.unwrap();
        import_seed(&store).await;
        let alice = DingUser::new("staff1001", "张三");
        server.add_user(&alice);
        let id = store
            .dingtalk_id(&DingName::User(alice.staff_id.clone()))
            .await
            .unwrap();
        let spec = InviteSpec {
            role: Role::Contact,
            unit: store.unit_named("区科技局").await.unwrap(),
            leader: None,
            expires_at: i64::MAX,
            created_by: "cli".into(),
        };
        store.create_invite("h", &spec, 0).await.unwrap();
        store.redeem_invite("h", id, "张三", 0).await.unwrap();
        Setup {
            server,
            store,
            url,
            _dir: dir,
            alice,
        }
    }

    fn duban_run(setup: &Setup, failpoint: Option<&str>) -> Child {
        let options = DingApiOptions::default();
        let mut command = Command::new(env!("CARGO_BIN_EXE_duban"));
        command
            .arg("run")
            .env_remove("DUBAN_BOT_TOKEN")
            .env("DUBAN_DINGTALK_CLIENT_ID", &options.client_id)
            .env("DUBAN_DINGTALK_CLIENT_SECRET", &options.client_secret)
            .env("DUBAN_DINGTALK_API_URL", setup.server.url())
            .env("DUBAN_DINGTALK_OAPI_URL", setup.server.url())
            .env("DUBAN_DINGTALK_CARD_TEMPLATE", "duban-card.schema")
            .env("DUBAN_DATABASE_URL", &setup.url)
            .env("DUBAN_LOG", "debug")
            .env_remove("DUBAN_FAILPOINT")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(point) = failpoint {
            command.env("DUBAN_FAILPOINT", point);
        }
        command.spawn().expect("start duban run")
    }

    /// Killed at `point` while a report arrives, restarted: DingTalk pushes again what was not
    /// ACKed, and the report exists once.
    async fn killed_at_then_restarted(point: &str) {
        let setup = setup().await;
        let child = duban_run(&setup, Some(point));
        setup.server.wait_for_connections(1, WAIT).await.unwrap();
        setup
            .server
            .user_says(&setup.alice, "/report 8 已新增高新技术企业18家");
        let crashed = wait_exit(child).await;
        assert!(!crashed.status.success(), "{point}: the failpoint aborts");
        assert!(printed(&crashed).contains(&format!("failpoint {point}")));
        // Stored and not ACKed, the frame waits for the next connection; after the handler it
        // was ACKed, and the inbox holds it.
        let unacked = usize::from(point == "after_store");
        assert_eq!(setup.server.unacked().len(), unacked, "{point}");

        let child = duban_run(&setup, None);
        let sent = setup
            .server
            .wait_for_sent_to_user(&setup.alice.staff_id, 1, WAIT)
            .await
            .unwrap();
        let deadline = Instant::now() + WAIT;
        while !setup.server.unacked().is_empty()
            || !setup.store.inbox_due(i64::MAX, 1).await.unwrap().is_empty()
        {
            assert!(
                Instant::now() < deadline,
                "{point}: not handled after the restart"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let stopped = terminate(child).await;

        let SentBody::Card(card) = &sent[0].body else {
            panic!("{sent:?}")
        };
        assert!(
            card.params["content"].starts_with("已记录第8项进展"),
            "{sent:?}"
        );
        let reports = setup.store.reports(&ReportFilter::default()).await.unwrap();
        assert_eq!(reports.len(), 1, "{point}: exactly one report");
        assert!(stopped.status.success(), "{}", printed(&stopped));
        for output in [&crashed, &stopped] {
            assert!(
                !printed(output).contains(&DingApiOptions::default().client_secret),
                "the secret was printed"
            );
        }
    }

    #[tokio::test]
    async fn killed_between_storing_a_frame_and_acking_it_the_report_exists_once() {
        killed_at_then_restarted("after_store").await;
    }

    #[tokio::test]
    async fn killed_after_handling_a_frame_the_report_exists_once() {
        killed_at_then_restarted("after_handle").await;
    }
}

/// Waits until the server has seen `n` calls of `method` (any case).
async fn wait_calls(server: &BotApiServer, method: &str, n: u64) {
    let deadline = Instant::now() + WAIT;
    while server.calls(method) < n {
        assert!(Instant::now() < deadline, "no {method} from duban");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_second_instance_on_the_same_sqlite_file_is_refused() {
    let setup = setup().await;
    let first = duban_run(&setup, None);
    // It asks Telegram who it is after it has locked the database.
    wait_calls(&setup.server, "getMe", 1).await;

    let refused = wait_exit(duban_run(&setup, None)).await;
    assert!(!refused.status.success());
    let said = printed(&refused);
    assert!(
        said.contains("正由另一个 duban 实例使用") && said.contains("PostgreSQL"),
        "{said}"
    );
    assert_eq!(setup.server.calls("getMe"), 1, "the second never got going");

    // The first goes on answering, then stops; the file is free again.
    setup.server.send_text(&setup.alice, 1001, "/help");
    setup.server.wait_for_sent(1001, 1, WAIT).await.unwrap();
    assert!(terminate(first).await.status.success());
    let polls = setup.server.calls("getUpdates");
    let again = duban_run(&setup, None);
    wait_calls(&setup.server, "getUpdates", polls + 1).await;
    let stopped = terminate(again).await;
    assert!(stopped.status.success(), "{}", printed(&stopped));
}
