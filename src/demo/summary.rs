//! What the demo did, counted from the database it leaves behind (members, outbox, reports)
//! and printed in Chinese.

use super::channel::Platform;
use super::script::{Path as ReplyPath, Script};
use crate::bulletin::Bulletin;
use crate::clock::office_offset;
use crate::progress::Light;
use crate::store::{ReportFilter, ReportState, Role, Store, TaskView};
use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;

/// Scheduled messages of one kind that were sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fanout {
    /// Messages (a long list counts each of its parts).
    pub messages: usize,
    /// Chats they went to.
    pub chats: usize,
    /// Units they were about (reminders and nudges).
    pub units: usize,
}

/// The period's reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reports {
    /// Every row stored, corrected ones included.
    pub stored: usize,
    pub active: usize,
    /// Replaced by a correction (修改).
    pub corrected: usize,
    pub withdrawn: usize,
    /// Sent back by a supervisor or admin (退回).
    pub returned: usize,
    /// Active reports stored by the end of the due day, and after it.
    pub on_time: usize,
    pub late: usize,
    /// Active reports by light.
    pub blue: usize,
    pub yellow: usize,
    pub red: usize,
    pub done: usize,
    pub unlabelled: usize,
    /// Units with an active report.
    pub units: usize,
}

/// What the supervision office did: reports sent back (and answered again), extensions
/// approved, tasks closed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CycleCounts {
    pub returned: usize,
    pub answered: usize,
    pub extended: usize,
    pub closed: usize,
    /// Items beyond the notice (督办件), their reminders sent and reports stored.
    pub items: usize,
    pub item_reminders: usize,
    pub item_reports: usize,
}

/// The bulletin the demo wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulletinFacts {
    pub number: u32,
    pub period: String,
    /// Tasks with a report of a host unit, and without.
    pub reported: usize,
    pub unreported: usize,
    /// People the scheduler sent it to in chat.
    pub recipients: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The chat platform the people used.
    pub platform: Platform,
    pub out_dir: PathBuf,
    /// Files written, the database first.
    pub files: Vec<PathBuf>,
    pub seconds: f64,
    /// The simulated span (Beijing time when printed).
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub tasks: usize,
    /// Units of the matrix, and those hosting a task.
    pub units: usize,
    pub host_units: usize,
    pub contacts: usize,
    pub supervisors: usize,
    pub admins: usize,
    pub reminders: Fanout,
    pub nudges: Fanout,
    pub escalations: Fanout,
    pub reports: Reports,
    pub cycle: CycleCounts,
    /// How the reports reached the bot (from the script): path name and count.
    pub paths: Vec<(&'static str, usize)>,
    pub bulletin: Option<BulletinFacts>,
    /// Messages in the transcript: the bot's, and the simulated people's texts.
    pub bot_messages: usize,
    pub user_messages: usize,
    /// Everything that went wrong; empty when the demo went through.
    pub failures: Vec<String>,
}

/// The first moment after `due` (its next midnight, Beijing time), in unix seconds.
pub fn late_after(due: NaiveDate) -> i64 {
    let next = due.checked_add_days(Days::new(1)).unwrap_or(due);
    office_offset()
        .from_local_datetime(&next.and_hms_opt(0, 0, 0).expect("midnight"))
        .single()
        .map_or(i64::MAX, |t| t.timestamp())
}

/// The sent outbox rows whose key starts with `kind:`, with the key's parts.
fn fanout(rows: &[crate::store::OutboxEntry], kind: &str, unit_part: Option<usize>) -> Fanout {
    let prefix = format!("{kind}:");
    let rows: Vec<_> = rows
        .iter()
        .filter(|r| r.state == "sent" && r.key.starts_with(&prefix))
        .collect();
    let chats: BTreeSet<i64> = rows.iter().map(|r| r.chat_id).collect();
    let units: BTreeSet<&str> = match unit_part {
        Some(i) => rows
            .iter()
            .filter_map(|r| r.key.split(':').nth(i))
            .collect(),
        None => BTreeSet::new(),
    };
    Fanout {
        messages: rows.len(),
        chats: chats.len(),
        units: units.len(),
    }
}

/// Counts everything from the database. `period` is the demo's period, `due` its due date.
pub async fn collect(
    store: &Store,
    script: &Script,
    tasks: &[TaskView],
    period: &str,
    due: NaiveDate,
    config_admins: &[i64],
    bulletin: Option<&Bulletin>,
) -> anyhow::Result<Summary> {
    let members = store.members(None).await?;
    let count = |role: Role| members.iter().filter(|m| m.role == role).count();
    let admins = count(Role::Admin)
        + config_admins
            .iter()
            .filter(|id| !members.iter().any(|m| m.user_id == **id))
            .count();
    let outbox = store.outbox(None).await?;
    let all = store
        .reports(&ReportFilter {
            period: Some(period.to_owned()),
            ..ReportFilter::default()
        })
        .await?;
    let late_after = late_after(due);
    let mut reports = Reports {
        stored: all.len(),
        ..Reports::default()
    };
    let mut reporting_units = BTreeSet::new();
    for r in &all {
        match r.state {
            ReportState::Corrected => reports.corrected += 1,
            ReportState::Withdrawn => reports.withdrawn += 1,
            ReportState::Returned => reports.returned += 1,
            ReportState::Active => {
                reports.active += 1;
                reporting_units.insert(r.unit_id);
                if r.created_at < late_after {
                    reports.on_time += 1;
                } else {
                    reports.late += 1;
                }
                match r.light {
                    Some(Light::Blue) => reports.blue += 1,
                    Some(Light::Yellow) => reports.yellow += 1,
                    Some(Light::Red) => reports.red += 1,
                    Some(Light::Done) => reports.done += 1,
                    None => reports.unlabelled += 1,
                }
            }
        }
    }
    reports.units = reporting_units.len();
    let returned: Vec<_> = all
        .iter()
        .filter(|r| r.state == ReportState::Returned)
        .collect();
    let cycle = CycleCounts {
        returned: returned.len(),
        answered: returned
            .iter()
            .filter(|r| {
                all.iter().any(|later| {
                    later.id > r.id && later.task_id == r.task_id && later.unit_id == r.unit_id
                })
            })
            .count(),
        extended: store.extensions(period, true).await?.len(),
        closed: store
            .task_states(period)
            .await?
            .values()
            .filter(|s| s.state == crate::progress::TaskState::Closed)
            .count(),
        items: store.items().await?.len(),
        item_reminders: outbox
            .iter()
            .filter(|r| r.state == "sent" && r.key.starts_with("item:"))
            .count(),
        item_reports: all.iter().filter(|r| r.item).count(),
    };
    let mut paths = Vec::new();
    for path in [
        ReplyPath::ReplyToReminder,
        ReplyPath::Command,
        ReplyPath::LightButton,
        ReplyPath::OpenTask,
    ] {
        let n = script.reports.iter().filter(|r| r.path == path).count();
        if n > 0 {
            paths.push((path.name(), n));
        }
    }
    let recipients: BTreeSet<i64> = outbox
        .iter()
        .filter(|r| r.state == "sent" && r.key.starts_with(&format!("bulletin:{period}:")))
        .map(|r| r.chat_id)
        .collect();
    let units: BTreeSet<i64> = tasks
        .iter()
        .flat_map(|t| t.units.iter().map(|u| u.unit_id))
        .collect();
    let hosts: BTreeSet<i64> = tasks
        .iter()
        .flat_map(|t| t.hosts().map(|u| u.unit_id))
        .collect();
    Ok(Summary {
        platform: Platform::default(),
        out_dir: PathBuf::new(),
        files: Vec::new(),
        seconds: 0.0,
        from: super::start(),
        to: super::end(),
        tasks: tasks.len(),
        units: units.len(),
        host_units: hosts.len(),
        contacts: count(Role::Contact),
        supervisors: count(Role::Supervisor),
        admins,
        // reminder:PERIOD:UNIT:CHAT:…, nudge:PERIOD:DAY:UNIT:CHAT:…, escalation:PERIOD:DAY:CHAT:…
        reminders: fanout(&outbox, "reminder", Some(2)),
        nudges: fanout(&outbox, "nudge", Some(3)),
        escalations: fanout(&outbox, "escalation", None),
        reports,
        cycle,
        paths,
        bulletin: bulletin.map(|b| BulletinFacts {
            number: b.number,
            period: b.period.clone(),
            reported: b.totals.reported,
            unreported: b.totals.unreported,
            recipients: recipients.len(),
        }),
        bot_messages: 0,
        user_messages: 0,
        failures: Vec::new(),
    })
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = if self.failures.is_empty() {
            "演示完成"
        } else {
            "演示未能全部完成"
        };
        writeln!(
            f,
            "{status}：模拟 {} 至 {}（北京时间），用时 {:.1} 秒。",
            super::beijing(self.from),
            super::beijing(self.to),
            self.seconds
        )?;
        writeln!(
            f,
            "  单位：{} 个承办单位（其中 {} 个主办任务），{} 项任务",
            self.units, self.host_units, self.tasks
        )?;
        writeln!(
            f,
            "  人员：联络员 {} 人，督查 {} 人，管理员 {} 人（均为模拟用户）",
            self.contacts, self.supervisors, self.admins
        )?;
        writeln!(
            f,
            "  提醒：{} 条，发给 {} 个主办单位的联络员（3月18日）",
            self.reminders.messages, self.reminders.units
        )?;
        let r = &self.reports;
        writeln!(
            f,
            "  进展报告：存储 {} 条，有效 {} 条（🔵蓝 {}、🟡黄 {}、🔴红 {}、✅完成 {}{}），\
             来自 {} 个单位；按时 {} 条，逾期 {} 条；更正 {} 次",
            r.stored,
            r.active,
            r.blue,
            r.yellow,
            r.red,
            r.done,
            if r.unlabelled > 0 {
                format!("、未标注 {}", r.unlabelled)
            } else {
                String::new()
            },
            r.units,
            r.on_time,
            r.late,
            r.corrected
        )?;
        if !self.paths.is_empty() {
            let paths: Vec<String> = self
                .paths
                .iter()
                .map(|(name, n)| format!("{name} {n}"))
                .collect();
            writeln!(f, "  报送方式：{}", paths.join("，"))?;
        }
        writeln!(
            f,
            "  催报：{} 条，{} 个单位（3月23日、25日）",
            self.nudges.messages, self.nudges.units
        )?;
        writeln!(
            f,
            "  督促：{} 条，发给 {} 位督查和管理员（截止日后，3月28日）",
            self.escalations.messages, self.escalations.chats
        )?;
        let c = &self.cycle;
        writeln!(
            f,
            "  督办：退回 {} 条（已重新报送 {} 条），延期 {} 项，办结 {} 项；督办件 {} 件（提醒 {} 条，报送 {} 条）",
            c.returned, c.answered, c.extended, c.closed, c.items, c.item_reminders, c.item_reports
        )?;
        match &self.bulletin {
            Some(b) => writeln!(
                f,
                "  通报：第{}期（{}），已报送 {} 项、未报送 {} 项，机器人已发给 {} 人（3月28日）",
                b.number, b.period, b.reported, b.unreported, b.recipients
            )?,
            None => writeln!(f, "  通报：未能编制")?,
        }
        writeln!(
            f,
            "  对话（{}）：机器人发出 {} 条消息，模拟用户发送 {} 条",
            self.platform.name(),
            self.bot_messages,
            self.user_messages
        )?;
        let names: Vec<String> = self
            .files
            .iter()
            .map(|p| {
                p.file_name()
                    .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into())
            })
            .collect();
        writeln!(
            f,
            "  文件（{}/）：{}",
            self.out_dir.display().to_string().trim_end_matches('/'),
            names.join("、")
        )?;
        if !self.failures.is_empty() {
            writeln!(f, "  失败 {} 处：", self.failures.len())?;
            for failure in &self.failures {
                writeln!(f, "    - {failure}")?;
            }
        }
        Ok(())
    }
}
