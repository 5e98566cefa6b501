//! Hand-built matrices (the parser is written elsewhere): a small notice of four tasks with a
//! host and co-organizers, a group resolved through 各镇街, an unresolved group 相关镇街,
//! task targets and notice targets — and a changed version of it.

use chrono::NaiveDate;
use duban::matrix::*;

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn unit(name: &str, kind: UnitKind) -> UnitInfo {
    UnitInfo {
        name: name.into(),
        kind,
        aliases: Vec::new(),
    }
}

fn host(name: &str) -> UnitRef {
    UnitRef {
        name: name.into(),
        role: UnitRole::Host,
        via: None,
    }
}

fn co(name: &str) -> UnitRef {
    UnitRef {
        name: name.into(),
        role: UnitRole::Co,
        via: None,
    }
}

fn co_via(name: &str, group: &str) -> UnitRef {
    UnitRef {
        name: name.into(),
        role: UnitRole::Co,
        via: Some(group.into()),
    }
}

fn lead(name: &str) -> LeaderRef {
    LeaderRef {
        name: name.into(),
        role: LeaderRole::Lead,
        title: None,
    }
}

fn responsible(name: &str) -> LeaderRef {
    LeaderRef {
        name: name.into(),
        role: LeaderRole::Responsible,
        title: None,
    }
}

pub const TOWNS: [&str; 4] = ["鼓楼街道", "酒仙桥街道", "新兖镇", "小孟镇"];

#[allow(clippy::too_many_arguments)]
fn target(
    metric: &str,
    value_text: &str,
    value: f64,
    unit: &str,
    normalized_value: f64,
    normalized_unit: &str,
    kind: TargetKind,
    deadline: Option<NaiveDate>,
    source: &str,
) -> Target {
    Target {
        metric: metric.into(),
        value_text: value_text.into(),
        value,
        unit: unit.into(),
        normalized_value,
        normalized_unit: normalized_unit.into(),
        kind,
        deadline,
        source: source.into(),
    }
}

/// The first version: tasks 1–4.
pub fn notice_v1() -> Matrix {
    let towns_via = TOWNS.iter().map(|t| co_via(t, "各镇街"));
    let mut m = Matrix {
        notice: NoticeInfo {
            title: "关于印发2022年《政府工作报告》重点工作任务分解的通知".into(),
            issuer: Some("济宁市兖州区人民政府".into()),
            doc_number: Some("济兖政发〔2022〕1号".into()),
            date: date(2022, 3, 8),
            year: Some(2022),
        },
        sections: vec![
            Section {
                ordinal: 1,
                label: "二".into(),
                title: "聚力产业升级".into(),
                line: 12,
            },
            Section {
                ordinal: 2,
                label: "三".into(),
                title: "聚力民生改善".into(),
                line: 40,
            },
        ],
        tasks: vec![
            Task {
                number: 1,
                section: Some(1),
                text: "年内新增高新技术企业30家。".into(),
                line: 14,
                leaders: vec![lead("张三")],
                units: vec![host("区科技局"), co("区工业和信息化局")],
                groups: vec![],
                deadline: None,
                targets: vec![target(
                    "高新技术企业",
                    "30家",
                    30.0,
                    "家",
                    30.0,
                    "家",
                    TargetKind::IncreaseBy,
                    date(2022, 12, 31),
                    "年内新增高新技术企业30家",
                )],
            },
            Task {
                number: 2,
                section: Some(1),
                text: "完成高标准农田建设3.6万亩。".into(),
                line: 20,
                leaders: vec![lead("李四"), responsible("王五")],
                units: std::iter::once(host("区发展改革局"))
                    .chain(towns_via)
                    .collect(),
                groups: vec![GroupRef {
                    name: "各镇街".into(),
                    role: UnitRole::Co,
                }],
                deadline: None,
                targets: vec![target(
                    "高标准农田",
                    "3.6万亩",
                    3.6,
                    "万亩",
                    36_000.0,
                    "亩",
                    TargetKind::AtLeast,
                    date(2022, 12, 31),
                    "完成高标准农田建设3.6万亩",
                )],
            },
            Task {
                number: 3,
                section: Some(2),
                text: "城镇登记失业率控制在3%以内。".into(),
                line: 42,
                leaders: vec![responsible("李四")],
                units: vec![host("区财政局")],
                groups: vec![GroupRef {
                    name: "相关镇街".into(),
                    role: UnitRole::Co,
                }],
                deadline: None,
                targets: vec![target(
                    "城镇登记失业率",
                    "3%",
                    3.0,
                    "%",
                    0.1 + 0.2,
                    "%",
                    TargetKind::AtMost,
                    None,
                    "城镇登记失业率控制在3%以内",
                )],
            },
            Task {
                number: 4,
                section: Some(2),
                text: "推进老旧小区改造。".into(),
                line: 48,
                leaders: vec![],
                units: vec![host("区工业和信息化局"), co("区科技局")],
                groups: vec![],
                deadline: None,
                targets: vec![],
            },
        ],
        notice_targets: vec![
            target(
                "地区生产总值",
                "6%",
                6.0,
                "%",
                6.0,
                "%",
                TargetKind::GrowthRate,
                date(2022, 12, 31),
                "地区生产总值增长6%",
            ),
            target(
                "一般公共预算收入",
                "1.2345678901234567亿元",
                1.234_567_890_123_456_7,
                "亿元",
                123_456_789.012_345_67,
                "元",
                TargetKind::AtLeast,
                None,
                "一般公共预算收入",
            ),
        ],
        units: vec![
            unit("区发展改革局", UnitKind::Department),
            unit("区工业和信息化局", UnitKind::Department),
            unit("区科技局", UnitKind::Department),
            unit("区财政局", UnitKind::Department),
            unit("鼓楼街道", UnitKind::Subdistrict),
            unit("酒仙桥街道", UnitKind::Subdistrict),
            unit("新兖镇", UnitKind::Town),
            unit("小孟镇", UnitKind::Town),
            unit("工业园区", UnitKind::Other),
        ],
        groups: vec![
            GroupInfo {
                name: "各镇街".into(),
                members: TOWNS.map(String::from).to_vec(),
            },
            GroupInfo {
                name: "相关镇街".into(),
                members: vec![],
            },
        ],
        warnings: vec![],
    };
    sort_as_stored(&mut m);
    m
}

/// The second version: task 1 only moved, task 2 reworded, task 3 the same, task 4 gone, task 5
/// new (with a new leader and 工业园区, now a park); a section renamed, a notice target changed.
pub fn notice_v2() -> Matrix {
    let mut m = notice_v1();
    m.tasks[0].line += 3;
    m.tasks[1].text = "完成高标准农田建设4万亩。".into();
    m.tasks[1].targets[0].value_text = "4万亩".into();
    m.tasks[1].targets[0].value = 4.0;
    m.tasks[1].targets[0].normalized_value = 40_000.0;
    m.tasks.remove(3);
    m.tasks.push(Task {
        number: 5,
        section: Some(2),
        text: "建设智慧园区。".into(),
        line: 50,
        leaders: vec![lead("赵六")],
        units: vec![host("新兖镇"), co("工业园区")],
        groups: vec![],
        deadline: None,
        targets: vec![],
    });
    m.sections[1].title = "聚力民生改善和社会治理".into();
    m.notice_targets[0].value = 6.5;
    m.notice_targets[0].normalized_value = 6.5;
    m.notice_targets[0].value_text = "6.5%".into();
    m.units
        .iter_mut()
        .find(|u| u.name == "工业园区")
        .unwrap()
        .kind = UnitKind::Park;
    sort_as_stored(&mut m);
    m
}

/// The order [`duban::store::Store::load_matrix`] returns: units and groups by name.
pub fn sort_as_stored(m: &mut Matrix) {
    m.units.sort_by(|a, b| a.name.cmp(&b.name));
    m.groups.sort_by(|a, b| a.name.cmp(&b.name));
}

pub fn group<'a>(m: &'a mut Matrix, name: &str) -> &'a mut GroupInfo {
    m.groups
        .iter_mut()
        .find(|g| g.name == name)
        .expect("the group is in the matrix")
}
