//! Follow-up in simulated time: the whole service (chat loop, scheduler, outbox sender) against
//! the local Bot API server, on a manual clock moved through March 2022 six hours at a time.
//! The month is lived three ways — undisturbed, with the process stopped for three days, and
//! with the Bot API failing a fifth of the sends — and each time exactly the expected messages
//! reach the expected chats on the expected working days. Then admins change schedules in chat.

use crate::support::chat::{ADMIN, Chat, TICK, button, settings, settle_at, text};
use chrono::{DateTime, Duration, TimeZone, Utc};
use duban::bot::inbox::Mode;
use duban::botapi::{BotApiServer, FaultKind, FaultPlan, RateLimit, TestUser};
use duban::clock::{Clock, office_offset};
use duban::config::Settings;
use duban::matrix::{LeaderRole, UnitRole};
use duban::store::{Store, TaskSelection, TaskView};
use std::collections::BTreeMap;

/// `d` March 2022 at `h`:00 in Beijing.
pub(crate) fn march(d: u32, h: u32) -> DateTime<Utc> {
    office_offset()
        .with_ymd_and_hms(2022, 3, d, h, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

struct Db {
    _dir: tempfile::TempDir,
    store: Store,
}

async fn db() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("followup.db").display());
    Db {
        store: Store::connect(&url).await.unwrap(),
        _dir: dir,
    }
}

/// Who takes part: unit A hosts two or three tasks (one message per task), unit B the most
/// (a list); a supervisor linked to a lead leader of one of B's tasks, one linked to no one,
/// and the admin of the settings.
pub(crate) struct Cast {
    pub(crate) a: TestUser,
    pub(crate) a_unit: i64,
    pub(crate) a_tasks: Vec<TaskView>,
    pub(crate) b1: TestUser,
    pub(crate) b_unit: i64,
    pub(crate) b_tasks: Vec<TaskView>,
    pub(crate) leader: String,
    /// Every current task.
    pub(crate) tasks: Vec<TaskView>,
}

pub(crate) const A: i64 = 1001;
pub(crate) const B1: i64 = 2001;
pub(crate) const B2: i64 = 2002;
pub(crate) const LEADER_SUP: i64 = 3001;
pub(crate) const IDLE_SUP: i64 = 3002;

pub(crate) async fn start(
    store: &Store,
    settings: Settings,
    server: Option<BotApiServer>,
    clock: Clock,
) -> Chat {
    Chat::start_on(store, settings, server, Mode::Polling, clock).await
}

pub(crate) async fn cast(chat: &mut Chat) -> Cast {
    let notice = chat.store.latest_notice_id().await.unwrap().unwrap();
    let tasks = chat.store.tasks(notice, TaskSelection::All).await.unwrap();
    let mut hosted: BTreeMap<i64, (String, Vec<TaskView>)> = BTreeMap::new();
    for task in &tasks {
        for unit in task.units.iter().filter(|u| u.role == UnitRole::Host) {
            hosted
                .entry(unit.unit_id)
                .or_insert_with(|| (unit.name.clone(), Vec::new()))
                .1
                .push(task.clone());
        }
    }
    let (a_unit, (a_name, a_tasks)) = hosted
        .iter()
        .find(|(_, (_, t))| (2..=3).contains(&t.len()))
        .map(|(id, v)| (*id, v.clone()))
        .expect("a unit hosting two or three tasks");
    let (b_unit, (b_name, b_tasks)) = hosted
        .iter()
        .max_by_key(|(_, (_, t))| t.len())
        .map(|(id, v)| (*id, v.clone()))
        .unwrap();
    assert!(b_tasks.len() > 3);
    let leader = b_tasks
        .iter()
        .flat_map(|t| &t.leaders)
        .find(|l| l.role == LeaderRole::Lead)
        .expect("a lead leader")
        .name
        .clone();
    // Telegram delivers only to users who started a chat with the bot.
    let admin = chat.user(ADMIN, "管理员");
    chat.send(&admin, "/help").await;
    chat.supervisor(LEADER_SUP, "督查一", Some(&leader)).await;
    chat.supervisor(IDLE_SUP, "督查二", None).await;
    chat.contact(B2, "乙联络员二", &b_name).await;
    Cast {
        a: chat.contact(A, "甲联络员", &a_name).await,
        a_unit,
        a_tasks,
        b1: chat.contact(B1, "乙联络员一", &b_name).await,
        b_unit,
        b_tasks,
        leader,
        tasks,
    }
}

/// Moves the clock to `at` (at least an hour on, so the scheduler records its progress) and
/// waits until the scheduler has looked at it and the outbox is empty.
async fn step_to(chat: &Chat, at: DateTime<Utc>) {
    settle_at(&chat.store, &chat.clock, at).await;
}

/// Six-hour steps from `from` to `to`, each waited for; `on_step` runs after each.
pub(crate) async fn live(chat: &Chat, from: DateTime<Utc>, to: DateTime<Utc>) {
    let mut at = from;
    while at < to {
        at = (at + Duration::hours(6)).min(to);
        step_to(chat, at).await;
    }
}

/// Every scheduled message sent: (chat, what, Beijing date it was sent), sorted.
pub(crate) async fn delivered(store: &Store) -> Vec<(i64, String, String)> {
    let rows = store.outbox(None).await.unwrap();
    let mut out: Vec<(i64, String, String)> = rows
        .iter()
        // A bulletin may take several messages: count its first.
        .filter(|r| !r.key.starts_with("bulletin:") || r.key.ends_with(":1"))
        .map(|r| {
            assert_eq!(r.state, "sent", "{r:?}");
            let sent = DateTime::from_timestamp(r.sent_at.unwrap(), 0).unwrap();
            let day = sent
                .with_timezone(&office_offset())
                .format("%m-%d")
                .to_string();
            // reminder:2022-03:UNIT:CHAT:task8 → reminder; nudge:2022-03:2022-03-23:… → nudge.
            let what = r.key.split(':').next().unwrap().to_owned();
            (r.chat_id, what, day)
        })
        .collect();
    out.sort();
    out
}

pub(crate) fn expected(cast: &Cast, nudge_days: &[&str]) -> Vec<(i64, String, String)> {
    let mut out = Vec::new();
    for _ in &cast.a_tasks {
        out.push((A, "reminder".to_owned(), "03-18".to_owned()));
    }
    for chat in [B1, B2] {
        out.push((chat, "reminder".to_owned(), "03-18".to_owned()));
        for day in nudge_days {
            out.push((chat, "nudge".to_owned(), (*day).to_owned()));
        }
    }
    // The 26th is a Saturday: escalation moves to Monday the 28th.
    out.push((LEADER_SUP, "escalation".to_owned(), "03-28".to_owned()));
    out.push((ADMIN, "escalation".to_owned(), "03-28".to_owned()));
    // The bulletin, on the 28th at 10:00, to every supervisor and admin.
    for chat in [LEADER_SUP, IDLE_SUP, ADMIN] {
        out.push((chat, "bulletin".to_owned(), "03-28".to_owned()));
    }
    out.sort();
    out
}

/// Unit A reports on all its tasks (the first by replying to its reminder when there is one),
/// B on its first task only.
pub(crate) async fn report(chat: &mut Chat, cast: &Cast) {
    chat.seen_all(A);
    chat.seen_all(B1);
    let reminder = chat
        .server
        .sent(A)
        .into_iter()
        .find(|m| text(m).starts_with("【督办提醒】"));
    for (i, task) in cast.a_tasks.iter().enumerate() {
        let answer = match (&reminder, i) {
            (Some(reminder), 0) => {
                assert!(text(reminder).contains(&format!("第{}项", task.number)));
                chat.reply(
                    &cast.a,
                    reminder.message_id,
                    "按计划推进，已完成年度目标的八成",
                )
                .await
            }
            _ => {
                chat.send(&cast.a, &format!("/report {} 已完成", task.number))
                    .await
            }
        };
        assert!(text(&answer).contains("已记录"), "{answer:?}");
        assert!(
            text(&answer).contains(&format!("第{}项", task.number)),
            "{answer:?}"
        );
    }
    let first = cast.b_tasks[0].number;
    let answer = chat
        .send(&cast.b1, &format!("/report {first} 正在推进"))
        .await;
    assert!(text(&answer).contains("已记录"), "{answer:?}");
}

/// A bulletin file starts as its kind does: Word and Excel are zip archives, the chart a PNG.
fn of_its_kind(name: &str, bytes: &[u8]) -> bool {
    let magic: &[u8] = if name.ends_with(".png") {
        b"\x89PNG"
    } else {
        b"PK"
    };
    bytes.starts_with(magic)
}

/// How many messages the bulletin took to `id`.
pub(crate) async fn bulletin_parts(store: &Store, id: i64) -> usize {
    let rows = store.outbox(None).await.unwrap();
    rows.iter()
        .filter(|r| r.chat_id == id && r.key.starts_with("bulletin:"))
        .count()
}

pub(crate) fn count(chat: &Chat, id: i64, prefix: &str) -> usize {
    chat.server
        .sent(id)
        .iter()
        .filter(|m| text(m).starts_with(prefix))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_sends_reminders_nudges_to_the_silent_and_escalation_to_the_right_leaders() {
    let db = db().await;
    let clock = Clock::manual(march(1, 8));
    let mut chat = start(&db.store, settings(), None, clock).await;
    let cast = cast(&mut chat).await;

    live(&chat, march(1, 8), march(20, 14)).await;
    // Only the reminders so far, on Friday the 18th.
    assert_eq!(count(&chat, A, "【督办提醒】"), cast.a_tasks.len());
    assert_eq!(count(&chat, B1, "【督办提醒】"), 1);
    report(&mut chat, &cast).await;
    live(&chat, march(20, 14), march(31, 20)).await;

    assert_eq!(
        delivered(&db.store).await,
        expected(&cast, &["03-23", "03-25"])
    );
    // A reminder per task carries its light buttons; a reply to it reported on that task.
    let first = chat
        .server
        .sent(A)
        .into_iter()
        .find(|m| text(m).starts_with("【督办提醒】"))
        .unwrap();
    assert!(button(&first, "按计划推进").starts_with(&format!("l:{}:", cast.a_tasks[0].id)));
    let reports = chat.reports().await;
    assert!(
        reports
            .iter()
            .any(|r| r.task_id == cast.a_tasks[0].id && r.unit_id == cast.a_unit)
    );
    // B's list names every task and offers a picker; the nudges count the silent tasks.
    let list = chat
        .server
        .sent(B1)
        .into_iter()
        .find(|m| text(m).starts_with("【督办提醒】"))
        .unwrap();
    for task in &cast.b_tasks {
        assert!(
            text(&list).contains(&format!("第{}项", task.number)),
            "{list:?}"
        );
    }
    assert!(button(&list, &format!("第{}项", cast.b_tasks[1].number)).starts_with("t:"));
    let nudges: Vec<String> = chat
        .server
        .sent(B2)
        .iter()
        .filter(|m| text(m).starts_with("【催报】"))
        .map(|m| text(m).to_owned())
        .collect();
    let b_silent = cast.b_tasks.len() - 1;
    assert!(
        nudges[0].contains(&format!("还有{b_silent}项任务")),
        "{nudges:?}"
    );
    assert!(nudges[0].contains("距截止还有2天"), "{nudges:?}");
    assert!(nudges[1].contains("今天截止"), "{nudges:?}");
    // The supervisor gets the leader's silent tasks only, the admin all of them, the
    // supervisor linked to no leader nothing.
    let reported = |task: &TaskView, unit: i64| {
        (unit == cast.a_unit && cast.a_tasks.iter().any(|t| t.id == task.id))
            || (unit == cast.b_unit && task.id == cast.b_tasks[0].id)
    };
    let silent = |task: &&TaskView| {
        task.units
            .iter()
            .any(|u| u.role == UnitRole::Host && !reported(task, u.unit_id))
    };
    let led = |task: &&TaskView| {
        task.leaders
            .iter()
            .any(|l| l.role == LeaderRole::Lead && l.name == cast.leader)
    };
    let theirs = cast.tasks.iter().filter(led).filter(silent).count();
    let all = cast.tasks.iter().filter(silent).count();
    let escalation = chat
        .server
        .sent(LEADER_SUP)
        .into_iter()
        .find(|m| text(m).starts_with("【督促】"))
        .unwrap();
    assert!(
        text(&escalation).contains(&format!("{}牵头的任务中有{theirs}项未报送", cast.leader)),
        "{escalation:?}"
    );
    let to_admin = chat
        .server
        .sent(ADMIN)
        .into_iter()
        .find(|m| text(m).starts_with("【督促】"))
        .unwrap();
    assert!(
        text(&to_admin).contains(&format!("全部任务中有{all}项未报送")),
        "{to_admin:?}"
    );
    // The supervisor linked to no leader gets no escalation: the answer to /start, then the
    // bulletin only.
    let to_idle: Vec<String> = chat
        .server
        .sent(IDLE_SUP)
        .iter()
        .map(|m| text(m).to_owned())
        .collect();
    assert!(to_idle[0].starts_with("绑定成功"), "{to_idle:?}");
    assert!(
        to_idle[1].contains("督查通报")
            && to_idle.len() == 1 + bulletin_parts(&db.store, IDLE_SUP).await,
        "{to_idle:?}"
    );
    let bulletin = chat
        .server
        .sent(ADMIN)
        .into_iter()
        .find(|m| text(m).starts_with("<b>") && text(m).contains("督查通报"))
        .unwrap();
    assert_eq!(bulletin.parse_mode.as_deref(), Some("HTML"));
    assert!(text(&bulletin).contains("第1期"), "{bulletin:?}");
    let files: Vec<(String, bool)> = chat
        .server
        .sent(LEADER_SUP)
        .iter()
        .filter_map(|m| m.document.as_ref())
        .map(|d| (d.file_name.clone(), of_its_kind(&d.file_name, &d.bytes)))
        .collect();
    assert_eq!(
        files,
        [
            ("督查通报第1期-2022-03.docx".to_owned(), true),
            ("督查通报第1期-2022-03.xlsx".to_owned(), true),
            ("督查通报第1期-2022-03.png".to_owned(), true)
        ]
    );
    chat.stop().await.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_days_down_the_missed_nudge_arrives_once_after_the_restart() {
    let db = db().await;
    let clock = Clock::manual(march(1, 8));
    let mut chat = start(&db.store, settings(), None, clock.clone()).await;
    let cast = cast(&mut chat).await;
    live(&chat, march(1, 8), march(20, 14)).await;
    report(&mut chat, &cast).await;
    live(&chat, march(20, 14), march(22, 20)).await;

    // Down from the 22nd in the evening to the 25th in the afternoon: the nudges of the 23rd
    // and the 25th were missed.
    let server = chat.stop().await;
    clock.set(march(25, 14));
    let chat = start(&db.store, settings(), Some(server), clock).await;
    step_to(&chat, march(25, 20)).await;
    live(&chat, march(25, 20), march(31, 20)).await;

    assert_eq!(delivered(&db.store).await, expected(&cast, &["03-25"]));
    assert_eq!(count(&chat, B1, "【催报】"), 1);
    chat.stop().await.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_fifth_of_the_sends_failing_every_message_arrives_exactly_once() {
    let db = db().await;
    let clock = Clock::manual(march(1, 8));
    let mut chat = start(&db.store, settings(), None, clock).await;
    let cast = cast(&mut chat).await;
    live(&chat, march(1, 8), march(20, 14)).await;
    report(&mut chat, &cast).await;

    // From now on 10 % of sends answer 429 (retry after 1 s) and 10 % answer 500.
    chat.server.inject_faults(
        FaultPlan::share(0.1, 7, FaultKind::RetryAfter(1)).for_methods(["sendMessage"]),
    );
    chat.server.inject_faults(
        FaultPlan::share(0.1, 8, FaultKind::ServerError).for_methods(["sendMessage"]),
    );
    live(&chat, march(20, 14), march(31, 20)).await;

    assert_eq!(
        delivered(&db.store).await,
        expected(&cast, &["03-23", "03-25"])
    );
    assert_eq!(count(&chat, B1, "【催报】"), 2);
    assert_eq!(count(&chat, B2, "【催报】"), 2);
    // Every part of the bulletin once, despite the faults.
    assert_eq!(
        chat.server.sent(IDLE_SUP).len(),
        1 + bulletin_parts(&db.store, IDLE_SUP).await
    );
    assert_eq!(
        count(&chat, ADMIN, "【督促】"),
        chat.store
            .outbox(None)
            .await
            .unwrap()
            .iter()
            .filter(|r| r.chat_id == ADMIN && r.key.starts_with("escalation:"))
            .count()
    );
    let stats = chat.server.fault_stats();
    assert!(
        stats.injected_retry_after + stats.injected_server_errors > 0,
        "{stats:?}"
    );
    chat.stop().await.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_change_schedules_in_chat_and_the_next_fire_follows() {
    let db = db().await;
    let clock = Clock::manual(march(1, 8));
    let mut chat = start(&db.store, settings(), None, clock).await;
    let cast = cast(&mut chat).await;
    let admin = chat.user(ADMIN, "管理员");
    chat.seen_all(ADMIN);

    // Everyone but admins is refused, and nothing changes.
    let refused = chat
        .send(&cast.a, "/schedule set reminder 0 0 9 3 * *")
        .await;
    assert_eq!(text(&refused), "该命令仅限管理员使用。");

    // The list: four schedules from the config, each with its next fire times.
    let list = chat.send(&admin, "/schedule").await;
    assert!(
        text(&list).contains("提醒（reminder）：0 0 9 18 * *（配置文件）"),
        "{list:?}"
    );
    assert!(text(&list).contains("3月18日（星期五） 09:00"), "{list:?}");
    // The 26th of March is a Saturday: escalation shows Monday the 28th.
    assert!(text(&list).contains("3月28日（星期一） 09:00"), "{list:?}");

    // Invalid input is explained and changes nothing.
    // Expression mistakes end with an example of a valid one.
    let example = "例如：0 0 9 * * Mon-Fri";
    for (input, says, with_example) in [
        ("/schedule set reminder 0 9 * * 1-5", "第一个字段是秒", true),
        ("/schedule set reminder 0 0 9 * * 2", "不要用数字", true),
        (
            "/schedule set reminder 0 0 25 * * *",
            "第3个字段（时）",
            true,
        ),
        (
            "/schedule set weekly 0 0 9 * * Mon",
            "没有“weekly”这种时间表",
            false,
        ),
        (
            "/schedule set escalation 0 0 9 27 * * 区科技局",
            "针对全区",
            false,
        ),
        (
            "/schedule set nudge 0 0 9 * * Mon 不存在的局",
            "找不到单位",
            false,
        ),
    ] {
        let answer = chat.send(&admin, input).await;
        assert!(text(&answer).contains(says), "{input}: {answer:?}");
        assert_eq!(text(&answer).contains(example), with_example, "{answer:?}");
    }
    assert!(db.store.schedule_rows().await.unwrap().is_empty());

    // A valid expression is previewed; only the button saves it.
    let preview = chat.send(&admin, "/schedule set 提醒 0 0 9 3 * *").await;
    assert!(
        text(&preview).contains("接下来三次：3月3日（星期四） 09:00"),
        "{preview:?}"
    );
    assert!(db.store.schedule_rows().await.unwrap().is_empty());
    let cancel = button(&preview, "取消");
    let confirm = button(&preview, "确认");
    let stranger = chat.press(&cast.a, A, preview.message_id, &confirm).await;
    assert_eq!(stranger.text.as_deref(), Some("该命令仅限管理员使用。"));
    let saved = chat
        .press(&admin, ADMIN, preview.message_id, &confirm)
        .await;
    assert_eq!(saved.text.as_deref(), Some("已保存，下次触发起生效。"));
    let edited = chat
        .server
        .sent(ADMIN)
        .into_iter()
        .find(|m| m.message_id == preview.message_id)
        .unwrap();
    assert!(
        text(&edited).starts_with("已保存：提醒（reminder）时间表为 0 0 9 3 * *。"),
        "{edited:?}"
    );
    let again = chat.press(&admin, ADMIN, preview.message_id, &cancel).await;
    assert_eq!(again.text.as_deref(), Some("这个改动已经确认或取消过了。"));
    let rows = db.store.schedule_rows().await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].expression.as_deref(), Some("0 0 9 3 * *"));
    let audit = db.store.audit(None).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "schedule_set" && e.actor == ADMIN.to_string())
    );

    // Unit B's nudges are paused; B's reminder comes from the new schedule on the 3rd.
    let b_name = cast.b_tasks[0]
        .units
        .iter()
        .find(|u| u.unit_id == cast.b_unit)
        .unwrap()
        .name
        .clone();
    let paused = chat
        .send(&admin, &format!("/schedule pause nudge {b_name}"))
        .await;
    assert!(text(&paused).contains("已暂停"), "{paused:?}");
    live(&chat, march(1, 8), march(3, 14)).await;
    assert_eq!(count(&chat, B1, "【督办提醒】"), 1);
    assert_eq!(count(&chat, A, "【督办提醒】"), cast.a_tasks.len());
    live(&chat, march(3, 14), march(25, 20)).await;
    assert_eq!(count(&chat, B1, "【催报】"), 0);
    assert_eq!(
        count(&chat, A, "【催报】"),
        2,
        "A reported nothing: nudged on the 23rd and 25th"
    );
    // The reminder of the 18th no longer exists; /remind now sends the period's again.
    assert_eq!(count(&chat, B1, "【督办提醒】"), 1);
    let queued = chat.send(&admin, &format!("/remind now {b_name}")).await;
    assert!(text(&queued).contains("2条提醒"), "{queued:?}");
    step_to(&chat, march(25, 21)).await;
    assert_eq!(count(&chat, B1, "【督办提醒】"), 2);
    assert_eq!(count(&chat, A, "【督办提醒】"), cast.a_tasks.len());
    chat.stop().await.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_to_commands_wait_for_the_same_limiter_as_the_outbox() {
    let db = db().await;
    let limited = Settings {
        send_per_second: 30,
        send_per_chat_per_second: 1,
        send_per_group_per_minute: 20,
        ..settings()
    };
    let mut chat = start(&db.store, limited, None, Clock::manual(march(1, 8))).await;
    let user = chat.user(1001, "张三");
    chat.server.set_rate_limit(Some(RateLimit::telegram()));

    // Three commands at once: Telegram would refuse the second answer within the same second.
    for _ in 0..3 {
        chat.server.send_text(&user, user.id, "/help");
    }
    let answers = chat.expect(user.id, 3).await;

    assert!(answers.iter().all(|a| text(a).starts_with("督办机器人")));
    assert_eq!(chat.server.fault_stats().rate_limited, 0);
    chat.stop().await.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervisors_get_the_bulletin_on_demand_as_text_and_files() {
    let db = db().await;
    let mut chat = start(&db.store, settings(), None, Clock::manual(march(29, 9))).await;
    let cast = cast(&mut chat).await;
    let supervisor = chat.user(LEADER_SUP, "督查一");
    chat.seen_all(LEADER_SUP);

    let refused = chat.send(&cast.a, "/bulletin").await;
    assert!(text(&refused).contains("督查人员和管理员"), "{refused:?}");
    let future = chat.send(&supervisor, "/bulletin 2022-05").await;
    assert_eq!(text(&future), "报告期 2022-05 还没有开始，无法编制通报。");
    let unknown = chat.send(&supervisor, "/bulletin 9").await;
    assert_eq!(text(&unknown), "还没有第9期通报。");

    chat.server.send_text(&supervisor, LEADER_SUP, "/bulletin");
    chat.settle().await;
    let sent = chat.server.sent(LEADER_SUP);
    // After the answers to /start and to the two refused requests.
    let texts: Vec<_> = sent
        .iter()
        .filter(|m| m.document.is_none())
        .skip(3)
        .collect();
    assert!(text(texts[0]).starts_with("<b>济宁市兖州区政府工作报告重点任务落实情况督查通报</b>"));
    assert!(
        texts
            .iter()
            .all(|m| m.parse_mode.as_deref() == Some("HTML"))
    );
    let files: Vec<&str> = sent
        .iter()
        .filter_map(|m| m.document.as_ref())
        .map(|d| d.file_name.as_str())
        .collect();
    assert_eq!(
        files,
        [
            "督查通报第1期-2022-03.docx",
            "督查通报第1期-2022-03.xlsx",
            "督查通报第1期-2022-03.png"
        ]
    );
    assert!(
        sent.iter()
            .filter_map(|m| m.document.as_ref())
            .all(|d| of_its_kind(&d.file_name, &d.bytes))
    );
    chat.stop().await.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulletin_fire_is_recorded_so_the_next_tick_does_not_issue_it_again() {
    let db = db().await;
    let clock = Clock::manual(march(28, 8));
    let mut chat = start(&db.store, settings(), None, clock.clone()).await;
    cast(&mut chat).await;
    // The escalation of 09:00 fires and is recorded at 09:30.
    step_to(&chat, march(28, 9) + Duration::minutes(30)).await;

    // The bulletin fires at 10:00, half an hour after the last record.
    let after = march(28, 10) + Duration::seconds(1);
    step_to(&chat, after).await;
    clock.set(after + Duration::seconds(5));
    tokio::time::sleep(TICK * 5).await;

    assert_eq!(
        chat.store.scheduler_checked_at().await.unwrap(),
        Some(after.timestamp())
    );
    let bulletins = chat.store.outbox(None).await.unwrap();
    let first_parts = bulletins
        .iter()
        .filter(|r| r.key.starts_with("bulletin:") && r.key.ends_with(":1"))
        .count();
    assert_eq!(
        first_parts, 3,
        "one bulletin for each of two supervisors and the admin"
    );
    chat.stop().await.shutdown().await;
}
