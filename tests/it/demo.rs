//! `duban demo` as the library runs it, into a temporary directory: March 2022 lived by the
//! whole service with simulated people. Its summary must agree with the database it leaves
//! behind, its files must be there, and a second run must tell the same story.

use chrono::NaiveDate;
use duban::demo::summary::late_after;
use duban::demo::{self, Event, Options, Platform, Summary};
use duban::progress::Light;
use duban::store::{Report, ReportFilter, ReportState, Role, Store};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

async fn run_demo(out: PathBuf, units: Option<usize>) -> Summary {
    run_on(Platform::Telegram, out, units).await
}

async fn run_on(platform: Platform, out: PathBuf, units: Option<usize>) -> Summary {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let options = Options {
        units,
        platform,
        ..Options::seeds(root, out)
    };
    let mut imported = false;
    let mut steps = Vec::new();
    let summary = demo::run(&options, &mut |event| match event {
        Event::Imported(text) => imported = text.contains("71项任务"),
        Event::Progress(p) => steps.push((p.step, p.steps, p.at)),
    })
    .await
    .unwrap();
    assert!(imported);
    // The progress goes forward, in simulated time too, to the last stop.
    assert!(steps.windows(2).all(|w| w[0].0 < w[1].0 && w[0].2 < w[1].2));
    let (step, steps, _) = *steps.last().unwrap();
    assert_eq!(step, steps);
    summary
}

async fn open(out: &Path) -> Store {
    Store::connect(&format!("sqlite://{}", out.join("duban.db").display()))
        .await
        .unwrap()
}

async fn reports(store: &Store) -> Vec<Report> {
    store
        .reports(&ReportFilter {
            period: Some("2022-03".into()),
            ..ReportFilter::default()
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_lives_through_march_and_its_summary_agrees_with_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let summary = run_demo(out.clone(), None).await;
    assert!(summary.failures.is_empty(), "{summary}");
    assert!(summary.to_string().starts_with("演示完成"), "{summary}");

    let store = open(&out).await;
    // People: a contact for every unit, a supervisor for every lead leader, the admin.
    let members = store.members(None).await.unwrap();
    let count = |role: Role| members.iter().filter(|m| m.role == role).count();
    assert_eq!(summary.units, 58);
    assert_eq!(summary.contacts, count(Role::Contact));
    assert_eq!(summary.contacts, 58);
    assert_eq!(summary.supervisors, count(Role::Supervisor));
    assert!(summary.supervisors >= 5, "{summary}");
    assert_eq!(summary.admins, 1);

    // Reports, by state, light and time.
    let all = reports(&store).await;
    let active: Vec<&Report> = all
        .iter()
        .filter(|r| r.state == ReportState::Active)
        .collect();
    let r = &summary.reports;
    assert_eq!(r.stored, all.len());
    assert_eq!(r.active, active.len());
    let lights = |light: Light| active.iter().filter(|r| r.light == Some(light)).count();
    assert_eq!(
        (r.blue, r.yellow, r.red, r.done),
        (
            lights(Light::Blue),
            lights(Light::Yellow),
            lights(Light::Red),
            lights(Light::Done)
        )
    );
    assert!(
        r.blue > 0 && r.yellow > 0 && r.red > 0 && r.done > 0,
        "{summary}"
    );
    assert_eq!(r.unlabelled, 0);
    assert_eq!(r.corrected, 1);
    let corrected = all
        .iter()
        .find(|r| r.state == ReportState::Corrected)
        .unwrap();
    let correction = active
        .iter()
        .find(|r| r.corrects == Some(corrected.id))
        .unwrap();
    assert!(correction.text.starts_with("更正："), "{correction:?}");
    let due_end = late_after(NaiveDate::from_ymd_opt(2022, 3, 25).unwrap());
    let late = active.iter().filter(|r| r.created_at >= due_end).count();
    assert_eq!((r.on_time, r.late), (active.len() - late, late));
    assert!(r.late > 0 && r.on_time > r.late, "{summary}");
    // Figures were read against the targets.
    assert!(active.iter().any(|r| !r.figures.is_empty()));

    // Scheduled messages, all sent.
    let outbox = store.outbox(None).await.unwrap();
    assert!(outbox.iter().all(|row| row.state == "sent"));
    let rows = |prefix: &str| {
        outbox
            .iter()
            .filter(|row| row.key.starts_with(prefix))
            .count()
    };
    assert_eq!(summary.reminders.messages, rows("reminder:2022-03:"));
    assert_eq!(summary.reminders.units, summary.host_units);
    assert_eq!(summary.nudges.messages, rows("nudge:2022-03:"));
    assert!(summary.nudges.messages > 0);
    assert_eq!(summary.escalations.messages, rows("escalation:2022-03:"));
    assert!(summary.escalations.messages > 0);

    // The bulletin: number 1, for March, to every supervisor and the admin.
    let bulletin = summary.bulletin.clone().unwrap();
    assert_eq!(bulletin.number, 1);
    assert_eq!(
        store.bulletin_period(1).await.unwrap().as_deref(),
        Some("2022-03")
    );
    assert_eq!(bulletin.recipients, summary.supervisors + summary.admins);
    let reported: BTreeSet<i64> = active.iter().map(|r| r.task_id).collect();
    assert!(bulletin.reported <= reported.len());
    assert_eq!(bulletin.reported + bulletin.unreported, summary.tasks);
    store.close().await;

    // The files, each non-empty and of its kind.
    let names: Vec<String> = summary
        .files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for name in [
        "duban.db",
        "督查通报第1期-2022-03.md",
        "督查通报第1期-2022-03.docx",
        "督查通报第1期-2022-03.xlsx",
        "督查通报第1期-2022-03.png",
        "transcript.html",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    for file in &summary.files {
        let bytes = std::fs::read(file).unwrap();
        assert!(!bytes.is_empty(), "{}", file.display());
        match file.extension().and_then(|e| e.to_str()) {
            Some("docx" | "xlsx") => assert!(bytes.starts_with(b"PK")),
            Some("png") => assert!(bytes.starts_with(b"\x89PNG")),
            _ => {}
        }
    }
    let md = std::fs::read_to_string(out.join("督查通报第1期-2022-03.md")).unwrap();
    assert!(md.contains("第1期"), "{md}");
    // The supervision cycle: a report sent back and answered again, an extension, a closed task
    // — in the summary, the database, the bulletin and the chats.
    let c = summary.cycle;
    assert_eq!(
        (c.returned, c.answered, c.extended, c.closed),
        (1, 1, 1, 1),
        "{summary}"
    );
    assert_eq!(summary.reports.returned, 1);
    // One item beyond the notice, reminded weekly (1, 8, 15, 22 March) and answered once.
    assert_eq!(
        (c.items, c.item_reminders, c.item_reports),
        (1, 4, 1),
        "{summary}"
    );
    assert!(
        summary
            .to_string()
            .contains("督办：退回 1 条（已重新报送 1 条），延期 1 项，办结 1 项")
    );
    for heading in [
        "、已办结",
        "、延期",
        "、退回",
        "已重新报送",
        "、督办件",
        "督-1",
    ] {
        assert!(md.contains(heading), "{heading} not in the bulletin");
    }

    // The transcript: both sides of the chats, the three ways of reporting, the follow-up.
    transcript_shows(
        &out,
        &[
            "绑定成功：您是联络员（区科技局）",
            "【督办提醒】",
            "【催报】",
            "【督促】",
            "已记录第",
            "已更正第",
            "/report ",
            "回复：【督办提醒】",
            "点击按钮「",
            "督查通报第1期-2022-03.docx",
            "已退回报告 #",
            "【退回】您报送的第",
            "已批准延期申请 #",
            "【延期】您的第",
            "【办结】第",
            "【督办件提醒】督办件督-1（领导批示）",
            "已记录督-1进展",
            "class=\"msg user\"",
            "class=\"msg bot\"",
        ],
    );

    // The same seed tells the same story: same reports, same lights, same texts, same times
    // (the ids may differ: the bot handles the chats of one moment in parallel).
    let again = dir.path().join("again");
    let second = run_demo(again.clone(), None).await;
    assert!(second.failures.is_empty(), "{second}");
    let store = open(&out).await;
    let other = open(&again).await;
    assert_eq!(story(reports(&store).await), story(reports(&other).await));
}

/// A report without its id: when, which task, which unit, light, state, text.
type Told = (i64, i64, i64, Option<&'static str>, String, String);

/// What the reports say, in order of time, without their ids (the bot handles the chats of
/// one moment in parallel, so ids may differ between runs).
fn story(reports: Vec<Report>) -> Vec<Told> {
    let mut story: Vec<_> = reports
        .into_iter()
        .map(|r| {
            let light = r.light.map(|l| l.name());
            let state = format!("{:?}", r.state);
            (r.created_at, r.task_id, r.unit_id, light, state, r.text)
        })
        .collect();
    story.sort();
    story
}

/// The transcript in `out` shows each of `texts`, and no script.
fn transcript_shows(out: &Path, texts: &[&str]) {
    let html = std::fs::read_to_string(out.join("transcript.html")).unwrap();
    for text in texts {
        assert!(html.contains(text), "no {text} in {}", out.display());
    }
    assert!(!html.contains("<script"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_smaller_demo_binds_fewer_contacts_and_still_goes_through() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("small");
    let summary = run_demo(out.clone(), Some(6)).await;
    assert!(summary.failures.is_empty(), "{summary}");
    assert_eq!(summary.contacts, 6);
    // Units without a contact get no reminder; their tasks stay unreported.
    assert!(summary.reminders.units <= 6, "{summary}");
    assert!(summary.reports.active > 0);
    let bulletin = summary.bulletin.unwrap();
    assert!(bulletin.unreported > 0);
    let store = open(&out).await;
    assert_eq!(reports(&store).await.len(), summary.reports.stored);
}

/// The same March on DingTalk: the same story (reports, lights, texts, times), the same
/// summary but for the messages (DingTalk cuts a bulletin into fewer, larger parts), and a
/// transcript with DingTalk's cards, quotes and bind words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_on_dingtalk_tells_the_same_story_with_cards() {
    let dir = tempfile::tempdir().unwrap();
    let (on_telegram, on_dingtalk) = (dir.path().join("telegram"), dir.path().join("dingtalk"));
    let telegram = run_on(Platform::Telegram, on_telegram.clone(), Some(8)).await;
    let dingtalk = run_on(Platform::DingTalk, on_dingtalk.clone(), Some(8)).await;
    assert!(dingtalk.failures.is_empty(), "{dingtalk}");
    assert!(telegram.failures.is_empty(), "{telegram}");
    assert_eq!(dingtalk.platform, Platform::DingTalk);
    assert!(dingtalk.to_string().contains("对话（钉钉）"), "{dingtalk}");
    let comparable = |s: &Summary| Summary {
        platform: Platform::Telegram,
        out_dir: PathBuf::new(),
        files: Vec::new(),
        seconds: 0.0,
        bot_messages: 0,
        ..s.clone()
    };
    assert_eq!(comparable(&dingtalk), comparable(&telegram));
    assert!(dingtalk.reports.active > 0 && dingtalk.reports.corrected == 1);
    assert!(dingtalk.nudges.messages > 0 && dingtalk.escalations.messages > 0);

    let (a, b) = (open(&on_telegram).await, open(&on_dingtalk).await);
    assert_eq!(story(reports(&a).await), story(reports(&b).await));

    transcript_shows(
        &on_dingtalk,
        &[
            "本地钉钉服务器",
            "互动卡片",
            "绑定 ",
            "绑定成功：您是联络员",
            "引用：【督办提醒】",
            "点击按钮「",
            "【催报】",
            "已记录第",
            "已更正第",
            "督查通报第1期-2022-03.docx",
            "userId user",
            "<table>",
        ],
    );
}
