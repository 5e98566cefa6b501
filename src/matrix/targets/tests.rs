use super::*;
use crate::matrix::model::TargetKind::{self, *};
use chrono::NaiveDate;

/// metric, value, unit, normalized value, normalized unit, kind.
type Row<'a> = (&'a str, f64, &'a str, f64, &'a str, TargetKind);

fn rows(targets: &[Target]) -> Vec<Row<'_>> {
    targets
        .iter()
        .map(|t| {
            let row = (t.metric.as_str(), t.value, t.unit.as_str());
            (
                row.0,
                row.1,
                row.2,
                t.normalized_value,
                t.normalized_unit.as_str(),
                t.kind,
            )
        })
        .collect()
}

fn date(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day)
}

fn deadlines(targets: &[Target]) -> Vec<Option<NaiveDate>> {
    targets.iter().map(|t| t.deadline).collect()
}

/// The seed's tasks as the notice parser hands them over: text before （牵头领导：…, no number.
const TASK_1: &str = "举全区之力抓工业经济发展，聚焦“2+2”优势主导产业，推行“群长+链长制”，培育壮大核心产业链。造纸包装产业，支持太阳纸业规划建设印刷包装产业园，抓好100万吨生物质基新材料等项目建设，年内产业营业收入突破390亿元。橡胶化工产业，支持华勤集团深化与世界500强企业的合资合作，抓好新能源轿车胎等高端轮胎的研发制造、技改扩能，推进聚合氯化铝、次氯酸钠等高端化工项目建设，年内产业营业收入突破350亿元。装备制造产业，推进蒂德华数智能制造联合实验室、德国罗特勒高档精密数控机床等项目尽快投产，抓好天意装配式ALC板材生产线、经典建筑构件智能化改造、金大丰智能联合收获装备等项目建设，年内产业营业收入突破100亿元。食品产业，抓好益海嘉里中央厨房、今麦郎高端饮品等项目建设，打造北方食品产业园，年内产业营业收入突破90亿元。";
const TASK_2: &str = "大力开展助企攀登，动态确定100家制造业企业纳入攀登工程，“一企一策”、分类指导，打造梯次跟进、竞相发展的强企方阵。全力支持两大企业提速发展、提质增效；扶持联诚精密、益海嘉里、经典集团等骨干企业加快突破50亿、30亿、20亿；鼓励天意机械、金大丰、乐和家等优质企业向“专精特新”方向发展，年内新增单项冠军、瞪羚企业12家。";
const TASK_5: &str = "坚持“要素资源跟着项目走”，对重点项目实行区级领导包保、挂图作战、“蓝黄红”管理推进机制，集中攻坚太阳纸业5万吨特种纸搬迁升级改造、华勤集团600万条高性能子午线轿车胎升级改造等总投资706亿元的149个过亿元项目。";
const TASK_6: &str = "突出产业链招商、以企招商、以商招商，瞄准世界500强、中国500强、央企等行业领军企业，力争年内引进10亿元以上项目3个、50亿元以上项目1个，到位省“十强”产业资金60亿元、外资1亿美元。";
const TASK_8: &str = "实施创新主体培育工程，引导企业加大研发投入，深化产学研合作，提高自主创新能力，年内新增高新技术企业30家，高新技术产业产值占规模以上工业产值的比重达到42%。实施创新平台建设工程，支持企业自建或联建技术创新中心、重点实验室、院士工作站，大力引进“中字头”“国字号”大院大所设立分支机构、研究中心、产业基地，年内新增省级以上创新平台7家。";
const TASK_10: &str = "加强数字基础设施建设，支持有条件的企业开展5G工业具体场景应用，打造5G+工业互联网应用试点。推进制造业数字化、智能化转型，引导企业“上云用数赋智”，建设一批数字化车间和智能工厂，抓好总投资120亿元的35个重点技改项目，年内制造业技改投资增长8%。大力发展数字产业，积极引进人工智能，推进企业设备换芯、生产换线、机器换人，为高质量发展插上“数字”翅膀。";
const TASK_11: &str = "围绕全力冲刺国家级经济开发区，进一步提升工业园区基础设施建设水平，加快化学助剂产业园、中欧产业园、电子信息产业园等“园中园”建设，年内规模以上工业营业收入、利润分别突破900亿元、60亿元，在全省开发区综合评价中稳居前十强。";
const TASK_20: &str = "启动3个棚户区改造项目，改造22个老旧小区，确保西护城河、铁北西街等片区安置社区群众如期上房。促进房地产市场良性循环和健康发展。";
const TASK_21: &str = "抓好城区内涝治理和护城河、新石铁路泄洪沟全线清淤疏浚，实施府河、西护城河生态修复工程，完成34条道路52.7公里雨污分流改造。";
const TASK_26: &str =
    "建成使用餐厨废弃物处理项目，升级改造7座垃圾压缩站，新建5处垃圾转运站，确保生活垃圾日产日清。";
const TASK_28: &str = "完成3.6万亩高标准农田建设，促进粮食稳产丰产，保障粮食安全。实施国家制种大县项目，建设小麦良种繁育基地17.5万亩，培育壮大育繁推一体化种业企业。";
const TASK_34: &str = "实施农村人居环境整治提升五年行动，深化城乡环卫一体化运行，建成使用兴隆庄污水处理厂，完成102个村庄生活污水治理，建设“四好农村路”80公里，改造危桥6座，实现黑臭水体动态清零。";
const TASK_41: &str = "实施就业创业三年行动计划，加强职业技能培训，落实创业担保贷款政策，统筹推进高校毕业生、退役军人、农民工等各类群体就业创业，确保“零就业”家庭动态清零。年内城镇新增就业4500人，城镇登记失业率控制在3%以内。";
const TASK_47: &str = "围绕解决好教育均衡发展问题，区级财政教育投入比上年再增长10%。";
const TASK_48: &str = "完成薛庙小学改扩建，加快青莲学校幼儿园建设和十一中学改扩建，升级改造65处中小学校教学及信息化设备，启动徐州路学校幼儿园新建，筹建实验高中二期工程和高庙小学。提高工业技师学院办学水平，培养更多高技能人才。加强师德师风建设，完善城乡教师交流轮岗机制，补充中小学教师100人，全面提高教育教学质量。强化学校安全管理，建设平安校园。";
const TASK_70: &str = "强化预算刚性约束和绩效评价，一般性支出再压减20%，发挥财政资金最大效益。";
const NOTICE_TARGETS: &str = "全区经济社会发展主要预期目标为：地区生产总值增长7%，一般公共预算收入增长5%，固定资产投资增长8%，社会消费品零售总额增长8%，外贸进出口稳定增长，城镇、农村居民人均可支配收入分别增长7%、8%。";

#[test]
fn task_1_reads_four_revenue_floors_and_not_the_project_it_only_follows() {
    let targets = extract_targets(TASK_1, Some(2022));
    assert_eq!(
        rows(&targets),
        vec![
            ("产业营业收入", 390.0, "亿元", 3.9e10, "元", AtLeast),
            ("产业营业收入", 350.0, "亿元", 3.5e10, "元", AtLeast),
            ("产业营业收入", 100.0, "亿元", 1e10, "元", AtLeast),
            ("产业营业收入", 90.0, "亿元", 9e9, "元", AtLeast),
        ]
    );
    assert_eq!(deadlines(&targets), vec![date(2022, 12, 31); 4]);
    assert_eq!(targets[0].value_text, "390亿元");
    assert_eq!(targets[0].source, "年内产业营业收入突破390亿元");
}

#[test]
fn task_2_reads_12_new_champions_and_not_the_100_firms_it_selects() {
    let targets = extract_targets(TASK_2, Some(2022));
    assert_eq!(
        rows(&targets),
        vec![("单项冠军、瞪羚企业", 12.0, "家", 12.0, "家", IncreaseBy)]
    );
    assert_eq!(targets[0].deadline, date(2022, 12, 31));
}

#[test]
fn task_6_counts_projects_and_keeps_their_size_in_the_metric() {
    let targets = extract_targets(TASK_6, Some(2022));
    assert_eq!(
        rows(&targets),
        vec![
            ("10亿元以上项目", 3.0, "个", 3.0, "个", Count),
            ("50亿元以上项目", 1.0, "个", 1.0, "个", Count),
            ("省“十强”产业资金", 60.0, "亿元", 6e9, "元", AtLeast),
            ("外资", 1.0, "亿美元", 1e8, "美元", AtLeast),
        ]
    );
    assert_eq!(deadlines(&targets), vec![date(2022, 12, 31); 4]);
}

#[test]
fn task_8_reads_new_firms_a_share_and_new_platforms() {
    let targets = extract_targets(TASK_8, Some(2022));
    assert_eq!(
        rows(&targets),
        vec![
            ("高新技术企业", 30.0, "家", 30.0, "家", IncreaseBy),
            (
                "高新技术产业产值占规模以上工业产值的比重",
                42.0,
                "%",
                42.0,
                "%",
                AtLeast
            ),
            ("省级以上创新平台", 7.0, "家", 7.0, "家", IncreaseBy),
        ]
    );
    assert_eq!(deadlines(&targets), vec![date(2022, 12, 31); 3]);
}

#[test]
fn task_10_reads_the_growth_rate_and_not_the_projects_it_only_follows() {
    let targets = extract_targets(TASK_10, Some(2022));
    assert_eq!(
        rows(&targets),
        vec![("制造业技改投资", 8.0, "%", 8.0, "%", GrowthRate)]
    );
    assert_eq!(targets[0].deadline, date(2022, 12, 31));
}

#[test]
fn task_11_pairs_revenue_and_profit_with_their_figures() {
    let targets = extract_targets(TASK_11, Some(2022));
    assert_eq!(
        rows(&targets),
        vec![
            ("规模以上工业营业收入", 900.0, "亿元", 9e10, "元", AtLeast),
            ("利润", 60.0, "亿元", 6e9, "元", AtLeast),
        ]
    );
    assert_eq!(deadlines(&targets), vec![date(2022, 12, 31); 2]);
}

#[test]
fn task_20_counts_estates_to_start_and_compounds_to_renovate() {
    let targets = extract_targets(TASK_20, Some(2022));
    assert_eq!(
        rows(&targets),
        vec![
            ("棚户区改造项目", 3.0, "个", 3.0, "个", Count),
            ("老旧小区", 22.0, "个", 22.0, "个", Count),
        ]
    );
    assert_eq!(deadlines(&targets), vec![date(2022, 12, 31); 2]);
}

#[test]
fn task_21_counts_roads_and_measures_their_length() {
    let targets = extract_targets(TASK_21, Some(2022));
    assert_eq!(
        rows(&targets),
        vec![
            ("道路", 34.0, "条", 34.0, "条", Count),
            ("道路", 52.7, "公里", 52.7, "公里", AtLeast)
        ]
    );
    assert_eq!(deadlines(&targets), vec![date(2022, 12, 31); 2]);
}

#[test]
fn task_26_counts_stations_to_upgrade_and_to_build() {
    let targets = extract_targets(TASK_26, Some(2022));
    assert_eq!(
        rows(&targets),
        vec![
            ("垃圾压缩站", 7.0, "座", 7.0, "座", Count),
            ("垃圾转运站", 5.0, "处", 5.0, "处", Count)
        ]
    );
    assert_eq!(deadlines(&targets), vec![date(2022, 12, 31); 2]);
}

#[test]
fn task_28_normalizes_wan_mu_and_reads_the_metric_after_the_figure() {
    let targets = extract_targets(TASK_28, Some(2022));
    assert_eq!(
        rows(&targets),
        vec![
            ("高标准农田建设", 3.6, "万亩", 36000.0, "亩", AtLeast),
            ("小麦良种繁育基地", 17.5, "万亩", 175000.0, "亩", AtLeast),
        ]
    );
    assert_eq!(targets[0].value_text, "3.6万亩");
    assert_eq!(deadlines(&targets), vec![date(2022, 12, 31); 2]);
}

#[test]
fn task_34_reads_villages_road_length_and_bridges() {
    let targets = extract_targets(TASK_34, Some(2022));
    assert_eq!(
        rows(&targets),
        vec![
            ("村庄生活污水治理", 102.0, "个", 102.0, "个", Count),
            ("“四好农村路”", 80.0, "公里", 80.0, "公里", AtLeast),
            ("危桥", 6.0, "座", 6.0, "座", Count),
        ]
    );
    assert_eq!(deadlines(&targets), vec![date(2022, 12, 31); 3]);
}

#[test]
fn task_41_reads_new_jobs_and_an_unemployment_ceiling() {
    let targets = extract_targets(TASK_41, Some(2022));
    assert_eq!(
        rows(&targets),
        vec![
            ("城镇就业", 4500.0, "人", 4500.0, "人", IncreaseBy),
            ("城镇登记失业率", 3.0, "%", 3.0, "%", AtMost),
        ]
    );
    assert_eq!(targets[1].source, "城镇登记失业率控制在3%以内");
    assert_eq!(deadlines(&targets), vec![date(2022, 12, 31); 2]);
}

#[test]
fn task_47_drops_the_comparison_words_from_the_metric() {
    let targets = extract_targets(TASK_47, Some(2022));
    assert_eq!(
        rows(&targets),
        vec![("区级财政教育投入", 10.0, "%", 10.0, "%", GrowthRate)]
    );
    assert_eq!(targets[0].deadline, date(2022, 12, 31));
}

#[test]
fn task_48_counts_schools_equipped_and_adds_teachers() {
    let targets = extract_targets(TASK_48, Some(2022));
    assert_eq!(
        rows(&targets),
        vec![
            ("中小学校教学及信息化设备", 65.0, "处", 65.0, "处", Count),
            ("中小学教师", 100.0, "人", 100.0, "人", IncreaseBy),
        ]
    );
    assert_eq!(deadlines(&targets), vec![date(2022, 12, 31); 2]);
}

#[test]
fn task_70_reads_a_spending_cut() {
    let targets = extract_targets(TASK_70, Some(2022));
    assert_eq!(
        rows(&targets),
        vec![("一般性支出", 20.0, "%", 20.0, "%", ReductionRate)]
    );
    assert_eq!(targets[0].deadline, date(2022, 12, 31));
}

#[test]
fn the_notice_paragraph_gives_six_growth_rates_and_completes_the_paired_names() {
    let targets = extract_targets(NOTICE_TARGETS, Some(2022));
    assert_eq!(
        rows(&targets),
        vec![
            ("地区生产总值", 7.0, "%", 7.0, "%", GrowthRate),
            ("一般公共预算收入", 5.0, "%", 5.0, "%", GrowthRate),
            ("固定资产投资", 8.0, "%", 8.0, "%", GrowthRate),
            ("社会消费品零售总额", 8.0, "%", 8.0, "%", GrowthRate),
            ("城镇居民人均可支配收入", 7.0, "%", 7.0, "%", GrowthRate),
            ("农村居民人均可支配收入", 8.0, "%", 8.0, "%", GrowthRate),
        ]
    );
    assert_eq!(deadlines(&targets), vec![date(2022, 12, 31); 6]);
    assert_eq!(
        targets[5].source,
        "城镇、农村居民人均可支配收入分别增长7%、8%"
    );
}

#[test]
fn across_the_seed_only_the_tasks_with_targets_give_any() {
    let seed = include_str!("../../../seeds/yanzhou-2022-task-notice.txt");
    let numbered: Vec<u32> = seed
        .lines()
        .filter_map(|line| {
            let (number, rest) = line.split_once('.')?;
            let number: u32 = number.parse().ok()?;
            let text = rest.split(['（']).next()?;
            (!extract_targets(text, Some(2022)).is_empty()).then_some(number)
        })
        .collect();
    // 22, 23 and 33 are targets by the rules too; the spec's list does not name them.
    let expected = [
        1, 2, 6, 8, 10, 11, 20, 21, 22, 23, 26, 28, 33, 34, 41, 47, 48, 70,
    ];
    assert_eq!(numbered, expected);
}

#[test]
fn full_width_digits_and_decimal_point_are_read() {
    let found = find_quantities("完成３．６万亩高标准农田建设");
    assert_eq!(found.len(), 1);
    let (range, quantity) = &found[0];
    assert_eq!(&"完成３．６万亩高标准农田建设"[range.clone()], "３．６万亩");
    assert_eq!(
        quantity,
        &Quantity {
            text: "３．６万亩".into(),
            value: 3.6,
            unit: "万亩".into(),
            normalized_value: 36000.0,
            normalized_unit: "亩".into(),
        }
    );
    let targets = extract_targets("完成３．６万亩高标准农田建设", Some(2022));
    assert_eq!(
        rows(&targets),
        vec![("高标准农田建设", 3.6, "万亩", 36000.0, "亩", AtLeast)]
    );
}

#[test]
fn full_width_percent_is_normalized_to_ascii() {
    let targets = extract_targets("年内地区生产总值增长７．５％", Some(2022));
    assert_eq!(
        rows(&targets),
        vec![("地区生产总值", 7.5, "％", 7.5, "%", GrowthRate)]
    );
    assert_eq!(targets[0].value_text, "７．５％");
}

#[test]
fn numbers_without_a_unit_are_not_quantities() {
    for text in [
        "2022年新增",
        "推进5G网络深度覆盖",
        "加强PM2.5和臭氧协同控制",
        "用好12345政务热线",
        "加快突破50亿、30亿、20亿",
        "第3次会议",
        "完成B2栋主体建设",
    ] {
        assert_eq!(find_quantities(text), vec![], "{text}");
        assert_eq!(extract_targets(text, Some(2022)), vec![], "{text}");
    }
}

#[test]
fn a_progress_reply_figure_is_normalized_exactly() {
    let found = find_quantities("已完成2.1万亩，剩余0.07亿元未到位");
    let read: Vec<_> = found
        .iter()
        .map(|(r, q)| {
            (
                r.clone(),
                q.value,
                q.unit.as_str(),
                q.normalized_value,
                q.normalized_unit.as_str(),
            )
        })
        .collect();
    assert_eq!(
        read,
        vec![
            (9..18, 2.1, "万亩", 21000.0, "亩"),
            (27..37, 0.07, "亿元", 7_000_000.0, "元")
        ]
    );
}

#[test]
fn the_longest_unit_wins_and_a_plain_unit_beats_a_multiplier() {
    let units = |text: &str| -> Vec<(String, f64, String)> {
        find_quantities(text)
            .into_iter()
            .map(|(_, q)| (q.unit, q.normalized_value, q.normalized_unit))
            .collect()
    };
    assert_eq!(
        units("外资1亿美元"),
        vec![("亿美元".into(), 1e8, "美元".into())]
    );
    assert_eq!(
        units("新建5千米"),
        vec![("千米".into(), 5.0, "千米".into())]
    );
    assert_eq!(
        units("装机3万千瓦"),
        vec![("万千瓦".into(), 30000.0, "千瓦".into())]
    );
    assert_eq!(
        units("提高2个百分点"),
        vec![("个百分点".into(), 2.0, "个百分点".into())]
    );
    assert_eq!(
        units("治理5平方公里"),
        vec![("平方公里".into(), 5.0, "平方公里".into())]
    );
}

#[test]
fn approximate_and_comma_grouped_figures_are_read() {
    let read: Vec<_> = find_quantities("培育100余家企业，吸纳4,500人就业，流转2万多亩")
        .into_iter()
        .map(|(_, q)| (q.text, q.value, q.normalized_value))
        .collect();
    assert_eq!(
        read,
        vec![
            ("100余家".to_string(), 100.0, 100.0),
            ("4,500人".to_string(), 4500.0, 4500.0),
            ("2万多亩".to_string(), 2.0, 20000.0),
        ]
    );
}

#[test]
fn within_the_year_is_the_end_of_the_notice_year() {
    let targets = extract_targets("年内新增高新技术企业30家", Some(2023));
    assert_eq!(deadlines(&targets), vec![date(2023, 12, 31)]);
}

#[test]
fn no_time_word_is_the_end_of_the_notice_year() {
    let targets = extract_targets("改造22个老旧小区", Some(2022));
    assert_eq!(deadlines(&targets), vec![date(2022, 12, 31)]);
}

#[test]
fn before_month_end_is_the_last_day_of_that_month_and_leaves_the_metric() {
    let targets = extract_targets("6月底前新增规上企业10家", Some(2022));
    assert_eq!(
        rows(&targets),
        vec![("规上企业", 10.0, "家", 10.0, "家", IncreaseBy)]
    );
    assert_eq!(deadlines(&targets), vec![date(2022, 6, 30)]);
    let targets = extract_targets("2月份前完成3个项目", Some(2024));
    assert_eq!(deadlines(&targets), vec![date(2024, 2, 29)]);
}

#[test]
fn the_first_half_is_june_30_even_after_this_year() {
    let targets = extract_targets("今年上半年完成10个村庄生活污水治理", Some(2022));
    assert_eq!(
        rows(&targets),
        vec![("村庄生活污水治理", 10.0, "个", 10.0, "个", Count)]
    );
    assert_eq!(deadlines(&targets), vec![date(2022, 6, 30)]);
}

#[test]
fn by_2025_names_its_own_year_and_carries_to_later_clauses() {
    let text = "到2025年，新增高新技术企业100家，建设5G基站500个。年内新增高新技术企业30家。";
    let targets = extract_targets(text, Some(2022));
    assert_eq!(
        deadlines(&targets),
        vec![date(2025, 12, 31), date(2025, 12, 31), date(2022, 12, 31)]
    );
    assert_eq!(targets[1].metric, "5G基站");
    // An explicit year needs no notice year.
    assert_eq!(
        deadlines(&extract_targets(text, None)),
        vec![date(2025, 12, 31), date(2025, 12, 31), None]
    );
}

#[test]
fn without_a_notice_year_relative_deadlines_are_none() {
    let targets = extract_targets("6月底前新增规上企业10家，改造22个老旧小区", None);
    assert_eq!(deadlines(&targets), vec![None, None]);
    assert_eq!(targets[1].metric, "老旧小区");
}

#[test]
fn a_figure_followed_by_de_is_a_qualifier_and_stays_in_the_metric() {
    let targets = extract_targets("推进总投资706亿元的149个过亿元项目", Some(2022));
    assert_eq!(
        rows(&targets),
        vec![("总投资706亿元的过亿元项目", 149.0, "个", 149.0, "个", Count)]
    );
}

#[test]
fn task_5_names_projects_with_upgrade_words_but_sets_no_target() {
    // The figures are there; 升级改造 before 、 or 等 is part of a project's name, not a verb.
    let figures: Vec<String> = find_quantities(TASK_5)
        .into_iter()
        .map(|(_, q)| q.text)
        .collect();
    assert_eq!(figures, ["5万吨", "600万条", "706亿元", "149个"]);
    assert_eq!(extract_targets(TASK_5, Some(2022)), vec![]);
}

#[test]
fn a_trailing_or_more_is_still_a_target_but_or_more_before_more_words_is_not() {
    let targets = extract_targets("年内引进50亿元以上", Some(2022));
    assert_eq!(rows(&targets), vec![("", 50.0, "亿元", 5e9, "元", AtLeast)]);
    let targets = extract_targets("引进50亿元以上的项目", Some(2022));
    assert_eq!(targets, vec![]);
}

#[test]
fn a_respectively_list_that_does_not_pair_up_still_gives_every_figure() {
    let targets = extract_targets("收入分别增长7%、8%", Some(2022));
    assert_eq!(
        rows(&targets),
        vec![
            ("收入", 7.0, "%", 7.0, "%", GrowthRate),
            ("", 8.0, "%", 8.0, "%", GrowthRate)
        ]
    );
}

#[test]
fn an_empty_text_gives_nothing() {
    assert_eq!(find_quantities(""), vec![]);
    assert_eq!(extract_targets("", Some(2022)), vec![]);
    assert_eq!(extract_targets("", None), vec![]);
}

#[test]
fn a_closing_within_makes_any_figure_a_ceiling() {
    let targets = extract_targets("年内新增债务规模5亿元以内", Some(2022));
    assert_eq!(
        rows(&targets),
        vec![("债务规模", 5.0, "亿元", 5e8, "元", AtMost)]
    );
}

#[test]
fn a_leading_task_number_stays_out_of_the_metric_but_a_leading_decimal_stays_in() {
    let targets = extract_targets("20.启动3个棚户区改造项目", Some(2022));
    assert_eq!(targets[0].metric, "棚户区改造项目");
    let targets = extract_targets("33.完成王桥、德源2个边界外社区安置房建设", Some(2022));
    assert_eq!(targets[0].metric, "王桥、德源");
    let targets = extract_targets("引进1.5亿元以上项目3个", Some(2022));
    assert_eq!(targets[0].metric, "1.5亿元以上项目");
}

#[test]
fn a_metric_may_begin_with_a_trigger_word() {
    let targets = extract_targets("工业增加值增长8%，项目完成率达到95%", Some(2022));
    assert_eq!(
        rows(&targets),
        vec![
            ("工业增加值", 8.0, "%", 8.0, "%", GrowthRate),
            ("项目完成率", 95.0, "%", 95.0, "%", AtLeast)
        ]
    );
    let targets = extract_targets("增加值增长8%", Some(2022));
    assert_eq!(targets[0].metric, "增加值");
}

proptest::proptest! {
    #[test]
    fn any_text_is_read_without_panicking_and_ranges_slice_to_the_figures(
        text in "[0-9０-９.．,，、；。:：第万亿千百个家亩元米%％以上下内的再分别新增长控制在完成年内月底份前上半到 PMGa-z]{0,40}"
    ) {
        for (range, quantity) in find_quantities(&text) {
            proptest::prop_assert_eq!(&text[range], quantity.text.as_str());
        }
        for year in [Some(2022), None] {
            for target in extract_targets(&text, year) {
                proptest::prop_assert!(text.contains(&target.source));
                proptest::prop_assert!(target.source.contains(&target.value_text));
            }
        }
    }
}
