//! Helpers shared by the notice-parser tests: inputs, directories, and expectation builders.
//!
//! Units and groups of a task are compared as sets (sorted by name), because the rules say which
//! units a task has and with which role, not in which order they are stored; duplicates still
//! fail the comparison. Leaders are compared in written order.

use duban::matrix::{
    GroupInfo, GroupRef, LeaderRef, LeaderRole, Matrix, Task, UnitDirectory, UnitInfo, UnitKind,
    UnitRef, UnitRole, parse_notice,
};

pub const SEED: &str = include_str!("../../../seeds/yanzhou-2022-task-notice.txt");
pub const SEED_UNITS: &str = include_str!("../../../seeds/yanzhou-units.toml");
pub const QINGHE_UNITS: &str = include_str!("../../fixtures/qinghe-units.toml");

// ---- the Yanzhou directory, as seeds/yanzhou-units.toml lists it ----

pub const YZ_TOWNS: [&str; 6] = ["新兖镇", "小孟镇", "大安镇", "新驿镇", "颜店镇", "漕河镇"];
pub const YZ_SUBDISTRICTS: [&str; 4] = ["鼓楼街道", "酒仙桥街道", "龙桥街道", "兴隆庄街道"];
pub const YZ_PARKS: [&str; 1] = ["工业园区"];
pub const YZ_OTHERS: [&str; 2] = ["人民银行兖州支行", "济宁银保监分局兖州监管组"];
pub const YZ_DEPARTMENTS: [&str; 45] = [
    "区委组织部",
    "区委宣传部",
    "区委政法委",
    "区委改革办",
    "区委统筹疫情防控和经济运行工作领导小组（指挥部）",
    "区政府办公室",
    "区发展改革局",
    "区工业和信息化局",
    "区科技局",
    "区财政局",
    "区商务局",
    "区投资促进中心",
    "区地方金融监管局",
    "区行政审批服务局",
    "区自然资源局",
    "区住房城乡建设局",
    "区交通运输局",
    "区公路局",
    "区水务局",
    "区农业农村局",
    "区综合行政执法局",
    "区生态环境分局",
    "区人力资源和社会保障局",
    "区退役军人事务局",
    "区医疗保障局",
    "区民政局",
    "区教育和体育局",
    "区卫生健康局",
    "区文化和旅游局",
    "区市场监督管理局",
    "区检验检测中心",
    "区应急管理局",
    "区公安分局",
    "区司法局",
    "区信访局",
    "区社会治理服务中心",
    "区税务局",
    "区邮政管理局",
    "区审计局",
    "区统计局",
    "区残联",
    "区公共资源交易分中心",
    "制造强市建设兖州区指挥部",
    "颜店新城建设管理服务中心",
    "农业高新技术示范园管理服务中心",
];

/// 各镇街 in the Yanzhou directory: "@towns" then "@subdistricts".
pub fn yz_towns_and_subdistricts() -> Vec<&'static str> {
    YZ_TOWNS
        .iter()
        .chain(YZ_SUBDISTRICTS.iter())
        .copied()
        .collect()
}

// ---- the made-up 青禾县 directory of tests/fixtures/qinghe-units.toml ----

pub const QH_TOWNS: [&str; 4] = ["河口镇", "柳林镇", "石桥镇", "南岗镇"];
pub const QH_SUBDISTRICTS: [&str; 2] = ["城关街道", "东城街道"];
pub const QH_PARKS: [&str; 1] = ["青禾经济开发区"];
pub const QH_OTHERS: [&str; 2] = ["国网青禾县供电公司", "青禾农商银行"];
pub const QH_RIVERSIDE: [&str; 3] = ["河口镇", "柳林镇", "城关街道"];
pub const QH_DEPARTMENTS: [&str; 22] = [
    "县委组织部",
    "县委宣传部",
    "县发展和改革局",
    "县财政局",
    "县工业和信息化局",
    "县商务局",
    "县农业农村局",
    "县自然资源和规划局",
    "县住房和城乡建设局",
    "县交通运输局",
    "县水利局",
    "县教育和体育局",
    "县卫生健康局",
    "县医疗保障局",
    "县民政局",
    "县人力资源和社会保障局",
    "县市场监督管理局",
    "县行政审批服务局",
    "县应急管理局",
    "县融媒体中心（县广播电视台、县新闻中心）",
    "县城市管理局（县综合行政执法局）",
    "市生态环境局青禾分局",
];

pub fn qh_towns_and_subdistricts() -> Vec<&'static str> {
    QH_TOWNS
        .iter()
        .chain(QH_SUBDISTRICTS.iter())
        .copied()
        .collect()
}

pub fn seed_dir() -> UnitDirectory {
    UnitDirectory::from_toml(SEED_UNITS).expect("the Yanzhou directory loads")
}

pub fn qinghe_dir() -> UnitDirectory {
    UnitDirectory::from_toml(QINGHE_UNITS).expect("the 青禾县 directory loads")
}

/// Parses and panics with the parser's own (Chinese) problem list when it refuses.
pub fn parse_ok(text: &str, dir: &UnitDirectory) -> Matrix {
    match parse_notice(text, dir) {
        Ok(m) => m,
        Err(e) => panic!("the notice should import, but the parser said:\n{e}"),
    }
}

pub fn task(m: &Matrix, number: u32) -> &Task {
    let found: Vec<&Task> = m.tasks.iter().filter(|t| t.number == number).collect();
    assert_eq!(found.len(), 1, "exactly one task numbered {number}");
    found[0]
}

/// 1-based line of the only line of `text` containing `needle`.
pub fn line_of(text: &str, needle: &str) -> usize {
    let hits: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "the fixture has exactly one line containing {needle:?}"
    );
    hits[0]
}

pub fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

// ---- expectation builders ----

pub fn lead(name: &str) -> LeaderRef {
    LeaderRef {
        name: name.into(),
        role: LeaderRole::Lead,
        title: None,
    }
}

pub fn responsible(name: &str) -> LeaderRef {
    LeaderRef {
        name: name.into(),
        role: LeaderRole::Responsible,
        title: None,
    }
}

/// `leader` with the title the notice wrote beside the name.
pub fn titled(leader: LeaderRef, title: &str) -> LeaderRef {
    LeaderRef {
        title: Some(title.into()),
        ..leader
    }
}

pub fn host(name: &str) -> UnitRef {
    UnitRef {
        name: name.into(),
        role: UnitRole::Host,
        via: None,
    }
}

pub fn co(name: &str) -> UnitRef {
    UnitRef {
        name: name.into(),
        role: UnitRole::Co,
        via: None,
    }
}

/// The members of `group`, all in `role`, except those named directly (`except`).
pub fn via(group: &str, role: UnitRole, members: &[&str], except: &[&str]) -> Vec<UnitRef> {
    members
        .iter()
        .filter(|m| !except.contains(m))
        .map(|m| UnitRef {
            name: (*m).into(),
            role,
            via: Some(group.into()),
        })
        .collect()
}

pub fn group(name: &str, role: UnitRole) -> GroupRef {
    GroupRef {
        name: name.into(),
        role,
    }
}

fn sorted_units(units: &[UnitRef]) -> Vec<UnitRef> {
    let mut v = units.to_vec();
    v.sort_by(|a, b| a.name.cmp(&b.name).then(a.via.cmp(&b.via)));
    v
}

fn sorted_groups(groups: &[GroupRef]) -> Vec<GroupRef> {
    let mut v = groups.to_vec();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

pub fn assert_units(t: &Task, expected: &[UnitRef]) {
    assert_eq!(
        sorted_units(&t.units),
        sorted_units(expected),
        "units of task {} (line {})",
        t.number,
        t.line
    );
}

pub fn assert_groups(t: &Task, expected: &[GroupRef]) {
    assert_eq!(
        sorted_groups(&t.groups),
        sorted_groups(expected),
        "groups of task {} (line {})",
        t.number,
        t.line
    );
}

pub fn assert_leaders(t: &Task, expected: &[LeaderRef]) {
    assert_eq!(
        t.leaders, expected,
        "leaders of task {} (line {})",
        t.number, t.line
    );
}

/// What one task must look like; `line` is the expected 1-based line.
pub struct ExpectTask {
    pub number: u32,
    pub section: u32,
    pub line: usize,
    pub text: &'static str,
    pub leaders: Vec<LeaderRef>,
    pub units: Vec<UnitRef>,
    pub groups: Vec<GroupRef>,
}

/// Checks every task, in document order, against its expectation.
pub fn assert_tasks(m: &Matrix, expected: &[ExpectTask]) {
    let numbers: Vec<u32> = m.tasks.iter().map(|t| t.number).collect();
    let want: Vec<u32> = expected.iter().map(|e| e.number).collect();
    assert_eq!(numbers, want, "task numbers in document order");
    for (t, e) in m.tasks.iter().zip(expected) {
        assert_eq!(t.section, Some(e.section), "section of task {}", e.number);
        assert_eq!(t.line, e.line, "line of task {}", e.number);
        assert_eq!(t.text, e.text, "text of task {}", e.number);
        assert_leaders(t, &e.leaders);
        assert_units(t, &e.units);
        assert_groups(t, &e.groups);
    }
}

/// `(ordinal, label, title, line)` of every kept section, in order.
pub fn assert_sections(m: &Matrix, expected: &[(u32, &str, &str, usize)]) {
    let got: Vec<(u32, &str, &str, usize)> = m
        .sections
        .iter()
        .map(|s| (s.ordinal, s.label.as_str(), s.title.as_str(), s.line))
        .collect();
    assert_eq!(got, expected, "sections");
}

/// The directory's units with their kinds plus `extra` units of kind Other, sorted by name.
pub fn qinghe_units(extra: &[&str]) -> Vec<UnitInfo> {
    let mut v: Vec<UnitInfo> = Vec::new();
    let mut add = |names: &[&str], kind: UnitKind| {
        for n in names {
            v.push(UnitInfo {
                name: (*n).into(),
                kind,
                aliases: Vec::new(),
            });
        }
    };
    add(&QH_SUBDISTRICTS, UnitKind::Subdistrict);
    add(&QH_TOWNS, UnitKind::Town);
    add(&QH_PARKS, UnitKind::Park);
    add(&QH_DEPARTMENTS, UnitKind::Department);
    add(&QH_OTHERS, UnitKind::Other);
    add(extra, UnitKind::Other);
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

/// The directory's groups with their members plus `extra` unresolved groups, sorted by name.
pub fn qinghe_groups(extra: &[&str]) -> Vec<GroupInfo> {
    let g = |name: &str, members: Vec<&str>| GroupInfo {
        name: name.into(),
        members: members.into_iter().map(String::from).collect(),
    };
    let mut v = vec![
        g("各镇街", qh_towns_and_subdistricts()),
        g("各乡镇", QH_TOWNS.to_vec()),
        g("各镇", QH_TOWNS.to_vec()),
        g("各街道", QH_SUBDISTRICTS.to_vec()),
        g("县直各部门", QH_DEPARTMENTS.to_vec()),
        g("沿河镇街", QH_RIVERSIDE.to_vec()),
        g("各金融机构", vec!["青禾农商银行"]),
        g("相关镇街", vec![]),
        g("县直有关部门", vec![]),
    ];
    for e in extra {
        v.push(g(e, vec![]));
    }
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

/// Some warning names `needle` and sits on one of `lines`.
pub fn assert_warns(m: &Matrix, needle: &str, lines: &[usize]) {
    assert!(
        m.warnings
            .iter()
            .any(|w| w.message.contains(needle) && lines.contains(&w.line)),
        "expected a warning about {needle} on one of lines {lines:?}, got {:#?}",
        m.warnings
    );
}
