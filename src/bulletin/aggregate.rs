//! A period's tasks and reports into a [`Bulletin`] — pure code over plain data.
//!
//! - A task counts as reported when a host unit reported on it this period; its reported
//!   light is that of the latest host report.
//! - Its derived light compares the latest figure of each cumulative target (达到, 新增, a
//!   count) with 序时进度, the share of the year elapsed at the end of the period toward the
//!   target's deadline — or the task's 完成时限 when that is earlier, 31 December when
//!   neither is known; 100% once it has passed: behind by `yellow_points` or more →
//!   黄, by more than `red_points` → 红, every target reached → 完成, else 蓝. Rates and caps
//!   (增长 N%, 控制在…以内) are listed but do not derive a light.
//! - A task whose 完成时限 is a day before the period's last day and whose light is not 完成
//!   is overdue (逾期未完成).
//! - Units are ranked by outcomes only: share of hosted tasks reported on time, then tasks
//!   completed, then fewer lagging.

use super::model::{
    Bulletin, Changes, FigureStatus, LastReport, LeaderView, TaskStatus, Totals, UnitStatus,
};
use crate::clock::office_offset;
use crate::matrix::{TargetKind, UnitRole};
use crate::progress::Light;
use crate::store::{Evidence, Report, TaskView};
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, HashMap};

/// Points behind 序时进度 that turn a derived light yellow or red.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub yellow_points: f64,
    pub red_points: f64,
}

impl From<&crate::config::Settings> for Thresholds {
    fn from(s: &crate::config::Settings) -> Self {
        Thresholds {
            yellow_points: f64::from(s.lag_yellow_points),
            red_points: f64::from(s.lag_red_points),
        }
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            yellow_points: 10.0,
            red_points: 30.0,
        }
    }
}

/// One period's data.
#[derive(Debug, Clone, Copy)]
pub struct PeriodData<'a> {
    pub label: &'a str,
    /// The period's last day: 序时进度 is measured there.
    pub end: NaiveDate,
    pub due: NaiveDate,
    /// The current tasks.
    pub tasks: &'a [TaskView],
    /// The period's active reports, any order.
    pub reports: &'a [Report],
}

/// The bulletin's heading.
#[derive(Debug, Clone)]
pub struct Heading {
    pub number: u32,
    pub title: String,
    pub issuer: String,
    pub date: NaiveDate,
}

/// The bulletin of `period`, with what changed since `previous` (the previous period).
pub fn aggregate(
    heading: Heading,
    period: &PeriodData,
    previous: Option<&PeriodData>,
    thresholds: Thresholds,
) -> Bulletin {
    let tasks = task_statuses(period, thresholds);
    let changes = previous.map(|p| changes(&task_statuses(p, thresholds), &tasks));
    Bulletin {
        number: heading.number,
        period: period.label.to_owned(),
        title: heading.title,
        issuer: heading.issuer,
        date: heading.date,
        due: period.due,
        expected_percent: expected_percent(period.end, None),
        totals: totals(&tasks),
        units: units(period, &tasks),
        leaders: leaders(period.tasks, &tasks),
        tasks,
        changes,
        cycle: super::Cycle::default(),
    }
}

/// Lists under each task of `bulletin` the evidence of its period (`evidence` may hold other
/// periods' and tasks' too).
pub fn attach_evidence(bulletin: &mut Bulletin, evidence: &[Evidence]) {
    for task in &mut bulletin.tasks {
        task.evidence = evidence
            .iter()
            .filter(|e| e.task_number == task.number && e.period == bulletin.period)
            .map(|e| e.file_name.clone())
            .collect();
    }
}

/// 序时进度 at `day` toward `deadline` (31 December of `day`'s year when `None`), in percent.
pub fn expected_percent(day: NaiveDate, deadline: Option<NaiveDate>) -> f64 {
    let start = NaiveDate::from_ymd_opt(day.year(), 1, 1).expect("1 January");
    let end = deadline
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(day.year(), 12, 31).expect("31 December"));
    let total = (end - start).num_days() + 1;
    if total <= 0 {
        return 100.0;
    }
    let elapsed = ((day - start).num_days() + 1).clamp(0, total);
    elapsed as f64 * 100.0 / total as f64
}

/// The end of the due day, Beijing time, in unix seconds.
fn due_end(due: NaiveDate) -> i64 {
    let next = due.succ_opt().unwrap_or(due);
    next.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(office_offset()).single())
        .map_or(i64::MAX, |t| t.timestamp())
}

fn is_cumulative(kind: TargetKind) -> bool {
    matches!(
        kind,
        TargetKind::AtLeast | TargetKind::IncreaseBy | TargetKind::Count
    )
}

fn task_statuses(period: &PeriodData, thresholds: Thresholds) -> Vec<TaskStatus> {
    let mut by_task: HashMap<i64, Vec<&Report>> = HashMap::new();
    for r in period.reports {
        by_task.entry(r.task_id).or_default().push(r);
    }
    let late_after = due_end(period.due);
    let mut out: Vec<TaskStatus> = period
        .tasks
        .iter()
        .map(|task| {
            let due = task.deadline.as_ref().and_then(|d| d.date);
            let mut reports = by_task.remove(&task.id).unwrap_or_default();
            reports.sort_by_key(|r| (r.created_at, r.id));
            let hosts: Vec<&str> = names(task, UnitRole::Host);
            let host_reports: Vec<&Report> = reports
                .iter()
                .copied()
                .filter(|r| task.role_of(r.unit_id) == Some(UnitRole::Host))
                .collect();
            let latest = host_reports.last();
            let figures = latest_figures(&reports);
            let mut status = TaskStatus {
                number: task.number,
                text: task.text.clone(),
                section: task.section.clone(),
                // Leaders of either role: a notice names a task's leaders 牵头领导 or 责任领导.
                lead_leaders: task.leaders.iter().map(|l| l.name.clone()).collect(),
                hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
                co_organizers: names(task, UnitRole::Co)
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
                reported: latest.and_then(|r| r.light),
                derived: derive(task, &figures, period.end, thresholds),
                deadline: task.deadline.as_ref().map(|d| d.text.clone()),
                overdue: false,
                evidence: Vec::new(),
                last_report: latest.map(|r| LastReport {
                    unit: r.unit.clone(),
                    text: r.text.clone(),
                    at: r.created_at,
                    late: r.created_at >= late_after,
                }),
                silent_hosts: task
                    .units
                    .iter()
                    .filter(|u| u.role == UnitRole::Host)
                    .filter(|u| !host_reports.iter().any(|r| r.unit_id == u.unit_id))
                    .map(|u| u.name.clone())
                    .collect(),
                figures: figures.into_iter().map(|(_, f)| f).collect(),
            };
            status.overdue =
                due.is_some_and(|due| due < period.end) && status.light() != Some(Light::Done);
            status
        })
        .collect();
    out.sort_by_key(|t| t.number);
    out
}

fn names(task: &TaskView, role: UnitRole) -> Vec<&str> {
    task.units
        .iter()
        .filter(|u| u.role == role)
        .map(|u| u.name.as_str())
        .collect()
}

/// The latest figure of each target, with the target's position.
fn latest_figures(reports: &[&Report]) -> Vec<(usize, FigureStatus)> {
    let mut latest: BTreeMap<usize, FigureStatus> = BTreeMap::new();
    for report in reports {
        for f in &report.figures {
            let percent = if f.target_value > 0.0 {
                f.value / f.target_value * 100.0
            } else {
                0.0
            };
            latest.insert(
                f.target_position,
                FigureStatus {
                    metric: f.metric.clone(),
                    value: f.value,
                    target: f.target_value,
                    unit: f.unit.clone(),
                    percent,
                },
            );
        }
    }
    latest.into_iter().collect()
}

fn derive(
    task: &TaskView,
    figures: &[(usize, FigureStatus)],
    end: NaiveDate,
    thresholds: Thresholds,
) -> Option<Light> {
    let measured: Vec<(f64, f64)> = figures
        .iter()
        .filter_map(|(position, f)| {
            let target = task.targets.get(*position)?;
            let due = earliest(target.deadline, task.deadline.as_ref().and_then(|d| d.date));
            is_cumulative(target.kind).then(|| (f.percent, expected_percent(end, due)))
        })
        .collect();
    if measured.is_empty() {
        return None;
    }
    if measured.iter().all(|(percent, _)| *percent >= 100.0) {
        return Some(Light::Done);
    }
    let behind = measured
        .iter()
        .map(|(percent, expected)| expected - percent)
        .fold(f64::MIN, f64::max);
    Some(if behind > thresholds.red_points {
        Light::Red
    } else if behind >= thresholds.yellow_points {
        Light::Yellow
    } else {
        Light::Blue
    })
}

/// The earlier of two deadlines, either of which may be unknown.
fn earliest(a: Option<NaiveDate>, b: Option<NaiveDate>) -> Option<NaiveDate> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn totals(tasks: &[TaskStatus]) -> Totals {
    let mut t = Totals {
        tasks: tasks.len(),
        ..Totals::default()
    };
    for task in tasks.iter().filter(|t| t.is_reported()) {
        t.reported += 1;
        match task.reported {
            Some(Light::Blue) => t.blue += 1,
            Some(Light::Yellow) => t.yellow += 1,
            Some(Light::Red) => t.red += 1,
            Some(Light::Done) => t.done += 1,
            None => t.unlabelled += 1,
        }
    }
    t.unreported = t.tasks - t.reported;
    t
}

fn units(period: &PeriodData, tasks: &[TaskStatus]) -> Vec<UnitStatus> {
    let late_after = due_end(period.due);
    let by_number: HashMap<u32, &TaskStatus> = tasks.iter().map(|t| (t.number, t)).collect();
    let mut units: BTreeMap<&str, UnitStatus> = BTreeMap::new();
    for task in period.tasks {
        let status = by_number[&task.number];
        for host in task.units.iter().filter(|u| u.role == UnitRole::Host) {
            let unit = units
                .entry(host.name.as_str())
                .or_insert_with(|| UnitStatus {
                    name: host.name.clone(),
                    hosted: 0,
                    on_time: 0,
                    late: 0,
                    silent: 0,
                    completed: 0,
                    lagging: 0,
                });
            unit.hosted += 1;
            let first = period
                .reports
                .iter()
                .filter(|r| r.task_id == task.id && r.unit_id == host.unit_id)
                .map(|r| r.created_at)
                .min();
            match first {
                Some(at) if at < late_after => unit.on_time += 1,
                Some(_) => unit.late += 1,
                None => unit.silent += 1,
            }
            if status.light() == Some(Light::Done) {
                unit.completed += 1;
            } else if status.is_lagging() {
                unit.lagging += 1;
            }
        }
    }
    let mut ranked: Vec<UnitStatus> = units.into_values().collect();
    ranked.sort_by(|a, b| {
        let share = |u: &UnitStatus| u.on_time as f64 / u.hosted.max(1) as f64;
        share(b)
            .total_cmp(&share(a))
            .then(b.completed.cmp(&a.completed))
            .then(a.lagging.cmp(&b.lagging))
            .then(a.name.cmp(&b.name))
    });
    ranked
}

fn leaders(views: &[TaskView], tasks: &[TaskStatus]) -> Vec<LeaderView> {
    let by_number: HashMap<u32, &TaskStatus> = tasks.iter().map(|t| (t.number, t)).collect();
    let mut leaders: BTreeMap<&str, LeaderView> = BTreeMap::new();
    for task in views {
        let status = by_number[&task.number];
        for leader in &task.leaders {
            let view = leaders
                .entry(leader.name.as_str())
                .or_insert_with(|| LeaderView {
                    name: leader.name.clone(),
                    tasks: Vec::new(),
                    lagging: Vec::new(),
                    unreported: Vec::new(),
                    completed: Vec::new(),
                });
            view.tasks.push(task.number);
            if !status.is_reported() {
                view.unreported.push(task.number);
            }
            if status.light() == Some(Light::Done) {
                view.completed.push(task.number);
            } else if status.is_lagging() {
                view.lagging.push(task.number);
            }
        }
    }
    let mut out: Vec<LeaderView> = leaders.into_values().collect();
    for view in &mut out {
        view.tasks.sort_unstable();
        view.lagging.sort_unstable();
        view.unreported.sort_unstable();
        view.completed.sort_unstable();
    }
    out
}

fn severity(light: Light) -> Option<u8> {
    match light {
        Light::Blue => Some(0),
        Light::Yellow => Some(1),
        Light::Red => Some(2),
        Light::Done => None,
    }
}

fn changes(before: &[TaskStatus], now: &[TaskStatus]) -> Changes {
    let before: HashMap<u32, Option<Light>> =
        before.iter().map(|t| (t.number, t.light())).collect();
    let mut changes = Changes::default();
    for task in now {
        let was = before.get(&task.number).copied().flatten();
        match (was, task.light()) {
            (was, Some(Light::Done)) if was != Some(Light::Done) => {
                changes.completed.push(task.number)
            }
            (Some(was), Some(is)) => {
                if let (Some(a), Some(b)) = (severity(was), severity(is))
                    && b > a
                {
                    changes.worsened.push((task.number, was, is));
                }
            }
            _ => {}
        }
    }
    changes
}
