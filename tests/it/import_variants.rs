//! Small notices of a made-up county (青禾县, directory tests/fixtures/qinghe-units.toml), each
//! written in another of the shapes real notices come in. Every test pins the whole matrix.

use crate::support::matrix::*;
use chrono::NaiveDate;
use duban::matrix::{Matrix, NoticeInfo, TargetKind, UnitRole};

use UnitRole::{Co, Host};

const PLAIN: &str = include_str!("../fixtures/variants/01-plain-parens.txt");
const BRACKETS: &str = include_str!("../fixtures/variants/02-brackets-halfwidth.txt");
const OWN_LINES: &str = include_str!("../fixtures/variants/03-own-lines-restart.txt");
const MARKDOWN: &str = include_str!("../fixtures/variants/04-markdown-bold.md");
const TABLE: &str = include_str!("../fixtures/variants/05-flattened-table.txt");
const COVER: &str = include_str!("../fixtures/variants/06-cover-letter-attachment.txt");
const HEADINGS: &str = include_str!("../fixtures/variants/07-headings-like-tasks.txt");
const HALFWIDTH: &str = include_str!("../fixtures/variants/08-halfwidth-chinese-numbers.txt");

fn parse(text: &str) -> Matrix {
    parse_ok(text, &qinghe_dir())
}

fn info(
    title: &str,
    issuer: Option<&str>,
    doc_number: Option<&str>,
    date: Option<(i32, u32, u32)>,
    year: i32,
) -> NoticeInfo {
    NoticeInfo {
        title: title.into(),
        issuer: issuer.map(String::from),
        doc_number: doc_number.map(String::from),
        date: date.map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap()),
        year: Some(year),
    }
}

/// `units` followed by the members of each `(group, role, members, named directly)`.
fn with(
    mut units: Vec<duban::matrix::UnitRef>,
    groups: &[(&str, UnitRole, &[&str], &[&str])],
) -> Vec<duban::matrix::UnitRef> {
    for (g, role, members, except) in groups {
        units.extend(via(g, *role, members, except));
    }
    units
}

// ------------------------------------------------------------------ 01: plain text, （） fields

#[test]
fn a_plain_notice_with_fields_in_fullwidth_parentheses_imports_completely() {
    let m = parse(PLAIN);
    assert_eq!(
        m.notice,
        info(
            "关于印发2023年县政府重点工作任务分工的通知",
            Some("青禾县人民政府"),
            Some("青政发〔2023〕3号"),
            Some((2023, 3, 6)),
            2023
        )
    );
    assert_sections(
        &m,
        &[
            (
                1,
                "一",
                "推动工业经济提质增效",
                line_of(PLAIN, "一、推动工业经济"),
            ),
            (2, "二", "办好民生实事", line_of(PLAIN, "二、办好民生实事")),
        ],
    );
    let towns_and_subdistricts = qh_towns_and_subdistricts();
    assert_tasks(
        &m,
        &[
            ExpectTask {
                number: 1,
                section: 1,
                line: line_of(PLAIN, "1、实施工业倍增行动"),
                text: "实施工业倍增行动，推动新材料产业园二期项目开工建设，年内新增规模以上工业企业15家。",
                leaders: vec![lead("李明")],
                // 责任单位 next to 配合单位 only: every unit of 责任单位 hosts.
                units: with(
                    vec![
                        host("县工业和信息化局"),
                        host("县发展和改革局"),
                        co("青禾经济开发区"),
                    ],
                    &[("各镇街", Co, &towns_and_subdistricts, &[])],
                ),
                groups: vec![group("各镇街", Co)],
            },
            ExpectTask {
                number: 2,
                section: 1,
                line: line_of(PLAIN, "2、深化"),
                text: "深化“放管服”改革，推行企业开办“一件事一次办”，持续优化营商环境。",
                leaders: vec![lead("李明"), lead("张华")],
                units: vec![host("县行政审批服务局"), co("县市场监督管理局")],
                groups: vec![group("县直有关部门", Co)],
            },
            ExpectTask {
                number: 3,
                section: 1,
                line: line_of(PLAIN, "3、加快沿河产业带"),
                text: "加快沿河产业带建设，完善园区水电路讯等基础配套。",
                leaders: vec![lead("赵立新")],
                units: with(
                    vec![
                        host("青禾经济开发区"),
                        co("县自然资源和规划局"),
                        co("县水利局"),
                    ],
                    &[("沿河镇街", Co, &QH_RIVERSIDE, &[])],
                ),
                groups: vec![group("沿河镇街", Co)],
            },
            ExpectTask {
                number: 4,
                section: 2,
                line: line_of(PLAIN, "4、实施城镇老旧小区改造"),
                text: "实施城镇老旧小区改造，改造老旧小区12个，同步推进雨污分流和加装电梯。",
                leaders: vec![lead("赵立新")],
                units: vec![
                    host("县住房和城乡建设局"),
                    co("县城市管理局（县综合行政执法局）"),
                ],
                groups: vec![group("相关镇街", Co)],
            },
            ExpectTask {
                number: 5,
                section: 2,
                line: line_of(PLAIN, "5、加强全媒体"),
                text: "加强全媒体传播体系建设，讲好青禾故事。",
                leaders: vec![lead("孙丽")],
                units: with(
                    vec![
                        host("县委宣传部"),
                        co("县融媒体中心（县广播电视台、县新闻中心）"),
                    ],
                    &[("各镇街", Co, &towns_and_subdistricts, &[])],
                ),
                groups: vec![group("各镇街", Co)],
            },
            ExpectTask {
                number: 6,
                section: 2,
                line: line_of(PLAIN, "6、推进农村供水"),
                text: "推进农村供水保障工程，年内城乡供水一体化覆盖率达到95%。",
                leaders: vec![lead("王建国"), lead("孙丽")],
                // 河口镇 and 柳林镇 are named directly and also belong to 各镇: named wins.
                units: with(
                    vec![host("县水利局"), co("河口镇"), co("柳林镇")],
                    &[("各镇", Co, &QH_TOWNS, &["河口镇", "柳林镇"])],
                ),
                groups: vec![group("各镇", Co)],
            },
        ],
    );
    assert_eq!(m.units, qinghe_units(&[]));
    assert_eq!(m.groups, qinghe_groups(&[]));
    assert_warns(&m, "县直有关部门", &[line_of(PLAIN, "2、深化")]);
    assert_warns(&m, "相关镇街", &[line_of(PLAIN, "4、实施城镇老旧小区改造")]);
}

#[test]
fn a_plain_notice_reads_its_targets_against_the_year_of_a_chinese_numeral_date() {
    let m = parse(PLAIN);
    let year_end = NaiveDate::from_ymd_opt(2023, 12, 31);
    let got = |n: u32| -> Vec<(TargetKind, f64, String, String, Option<NaiveDate>)> {
        task(&m, n)
            .targets
            .iter()
            .map(|t| {
                (
                    t.kind,
                    t.value,
                    t.unit.clone(),
                    t.metric.clone(),
                    t.deadline,
                )
            })
            .collect()
    };
    assert_eq!(
        got(1),
        [(
            TargetKind::IncreaseBy,
            15.0,
            "家".into(),
            "规模以上工业企业".into(),
            year_end
        )]
    );
    assert_eq!(
        got(4),
        [(
            TargetKind::Count,
            12.0,
            "个".into(),
            "老旧小区".into(),
            year_end
        )]
    );
    assert_eq!(
        got(6),
        [(
            TargetKind::AtLeast,
            95.0,
            "%".into(),
            "城乡供水一体化覆盖率".into(),
            year_end
        )]
    );
    for n in [2, 3, 5] {
        assert_eq!(got(n), [], "task {n} has no figure");
    }
}

// ------------------------------------------------------------------ 02: ( ) 【】 [ ], half width

#[test]
fn fields_in_halfwidth_parentheses_and_square_brackets_with_mixed_separators_import_completely() {
    let m = parse(BRACKETS);
    assert_eq!(
        m.notice,
        info(
            "关于分解落实2023年全县优化营商环境重点任务的通知",
            Some("青禾县人民政府办公室"),
            Some("青政办字〔2023〕12号"),
            Some((2023, 4, 3)),
            2023
        )
    );
    assert_sections(
        &m,
        &[
            (
                1,
                "一",
                "提升政务服务效能",
                line_of(BRACKETS, "一、提升政务服务效能"),
            ),
            (
                2,
                "二",
                "强化要素保障",
                line_of(BRACKETS, "二、强化要素保障"),
            ),
        ],
    );
    assert_tasks(
        &m,
        &[
            ExpectTask {
                // １． full-width digit; (…) with half-width : ; and ,
                number: 1,
                section: 1,
                line: line_of(BRACKETS, "１．推行重点项目"),
                text: "推行重点项目“帮办代办”服务，提供从立项到竣工验收全流程帮办。",
                leaders: vec![responsible("张华")],
                // 责任单位 next to 牵头单位 co-organizes.
                units: vec![
                    host("县行政审批服务局"),
                    co("县发展和改革局"),
                    co("县住房和城乡建设局"),
                ],
                groups: vec![],
            },
            ExpectTask {
                // 【…】 with ；, two 牵头单位 separated by ，
                number: 2,
                section: 1,
                line: line_of(BRACKETS, "２．深化工程建设"),
                text: "深化工程建设项目审批制度改革，推行“多测合一”“联合验收”。",
                leaders: vec![responsible("张华")],
                units: vec![
                    host("县住房和城乡建设局"),
                    host("县自然资源和规划局"),
                    co("县行政审批服务局"),
                ],
                groups: vec![],
            },
            ExpectTask {
                // […] with fields separated by ，
                number: 3,
                section: 1,
                line: line_of(BRACKETS, "３．规范涉企检查"),
                text: "规范涉企检查，推行“综合查一次”，减少对企业正常经营的干扰。",
                leaders: vec![responsible("李明")],
                units: with(
                    vec![host("县市场监督管理局"), co("县商务局")],
                    &[("各街道", Co, &QH_SUBDISTRICTS, &[])],
                ),
                groups: vec![group("各街道", Co)],
            },
            ExpectTask {
                // 4． ASCII digit, full-width point; spaces after : and ;
                number: 4,
                section: 2,
                line: line_of(BRACKETS, "4．拓宽企业融资渠道"),
                text: "拓宽企业融资渠道，开展政银企对接活动，扩大普惠小微贷款规模。",
                leaders: vec![responsible("赵立新")],
                // 青禾农商银行 is both named and the one member of 各金融机构: it appears once, named.
                units: vec![host("县财政局"), co("青禾农商银行")],
                groups: vec![group("各金融机构", Co)],
            },
            ExpectTask {
                number: 5,
                section: 2,
                line: line_of(BRACKETS, "5．保障重点项目用电"),
                text: "保障重点项目用电需求，压缩企业办电时间。",
                leaders: vec![responsible("王建国")],
                units: vec![
                    host("国网青禾县供电公司"),
                    co("石桥镇"),
                    co("南岗镇"),
                    co("县发展和改革局"),
                ],
                groups: vec![],
            },
            ExpectTask {
                number: 6,
                section: 2,
                line: line_of(BRACKETS, "6．健全企业用工"),
                text: "健全企业用工服务机制，开展“春风行动”等招聘活动。",
                leaders: vec![responsible("孙丽")],
                units: with(
                    vec![host("县人力资源和社会保障局"), host("县教育和体育局")],
                    &[(
                        "县直各部门",
                        Co,
                        &QH_DEPARTMENTS,
                        &["县人力资源和社会保障局", "县教育和体育局"],
                    )],
                ),
                groups: vec![group("县直各部门", Co)],
            },
        ],
    );
    assert_eq!(m.units, qinghe_units(&[]));
    assert_eq!(m.groups, qinghe_groups(&[]));
}

// ------------------------------------------------------------------ 03: fields on their own lines

#[test]
fn fields_on_their_own_lines_under_part_headings_with_restarting_numbers_import_completely() {
    let m = parse(OWN_LINES);
    assert_eq!(
        m.notice,
        info(
            "关于分解2023年乡村振兴重点工作任务的通知",
            Some("青禾县农业农村工作领导小组办公室"),
            None,
            Some((2023, 2, 20)),
            2023
        )
    );
    // 第三部分 holds only numbered requirements without fields: it is not kept.
    assert_sections(
        &m,
        &[
            (1, "一", "稳定粮食生产", line_of(OWN_LINES, "第一部分")),
            (
                2,
                "二",
                "建设宜居宜业和美乡村",
                line_of(OWN_LINES, "第二部分"),
            ),
        ],
    );
    assert_tasks(
        &m,
        &[
            ExpectTask {
                number: 1,
                section: 1,
                line: line_of(OWN_LINES, "（一）落实粮食安全"),
                text: "落实粮食安全党政同责，稳定粮食播种面积，确保粮食产量稳中有增。",
                leaders: vec![lead("王建国")],
                units: with(
                    vec![host("县农业农村局"), co("县自然资源和规划局")],
                    &[("各乡镇", Co, &QH_TOWNS, &[])],
                ),
                groups: vec![group("各乡镇", Co)],
            },
            ExpectTask {
                number: 2,
                section: 1,
                line: line_of(OWN_LINES, "（二）加强高标准农田"),
                text: "加强高标准农田建设和管护，提升耕地地力等级。",
                leaders: vec![lead("王建国")],
                units: with(
                    vec![host("县农业农村局"), host("县财政局"), co("县水利局")],
                    &[("沿河镇街", Co, &QH_RIVERSIDE, &[])],
                ),
                groups: vec![group("沿河镇街", Co)],
            },
            ExpectTask {
                number: 3,
                section: 2,
                line: line_of(OWN_LINES, "（一）实施农村人居环境"),
                text: "实施农村人居环境整治提升行动，扎实推进农村厕所革命。",
                leaders: vec![lead("赵立新")],
                units: with(
                    vec![
                        host("县农业农村局"),
                        co("县卫生健康局"),
                        co("市生态环境局青禾分局"),
                    ],
                    &[("各乡镇", Co, &QH_TOWNS, &[])],
                ),
                groups: vec![group("各乡镇", Co)],
            },
            ExpectTask {
                number: 4,
                section: 2,
                line: line_of(OWN_LINES, "（二）深化文明村镇"),
                text: "深化文明村镇创建，推进移风易俗。",
                leaders: vec![lead("孙丽")],
                units: with(vec![host("县委宣传部")], &[("各乡镇", Co, &QH_TOWNS, &[])]),
                groups: vec![group("各乡镇", Co), group("县直有关部门", Co)],
            },
            ExpectTask {
                number: 5,
                section: 2,
                line: line_of(OWN_LINES, "（三）推进农村公路"),
                text: "推进农村公路提档升级，完善村内道路网络。",
                leaders: vec![lead("赵立新"), lead("王建国")],
                units: vec![host("县交通运输局"), co("石桥镇")],
                groups: vec![],
            },
        ],
    );
    assert_eq!(m.units, qinghe_units(&[]));
    assert_eq!(m.groups, qinghe_groups(&[]));
}

// ------------------------------------------------------------------ 04: Markdown, **bold** hosts

#[test]
fn a_markdown_notice_takes_bold_units_as_hosts_wherever_they_are_listed() {
    let m = parse(MARKDOWN);
    assert_eq!(
        m.notice,
        info(
            "关于印发《青禾县2024年民生实事项目责任分工》的通知",
            Some("青禾县人民政府"),
            Some("青政字〔2024〕5号"),
            None,
            2024
        )
    );
    assert_sections(
        &m,
        &[
            (1, "一", "教育医疗", line_of(MARKDOWN, "## 一、")),
            (2, "二", "城乡建设", line_of(MARKDOWN, "## 二、")),
        ],
    );
    let towns_and_subdistricts = qh_towns_and_subdistricts();
    assert_tasks(
        &m,
        &[
            ExpectTask {
                number: 1,
                section: 1,
                line: line_of(MARKDOWN, "1. 新建"),
                text: "新建、改扩建城区中小学校3所，新增学位2000个。",
                leaders: vec![lead("孙丽")],
                units: vec![
                    host("县教育和体育局"),
                    co("县发展和改革局"),
                    co("县财政局"),
                    co("城关街道"),
                    co("东城街道"),
                ],
                groups: vec![],
            },
            ExpectTask {
                // The bold unit is listed second.
                number: 2,
                section: 1,
                line: line_of(MARKDOWN, "2. 推进紧密型"),
                text: "推进紧密型县域医共体建设，提升基层医疗服务能力。",
                leaders: vec![lead("孙丽")],
                units: with(
                    vec![co("县财政局"), host("县卫生健康局"), co("县医疗保障局")],
                    &[("各镇街", Co, &towns_and_subdistricts, &[])],
                ),
                groups: vec![group("各镇街", Co)],
            },
            ExpectTask {
                // A bold group word hosts, and so do its members.
                number: 3,
                section: 1,
                line: line_of(MARKDOWN, "3. 实施老年助餐"),
                text: "实施老年助餐服务工程，建设社区老年食堂。",
                leaders: vec![lead("孙丽"), lead("张华")],
                units: with(
                    vec![host("县民政局"), co("县财政局")],
                    &[("各镇街", Host, &towns_and_subdistricts, &[])],
                ),
                groups: vec![group("各镇街", Host)],
            },
            ExpectTask {
                // Two bold units, neither listed first; one has parentheses.
                number: 4,
                section: 2,
                line: line_of(MARKDOWN, "4. 改造提升"),
                text: "改造提升城区道路，打通城东片区断头路。",
                leaders: vec![lead("赵立新")],
                units: vec![
                    co("县住房和城乡建设局"),
                    host("县交通运输局"),
                    host("县城市管理局（县综合行政执法局）"),
                    co("城关街道"),
                ],
                groups: vec![],
            },
            ExpectTask {
                number: 5,
                section: 2,
                line: line_of(MARKDOWN, "5. 实施农村供水"),
                text: "实施农村供水管网改造工程，保障农村群众饮水安全。",
                leaders: vec![lead("王建国")],
                units: vec![host("县水利局")],
                groups: vec![group("相关镇街", Host)],
            },
            ExpectTask {
                number: 6,
                section: 2,
                line: line_of(MARKDOWN, "6. 推进农村电网"),
                text: "推进农村电网升级改造，提高农村供电可靠性。",
                leaders: vec![lead("赵立新")],
                units: with(
                    vec![host("国网青禾县供电公司"), co("县发展和改革局")],
                    &[("各镇街", Co, &towns_and_subdistricts, &[])],
                ),
                groups: vec![group("各镇街", Co)],
            },
        ],
    );
    assert_eq!(m.units, qinghe_units(&[]));
    assert_eq!(m.groups, qinghe_groups(&[]));
}

#[test]
fn markdown_markup_never_leaks_into_names_or_texts() {
    let m = parse(MARKDOWN);
    for t in &m.tasks {
        assert!(
            !t.text.contains('*') && !t.text.contains('#'),
            "task {}: {}",
            t.number,
            t.text
        );
        for u in &t.units {
            assert!(!u.name.contains('*'), "task {}: {u:?}", t.number);
        }
    }
    assert!(!m.notice.title.contains('#'));
    for s in &m.sections {
        assert!(!s.title.contains('#') && !s.label.contains('#'), "{s:?}");
    }
}

// ------------------------------------------------------------------ 05: a flattened table

#[test]
fn a_table_flattened_to_one_cell_per_line_imports_completely() {
    let m = parse(TABLE);
    // No date and no document number: the year comes from the title.
    assert_eq!(
        m.notice,
        info(
            "关于印发青禾县2024年项目建设攻坚行动任务清单的通知",
            Some("青禾县人民政府办公室"),
            None,
            None,
            2024
        )
    );
    assert_sections(
        &m,
        &[
            (1, "一", "重大产业项目", line_of(TABLE, "一、重大产业项目")),
            (2, "二", "基础设施项目", line_of(TABLE, "二、基础设施项目")),
        ],
    );
    // A row starts at its 序号 cell, the line above its 工作任务 cell.
    let row = |task_cell: &str| line_of(TABLE, task_cell) - 1;
    assert_tasks(
        &m,
        &[
            ExpectTask {
                number: 1,
                section: 1,
                line: row("加快新材料产业园二期建设"),
                text: "加快新材料产业园二期建设，年底前主体完工。",
                leaders: vec![responsible("李明")],
                units: vec![
                    host("青禾经济开发区"),
                    co("县发展和改革局"),
                    co("县自然资源和规划局"),
                ],
                groups: vec![],
            },
            ExpectTask {
                number: 2,
                section: 1,
                line: row("推进食品产业园"),
                text: "推进食品产业园冷链物流中心建设。",
                leaders: vec![responsible("李明"), responsible("张华")],
                units: vec![host("县商务局"), co("河口镇"), co("县市场监督管理局")],
                groups: vec![],
            },
            ExpectTask {
                number: 3,
                section: 1,
                line: row("实施重点工业企业技术改造"),
                text: "实施重点工业企业技术改造，推动企业智能化升级。",
                leaders: vec![responsible("张华")],
                units: with(
                    vec![host("县工业和信息化局")],
                    &[("各镇街", Co, &qh_towns_and_subdistricts(), &[])],
                ),
                groups: vec![group("各镇街", Co)],
            },
            ExpectTask {
                number: 4,
                section: 2,
                line: row("推进青禾至河口"),
                text: "推进青禾至河口一级公路改建工程。",
                leaders: vec![responsible("赵立新")],
                units: vec![host("县交通运输局"), co("河口镇"), co("县自然资源和规划局")],
                groups: vec![],
            },
            ExpectTask {
                number: 5,
                section: 2,
                line: row("实施城区污水管网"),
                text: "实施城区污水管网改造提升工程。",
                leaders: vec![responsible("赵立新")],
                units: vec![
                    host("县住房和城乡建设局"),
                    host("县城市管理局（县综合行政执法局）"),
                    co("城关街道"),
                    co("东城街道"),
                ],
                groups: vec![],
            },
            ExpectTask {
                number: 6,
                section: 2,
                line: row("加快沿河防洪"),
                text: "加快沿河防洪治理工程建设。",
                leaders: vec![responsible("王建国")],
                units: with(
                    vec![host("县水利局")],
                    &[("沿河镇街", Co, &QH_RIVERSIDE, &[])],
                ),
                groups: vec![group("沿河镇街", Co), group("相关镇街", Co)],
            },
        ],
    );
    assert_eq!(m.units, qinghe_units(&[]));
    assert_eq!(m.groups, qinghe_groups(&[]));
}

#[test]
fn the_header_and_deadline_cells_of_a_table_are_neither_units_nor_leaders() {
    let m = parse(TABLE);
    for t in &m.tasks {
        for l in &t.leaders {
            assert!(
                !["责任领导", "序号"].contains(&l.name.as_str()),
                "task {}: {l:?}",
                t.number
            );
        }
        for u in &t.units {
            assert!(
                !u.name.contains("月底") && !u.name.contains("单位"),
                "task {}: {u:?}",
                t.number
            );
        }
        assert!(
            t.targets.is_empty(),
            "task {} has no figure: {:?}",
            t.number,
            t.targets
        );
    }
}

// ------------------------------------------------------------------ 06: cover letter + attachment

#[test]
fn numbered_requirements_and_attachment_lists_of_a_cover_letter_are_not_tasks() {
    let m = parse(COVER);
    assert_eq!(
        m.notice,
        info(
            "关于印发青禾县2023年安全生产重点工作任务分工方案的通知",
            Some("青禾县人民政府办公室"),
            Some("青政办发〔2023〕21号"),
            Some((2023, 3, 10)),
            2023
        )
    );
    assert_sections(
        &m,
        &[
            (
                1,
                "一",
                "强化安全责任落实",
                line_of(COVER, "一、强化安全责任落实"),
            ),
            (
                2,
                "二",
                "深化重点行业领域专项整治",
                line_of(COVER, "二、深化重点行业"),
            ),
        ],
    );
    let towns_and_subdistricts = qh_towns_and_subdistricts();
    assert_tasks(
        &m,
        &[
            ExpectTask {
                number: 1,
                section: 1,
                line: line_of(COVER, "1.严格落实"),
                text: "严格落实党政领导干部安全生产责任制，制定年度安全生产责任清单。",
                leaders: vec![lead("张华")],
                units: with(
                    vec![host("县应急管理局")],
                    &[("各镇街", Co, &towns_and_subdistricts, &[])],
                ),
                groups: vec![group("县直有关部门", Co), group("各镇街", Co)],
            },
            ExpectTask {
                // 各乡镇 in the task text is not a unit.
                number: 2,
                section: 1,
                line: line_of(COVER, "2.健全安全生产"),
                text: "健全安全生产考核巡查机制，对各乡镇开展安全生产巡查。",
                leaders: vec![lead("张华")],
                units: vec![host("县应急管理局"), co("县委组织部")],
                groups: vec![],
            },
            ExpectTask {
                number: 3,
                section: 1,
                line: line_of(COVER, "3.加强安全生产宣传"),
                text: "加强安全生产宣传教育，开展“安全生产月”活动。",
                leaders: vec![lead("孙丽")],
                units: vec![
                    host("县应急管理局"),
                    host("县委宣传部"),
                    co("县融媒体中心（县广播电视台、县新闻中心）"),
                ],
                groups: vec![],
            },
            ExpectTask {
                number: 4,
                section: 2,
                line: line_of(COVER, "4.开展城镇燃气"),
                text: "开展城镇燃气安全专项整治，排查整治燃气管网隐患。",
                leaders: vec![lead("赵立新")],
                units: with(
                    vec![
                        host("县住房和城乡建设局"),
                        co("县市场监督管理局"),
                        co("县消防救援大队"),
                    ],
                    &[("各镇街", Co, &towns_and_subdistricts, &[])],
                ),
                groups: vec![group("各镇街", Co)],
            },
            ExpectTask {
                number: 5,
                section: 2,
                line: line_of(COVER, "5.加强道路交通"),
                text: "加强道路交通安全管理，整治农村客运和货车超限超载。",
                leaders: vec![lead("赵立新")],
                units: with(
                    vec![host("县交通运输局"), co("县公安局交通管理大队")],
                    &[("各乡镇", Co, &QH_TOWNS, &[])],
                ),
                groups: vec![group("各乡镇", Co)],
            },
            ExpectTask {
                number: 6,
                section: 2,
                line: line_of(COVER, "6.开展危险化学品"),
                text: "开展危险化学品企业安全风险隐患排查治理。",
                leaders: vec![lead("李明")],
                units: vec![host("县应急管理局"), co("青禾经济开发区")],
                groups: vec![group("有关重点企业", Co)],
            },
            ExpectTask {
                number: 7,
                section: 2,
                line: line_of(COVER, "7.加强汛期"),
                text: "加强汛期防汛安全管理，落实水库、河道安全度汛措施。",
                leaders: vec![lead("王建国")],
                units: with(
                    vec![host("县水利局")],
                    &[("沿河镇街", Co, &QH_RIVERSIDE, &[])],
                ),
                groups: vec![group("沿河镇街", Co)],
            },
        ],
    );
    // Units the directory does not know join the matrix as Other; an unknown 有关… word is a group.
    assert_eq!(
        m.units,
        qinghe_units(&["县消防救援大队", "县公安局交通管理大队"])
    );
    assert_eq!(m.groups, qinghe_groups(&["有关重点企业"]));
}

#[test]
fn unknown_units_and_unresolved_groups_are_warnings_on_their_lines() {
    let m = parse(COVER);
    assert_warns(&m, "县消防救援大队", &[line_of(COVER, "4.开展城镇燃气")]);
    assert_warns(
        &m,
        "县公安局交通管理大队",
        &[line_of(COVER, "5.加强道路交通")],
    );
    assert_warns(&m, "有关重点企业", &[line_of(COVER, "6.开展危险化学品")]);
    assert_warns(&m, "县直有关部门", &[line_of(COVER, "1.严格落实")]);
    for w in &m.warnings {
        assert!(has_cjk(&w.message), "warnings are in Chinese: {w:?}");
    }
}

// ------------------------------------------------------------------ 07: headings numbered like tasks

#[test]
fn short_headings_numbered_like_tasks_are_sections_and_restarting_subitems_are_tasks() {
    let m = parse(HEADINGS);
    assert_eq!(
        m.notice,
        info(
            "关于印发青禾县2023年数字政府建设工作要点任务分解的通知",
            Some("青禾县人民政府办公室"),
            None,
            Some((2023, 5, 8)),
            2023
        )
    );
    // 4.强化组织保障 is followed by prose, not tasks: neither a section nor a task.
    assert_sections(
        &m,
        &[
            (
                1,
                "1",
                "夯实数字基础设施",
                line_of(HEADINGS, "1.夯实数字基础设施"),
            ),
            (
                2,
                "2",
                "推进政务数据共享",
                line_of(HEADINGS, "2.推进政务数据共享"),
            ),
            (
                3,
                "3",
                "提升政务服务能力",
                line_of(HEADINGS, "3.提升政务服务能力"),
            ),
        ],
    );
    assert_tasks(
        &m,
        &[
            ExpectTask {
                number: 1,
                section: 1,
                line: line_of(HEADINGS, "（1）加快5G"),
                text: "加快5G基站建设，推动乡镇以上区域5G网络连续覆盖。",
                leaders: vec![lead("李明")],
                units: with(
                    vec![host("县工业和信息化局"), co("国网青禾县供电公司")],
                    &[("各镇街", Co, &qh_towns_and_subdistricts(), &[])],
                ),
                groups: vec![group("各镇街", Co)],
            },
            ExpectTask {
                number: 2,
                section: 1,
                line: line_of(HEADINGS, "（2）推进电子政务"),
                text: "推进电子政务外网向村级延伸，提升网络安全防护能力。",
                leaders: vec![lead("李明")],
                units: vec![host("县行政审批服务局"), co("县财政局")],
                groups: vec![],
            },
            ExpectTask {
                number: 3,
                section: 2,
                line: line_of(HEADINGS, "（1）完善县级政务数据"),
                text: "完善县级政务数据共享交换平台，推动部门数据按需共享。",
                leaders: vec![lead("张华")],
                units: with(
                    vec![host("县行政审批服务局")],
                    &[("县直各部门", Co, &QH_DEPARTMENTS, &["县行政审批服务局"])],
                ),
                groups: vec![group("县直各部门", Co)],
            },
            ExpectTask {
                number: 4,
                section: 2,
                line: line_of(HEADINGS, "（2）建设人口"),
                text: "建设人口、法人、自然资源等基础数据库。",
                leaders: vec![lead("张华")],
                units: vec![
                    host("县自然资源和规划局"),
                    host("县市场监督管理局"),
                    co("县行政审批服务局"),
                ],
                groups: vec![],
            },
            ExpectTask {
                number: 5,
                section: 3,
                line: line_of(HEADINGS, "（1）深化“一网通办”"),
                text: "深化“一网通办”，推动高频政务服务事项“掌上办”“指尖办”。",
                leaders: vec![lead("张华"), lead("孙丽")],
                units: with(
                    vec![host("县行政审批服务局")],
                    &[("各街道", Co, &QH_SUBDISTRICTS, &[])],
                ),
                groups: vec![group("县直有关部门", Co), group("各街道", Co)],
            },
            ExpectTask {
                number: 6,
                section: 3,
                line: line_of(HEADINGS, "（2）推进“互联网+监管”"),
                text: "推进“互联网+监管”，提升非现场监管能力。",
                leaders: vec![lead("孙丽")],
                units: vec![
                    host("县市场监督管理局"),
                    co("县城市管理局（县综合行政执法局）"),
                    co("县交通运输局"),
                ],
                groups: vec![],
            },
        ],
    );
    assert_eq!(m.units, qinghe_units(&[]));
    assert_eq!(m.groups, qinghe_groups(&[]));
}

// ------------------------------------------------------------------ 08: (一) half width, 一、 headings

#[test]
fn tasks_numbered_with_halfwidth_chinese_numerals_under_chinese_headings_import_completely() {
    let m = parse(HALFWIDTH);
    assert_eq!(
        m.notice,
        info(
            "关于做好2023年度生态环境保护重点工作的意见",
            Some("青禾县人民政府"),
            Some("青政发〔2023〕15号"),
            Some((2023, 3, 28)),
            2023
        )
    );
    assert_sections(
        &m,
        &[
            (
                1,
                "一",
                "深入打好蓝天保卫战",
                line_of(HALFWIDTH, "一、深入打好蓝天"),
            ),
            (
                2,
                "二",
                "深入打好碧水保卫战",
                line_of(HALFWIDTH, "二、深入打好碧水"),
            ),
            (
                3,
                "三",
                "深入打好净土保卫战",
                line_of(HALFWIDTH, "三、深入打好净土"),
            ),
        ],
    );
    // 协办单位 before 责任单位: with only 协办 beside it, every unit of 责任单位 hosts.
    assert_tasks(
        &m,
        &[
            ExpectTask {
                number: 1,
                section: 1,
                line: line_of(HALFWIDTH, "(一)"),
                text: "加强工业企业大气污染综合治理，推进重点行业超低排放改造。",
                leaders: vec![lead("李明")],
                units: vec![host("市生态环境局青禾分局"), co("县工业和信息化局")],
                groups: vec![],
            },
            ExpectTask {
                number: 2,
                section: 1,
                line: line_of(HALFWIDTH, "(二)"),
                text: "强化扬尘污染防控，落实施工工地“六个百分之百”要求。",
                leaders: vec![lead("赵立新")],
                units: with(
                    vec![
                        host("县住房和城乡建设局"),
                        co("县城市管理局（县综合行政执法局）"),
                    ],
                    &[("各街道", Co, &QH_SUBDISTRICTS, &[])],
                ),
                groups: vec![group("各街道", Co)],
            },
            ExpectTask {
                number: 3,
                section: 1,
                line: line_of(HALFWIDTH, "(三)"),
                text: "加强秸秆禁烧管控，推进秸秆综合利用。",
                leaders: vec![lead("王建国")],
                units: with(
                    vec![host("县农业农村局"), co("市生态环境局青禾分局")],
                    &[("各乡镇", Host, &QH_TOWNS, &[])],
                ),
                groups: vec![group("各乡镇", Host)],
            },
            ExpectTask {
                number: 4,
                section: 2,
                line: line_of(HALFWIDTH, "(四)"),
                text: "全面落实河长制，开展入河排污口排查整治。",
                leaders: vec![lead("王建国")],
                units: with(
                    vec![host("县水利局"), co("市生态环境局青禾分局")],
                    &[("沿河镇街", Co, &QH_RIVERSIDE, &[])],
                ),
                groups: vec![group("沿河镇街", Co)],
            },
            ExpectTask {
                number: 5,
                section: 2,
                line: line_of(HALFWIDTH, "(五)"),
                text: "推进乡镇污水处理设施提标改造，提高污水收集处理效能。",
                leaders: vec![lead("赵立新")],
                units: with(
                    vec![host("县住房和城乡建设局"), co("县财政局")],
                    &[("各乡镇", Host, &QH_TOWNS, &[])],
                ),
                groups: vec![group("各乡镇", Host)],
            },
            ExpectTask {
                number: 6,
                section: 2,
                line: line_of(HALFWIDTH, "(六)"),
                text: "保障集中式饮用水水源地安全，开展水源地规范化建设。",
                leaders: vec![lead("王建国")],
                units: vec![host("县水利局"), co("县卫生健康局")],
                groups: vec![],
            },
            ExpectTask {
                number: 7,
                section: 3,
                line: line_of(HALFWIDTH, "(七)"),
                text: "加强建设用地土壤污染风险管控，严格污染地块准入管理。",
                leaders: vec![lead("李明")],
                units: vec![host("县自然资源和规划局"), co("县住房和城乡建设局")],
                groups: vec![],
            },
            ExpectTask {
                number: 8,
                section: 3,
                line: line_of(HALFWIDTH, "(八)"),
                text: "推进农业面源污染治理，加强农药化肥减量增效。",
                leaders: vec![lead("王建国")],
                units: with(
                    vec![host("县农业农村局")],
                    &[("各乡镇", Co, &QH_TOWNS, &[])],
                ),
                groups: vec![group("各乡镇", Co)],
            },
            ExpectTask {
                number: 9,
                section: 3,
                line: line_of(HALFWIDTH, "(九)"),
                text: "规范医疗废物收集处置，加强危险废物全过程监管。",
                leaders: vec![lead("孙丽")],
                units: vec![host("县卫生健康局"), co("市生态环境局青禾分局")],
                groups: vec![],
            },
            ExpectTask {
                number: 10,
                section: 3,
                line: line_of(HALFWIDTH, "(十)"),
                text: "开展“无废城市”建设，推进固体废物源头减量和资源化利用。",
                leaders: vec![lead("李明"), lead("孙丽")],
                units: vec![host("市生态环境局青禾分局"), co("县发展和改革局")],
                groups: vec![group("县直有关部门", Co)],
            },
        ],
    );
    assert_eq!(m.units, qinghe_units(&[]));
    assert_eq!(m.groups, qinghe_groups(&[]));
}

// ------------------------------------------------------------------ across the fixtures

#[test]
fn every_fixture_imports_with_a_host_in_every_task() {
    for (name, text) in [
        ("01", PLAIN),
        ("02", BRACKETS),
        ("03", OWN_LINES),
        ("04", MARKDOWN),
        ("05", TABLE),
        ("06", COVER),
        ("07", HEADINGS),
        ("08", HALFWIDTH),
    ] {
        let m = parse(text);
        for t in &m.tasks {
            assert!(
                t.units.iter().any(|u| u.role == Host),
                "fixture {name}, task {}",
                t.number
            );
        }
    }
}

#[test]
fn the_same_notice_without_a_directory_keeps_its_groups_unresolved_and_its_units_as_other() {
    let m = parse_ok(PLAIN, &duban::matrix::UnitDirectory::default());
    let t6 = task(&m, 6);
    assert_units(t6, &[host("县水利局"), co("河口镇"), co("柳林镇")]);
    assert_groups(t6, &[group("各镇", Co)]);
    // 沿河镇街 is a group only because the directory says so.
    let t3 = task(&m, 3);
    assert!(
        t3.units
            .iter()
            .any(|u| u.name == "沿河镇街" && u.role == Co && u.via.is_none()),
        "{:?}",
        t3.units
    );
    assert!(
        m.groups.iter().all(|g| g.members.is_empty()),
        "{:?}",
        m.groups
    );
    assert!(
        m.units
            .iter()
            .all(|u| u.kind == duban::matrix::UnitKind::Other),
        "{:?}",
        m.units
    );
    assert_warns(&m, "河口镇", &[line_of(PLAIN, "6、推进农村供水")]);
}

// ------------------------------------------------- 09: responsibility in prose, leaders in headings

const PROSE: &str = include_str!("../fixtures/variants/09-prose-responsibility.txt");

#[test]
fn responsibility_written_as_prose_is_read_like_fields() {
    let m = parse(PROSE);

    assert_eq!(m.tasks.len(), 6);
    // 「X牵头，Y、Z配合」 and 「由X负责」
    assert_units(task(&m, 1), &[host("县住房和城乡建设局"), co("县财政局")]);
    assert_groups(task(&m, 1), &[group("相关镇街", Co)]);
    assert_eq!(task(&m, 1).text, "实施城镇老旧小区改造，改造老旧小区12个。");
    assert_units(task(&m, 2), &[host("县交通运输局")]);
    assert_eq!(task(&m, 2).text, "新建城乡公交候车亭50个，");
    // 「X、Y负责」: the first listed hosts.
    assert_units(task(&m, 5), &[host("县市场监督管理局"), co("县卫生健康局")]);
}

#[test]
fn a_leader_named_in_a_section_heading_leads_the_tasks_under_it_that_name_none() {
    let m = parse(PROSE);

    assert_eq!(m.sections.len(), 2);
    assert_eq!(m.sections[0].title, "李明副县长牵头的民生工程");
    for n in [1, 2, 3] {
        assert_leaders(task(&m, n), &[titled(lead("李明"), "副县长")]);
    }
    // Task 4 names its own leader; task 5 takes the heading's.
    assert_leaders(task(&m, 4), &[titled(responsible("王建国"), "县长")]);
    assert_leaders(task(&m, 5), &[lead("赵立新")]);
}

#[test]
fn leaders_written_with_titles_keep_their_names() {
    let m = parse(PROSE);

    // The name is the leader; the title is kept beside it.
    assert_leaders(task(&m, 4), &[titled(responsible("王建国"), "县长")]);
    assert_leaders(
        task(&m, 6),
        &[
            titled(lead("孙丽"), "副县长"),
            titled(lead("张华"), "县委常委、副县长"),
        ],
    );
    let leaders: std::collections::BTreeSet<&str> = m
        .tasks
        .iter()
        .flat_map(|t| t.leaders.iter().map(|l| l.name.as_str()))
        .collect();
    assert_eq!(leaders, ["孙丽", "张华", "李明", "王建国", "赵立新"].into());
}

#[test]
fn the_rule_that_the_first_listed_unit_hosts_is_applied_not_glued_onto_a_name() {
    let m = parse(PROSE);

    assert_units(
        task(&m, 3),
        &[host("县教育和体育局"), co("县财政局"), co("河口镇")],
    );
    assert!(
        m.units.iter().all(|u| !u.name.contains("第一位")),
        "{:?}",
        m.units
    );
    assert_units(task(&m, 4), &[host("县医疗保障局"), co("县财政局")]);
}

#[test]
fn the_first_listed_rule_outweighs_bold() {
    let text = "关于印发重点工作任务分工的通知\n（排在第一位的为牵头单位）\n1. 推进政务服务标准化。（责任单位：县民政局、**县行政审批服务局**）\n";
    let m = parse_ok(text, &qinghe_dir());

    assert_units(task(&m, 1), &[host("县民政局"), co("县行政审批服务局")]);
}

// --------------------------------------------------------- 10: the label family, ① numbering

const FAMILY: &str = include_str!("../fixtures/variants/10-label-family.txt");

#[test]
fn labels_are_read_as_a_family_with_any_level_and_in_traditional_characters() {
    let m = parse(FAMILY);

    assert_eq!(m.tasks.len(), 5);
    assert_leaders(task(&m, 1), &[lead("李明")]);
    assert_units(task(&m, 1), &[host("县行政审批服务局"), co("县民政局")]);
    assert_leaders(task(&m, 2), &[responsible("张华")]);
    assert_units(task(&m, 2), &[host("县发展和改革局"), co("县商务局")]);
    assert_leaders(task(&m, 3), &[responsible("赵立新")]);
    assert_units(
        task(&m, 3),
        &with(
            vec![host("县农业农村局"), co("县水利局")],
            &[("各镇", Co, &QH_TOWNS, &[])],
        ),
    );
    assert_leaders(task(&m, 4), &[responsible("孙丽")]);
    assert_units(
        task(&m, 4),
        &[
            host("县委宣传部"),
            co("县融媒体中心（县广播电视台、县新闻中心）"),
        ],
    );
    assert_leaders(task(&m, 5), &[lead("王建国")]);
    assert_units(task(&m, 5), &[host("县水利局"), co("柳林镇")]);
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
}

// ------------------------------------------------------------------ one unit under two names

/// A small notice that names one bureau as 县农业农村局（县乡村振兴局） in task 1, plainly in task
/// 2, and by its second name alone in task 3.
const TWO_NAMES: &str = "关于分解2023年重点工作任务的通知

1、巩固拓展脱贫攻坚成果。（牵头领导：王建国。责任单位：县农业农村局（县乡村振兴局）、县民政局；配合单位：各镇）
2、建设高标准农田5万亩。（牵头领导：王建国。责任单位：县农业农村局；配合单位：县水利局（县河湖长制办公室））
3、加强返贫动态监测。（牵头领导：王建国。责任单位：县乡村振兴局；配合单位：县农业农村局（县乡村振兴局））
";

#[test]
fn without_a_directory_a_unit_named_with_its_second_name_and_plainly_is_one_unit() {
    let m = parse_ok(TWO_NAMES, &duban::matrix::UnitDirectory::default());
    assert_units(task(&m, 1), &[host("县农业农村局"), host("县民政局")]);
    assert_units(
        task(&m, 2),
        &[host("县农业农村局"), co("县水利局（县河湖长制办公室）")],
    );
    // Task 1 wrote both names of one bureau: 县乡村振兴局 named alone is that bureau too.
    assert_units(task(&m, 3), &[host("县农业农村局")]);
    let mut units: Vec<&str> = m.units.iter().map(|u| u.name.as_str()).collect();
    units.sort();
    let mut expected = ["县农业农村局", "县民政局", "县水利局（县河湖长制办公室）"];
    expected.sort();
    assert_eq!(units, expected);
    assert_warns(
        &m,
        "“县农业农村局（县乡村振兴局）”写的是同一个单位的两个名称（括号内是另一个名称），已与通知中其他处的“县农业农村局”按同一个单位导入",
        &[line_of(TWO_NAMES, "1、巩固")],
    );
}

#[test]
fn with_a_directory_that_lists_the_alias_every_name_of_the_bureau_is_the_one_unit() {
    let dir = duban::matrix::UnitDirectory::from_toml(
        "[units]\ndepartments = [\"县农业农村局\", \"县民政局\", \"县水利局\"]\ntowns = [\"河口镇\"]\n\
         [aliases]\n\"县农业农村局\" = [\"县乡村振兴局\"]\n[groups]\n\"各镇\" = [\"@towns\"]",
    )
    .unwrap();
    let m = parse_ok(TWO_NAMES, &dir);
    let tasks = |name: &str| -> Vec<u32> {
        m.tasks
            .iter()
            .filter(|t| t.units.iter().any(|u| u.name == name))
            .map(|t| t.number)
            .collect()
    };
    assert_eq!(tasks("县农业农村局"), [1, 2, 3]);
    assert_units(task(&m, 3), &[host("县农业农村局")]);
    // The water bureau's parenthesis names no unit the directory knows other than the bureau.
    assert_units(task(&m, 2), &[host("县农业农村局"), co("县水利局")]);
    assert!(
        m.units.iter().all(|u| u.name != "县乡村振兴局"),
        "{:?}",
        m.units
    );
    assert!(
        m.warnings.iter().all(|w| !w.message.contains("农业农村局")),
        "{:?}",
        m.warnings
    );
}

#[test]
fn a_unit_marked_as_leading_inside_its_list_hosts_and_the_others_help() {
    let text = "关于印发重点工作任务分工的通知\n\
        1. 推进政务服务标准化。（县领导：李明；责任单位：县民政局、县行政审批服务局（牵头）、河口镇）\n\
        2. 优化审批流程。（责任单位：县发展和改革局牵头，县财政局、县商务局配合）\n\
        3. 建设道路5公里。（责任单位：县交通运输局、县财政局）\n";
    let m = parse_ok(text, &qinghe_dir());

    assert_leaders(task(&m, 1), &[lead("李明")]);
    assert_units(
        task(&m, 1),
        &[co("县民政局"), host("县行政审批服务局"), co("河口镇")],
    );
    assert_units(
        task(&m, 2),
        &[host("县发展和改革局"), co("县财政局"), co("县商务局")],
    );
    assert_units(task(&m, 3), &[host("县交通运输局"), co("县财政局")]);
    assert!(
        m.units
            .iter()
            .all(|u| !u.name.contains("牵头") && !u.name.contains("配合"))
    );
}

#[test]
fn a_task_without_fields_under_a_heading_that_names_a_leader_is_led_by_that_leader() {
    let text = "关于印发重点工作任务分工的通知\n\
        一、李明副县长牵头的工作\n\
        1. 推进政务服务标准化。（牵头单位：县行政审批服务局）\n\
        2. 优化审批流程。\n\
        3. 建设道路5公里。（牵头单位：县交通运输局）\n";
    let m = parse_ok(text, &qinghe_dir());

    assert!(task(&m, 2).units.is_empty());
    assert_leaders(task(&m, 2), &[titled(lead("李明"), "副县长")]);
}

#[test]
fn helpers_named_by_their_duty_notes_and_list_notes_are_no_names() {
    let text = "关于印发重点工作任务分工的通知\n\
        1. 推进政务服务标准化。（县行政审批服务局牵头，县民政局、县财政局等按职责分工负责）\n\
        2. 优化审批流程。（县政府领导：李明；责任单位：县发展和改革局、县商务局，列第一位的为牵头单位，下同）\n\
        3. 建设道路5公里。（牵头处室：县交通运输局；参加单位：县财政局）\n";
    let m = parse_ok(text, &qinghe_dir());

    assert_units(
        task(&m, 1),
        &[host("县行政审批服务局"), co("县民政局"), co("县财政局")],
    );
    assert_leaders(task(&m, 2), &[lead("李明")]);
    assert_units(task(&m, 2), &[host("县发展和改革局"), co("县商务局")]);
    assert_units(task(&m, 3), &[host("县交通运输局"), co("县财政局")]);
    assert!(
        m.units
            .iter()
            .all(|u| !u.name.contains("下同") && !u.name.contains("负责")),
        "{:?}",
        m.units
    );
}

#[test]
fn a_bare_list_of_units_in_brackets_after_each_task_is_its_responsibility() {
    // The shape of many 政府工作报告 分工 notices: no labels, the units in brackets, the rule
    // written once.
    let text = "关于印发2023年县政府工作报告重点任务分工的通知\n\
        各单位：现将任务分工如下（排在第一位的为牵头单位）。\n\
        一、推动工业经济提质增效\n\
        1. 实施工业倍增行动，年内新增规模以上工业企业15家。（县工业和信息化局、县发展和改革局，各镇街）\n\
        2. 深化“放管服”改革，制定《优化营商环境办法（试行）》。（县行政审批服务局、县市场监督管理局）\n\
        二、办好民生实事\n\
        3. 改造老旧小区12个。（县住房和城乡建设局）\n";
    let m = parse_ok(text, &qinghe_dir());

    assert_eq!(m.tasks.len(), 3);
    assert_eq!(m.sections.len(), 2);
    assert_units(
        task(&m, 1),
        &with(
            vec![host("县工业和信息化局"), co("县发展和改革局")],
            &[("各镇街", Co, &qh_towns_and_subdistricts(), &[])],
        ),
    );
    assert_eq!(
        task(&m, 2).text,
        "深化“放管服”改革，制定《优化营商环境办法（试行）》。"
    );
    assert_units(
        task(&m, 2),
        &[host("县行政审批服务局"), co("县市场监督管理局")],
    );
    assert_units(task(&m, 3), &[host("县住房和城乡建设局")]);
}

#[test]
fn fields_inline_after_the_text_prose_beside_a_deadline_and_remarks_after_leaders() {
    let text = "青禾县人民政府关于印发2023年重点工作任务分工的通知\n\
        （一）工业经济\n\
        1.加快推进重大项目建设，全年完成投资50亿元。牵头单位：县发展和改革局；配合单位：县财政局。\n\
        2.深化预算管理改革。责任领导：李明（按分工）；责任单位：县财政局。\n\
        （二）民生\n\
        3.新建学校2所。（县教育和体育局牵头，县财政局配合；完成时限：2023年8月底）\n";
    let m = parse_ok(text, &qinghe_dir());

    assert_units(task(&m, 1), &[host("县发展和改革局"), co("县财政局")]);
    assert_leaders(task(&m, 2), &[responsible("李明")]);
    assert_eq!(task(&m, 3).text, "新建学校2所。");
    assert_units(task(&m, 3), &[host("县教育和体育局"), co("县财政局")]);
    let deadline = task(&m, 3).deadline.as_ref().map(|d| d.text.as_str());
    assert_eq!(deadline, Some("2023年8月底"));
}
