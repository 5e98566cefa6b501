//! `duban demo`: the whole loop offline, in well under a minute. The seed notice goes into a
//! fresh SQLite database; the real service (chat loop, scheduler, outbox sender) runs against
//! the local Telegram Bot API server or the local DingTalk server (`--channel dingtalk`) on a
//! manual clock; simulated people bind with invite codes and
//! live through March 2022 — reminders on the 18th, replies with figures, a correction,
//! nudges on the 23rd and 25th, escalation after the due date, the bulletin on the 28th.
//! Then the bulletin files and the whole chat as `transcript.html` are written, and the
//! numbers counted from the database.
//!
//! - [`script`]: who takes part and what they do when (pure, seeded);
//! - [`channel`]: the platform's local server, as the people and the transcript see it;
//! - [`driver`]: moves the clock from stop to stop and acts as the people;
//! - [`transcript`]: the chats as one HTML page;
//! - [`summary`]: the numbers, from the database.
//!
//! The clock jumps from stop to stop (every morning, and whenever someone answers) instead of
//! running at a fixed speed: each stop waits until the scheduler has handled the new time and
//! every answer has arrived, so the story is the same on a loaded machine, a report written
//! "on the 25th" is stored on the 25th, and a correction falls inside its 30-minute window.

pub mod channel;
mod cycle;
pub mod driver;
pub mod script;
pub mod summary;
pub mod transcript;

use crate::bulletin::render::{docx, markdown, png, xlsx};
use crate::bulletin::{Bulletin, compile};
use crate::clock::{Clock, office_offset};
use crate::commands::{import, load_directory, open_store, read_notice};
use crate::config::Settings;
use crate::conversation::invites;
use crate::store::{InviteSpec, Named, ReportFilter, ReportState, Store, TaskSelection};
use anyhow::{Context, Result};
use channel::Channel;
pub use channel::Platform;
use chrono::{DateTime, Utc};
use driver::{Driver, Move, Seen};
use script::{ADMIN, Role, Script, Timing, march};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
pub use summary::Summary;

/// The period the demo lives through.
pub const PERIOD: &str = "2022-03";
/// How often the scheduler looks at the clock (real time).
const TICK: Duration = Duration::from_millis(10);

/// Where the simulated clock starts: 1 March 2022, 08:00 Beijing time.
pub fn start() -> DateTime<Utc> {
    march(1, 8, 0)
}

/// Where the demo ends: just after the bulletin of the 28th, 10:00.
pub fn end() -> DateTime<Utc> {
    march(28, 10, 1)
}

/// When the people bind.
fn bind_time() -> DateTime<Utc> {
    march(1, 9, 30)
}

/// `2022-03-18 14:30` in Beijing time.
pub fn beijing(t: DateTime<Utc>) -> String {
    t.with_timezone(&office_offset())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Where the database, the bulletin files and the transcript go (`out/demo` for the CLI).
    pub out_dir: PathBuf,
    pub notice: PathBuf,
    /// The unit directory and the holiday calendar.
    pub directory: PathBuf,
    pub calendar: PathBuf,
    /// Only this many units get a contact (host units first): a smaller, faster demo.
    pub units: Option<usize>,
    /// The chat platform the people use.
    pub platform: Platform,
}

impl Options {
    /// The seed notice, unit directory and calendar under `root` (the repository).
    pub fn seeds(root: &Path, out_dir: impl Into<PathBuf>) -> Options {
        Options {
            out_dir: out_dir.into(),
            notice: root.join("seeds/yanzhou-2022-task-notice.txt"),
            directory: root.join("seeds/yanzhou-units.toml"),
            calendar: root.join("seeds/holidays-cn-2022.toml"),
            units: None,
            platform: Platform::Telegram,
        }
    }
}

/// Where the demo is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The simulated time.
    pub at: DateTime<Utc>,
    /// Stops done, of all.
    pub step: usize,
    pub steps: usize,
    /// The bot's messages so far, by kind.
    pub seen: Seen,
}

/// What the demo tells its caller while it runs.
#[derive(Debug)]
pub enum Event<'a> {
    /// The notice is imported: the import summary, as `duban import` prints it.
    Imported(&'a str),
    /// A stop of the simulated clock is done.
    Progress(&'a Progress),
}

/// The demo's settings: the defaults (the schedules the script is written for), the demo's
/// admin on the channel's platform, and no send caps (the local servers have no flood limits;
/// with Telegram's 1 message a second per chat the month would take minutes).
fn settings(options: &Options, database_url: &str, channel: &Channel) -> Settings {
    let mut settings = Settings {
        database_url: database_url.to_owned(),
        directory: options.directory.clone(),
        calendar: options.calendar.clone(),
        send_per_second: 0,
        send_per_chat_per_second: 0,
        send_per_group_per_minute: 0,
        ..Settings::default()
    };
    channel.configure(&mut settings);
    settings
}

/// Runs the demo into `options.out_dir`. An error means it could not run at all (a missing
/// seed file, a database that cannot be written); what went wrong while it ran is listed in
/// [`Summary::failures`].
pub async fn run(options: &Options, on_event: &mut dyn FnMut(Event<'_>)) -> Result<Summary> {
    let started = Instant::now();
    let out = &options.out_dir;
    let db = fresh_database(out)?;
    let directory = load_directory(&options.directory)?;
    let matrix = read_notice(&options.notice, &directory)?;
    let url = format!("sqlite://{}", db.display());
    let store = open_store(&url).await?;
    let outcome = store.import_matrix(&matrix).await?;
    let imported = format!(
        "{}{}",
        import::summary(&matrix),
        import::outcome_text(&outcome)
    );
    on_event(Event::Imported(&imported));
    let tasks = store.tasks(outcome.notice_id, TaskSelection::All).await?;
    let script = script::script(&tasks, options.units);
    let channel = Channel::start(options.platform).await?;
    let settings = settings(options, &url, &channel);
    let clock = Clock::manual(start());
    let platforms = channel.platforms(&settings);
    let service =
        crate::service::start_on(store.clone(), clock.clone(), &settings, platforms, TICK)
            .await
            .context("无法启动演示用的机器人")?;
    let admin = channel.chat_id(&store, ADMIN).await?;
    let mut driver = Driver::new(channel, store.clone(), clock.clone(), &script);
    let lived = live(&mut driver, &script, on_event).await;
    if let Err(e) = service.stop().await {
        driver.failures.push(format!("机器人未能正常停止：{e:#}"));
    }
    lived?;
    driver.stamp();
    let mut failures = std::mem::take(&mut driver.failures);
    failures.extend(check(&driver, &script, admin).await?);

    // The bulletin, as the scheduler numbered it on the 28th.
    let today = end().with_timezone(&office_offset()).date_naive();
    let bulletin = match compile(&store, &settings, Some(PERIOD), today, clock.unix()).await? {
        Ok(b) => Some(b),
        Err(refusal) => {
            let refusal = crate::wording::texts::bulletin_refused(&refusal);
            failures.push(format!("无法编制通报：{refusal}"));
            None
        }
    };
    let mut files = vec![db.clone()];
    if let Some(b) = &bulletin {
        write_bulletin(out, b, &mut files, &mut failures)?;
    }
    let due = bulletin.as_ref().map_or_else(
        || crate::progress::due_date(settings.cycle, today, settings.due_day),
        |b| b.due,
    );
    let mut summary = summary::collect(
        &store,
        &script,
        &tasks,
        PERIOD,
        due,
        &[admin],
        bulletin.as_ref(),
    )
    .await?;
    store.close().await;
    let sent = driver.channel.all_messages(&script.people);
    summary.out_dir = out.clone();
    summary.platform = options.platform;
    summary.bot_messages = driver.channel.sent_count();
    summary.user_messages = driver.user_messages;
    summary.failures = failures;
    files.push(out.join("transcript.html"));
    summary.files = files;
    summary.seconds = started.elapsed().as_secs_f64();

    let names: Vec<String> = summary
        .files
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let notes = notes(&script);
    let overview = summary.to_string();
    let accounts: HashMap<i64, String> = script
        .people
        .iter()
        .map(|p| (p.id, driver.channel.account(p.id)))
        .collect();
    let page = transcript::Page {
        people: &script.people,
        notes: &notes,
        entries: &driver.entries,
        sent: &sent,
        platform: options.platform,
        accounts: &accounts,
        files: &names,
        overview: &overview,
    };
    let html = transcript::render(&page);
    let transcript = out.join("transcript.html");
    std::fs::write(&transcript, html)
        .with_context(|| format!("无法写入 {}", transcript.display()))?;
    driver.channel.shutdown().await;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Creates `out` if need be and removes the database of the previous run; returns its path.
fn fresh_database(out: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(out).with_context(|| format!("无法创建目录 {}", out.display()))?;
    let db = out.join("duban.db");
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", db.display()));
        if file.exists() {
            std::fs::remove_file(&file)
                .with_context(|| format!("无法删除上次演示的数据库 {}", file.display()))?;
        }
    }
    Ok(db)
}

/// The bulletin as Markdown, HTML, Word, Excel and the PNG chart, named as the bot names its
/// attachments (督查通报第1期-2022-03.docx).
fn write_bulletin(
    out: &Path,
    b: &Bulletin,
    files: &mut Vec<PathBuf>,
    failures: &mut Vec<String>,
) -> Result<()> {
    let base = crate::wording::texts::bulletin_file_name(b.number, &b.period);
    write(out, &format!("{base}.md"), markdown::markdown(b), files)?;
    write(out, &format!("{base}.html"), markdown::html(b), files)?;
    write(out, &format!("{base}.docx"), docx::docx(b)?, files)?;
    write(out, &format!("{base}.xlsx"), xlsx::xlsx(b)?, files)?;
    match png::png(b) {
        Ok(bytes) => write(out, &format!("{base}.png"), bytes, files)?,
        Err(e) => failures.push(format!("通报图表（PNG）生成失败：{e:#}")),
    }
    Ok(())
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>, files: &mut Vec<PathBuf>) -> Result<()> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).with_context(|| format!("无法写入 {}", path.display()))?;
    files.push(path);
    Ok(())
}

/// Every stop of the clock: binding on the 1st, each morning just after the 09:00 schedules,
/// each visit, and the end after the bulletin. Stops are at least an hour apart, so the scheduler
/// records each one.
fn stops(script: &Script) -> Vec<DateTime<Utc>> {
    let mut stops = BTreeSet::from([bind_time(), end()]);
    for day in 2..=28 {
        stops.insert(march(day, 9, 1));
    }
    stops.extend(script.visits.iter().map(|v| v.at));
    stops.extend(cycle::stops());
    stops.into_iter().collect()
}

async fn live(
    driver: &mut Driver,
    script: &Script,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<()> {
    let stops = stops(script);
    for (i, at) in stops.iter().enumerate() {
        if let Err(e) = driver.step_to(*at).await {
            driver.failures.push(e);
            break;
        }
        if *at == bind_time() {
            bind(driver, script).await?;
        }
        let sequences: Vec<(i64, Vec<Move>)> = script
            .visits
            .iter()
            .filter(|v| v.at == *at)
            .map(|v| {
                let moves = v
                    .reports
                    .iter()
                    .flat_map(|r| driver::report_moves(&script.reports[*r]))
                    .collect();
                (v.contact, moves)
            })
            .collect();
        driver.act(sequences).await;
        if let Err(e) = cycle::act(driver, script, *at).await {
            driver.failures.push(format!("{e:#}"));
        }
        on_event(Event::Progress(&Progress {
            at: *at,
            step: i + 1,
            steps: stops.len(),
            seen: driver.seen,
        }));
    }
    Ok(())
}

/// Invites every supervisor and contact (as `duban invite` does) and has them send
/// `/start CODE` (on DingTalk `绑定 CODE`); the admin, named in the settings, says /help.
async fn bind(driver: &mut Driver, script: &Script) -> Result<()> {
    let now = driver.clock.unix();
    let mut sequences = vec![(
        ADMIN,
        vec![Move::Text {
            text: "/help".into(),
            reply: None,
            expect: None,
        }],
    )];
    for person in &script.people {
        let (role, unit, leader) = match &person.role {
            Role::Admin => continue,
            Role::Contact { unit_id, unit } => (
                crate::store::Role::Contact,
                Some(Named {
                    id: *unit_id,
                    name: unit.clone(),
                }),
                None,
            ),
            Role::Supervisor { leader } => (
                crate::store::Role::Supervisor,
                None,
                driver.store.leader_named(leader).await?,
            ),
        };
        let spec = InviteSpec {
            role,
            unit,
            leader,
            expires_at: now + 7 * 86_400,
            created_by: "cli".into(),
        };
        let code = invites::create(&driver.store, &spec, now).await?;
        // (the item is created below, once everyone is invited)
        sequences.push((
            person.id,
            vec![Move::Text {
                text: driver.channel.platform().bind_text(&code),
                reply: None,
                expect: Some("绑定成功".into()),
            }],
        ));
    }
    driver.act(sequences).await;
    // The office gives one unit an item beyond the notice (督办件), as `duban item add` does.
    cycle::add_item(&driver.store, script, now).await
}

/// What must be true at the end, checked against the database and the chats. `admin` is the
/// admin's chat id.
async fn check(driver: &Driver, script: &Script, admin: i64) -> Result<Vec<String>> {
    let store: &Store = &driver.store;
    let mut failures = Vec::new();
    let all = store
        .reports(&ReportFilter {
            period: Some(PERIOD.into()),
            ..ReportFilter::default()
        })
        .await?;
    // The item beyond the notice is answered once, outside the script's reports.
    let (on_item, reports): (Vec<_>, Vec<_>) = all.into_iter().partition(|r| r.item);
    if script.cycle.item.is_some() && on_item.len() != 1 {
        failures.push(format!(
            "督办件应有 1 条报告，数据库中有 {} 条",
            on_item.len()
        ));
    }
    for planned in &script.reports {
        let stored = reports.iter().any(|r| {
            r.state == ReportState::Active
                && r.unit_id == planned.unit_id
                && r.task_id == planned.task_id
                && r.light == Some(planned.light)
        });
        if !stored {
            failures.push(format!(
                "第{}项（用户 {}）的报告没有存下",
                planned.task_number, planned.contact
            ));
        }
    }
    let active = reports
        .iter()
        .filter(|r| r.state == ReportState::Active)
        .count();
    let corrections = script
        .reports
        .iter()
        .filter(|r| r.correction.is_some())
        .count();
    // A report sent back is answered by a new one.
    let returned = reports
        .iter()
        .filter(|r| r.state == ReportState::Returned)
        .count();
    let expected = script.reports.len() + corrections + returned;
    if active != script.reports.len() || reports.len() != expected {
        failures.push(format!(
            "数据库中有 {} 条报告（有效 {active} 条），脚本发出 {} 条、更正 {corrections} 次、退回 {returned} 次",
            reports.len(),
            script.reports.len()
        ));
    }
    if script.cycle.returned.is_some() && returned != 1 {
        failures.push(format!("应有 1 条报告被退回，数据库中有 {returned} 条"));
    }
    let outbox = store.outbox(None).await?;
    for row in outbox.iter().filter(|r| r.state != "sent") {
        failures.push(format!(
            "定时消息 {} 未发出（{}：{}）",
            row.key,
            row.state,
            row.last_error.as_deref().unwrap_or("")
        ));
    }
    let has = |prefix: String| outbox.iter().any(|r| r.key.starts_with(&prefix));
    for unit in script.hosts.iter().filter(|h| h.contact.is_some()) {
        if !has(format!("reminder:{PERIOD}:{}:", unit.unit_id)) {
            failures.push(format!("{}没有收到提醒", unit.name));
        }
        let on_time = script
            .reports
            .iter()
            .filter(|r| r.unit_id == unit.unit_id && r.host && r.timing == Timing::OnTime)
            .count();
        if on_time < unit.hosted && !has(format!("nudge:{PERIOD}:2022-03-23:{}:", unit.unit_id)) {
            failures.push(format!("{}有任务未报送，却没有收到催报", unit.name));
        }
    }
    let silent = script
        .hosts
        .iter()
        .any(|h| h.contact.is_none() || h.timing == Timing::Silent);
    if silent && !has(format!("escalation:{PERIOD}:2022-03-28:{admin}:")) {
        failures.push("有任务全期未报送，管理员却没有收到督促".into());
    }
    let readers = script
        .people
        .iter()
        .filter(|p| matches!(p.role, Role::Admin | Role::Supervisor { .. }));
    for reader in readers {
        let sent = driver.channel.messages(reader.id);
        let files: Vec<&str> = sent
            .iter()
            .filter_map(|m| m.attachment.as_ref()?.name.as_deref())
            .collect();
        let text = sent.iter().any(|m| m.is_bulletin());
        let expected = [
            format!("督查通报第1期-{PERIOD}.docx"),
            format!("督查通报第1期-{PERIOD}.xlsx"),
        ];
        if !text || !expected.iter().all(|f| files.contains(&f.as_str())) {
            failures.push(format!(
                "{}（{}）没有收到第1期通报",
                reader.name,
                reader.title()
            ));
        }
    }
    let states = store.task_states(PERIOD).await?;
    if let Some(i) = script.cycle.closed {
        let task = script.reports[i].task_id;
        if states
            .get(&task)
            .is_none_or(|s| s.state != crate::progress::TaskState::Closed)
        {
            failures.push(format!(
                "第{}项确认后没有办结",
                script.reports[i].task_number
            ));
        }
    }
    if let Some(i) = script.cycle.extended {
        let approved = store.extensions(PERIOD, true).await?;
        if !approved
            .iter()
            .any(|e| e.task_id == script.reports[i].task_id)
        {
            failures.push(format!(
                "第{}项的延期申请没有批准",
                script.reports[i].task_number
            ));
        }
    }
    let failed = store.inbox_failed().await?;
    for item in failed {
        failures.push(format!("更新 {} 处理失败", item.update_id));
    }
    Ok(failures)
}

/// A note per contact for the transcript's picker: how their unit behaves this period.
fn notes(script: &Script) -> HashMap<i64, String> {
    let mut notes = HashMap::new();
    for person in &script.people {
        let Role::Contact { unit_id, .. } = &person.role else {
            continue;
        };
        let note = match script.hosts.iter().find(|h| h.unit_id == *unit_id) {
            Some(host) => format!("主办{}项 · {}", host.hosted, host.timing.name()),
            None => "协办单位".to_owned(),
        };
        notes.insert(person.id, note);
    }
    notes
}
