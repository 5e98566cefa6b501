//! The seed notice (seeds/yanzhou-2022-task-notice.txt) read with the Yanzhou unit directory:
//! every expectation below was read off the seed text by hand.

use crate::support::matrix::*;
use chrono::NaiveDate;
use duban::matrix::{
    GroupInfo, LeaderRole, Matrix, Target, TargetKind, Task, UnitInfo, UnitKind, UnitRole,
};
use std::sync::OnceLock;

use LeaderRole::{Lead, Responsible};
use UnitRole::{Co, Host};

fn seed() -> &'static Matrix {
    static M: OnceLock<Matrix> = OnceLock::new();
    M.get_or_init(|| parse_ok(SEED, &seed_dir()))
}

fn t(n: u32) -> &'static Task {
    task(seed(), n)
}

/// The 1-based line of the seed on which task `n` starts (`n.` at the start of the line).
fn seed_line(n: u32) -> usize {
    let prefix = format!("{n}.");
    let hits: Vec<usize> = SEED
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with(&prefix))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "the seed has one line starting with {prefix}"
    );
    hits[0]
}

fn yz_all_towns(role: UnitRole, group: &str) -> Vec<duban::matrix::UnitRef> {
    via(group, role, &yz_towns_and_subdistricts(), &[])
}

// ---------------------------------------------------------------- the document

#[test]
fn the_title_split_over_two_lines_is_joined() {
    assert_eq!(
        seed().notice.title,
        "关于分解落实2022年政府工作报告任务目标的通知"
    );
}

#[test]
fn the_issuer_doc_number_date_and_year_are_read() {
    let n = &seed().notice;
    assert_eq!(n.issuer.as_deref(), Some("济宁市兖州区人民政府"));
    assert_eq!(n.doc_number.as_deref(), Some("济兖政发〔2022〕1号"));
    assert_eq!(n.date, NaiveDate::from_ymd_opt(2022, 2, 15));
    assert_eq!(n.year, Some(2022));
}

// ---------------------------------------------------------------- sections

#[test]
fn the_seven_sections_with_tasks_are_kept_and_section_one_is_not() {
    assert_sections(
        seed(),
        &[
            (
                1,
                "二",
                "聚力制造强区建设，在工业经济高质量发展上求突破、开新局",
                19,
            ),
            (
                2,
                "三",
                "聚力增强发展动力，在深化改革开放上求突破、开新局",
                41,
            ),
            (
                3,
                "四",
                "聚力融入都市区，在提升城市功能品质上求突破、开新局",
                50,
            ),
            (
                4,
                "五",
                "聚力实现乡村振兴，在推进农业农村现代化上求突破、开新局",
                62,
            ),
            (
                5,
                "六",
                "聚力促进共同富裕，在保障改善民生上求突破、开新局",
                85,
            ),
            (
                6,
                "七",
                "聚力维护社会稳定，在防风险守底线上求突破、开新局",
                109,
            ),
            (7, "八", "加强政府自身建设", 127),
        ],
    );
}

#[test]
fn each_section_holds_exactly_its_run_of_tasks() {
    let ranges = [
        (1, 1..=13),
        (2, 14..=18),
        (3, 19..=27),
        (4, 28..=40),
        (5, 41..=52),
        (6, 53..=66),
        (7, 67..=71),
    ];
    for (ordinal, range) in ranges {
        for n in range {
            assert_eq!(
                t(n).section,
                Some(ordinal),
                "task {n} sits in section {ordinal}"
            );
        }
    }
}

// ---------------------------------------------------------------- tasks

#[test]
fn there_are_71_tasks_numbered_1_to_71_in_document_order() {
    let numbers: Vec<u32> = seed().tasks.iter().map(|t| t.number).collect();
    assert_eq!(numbers, (1..=71).collect::<Vec<u32>>());
}

#[test]
fn every_task_starts_on_the_line_of_its_number() {
    for task in &seed().tasks {
        assert_eq!(
            task.line,
            seed_line(task.number),
            "line of task {}",
            task.number
        );
    }
}

#[test]
fn a_task_text_is_the_sentence_without_the_field_block() {
    assert_eq!(t(3).text, "深化精准辅导培育，大力推动企业上市。");
    assert_eq!(
        t(16).text,
        "建成运营海关监管中心，推进“兖欧班列”“兖青班列”常态化运营，打造双向开放“直通车”。"
    );
    assert_eq!(
        t(38).text,
        "实现巩固脱贫攻坚成果同乡村振兴有效衔接，加强返贫致贫动态监测和即时帮扶，持续提升脱贫群众生活水平。"
    );
    assert_eq!(t(44).text, "开展困难残疾人集中照护服务试点。");
    assert_eq!(
        t(70).text,
        "强化预算刚性约束和绩效评价，一般性支出再压减20%，发挥财政资金最大效益。"
    );
    assert_eq!(
        t(53).text,
        "坚持“外防输入、内防反弹”“人物同防、多病共防”，科学精准管控境外、中高风险区来兖人员和物品，把住源头、守好防线。完善应急处置预案，提高核酸检测能力。有序推进疫苗接种，筑牢群众免疫屏障。"
    );
}

#[test]
fn a_long_task_text_keeps_every_sentence_up_to_the_field_block() {
    let text = &t(1).text;
    assert!(
        text.starts_with("举全区之力抓工业经济发展，聚焦“2+2”优势主导产业"),
        "{text}"
    );
    assert!(
        text.ends_with("打造北方食品产业园，年内产业营业收入突破90亿元。"),
        "{text}"
    );
    assert_eq!(text.matches("年内产业营业收入突破").count(), 4, "{text}");
}

#[test]
fn no_task_text_carries_its_number_or_its_fields() {
    for task in &seed().tasks {
        let text = &task.text;
        assert!(!text.is_empty(), "task {} has text", task.number);
        assert!(
            !text.starts_with(&format!("{}.", task.number)),
            "task {}: {text}",
            task.number
        );
        for label in ["牵头领导", "责任领导", "承办单位", "黑体为主办单位"] {
            assert!(
                !text.contains(label),
                "task {} text contains {label}: {text}",
                task.number
            );
        }
        let source = SEED.lines().nth(task.line - 1).unwrap();
        assert!(
            source.contains(text.as_str()),
            "task {} text comes from its line",
            task.number
        );
    }
}

// ---------------------------------------------------------------- leaders and hosts of all tasks

/// (task, leader role, leaders in written order, the host unit, the group words listed).
type Row = (
    u32,
    LeaderRole,
    &'static [&'static str],
    &'static str,
    &'static [&'static str],
);

const ALL_TASKS: [Row; 71] = [
    (1, Lead, &["张锐"], "制造强市建设兖州区指挥部", &["各镇街"]),
    (2, Lead, &["张锐"], "制造强市建设兖州区指挥部", &["各镇街"]),
    (3, Lead, &["张锐"], "区地方金融监管局", &["各镇街"]),
    (4, Lead, &["张锐"], "区工业和信息化局", &["各镇街"]),
    (5, Lead, &["张锐"], "区发展改革局", &["各镇街"]),
    (6, Lead, &["张锐"], "区商务局", &["各镇街"]),
    (
        7,
        Lead,
        &["张锐"],
        "区发展改革局",
        &["区直各部门", "各镇街"],
    ),
    (8, Lead, &["崔增力"], "区科技局", &["各镇街"]),
    (
        9,
        Lead,
        &["吴广", "孙恒民", "崔增力"],
        "区委组织部",
        &["各镇街"],
    ),
    (
        10,
        Lead,
        &["张锐"],
        "区工业和信息化局",
        &["各镇街", "通信企业"],
    ),
    (11, Lead, &["张锐"], "工业园区", &[]),
    (12, Lead, &["崔增力"], "颜店新城建设管理服务中心", &[]),
    (13, Responsible, &["张锐", "崔增力"], "区商务局", &[]),
    (14, Lead, &["陈伟"], "区委改革办", &[]),
    (15, Lead, &["张锐"], "区商务局", &["各镇街"]),
    (16, Responsible, &["张锐", "崔增力"], "区商务局", &[]),
    (17, Responsible, &["张锐"], "区商务局", &["各镇街"]),
    (18, Lead, &["张锐"], "区发展改革局", &["各镇街"]),
    (
        19,
        Lead,
        &["张锐", "石可清", "崔增力"],
        "区发展改革局",
        &["相关镇街"],
    ),
    (20, Lead, &["石可清"], "区住房城乡建设局", &["相关镇街"]),
    (21, Lead, &["石可清"], "区综合行政执法局", &["相关镇街"]),
    (22, Lead, &["石可清"], "区综合行政执法局", &["相关镇街"]),
    (23, Lead, &["孙恒民"], "区水务局", &["相关镇街"]),
    (24, Lead, &["张允锐", "石可清"], "区委宣传部", &[]),
    (
        25,
        Lead,
        &["石可清", "张孝元"],
        "区公安分局",
        &["区直相关部门"],
    ),
    (26, Lead, &["石可清"], "区综合行政执法局", &[]),
    (27, Lead, &["张锐", "石可清"], "区工业和信息化局", &[]),
    (28, Lead, &["孙恒民"], "区农业农村局", &["各镇街"]),
    (29, Lead, &["孙恒民"], "区农业农村局", &["各镇街"]),
    (30, Lead, &["孙恒民"], "区农业农村局", &[]),
    (31, Lead, &["孙恒民"], "区农业农村局", &[]),
    (
        32,
        Lead,
        &["石可清"],
        "区住房城乡建设局",
        &["区直相关部门", "各镇"],
    ),
    (
        33,
        Lead,
        &["石可清", "崔增力"],
        "区住房城乡建设局",
        &["相关镇街"],
    ),
    (
        34,
        Lead,
        &["石可清", "孙恒民", "崔增力"],
        "区农业农村局",
        &["各镇"],
    ),
    (35, Lead, &["崔增力"], "区交通运输局", &["各镇街"]),
    (36, Lead, &["石可清"], "区自然资源局", &["各镇街"]),
    (37, Lead, &["孙恒民"], "区农业农村局", &["各镇街"]),
    (38, Lead, &["孙恒民"], "区农业农村局", &["各镇街"]),
    (39, Lead, &["吴广", "谭丽娜"], "区委组织部", &["各镇街"]),
    (40, Lead, &["张允锐", "谭丽娜"], "区委宣传部", &["各镇街"]),
    (
        41,
        Lead,
        &["孙恒民", "张孝元"],
        "区人力资源和社会保障局",
        &["区直相关部门"],
    ),
    (
        42,
        Lead,
        &["谭丽娜", "孙恒民"],
        "区人力资源和社会保障局",
        &["各镇街"],
    ),
    (
        43,
        Responsible,
        &["谭丽娜"],
        "区民政局",
        &["区直相关部门", "各镇街"],
    ),
    (44, Lead, &["于长海", "谭丽娜"], "区残联", &["各镇街"]),
    (45, Lead, &["张孝元"], "区退役军人事务局", &["各镇街"]),
    (46, Lead, &["谭丽娜"], "区民政局", &["各镇街"]),
    (47, Lead, &["张锐", "谭丽娜"], "区财政局", &[]),
    (48, Lead, &["谭丽娜"], "区教育和体育局", &["各镇街"]),
    (49, Lead, &["谭丽娜"], "区卫生健康局", &["各镇街"]),
    (
        50,
        Lead,
        &["石可清", "谭丽娜"],
        "区文化和旅游局",
        &["各镇街"],
    ),
    (51, Lead, &["谭丽娜"], "区文化和旅游局", &["各镇街"]),
    (52, Lead, &["张允锐"], "区委宣传部", &["各镇街"]),
    (
        53,
        Lead,
        &["于长海", "谭丽娜"],
        "区委统筹疫情防控和经济运行工作领导小组（指挥部）",
        &["区直相关部门", "各镇街"],
    ),
    (
        54,
        Lead,
        &["张锐", "孙恒民", "崔增力"],
        "区生态环境分局",
        &["各镇街"],
    ),
    (
        55,
        Lead,
        &["张锐"],
        "区生态环境分局",
        &["区直相关部门", "各镇街"],
    ),
    (
        56,
        Lead,
        &["张锐", "石可清", "孙恒民"],
        "区生态环境分局",
        &["各镇街"],
    ),
    (
        57,
        Lead,
        &["张锐", "石可清", "谭丽娜", "孙恒民"],
        "区生态环境分局",
        &["各镇街"],
    ),
    (
        58,
        Lead,
        &["孙恒民"],
        "区应急管理局",
        &["区直相关部门", "各镇街"],
    ),
    (
        59,
        Lead,
        &["张锐"],
        "区地方金融监管局",
        &["各镇街", "各金融机构"],
    ),
    (60, Lead, &["张锐"], "区财政局", &[]),
    (
        61,
        Lead,
        &["张锐"],
        "区发展改革局",
        &["区直各部门", "各镇街"],
    ),
    (62, Lead, &["孙恒民"], "区市场监督管理局", &["各镇街"]),
    (63, Lead, &["于长海", "崔青"], "区委政法委", &["各镇街"]),
    (64, Lead, &["张孝元"], "区信访局", &["各镇街"]),
    (65, Lead, &["张孝元"], "区司法局", &["各镇街"]),
    (66, Lead, &["崔青", "张孝元"], "区委政法委", &["各镇街"]),
    (67, Lead, &["张锐"], "区政府办公室", &[]),
    (68, Lead, &["张孝元"], "区司法局", &[]),
    (69, Lead, &["张锐"], "区政府办公室", &[]),
    (70, Lead, &["张锐"], "区财政局", &[]),
    (71, Lead, &["张锐", "石可清"], "区财政局", &[]),
];

#[test]
fn every_task_has_its_leaders_with_their_role_in_written_order() {
    for (n, role, names, _, _) in ALL_TASKS {
        let got: Vec<(&str, LeaderRole)> = t(n)
            .leaders
            .iter()
            .map(|l| (l.name.as_str(), l.role))
            .collect();
        let want: Vec<(&str, LeaderRole)> = names.iter().map(|name| (*name, role)).collect();
        assert_eq!(got, want, "leaders of task {n}");
    }
}

#[test]
fn without_bold_the_first_listed_unit_is_the_only_host() {
    for (n, _, _, first, _) in ALL_TASKS {
        let hosts: Vec<&str> = t(n)
            .units
            .iter()
            .filter(|u| u.role == Host)
            .map(|u| u.name.as_str())
            .collect();
        assert_eq!(hosts, [first], "host of task {n}");
        assert!(
            t(n).units
                .iter()
                .any(|u| u.name == first && u.via.is_none()),
            "task {n} names {first} directly"
        );
    }
}

#[test]
fn every_group_word_of_every_task_is_recorded_as_a_co_organizing_group() {
    for (n, _, _, _, groups) in ALL_TASKS {
        let expected: Vec<_> = groups.iter().map(|g| group(g, Co)).collect();
        assert_groups(t(n), &expected);
    }
}

#[test]
fn no_task_has_zero_units_or_zero_leaders() {
    for task in &seed().tasks {
        assert!(!task.units.is_empty(), "task {} has units", task.number);
        assert!(!task.leaders.is_empty(), "task {} has leaders", task.number);
    }
}

#[test]
fn no_unit_appears_twice_in_a_task() {
    for task in &seed().tasks {
        let mut names: Vec<&str> = task.units.iter().map(|u| u.name.as_str()).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(
            names.len(),
            before,
            "task {} lists a unit twice",
            task.number
        );
    }
}

// ---------------------------------------------------------------- units of single tasks, by hand

#[test]
fn task_1_has_a_host_four_named_co_organizers_the_park_and_every_town_and_subdistrict() {
    assert_leaders(t(1), &[lead("张锐")]);
    let mut units = vec![
        host("制造强市建设兖州区指挥部"),
        co("区工业和信息化局"),
        co("区发展改革局"),
        co("区科技局"),
        co("区投资促进中心"),
        co("工业园区"),
    ];
    units.extend(yz_all_towns(Co, "各镇街"));
    assert_units(t(1), &units);
    assert_groups(t(1), &[group("各镇街", Co)]);
}

#[test]
fn the_bold_note_of_task_1_is_not_a_unit() {
    for u in &t(1).units {
        assert!(
            !u.name.contains("黑体") && !u.name.contains("下同"),
            "{u:?}"
        );
    }
}

#[test]
fn task_3_has_one_host_the_park_and_the_ten_towns_and_subdistricts() {
    let mut units = vec![host("区地方金融监管局"), co("工业园区")];
    units.extend(yz_all_towns(Co, "各镇街"));
    assert_units(t(3), &units);
}

#[test]
fn task_7_lists_departments_directly_and_through_the_department_group() {
    let mut units = vec![host("区发展改革局"), co("区财政局"), co("工业园区")];
    units.extend(via(
        "区直各部门",
        Co,
        &YZ_DEPARTMENTS,
        &["区发展改革局", "区财政局"],
    ));
    units.extend(yz_all_towns(Co, "各镇街"));
    assert_units(t(7), &units);
    assert_eq!(t(7).units.len(), 2 + 1 + 43 + 10);
}

#[test]
fn task_9_has_three_lead_leaders_and_drops_the_trailing_deng() {
    assert_leaders(t(9), &[lead("吴广"), lead("孙恒民"), lead("崔增力")]);
    let mut units = vec![
        host("区委组织部"),
        co("区人力资源和社会保障局"),
        co("区科技局"),
        co("工业园区"),
    ];
    units.extend(yz_all_towns(Co, "各镇街"));
    assert_units(t(9), &units);
}

#[test]
fn task_10_keeps_the_telecom_group_of_the_directory_unresolved() {
    let mut units = vec![host("区工业和信息化局"), co("工业园区")];
    units.extend(yz_all_towns(Co, "各镇街"));
    assert_units(t(10), &units);
    assert_groups(t(10), &[group("各镇街", Co), group("通信企业", Co)]);
}

#[test]
fn task_11_has_the_park_as_host_and_a_town_named_directly() {
    assert_leaders(t(11), &[lead("张锐")]);
    assert_units(
        t(11),
        &[
            host("工业园区"),
            co("区综合行政执法局"),
            co("区商务局"),
            co("区工业和信息化局"),
            co("新兖镇"),
        ],
    );
    assert_groups(t(11), &[]);
}

#[test]
fn task_12_has_a_service_centre_as_host_and_one_town() {
    assert_leaders(t(12), &[lead("崔增力")]);
    assert_units(
        t(12),
        &[
            host("颜店新城建设管理服务中心"),
            co("区发展改革局"),
            co("区自然资源局"),
            co("颜店镇"),
        ],
    );
}

#[test]
fn task_13_has_responsible_leaders_and_towns_and_a_subdistrict_named_directly() {
    assert_leaders(t(13), &[responsible("张锐"), responsible("崔增力")]);
    assert_units(
        t(13),
        &[
            host("区商务局"),
            co("区交通运输局"),
            co("新兖镇"),
            co("大安镇"),
            co("酒仙桥街道"),
            co("区发展改革局"),
        ],
    );
    assert_groups(t(13), &[]);
}

#[test]
fn task_16_has_two_responsible_leaders_and_one_town_and_one_subdistrict() {
    assert_leaders(t(16), &[responsible("张锐"), responsible("崔增力")]);
    assert_units(
        t(16),
        &[
            host("区商务局"),
            co("区交通运输局"),
            co("大安镇"),
            co("酒仙桥街道"),
        ],
    );
    assert_groups(t(16), &[]);
}

#[test]
fn task_19_keeps_related_towns_as_an_unresolved_group_without_members() {
    assert_leaders(t(19), &[lead("张锐"), lead("石可清"), lead("崔增力")]);
    assert_units(
        t(19),
        &[
            host("区发展改革局"),
            co("区交通运输局"),
            co("区公路局"),
            co("区综合行政执法局"),
            co("区自然资源局"),
        ],
    );
    assert_groups(t(19), &[group("相关镇街", Co)]);
}

#[test]
fn task_24_has_two_units_after_dropping_deng() {
    assert_leaders(t(24), &[lead("张允锐"), lead("石可清")]);
    assert_units(t(24), &[host("区委宣传部"), co("区综合行政执法局")]);
}

#[test]
fn task_32_expands_towns_only_and_keeps_related_departments_unresolved() {
    let mut units = vec![host("区住房城乡建设局")];
    units.extend(via("各镇", Co, &YZ_TOWNS, &[]));
    assert_units(t(32), &units);
    assert_groups(t(32), &[group("区直相关部门", Co), group("各镇", Co)]);
}

#[test]
fn task_34_expands_the_six_towns_and_names_one_subdistrict_directly() {
    assert_leaders(t(34), &[lead("石可清"), lead("孙恒民"), lead("崔增力")]);
    let mut units = vec![
        host("区农业农村局"),
        co("区综合行政执法局"),
        co("区交通运输局"),
        co("区住房城乡建设局"),
        co("兴隆庄街道"),
    ];
    units.extend(via("各镇", Co, &YZ_TOWNS, &[]));
    assert_units(t(34), &units);
    assert_groups(t(34), &[group("各镇", Co)]);
}

#[test]
fn task_38_names_the_agriculture_bureau_by_both_its_names_and_means_the_one_unit() {
    assert_leaders(t(38), &[lead("孙恒民")]);
    let mut units = vec![host("区农业农村局")];
    units.extend(yz_all_towns(Co, "各镇街"));
    assert_units(t(38), &units);
}

#[test]
fn the_agriculture_bureau_is_one_unit_with_every_task_that_names_it() {
    let m = seed();
    let named: Vec<&str> = m
        .units
        .iter()
        .map(|u| u.name.as_str())
        .filter(|n| n.contains("农业农村局") || n.contains("乡村振兴局"))
        .collect();
    assert_eq!(named, ["区农业农村局"]);
    let tasks = |direct: bool| -> Vec<u32> {
        m.tasks
            .iter()
            .filter(|t| {
                t.units
                    .iter()
                    .any(|u| u.name == "区农业农村局" && u.via.is_none() == direct)
            })
            .map(|t| t.number)
            .collect()
    };
    // Named in the notice: as 区农业农村局, and in task 38 as 区农业农村局（区乡村振兴局）.
    assert_eq!(tasks(true), [28, 29, 30, 31, 34, 37, 38, 54, 57]);
    // Through 区直各部门.
    assert_eq!(tasks(false), [7, 61]);
}

#[test]
fn task_43_has_a_responsible_leader_and_both_kinds_of_group() {
    assert_leaders(t(43), &[responsible("谭丽娜")]);
    let mut units = vec![host("区民政局"), co("区教育和体育局")];
    units.extend(yz_all_towns(Co, "各镇街"));
    assert_units(t(43), &units);
    assert_groups(t(43), &[group("区直相关部门", Co), group("各镇街", Co)]);
}

#[test]
fn task_53_has_a_host_with_parentheses_and_leaves_related_departments_unresolved() {
    assert_leaders(t(53), &[lead("于长海"), lead("谭丽娜")]);
    let mut units = vec![
        host("区委统筹疫情防控和经济运行工作领导小组（指挥部）"),
        co("区卫生健康局"),
    ];
    units.extend(yz_all_towns(Co, "各镇街"));
    assert_units(t(53), &units);
    assert_groups(t(53), &[group("区直相关部门", Co), group("各镇街", Co)]);
}

#[test]
fn task_59_names_two_banks_directly_and_leaves_the_financial_institutions_unresolved() {
    assert_leaders(t(59), &[lead("张锐")]);
    let mut units = vec![
        host("区地方金融监管局"),
        co("人民银行兖州支行"),
        co("济宁银保监分局兖州监管组"),
    ];
    units.extend(yz_all_towns(Co, "各镇街"));
    assert_units(t(59), &units);
    assert_groups(t(59), &[group("各镇街", Co), group("各金融机构", Co)]);
}

#[test]
fn task_61_reaches_every_other_department_through_the_department_group() {
    let mut units = vec![host("区发展改革局")];
    units.extend(via("区直各部门", Co, &YZ_DEPARTMENTS, &["区发展改革局"]));
    units.extend(yz_all_towns(Co, "各镇街"));
    assert_units(t(61), &units);
}

#[test]
fn task_70_has_a_single_unit() {
    assert_leaders(t(70), &[lead("张锐")]);
    assert_units(t(70), &[host("区财政局")]);
    assert_groups(t(70), &[]);
}

#[test]
fn task_71_has_two_leaders_a_host_and_three_co_organizers() {
    assert_leaders(t(71), &[lead("张锐"), lead("石可清")]);
    assert_units(
        t(71),
        &[
            host("区财政局"),
            co("区公共资源交易分中心"),
            co("区行政审批服务局"),
            co("区自然资源局"),
        ],
    );
}

#[test]
fn every_town_and_subdistrict_group_expands_to_exactly_its_ten_members() {
    let want: Vec<&str> = yz_towns_and_subdistricts();
    let mut want_sorted = want.clone();
    want_sorted.sort();
    for task in &seed().tasks {
        if !task.groups.iter().any(|g| g.name == "各镇街") {
            continue;
        }
        let mut got: Vec<&str> = task
            .units
            .iter()
            .filter(|u| u.via.as_deref() == Some("各镇街"))
            .map(|u| u.name.as_str())
            .collect();
        got.sort();
        assert_eq!(got, want_sorted, "各镇街 of task {}", task.number);
    }
    let g = seed()
        .groups
        .iter()
        .find(|g| g.name == "各镇街")
        .expect("各镇街 is a group");
    assert_eq!(g.members, want);
}

// ---------------------------------------------------------------- units and groups of the matrix

#[test]
fn the_matrix_units_are_the_directory_units_sorted_by_name_with_their_kinds() {
    let mut want: Vec<UnitInfo> = Vec::new();
    let mut add = |names: &[&str], kind: UnitKind| {
        want.extend(names.iter().map(|n| UnitInfo {
            name: (*n).into(),
            kind,
            aliases: Vec::new(),
        }));
    };
    add(&YZ_SUBDISTRICTS, UnitKind::Subdistrict);
    add(&YZ_TOWNS, UnitKind::Town);
    add(&YZ_PARKS, UnitKind::Park);
    add(&YZ_DEPARTMENTS, UnitKind::Department);
    add(&YZ_OTHERS, UnitKind::Other);
    want.sort_by(|a, b| a.name.cmp(&b.name));
    // The directory's one alias: the bureau's other name.
    for unit in want.iter_mut().filter(|u| u.name == "区农业农村局") {
        unit.aliases = vec!["区乡村振兴局".into()];
    }
    assert_eq!(seed().units, want);
}

#[test]
fn the_matrix_groups_are_the_directory_groups_sorted_by_name() {
    let g = |name: &str, members: Vec<&str>| GroupInfo {
        name: name.into(),
        members: members.into_iter().map(String::from).collect(),
    };
    let mut want = vec![
        g("各镇街", yz_towns_and_subdistricts()),
        g("镇街", yz_towns_and_subdistricts()),
        g("各镇", YZ_TOWNS.to_vec()),
        g("各街道", YZ_SUBDISTRICTS.to_vec()),
        g("区直各部门", YZ_DEPARTMENTS.to_vec()),
        g("区政府各部门", YZ_DEPARTMENTS.to_vec()),
        g("相关镇街", vec![]),
        g("区直相关部门", vec![]),
        g("各金融机构", vec![]),
        g("通信企业", vec![]),
    ];
    want.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(seed().groups, want);
}

#[test]
fn unresolved_groups_are_warned_about_on_the_line_that_names_them() {
    let m = seed();
    assert_warns(m, "通信企业", &[seed_line(10)]);
    assert_warns(m, "各金融机构", &[seed_line(59)]);
    let related_departments: Vec<usize> = [25, 32, 41, 43, 53, 55, 58].map(seed_line).to_vec();
    assert_warns(m, "区直相关部门", &related_departments);
    for w in &m.warnings {
        assert!(has_cjk(&w.message), "warnings are in Chinese: {w:?}");
    }
}

// ---------------------------------------------------------------- targets

struct Want {
    kind: TargetKind,
    value_text: &'static str,
    value: f64,
    unit: &'static str,
    normalized_value: f64,
    normalized_unit: &'static str,
    metric: Option<&'static str>,
}

fn w(
    kind: TargetKind,
    value_text: &'static str,
    value: f64,
    unit: &'static str,
    nv: f64,
    nu: &'static str,
    metric: Option<&'static str>,
) -> Want {
    Want {
        kind,
        value_text,
        value,
        unit,
        normalized_value: nv,
        normalized_unit: nu,
        metric,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

fn assert_targets(what: &str, got: &[Target], want: &[Want]) {
    let brief: Vec<String> = got
        .iter()
        .map(|t| format!("{:?} {} ({})", t.kind, t.value_text, t.metric))
        .collect();
    assert_eq!(got.len(), want.len(), "targets of {what}: {brief:#?}");
    let year_end = NaiveDate::from_ymd_opt(2022, 12, 31);
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let at = format!("{what}, target {}", i + 1);
        assert_eq!(g.kind, w.kind, "{at}");
        assert_eq!(g.value_text, w.value_text, "{at}");
        assert!(
            close(g.value, w.value),
            "{at}: value {} ≠ {}",
            g.value,
            w.value
        );
        assert_eq!(g.unit, w.unit, "{at}");
        assert!(
            close(g.normalized_value, w.normalized_value),
            "{at}: normalized {} ≠ {}",
            g.normalized_value,
            w.normalized_value
        );
        assert_eq!(g.normalized_unit, w.normalized_unit, "{at}");
        if let Some(metric) = w.metric {
            assert_eq!(g.metric, metric, "{at}");
        }
        assert_eq!(g.deadline, year_end, "{at}");
        assert!(
            g.source.contains(w.value_text),
            "{at}: source {:?}",
            g.source
        );
    }
}

use TargetKind::{AtLeast, AtMost, Count, GrowthRate, IncreaseBy, ReductionRate};

#[test]
fn task_1_has_four_revenue_targets_and_not_the_tonnage_of_a_project() {
    let m = Some("产业营业收入");
    assert_targets(
        "task 1",
        &t(1).targets,
        &[
            w(AtLeast, "390亿元", 390.0, "亿元", 3.9e10, "元", m),
            w(AtLeast, "350亿元", 350.0, "亿元", 3.5e10, "元", m),
            w(AtLeast, "100亿元", 100.0, "亿元", 1.0e10, "元", m),
            w(AtLeast, "90亿元", 90.0, "亿元", 9.0e9, "元", m),
        ],
    );
}

#[test]
fn task_2_targets_twelve_new_champion_firms_but_not_the_hundred_selected() {
    assert_targets(
        "task 2",
        &t(2).targets,
        &[w(
            IncreaseBy,
            "12家",
            12.0,
            "家",
            12.0,
            "家",
            Some("单项冠军、瞪羚企业"),
        )],
    );
}

#[test]
fn task_6_counts_projects_and_reads_funds_in_yuan_and_dollars() {
    assert_targets(
        "task 6",
        &t(6).targets,
        &[
            w(Count, "3个", 3.0, "个", 3.0, "个", Some("10亿元以上项目")),
            w(Count, "1个", 1.0, "个", 1.0, "个", Some("50亿元以上项目")),
            w(AtLeast, "60亿元", 60.0, "亿元", 6.0e9, "元", None),
            w(AtLeast, "1亿美元", 1.0, "亿美元", 1.0e8, "美元", None),
        ],
    );
}

#[test]
fn task_8_has_two_increases_and_a_share() {
    assert_targets(
        "task 8",
        &t(8).targets,
        &[
            w(
                IncreaseBy,
                "30家",
                30.0,
                "家",
                30.0,
                "家",
                Some("高新技术企业"),
            ),
            w(
                AtLeast,
                "42%",
                42.0,
                "%",
                42.0,
                "%",
                Some("高新技术产业产值占规模以上工业产值的比重"),
            ),
            w(
                IncreaseBy,
                "7家",
                7.0,
                "家",
                7.0,
                "家",
                Some("省级以上创新平台"),
            ),
        ],
    );
}

#[test]
fn task_10_has_only_the_growth_of_renovation_investment() {
    assert_targets(
        "task 10",
        &t(10).targets,
        &[w(
            GrowthRate,
            "8%",
            8.0,
            "%",
            8.0,
            "%",
            Some("制造业技改投资"),
        )],
    );
}

#[test]
fn task_11_pairs_two_metrics_with_two_values_through_fenbie() {
    assert_targets(
        "task 11",
        &t(11).targets,
        &[
            w(
                AtLeast,
                "900亿元",
                900.0,
                "亿元",
                9.0e10,
                "元",
                Some("规模以上工业营业收入"),
            ),
            w(AtLeast, "60亿元", 60.0, "亿元", 6.0e9, "元", Some("利润")),
        ],
    );
}

#[test]
fn task_20_counts_renovation_projects_and_old_compounds() {
    assert_targets(
        "task 20",
        &t(20).targets,
        &[
            w(Count, "3个", 3.0, "个", 3.0, "个", Some("棚户区改造项目")),
            w(Count, "22个", 22.0, "个", 22.0, "个", Some("老旧小区")),
        ],
    );
}

#[test]
fn task_21_counts_roads_and_measures_kilometres() {
    assert_targets(
        "task 21",
        &t(21).targets,
        &[
            w(Count, "34条", 34.0, "条", 34.0, "条", None),
            w(AtLeast, "52.7公里", 52.7, "公里", 52.7, "公里", None),
        ],
    );
}

#[test]
fn task_26_counts_compression_and_transfer_stations() {
    assert_targets(
        "task 26",
        &t(26).targets,
        &[
            w(Count, "7座", 7.0, "座", 7.0, "座", None),
            w(Count, "5处", 5.0, "处", 5.0, "处", None),
        ],
    );
}

#[test]
fn task_28_normalizes_ten_thousand_mu() {
    assert_targets(
        "task 28",
        &t(28).targets,
        &[
            w(
                AtLeast,
                "3.6万亩",
                3.6,
                "万亩",
                36000.0,
                "亩",
                Some("高标准农田建设"),
            ),
            w(
                AtLeast,
                "17.5万亩",
                17.5,
                "万亩",
                175000.0,
                "亩",
                Some("小麦良种繁育基地"),
            ),
        ],
    );
    assert_eq!(t(28).targets[0].source, "完成3.6万亩高标准农田建设");
}

#[test]
fn task_34_counts_villages_and_bridges_and_measures_rural_roads() {
    assert_targets(
        "task 34",
        &t(34).targets,
        &[
            w(Count, "102个", 102.0, "个", 102.0, "个", None),
            w(AtLeast, "80公里", 80.0, "公里", 80.0, "公里", None),
            w(Count, "6座", 6.0, "座", 6.0, "座", None),
        ],
    );
}

#[test]
fn task_41_has_new_jobs_and_an_unemployment_ceiling() {
    assert_targets(
        "task 41",
        &t(41).targets,
        &[
            w(
                IncreaseBy,
                "4500人",
                4500.0,
                "人",
                4500.0,
                "人",
                Some("城镇就业"),
            ),
            w(AtMost, "3%", 3.0, "%", 3.0, "%", Some("城镇登记失业率")),
        ],
    );
    assert_eq!(t(41).targets[1].source, "城镇登记失业率控制在3%以内");
}

#[test]
fn task_47_strips_the_fillers_from_the_education_spending_metric() {
    assert_targets(
        "task 47",
        &t(47).targets,
        &[w(
            GrowthRate,
            "10%",
            10.0,
            "%",
            10.0,
            "%",
            Some("区级财政教育投入"),
        )],
    );
}

#[test]
fn task_48_counts_schools_and_adds_teachers() {
    assert_targets(
        "task 48",
        &t(48).targets,
        &[
            w(Count, "65处", 65.0, "处", 65.0, "处", None),
            w(
                IncreaseBy,
                "100人",
                100.0,
                "人",
                100.0,
                "人",
                Some("中小学教师"),
            ),
        ],
    );
}

#[test]
fn task_70_cuts_general_spending_by_a_fifth() {
    assert_targets(
        "task 70",
        &t(70).targets,
        &[w(
            ReductionRate,
            "20%",
            20.0,
            "%",
            20.0,
            "%",
            Some("一般性支出"),
        )],
    );
}

#[test]
fn numbers_that_are_not_quantities_give_no_targets() {
    // 327国道 (task 19), PM2.5 (task 55), 12345政务热线 (task 63).
    for n in [19, 55, 63] {
        assert!(t(n).targets.is_empty(), "task {n}: {:?}", t(n).targets);
    }
}

#[test]
fn the_expected_district_figures_of_section_one_are_notice_targets() {
    let got = &seed().notice_targets;
    assert_targets(
        "section 一",
        got,
        &[
            w(GrowthRate, "7%", 7.0, "%", 7.0, "%", None),
            w(
                GrowthRate,
                "5%",
                5.0,
                "%",
                5.0,
                "%",
                Some("一般公共预算收入"),
            ),
            w(GrowthRate, "8%", 8.0, "%", 8.0, "%", Some("固定资产投资")),
            w(
                GrowthRate,
                "8%",
                8.0,
                "%",
                8.0,
                "%",
                Some("社会消费品零售总额"),
            ),
            w(
                GrowthRate,
                "7%",
                7.0,
                "%",
                7.0,
                "%",
                Some("城镇居民人均可支配收入"),
            ),
            w(
                GrowthRate,
                "8%",
                8.0,
                "%",
                8.0,
                "%",
                Some("农村居民人均可支配收入"),
            ),
        ],
    );
    // The first clause starts at 全区经济社会发展主要预期目标为：, so only its tail is pinned.
    assert!(
        got[0].metric.ends_with("地区生产总值"),
        "{:?}",
        got[0].metric
    );
    assert_eq!(got[4].source, "城镇、农村居民人均可支配收入分别增长7%、8%");
}

#[test]
fn no_task_carries_the_targets_of_section_one() {
    for task in &seed().tasks {
        for target in &task.targets {
            assert!(
                !target.metric.contains("地区生产总值"),
                "task {}: {target:?}",
                task.number
            );
        }
    }
}
