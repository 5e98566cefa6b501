//! What a bulletin (督查通报) says, as plain data: every renderer (Telegram text, Markdown,
//! HTML, Word, Excel, the chart) reads this and nothing else.

use crate::progress::Light;
use chrono::NaiveDate;
use serde::Serialize;

/// One bulletin: a period's state of every task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bulletin {
    /// 第N期.
    pub number: u32,
    /// 2022-03.
    pub period: String,
    /// 兖州区政府工作报告重点任务督查通报.
    pub title: String,
    /// Who issues it (config `issuer`).
    pub issuer: String,
    /// The day it was compiled (Beijing time).
    pub date: NaiveDate,
    /// The period's due date: reports after it are late.
    pub due: NaiveDate,
    /// Share of the year elapsed at the end of the period (序时进度), in percent.
    pub expected_percent: f64,
    pub totals: Totals,
    /// Every current task, by number.
    pub tasks: Vec<TaskStatus>,
    /// Units hosting tasks, best outcomes first.
    pub units: Vec<UnitStatus>,
    /// One view per lead leader, by name.
    pub leaders: Vec<LeaderView>,
    /// Against the previous period's bulletin; `None` for the first.
    pub changes: Option<Changes>,
    /// What the supervision cycle did this period: tasks closed, extensions, reports sent back.
    pub cycle: Cycle,
}

/// 已办结, 延期, 退回: the supervision cycle's period, in the order things happened.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Cycle {
    /// Tasks closed (已办结), by number: in this period or before (a closed task stays so).
    pub closed: Vec<Closed>,
    /// Extensions approved for this period.
    pub extended: Vec<Extended>,
    /// Reports sent back this period.
    pub returned: Vec<Returned>,
    /// Items beyond the notice (督办件), by number.
    pub items: Vec<Item>,
}

/// A 督办件 and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    /// 督-1.
    pub label: String,
    pub text: String,
    /// 领导批示, 会议议定事项 …
    pub source: String,
    pub hosts: Vec<String>,
    pub due: NaiveDate,
    /// 待反馈, 已反馈, 已确认, 已退回, 已办结.
    pub state: String,
    /// The light of its latest host report this period, and when (Beijing time).
    pub light: Option<Light>,
    pub reported_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Closed {
    pub number: u32,
    pub text: String,
    pub hosts: Vec<String>,
    /// The day it was closed (Beijing time).
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Extended {
    pub number: u32,
    pub text: String,
    pub unit: String,
    pub until: NaiveDate,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Returned {
    pub number: u32,
    pub unit: String,
    pub report_id: i64,
    /// The day it was sent back (Beijing time).
    pub on: NaiveDate,
    pub reason: String,
    /// The unit reported again since.
    pub answered: bool,
}

/// 总体情况.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub tasks: usize,
    /// Tasks with a report of a host unit this period.
    pub reported: usize,
    pub unreported: usize,
    /// Reported tasks by the light reported (a report without a light counts as unlabelled).
    pub blue: usize,
    pub yellow: usize,
    pub red: usize,
    pub done: usize,
    pub unlabelled: usize,
}

/// A task's state this period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskStatus {
    pub number: u32,
    pub text: String,
    /// The heading of the notice's section the task is in (`二、聚力制造强区建设，…`), if any.
    pub section: Option<String>,
    pub lead_leaders: Vec<String>,
    pub hosts: Vec<String>,
    pub co_organizers: Vec<String>,
    /// The light of the latest host report.
    pub reported: Option<Light>,
    /// The light the figures give against 序时进度, when the task has figures.
    pub derived: Option<Light>,
    /// The latest report of a host unit.
    pub last_report: Option<LastReport>,
    /// The latest figure reported for each target.
    pub figures: Vec<FigureStatus>,
    /// Host units with no report this period.
    pub silent_hosts: Vec<String>,
    /// 完成时限 as the notice writes it, when it gives one.
    pub deadline: Option<String>,
    /// The deadline's day passed before the period's last day and the task is not 完成:
    /// listed as 逾期未完成.
    pub overdue: bool,
    /// The names of the evidence (佐证材料) its units sent this period, oldest first.
    pub evidence: Vec<String>,
}

impl TaskStatus {
    /// The light to go by: the reported one, else the derived one.
    pub fn light(&self) -> Option<Light> {
        self.reported.or(self.derived)
    }

    /// Reported and derived lights disagree (both known, not equal).
    pub fn disputed(&self) -> bool {
        matches!((self.reported, self.derived), (Some(r), Some(d)) if r != d)
    }

    pub fn is_reported(&self) -> bool {
        self.last_report.is_some()
    }

    /// The host units as the bulletin lists them; 待明确承办单位 for a task without any.
    pub fn hosts_text(&self) -> String {
        if self.hosts.is_empty() {
            crate::matrix::UNASSIGNED.to_owned()
        } else {
            self.hosts.join("、")
        }
    }

    /// Lagging by the report or by the figures (and not done).
    pub fn is_lagging(&self) -> bool {
        let lags = |l: Option<Light>| matches!(l, Some(Light::Yellow | Light::Red));
        self.light() != Some(Light::Done) && (lags(self.reported) || lags(self.derived))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastReport {
    pub unit: String,
    pub text: String,
    /// Unix seconds.
    pub at: i64,
    /// After the due date.
    pub late: bool,
}

/// A figure against its target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FigureStatus {
    pub metric: String,
    pub value: f64,
    pub target: f64,
    pub unit: String,
    /// value / target × 100.
    pub percent: f64,
}

/// A host unit's outcomes, for the ranking (never chat activity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitStatus {
    pub name: String,
    pub hosted: usize,
    /// Hosted tasks reported by the due date.
    pub on_time: usize,
    /// Reported after the due date.
    pub late: usize,
    /// Not reported.
    pub silent: usize,
    pub completed: usize,
    pub lagging: usize,
}

/// A lead leader's tasks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeaderView {
    pub name: String,
    /// Task numbers, and of them those lagging and those without a report.
    pub tasks: Vec<u32>,
    pub lagging: Vec<u32>,
    pub unreported: Vec<u32>,
    pub completed: Vec<u32>,
}

/// What changed since the previous period.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Changes {
    /// Task numbers done now and not before.
    pub completed: Vec<u32>,
    /// (task, before, now) where the light got worse.
    pub worsened: Vec<(u32, Light, Light)>,
}
