//! A small fixed period for the bulletin's tests: six tasks, five units, three lead leaders,
//! March 2022 (due the 25th) against February.
//!
//! 1. 区科技局 hosts; reported 完成 on time (in February 蓝): newly completed.
//! 2. 区财政局 hosts; reported 黄 with 2.1 of 3.6 万亩, ahead of 序时进度 (derived 蓝, disputed); in
//!    February 蓝: worsened.
//! 3. 区科技局 hosts; reported 蓝 but 2 of 30 家 against 序时进度 24.7 %: derived 黄, disputed.
//! 4. 区住建局 hosts; no report.
//! 5. 区财政局 hosts; reported 蓝 on the 28th, after the due date: late.
//! 6. 区住建局 and 区交通局 host, 区科技局 co-organizes; only 区交通局 reported (红).
//!
//! Tasks 1–3 are in section 二 of the notice, 4 and 5 in 四, 6 in 五.

use chrono::{NaiveDate, TimeZone};
use duban::bulletin::{Bulletin, Heading, PeriodData, Thresholds, aggregate};
use duban::clock::office_offset;
use duban::matrix::{Deadline, LeaderRef, LeaderRole, Target, TargetKind, UnitRole};
use duban::progress::Light;
use duban::store::{Report, ReportFigure, ReportState, TaskUnit, TaskView};

pub fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2022, m, d).unwrap()
}

fn at(m: u32, d: u32) -> i64 {
    office_offset()
        .with_ymd_and_hms(2022, m, d, 10, 0, 0)
        .unwrap()
        .timestamp()
}

const UNITS: [&str; 5] = [
    "区科技局",
    "区财政局",
    "区住建局",
    "区交通局",
    "区农业农村局",
];

fn unit_id(name: &str) -> i64 {
    UNITS.iter().position(|u| *u == name).unwrap() as i64 + 1
}

fn target(metric: &str, value: f64, unit: &str) -> Target {
    Target {
        metric: metric.into(),
        value_text: format!("{value}{unit}"),
        value,
        unit: unit.into(),
        normalized_value: value,
        normalized_unit: unit.into(),
        kind: TargetKind::AtLeast,
        deadline: Some(day(12, 31)),
        source: format!("{metric}{value}{unit}"),
    }
}

/// The sections of the notice the fixture's tasks are in, as the store gives their headings.
pub const SECTIONS: [&str; 3] = [
    "二、聚力制造强区建设，在工业经济高质量发展上求突破、开新局",
    "四、聚力融入都市区，在提升城市功能品质上求突破、开新局",
    "五、聚力实现乡村振兴，在推进农业农村现代化上求突破、开新局",
];

fn task(
    number: u32,
    text: &str,
    lead: &str,
    units: &[(&str, UnitRole)],
    targets: Vec<Target>,
) -> TaskView {
    let section = match number {
        1..=3 => SECTIONS[0],
        4 | 5 => SECTIONS[1],
        _ => SECTIONS[2],
    };
    TaskView {
        id: i64::from(number) * 10,
        number,
        text: text.into(),
        section: Some(section.into()),
        leaders: vec![LeaderRef {
            name: lead.into(),
            role: LeaderRole::Lead,
            title: None,
        }],
        units: units
            .iter()
            .map(|(name, role)| TaskUnit {
                unit_id: unit_id(name),
                name: (*name).into(),
                role: *role,
            })
            .collect(),
        targets,
        deadline: None,
        item: None,
    }
}

pub fn tasks() -> Vec<TaskView> {
    use UnitRole::{Co, Host};
    vec![
        task(
            1,
            "建设区级科技创新平台，完善孵化器功能。",
            "张伟",
            &[("区科技局", Host)],
            vec![],
        ),
        task(
            2,
            "完成高标准农田建设3.6万亩。",
            "李娜",
            &[("区财政局", Host), ("区农业农村局", Co)],
            vec![target("高标准农田建设", 3.6, "万亩")],
        ),
        task(
            3,
            "新增高新技术企业30家。",
            "张伟",
            &[("区科技局", Host)],
            vec![target("高新技术企业", 30.0, "家")],
        ),
        task(
            4,
            "改造老旧小区22个。",
            "王强",
            &[("区住建局", Host)],
            vec![target("老旧小区改造", 22.0, "个")],
        ),
        task(
            5,
            "争取专项债券资金。",
            "李娜",
            &[("区财政局", Host)],
            vec![],
        ),
        task(
            6,
            "推进城乡公交一体化。",
            "王强",
            &[("区住建局", Host), ("区交通局", Host), ("区科技局", Co)],
            vec![],
        ),
    ]
}

fn report(
    id: i64,
    task: u32,
    unit: &str,
    light: Option<Light>,
    text: &str,
    when: i64,
    figures: Vec<ReportFigure>,
) -> Report {
    Report {
        id,
        task_id: i64::from(task) * 10,
        task_number: task,
        item: false,
        unit_id: unit_id(unit),
        unit: unit.into(),
        period: chrono::DateTime::from_timestamp(when, 0)
            .unwrap()
            .with_timezone(&office_offset())
            .format("%Y-%m")
            .to_string(),
        user_id: 1000 + id,
        user_name: None,
        light,
        text: text.into(),
        inbox_seq: id,
        corrects: None,
        state: ReportState::Active,
        created_at: when,
        changed_at: None,
        figures,
        reviewed_by: None,
        reviewed_at: None,
        review_note: None,
    }
}

fn figure(metric: &str, value: f64, target: f64, unit: &str) -> ReportFigure {
    ReportFigure {
        target_position: 0,
        metric: metric.into(),
        text: format!("{value}{unit}"),
        value,
        target_value: target,
        unit: unit.into(),
    }
}

pub fn march() -> Vec<Report> {
    vec![
        report(
            1,
            1,
            "区科技局",
            Some(Light::Done),
            "平台已建成并投入使用",
            at(3, 20),
            vec![],
        ),
        report(
            2,
            2,
            "区财政局",
            Some(Light::Yellow),
            "受天气影响，已完成2.1万亩",
            at(3, 22),
            vec![figure("高标准农田建设", 2.1, 3.6, "万亩")],
        ),
        report(
            3,
            3,
            "区科技局",
            Some(Light::Blue),
            "已新增高新技术企业2家",
            at(3, 24),
            vec![figure("高新技术企业", 2.0, 30.0, "家")],
        ),
        report(
            4,
            5,
            "区财政局",
            Some(Light::Blue),
            "已争取资金2亿元",
            at(3, 28),
            vec![],
        ),
        report(
            5,
            6,
            "区交通局",
            Some(Light::Red),
            "线路招标未完成",
            at(3, 21),
            vec![],
        ),
    ]
}

pub fn february() -> Vec<Report> {
    vec![
        report(
            11,
            1,
            "区科技局",
            Some(Light::Blue),
            "正在建设",
            at(2, 20),
            vec![],
        ),
        report(
            12,
            2,
            "区财政局",
            Some(Light::Blue),
            "已完成0.5万亩",
            at(2, 21),
            vec![figure("高标准农田建设", 0.5, 3.6, "万亩")],
        ),
    ]
}

pub fn heading() -> Heading {
    Heading {
        number: 3,
        title: "兖州区政府工作报告重点任务督查通报".into(),
        issuer: "兖州区人民政府督查室".into(),
        date: day(3, 31),
    }
}

/// The March bulletin of the fixture.
pub fn bulletin() -> Bulletin {
    bulletin_of(&tasks())
}

/// The March bulletin of `tasks` against February, with the fixture's reports.
fn bulletin_of(tasks: &[TaskView]) -> Bulletin {
    let (march, february) = (march(), february());
    let now = PeriodData {
        label: "2022-03",
        end: day(3, 31),
        due: day(3, 25),
        tasks,
        reports: &march,
    };
    let before = PeriodData {
        label: "2022-02",
        end: day(2, 28),
        due: day(2, 25),
        tasks,
        reports: &february,
    };
    aggregate(heading(), &now, Some(&before), Thresholds::default())
}

/// The March bulletin of `reports` alone, with no February to compare with.
pub fn march_alone(reports: &[Report]) -> Bulletin {
    march_of(&tasks(), reports)
}

/// The March bulletin of `tasks` and `reports`, with no February to compare with.
pub fn march_of(tasks: &[TaskView], reports: &[Report]) -> Bulletin {
    let period = PeriodData {
        label: "2022-03",
        end: day(3, 31),
        due: day(3, 25),
        tasks,
        reports,
    };
    aggregate(heading(), &period, None, Thresholds::default())
}

/// Every host of every task reported 完成 on the 20th of March.
pub fn all_done() -> Vec<Report> {
    let mut id = 100;
    let mut out = Vec::new();
    for task in tasks() {
        for host in task.units.iter().filter(|u| u.role == UnitRole::Host) {
            id += 1;
            out.push(report(
                id,
                task.number,
                &host.name,
                Some(Light::Done),
                "已完成",
                at(3, 20),
                vec![],
            ));
        }
    }
    out
}

/// The March bulletin (against February) of the fixture's tasks with a 完成时限 each:
/// 1 (完成) was due 2月底前; 3 (2 of 30 家) is due 6月底前; 4 (no report) was due 3月15日前,
/// and is overdue; 5 is 长期 (no day); 6 is due on the period's last day, 3月31日, not yet past.
pub fn with_deadlines() -> Bulletin {
    let due = |text: &str, date: Option<NaiveDate>| {
        Some(Deadline {
            text: text.into(),
            date,
        })
    };
    let mut tasks = tasks();
    for task in &mut tasks {
        task.deadline = match task.number {
            1 => due("2月底前", Some(day(2, 28))),
            3 => due("6月底前", Some(day(6, 30))),
            4 => due("3月15日前", Some(day(3, 15))),
            5 => due("长期", None),
            6 => due("3月31日", Some(day(3, 31))),
            _ => None,
        };
    }
    bulletin_of(&tasks)
}
