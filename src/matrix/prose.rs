//! Responsibility written as prose rather than in labelled fields: 「（区发改局牵头，区财政局、
//! 各镇街配合）」, 「由区教体局负责。」, a leader named in a section heading (一、张三副区长牵头
//! 的重点工作), a leader written with a title (区长 张三, 张三副区长), and a notice-wide rule such
//! as 列第一位者为牵头单位.

use super::fields::{Fields, Label, split_names};
use regex::Regex;
use std::sync::LazyLock;

/// The words that say a unit leads (…牵头) or helps (…配合).
const LEADS: &str = "牵头负责|牵头|负责|主办|主责";
const HELPS: &str = "按职责分工负责|按职能分工负责|按职责分工落实|按职责负责|分别负责|共同负责|配合落实|配合|参与|协同|协助|协办";

/// 「（X牵头，Y配合）」 anywhere in the text, 「由X牵头，Y配合。」 ending it, and a bare list of units
/// in brackets ending it (「（市发展改革委、市财政局）」, the first listed hosts), in that order.
static PROSE_RES: LazyLock<[Regex; 3]> = LazyLock::new(|| {
    let names = r"[^（）()【】\[\]。；;：:\n]+?";
    let core = format!(
        r"(?P<host>{names})\s*(?:{LEADS})(?:\s*[，,、；;]\s*(?P<co>{names})\s*(?:{HELPS}))?"
    );
    [
        // Closed by its bracket, or by a ； before a labelled field in the same brackets.
        format!(r"[（(【\[]\s*由?{core}\s*(?:[）)】\]]|[；;]\s*$)"),
        format!(r"由{core}\s*[。；;]?\s*$"),
        format!(r"[（(【\[]\s*(?P<host>{names})\s*[）)】\]]\s*[。；;]?\s*$"),
    ]
    .map(|pattern| Regex::new(&pattern).expect("prose responsibility"))
});

/// Endings of the names of units, so that prose like 「由主要负责同志负责」 is not read as a
/// unit list: every name of a prose list must end like a unit or be a group word.
const UNIT_ENDINGS: &[&str] = &[
    "局", "委", "办", "院", "中心", "镇", "乡", "街道", "街", "区", "县", "市", "公司", "集团",
    "部", "厅", "会", "所", "队", "站", "处", "室", "馆", "社", "行", "政府", "单位", "部门", "科",
    "组", "团", "校", "署", "台",
];

/// A group word as a prose list writes it, at the start of the name (各镇街, 相关部门): stricter
/// than the directory's test (a 各 anywhere), as prose holds many words that are no names.
fn is_group_word(name: &str) -> bool {
    ["各", "相关", "有关"].iter().any(|p| name.starts_with(p))
}

fn looks_like_unit(name: &str) -> bool {
    let name = name.trim_end_matches(['）', ')']);
    let name = name.split(['（', '(']).next().unwrap_or(name);
    name.chars().count() >= 2
        && (UNIT_ENDINGS.iter().any(|e| name.ends_with(e)) || is_group_word(name))
}

/// A name in a bare list: a group word (各镇街, 相关部门), or three characters or more that do
/// not start like a remark (含…, 包括…, 试…).
fn is_full_unit_name(name: &str) -> bool {
    let group = is_group_word(name);
    let remark = ["含", "包括", "试", "暂", "不含", "其中"]
        .iter()
        .any(|p| name.starts_with(p));
    group || (name.chars().count() >= 3 && !remark)
}

/// The responsibility of a text that has no labelled fields but names its units in prose, as
/// the fields those words stand for.
pub fn prose_fields(text: &str) -> Option<Fields> {
    let mut found = PROSE_RES
        .iter()
        .enumerate()
        .flat_map(|(form, re)| re.captures_iter(text).map(move |caps| (form == 2, caps)));
    found.find_map(|(bare, caps)| {
        let whole = caps.get(0)?;
        let host = split_names(caps.name("host")?.as_str());
        let co = caps
            .name("co")
            .map(|m| split_names(m.as_str()))
            .unwrap_or_default();
        let all_units = host.iter().chain(&co).all(|n| looks_like_unit(&n.text));
        // A bare list says nothing but names: every one must read as a unit's full name
        // (「（试行）」 and 「（含工业园区）」 end like units too).
        let full_names = !bare || host.iter().all(|n| is_full_unit_name(&n.text));
        if host.is_empty() || !all_units || !full_names {
            return None;
        }
        // 「X、Y负责」 or a bare list, without helpers: the first listed hosts, as in a 责任单位
        // field (or whatever marks or the notice's rule say).
        let host_label = if bare || (co.is_empty() && host.len() > 1) {
            Label::MixedUnits
        } else {
            Label::HostUnits
        };
        let mut lists = vec![(host_label, host)];
        if !co.is_empty() {
            lists.push((Label::CoUnits, co));
        }
        let body = format!("{}{}", &text[..whole.start()], &text[whole.end()..]);
        Some(Fields {
            body: body.trim().to_owned(),
            lists,
            first_hosts: false,
        })
    })
}

/// Does the text name its units in prose?
pub fn has_prose_fields(text: &str) -> bool {
    PROSE_RES.iter().any(|re| re.is_match(text)) && prose_fields(text).is_some()
}

/// A title written beside a leader's name: 区长, 副区长, 区委常委, 常务副县长, 区政协副主席 …
const TITLE: &str = r"[省市州县区旗镇乡委政府人大常务副党组成员协、]*(?:长|书记|主任|主席|常委|委员|成员|秘书长|调研员|巡视员)";

static TITLE_AFTER_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^(?P<name>\p{{Han}}{{2,4}}?)\s*[（(]?(?P<title>{TITLE})[）)]?(?:同志)?$"
    ))
    .expect("title after a name")
});

static TITLE_BEFORE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^(?P<title>{TITLE})\s*(?P<name>\p{{Han}}{{2,4}})(?:同志)?$"
    ))
    .expect("title before a name")
});

/// A leader as listed, split into the name and the title written beside it (区长 张三,
/// 张三副区长, 张三（副区长）, 张三同志). A title alone (区长) stays the name.
pub fn split_title(listed: &str) -> (&str, Option<&str>) {
    let listed = listed.trim();
    let without_comrade = listed.strip_suffix("同志").unwrap_or(listed);
    for re in [&*TITLE_AFTER_RE, &*TITLE_BEFORE_RE] {
        if let Some(caps) = re.captures(listed)
            && let (Some(name), Some(title)) = (caps.name("name"), caps.name("title"))
        {
            return (name.as_str(), Some(title.as_str()));
        }
    }
    // 李明（按分工）: a remark in brackets after the name, not a title.
    if let Some((name, _)) = without_comrade.split_once(['（', '('])
        && name.chars().count() >= 2
        && name.chars().all(|c| !c.is_ascii())
    {
        return (name, None);
    }
    if without_comrade.chars().count() >= 2 {
        return (without_comrade, None);
    }
    (listed, None)
}

/// A leader named in a section heading for the tasks under it: 一、张三副区长牵头的重点工作,
/// （二）李四同志负责, 三、工业经济（王五区长牵头）, with the title when it gives one. The
/// heading must give a title or 同志, so that a heading like 工业牵头 is not read as a name.
pub fn heading_leader(heading: &str) -> Option<(String, Option<String>)> {
    static HEADING_RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(&format!(
            r"(?:^|[（(，,、由])(?P<name>\p{{Han}}{{2,3}}?)(?:(?P<title>{TITLE})(?:同志)?|同志)(?:牵头|负责|分管|领衔|挂帅)"
        ))
        .expect("heading leader")
    });
    let caps = HEADING_RE.captures(heading)?;
    let title = caps.name("title").map(|t| t.as_str().to_owned());
    Some((caps.name("name")?.as_str().to_owned(), title))
}

/// A notice-wide rule that the first unit listed hosts: 列第一位者为牵头单位, 排在第一位的为牵头
/// 单位, 第一个单位为牵头单位 …
static FIRST_HOSTS_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[（(]?\s*(?:注[：:])?\s*(?:[列排位]在?|排名|排序|位列)?(?:第一位|第一个|首位|第一)(?:的|者)?(?:单位|部门)?\s*(?:为|是)\s*(?:牵头|主办|主责|主要责任)(?:单位|部门)\s*[）)]?")
        .expect("first listed hosts")
});

/// Does the notice say that the first unit listed hosts?
pub fn first_listed_hosts(text: &str) -> bool {
    FIRST_HOSTS_RE.is_match(text)
}

/// The text without the first-listed-hosts rule, so the rule is never glued onto a unit's name.
pub fn without_rule(text: &str) -> std::borrow::Cow<'_, str> {
    FIRST_HOSTS_RE.replace_all(text, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lists(f: &Fields) -> Vec<(Label, Vec<&str>)> {
        f.lists
            .iter()
            .map(|(l, names)| (*l, names.iter().map(|n| n.text.as_str()).collect()))
            .collect()
    }

    #[test]
    fn bracketed_prose_names_hosts_and_helpers() {
        let f =
            prose_fields("推进老旧小区改造22个。（区住建局牵头，区财政局、各镇街配合）").unwrap();
        assert_eq!(f.body, "推进老旧小区改造22个。");
        assert_eq!(
            lists(&f),
            [
                (Label::HostUnits, vec!["区住建局"]),
                (Label::CoUnits, vec!["区财政局", "各镇街"])
            ]
        );
    }

    #[test]
    fn a_closing_sentence_names_the_unit_in_charge() {
        let f = prose_fields("完成义务教育学校建设3所，由区教体局负责。").unwrap();
        assert_eq!(f.body, "完成义务教育学校建设3所，");
        assert_eq!(lists(&f), [(Label::HostUnits, vec!["区教体局"])]);
        let f = prose_fields("开展专项整治（区市场监管局、区公安分局负责）").unwrap();
        assert_eq!(
            lists(&f),
            [(Label::MixedUnits, vec!["区市场监管局", "区公安分局"])]
        );
    }

    #[test]
    fn a_bare_list_of_units_in_brackets_ending_a_task_names_them() {
        let f = prose_fields("全年完成重点项目投资2000亿元。（市发展改革委、市财政局，各区政府）")
            .unwrap();
        assert_eq!(f.body, "全年完成重点项目投资2000亿元。");
        assert_eq!(
            lists(&f),
            [(
                Label::MixedUnits,
                vec!["市发展改革委", "市财政局", "各区政府"]
            )]
        );
        assert!(prose_fields("制定《农村公路管理办法（试行）》").is_none());
        assert!(prose_fields("推进开发区整合（含工业园区）").is_none());
        assert!(prose_fields("完成老旧小区改造（2022年）。").is_none());
        assert!(prose_fields("办好民生实事（十件）").is_none());
    }

    #[test]
    fn prose_that_names_no_unit_is_no_field() {
        assert!(prose_fields("各单位由主要负责同志负责。").is_none());
        assert!(prose_fields("（具体由各单位研究确定）").is_none());
        assert!(prose_fields("坚持党委领导、政府负责、社会协同").is_none());
    }

    #[test]
    fn titles_beside_names_are_set_apart() {
        assert_eq!(split_title("区长 张三"), ("张三", Some("区长")));
        assert_eq!(split_title("张三副区长"), ("张三", Some("副区长")));
        assert_eq!(split_title("李长江副区长"), ("李长江", Some("副区长")));
        assert_eq!(
            split_title("张三（区委常委、副区长）"),
            ("张三", Some("区委常委、副区长"))
        );
        assert_eq!(split_title("副县长王五"), ("王五", Some("副县长")));
        assert_eq!(split_title("王五同志"), ("王五", None));
        assert_eq!(split_title("张锐"), ("张锐", None));
        assert_eq!(split_title("区长"), ("区长", None));
        assert_eq!(split_title("李明（按分工）"), ("李明", None));
    }

    #[test]
    fn a_heading_names_the_leader_of_its_tasks() {
        let leader =
            |name: &str, title: Option<&str>| Some((name.to_owned(), title.map(String::from)));
        assert_eq!(
            heading_leader("张三副区长牵头的重点工作"),
            leader("张三", Some("副区长"))
        );
        assert_eq!(
            heading_leader("工业经济（王五区长牵头）"),
            leader("王五", Some("区长"))
        );
        assert_eq!(heading_leader("李四同志负责的工作"), leader("李四", None));
        assert_eq!(heading_leader("扎实推进乡村振兴"), None);
        assert_eq!(heading_leader("工业牵头项目"), None);
    }

    #[test]
    fn the_first_listed_rule_is_found_and_taken_out() {
        for note in [
            "列第一位者为牵头单位",
            "（排在第一位的为牵头单位）",
            "注：排名第一的单位为牵头单位",
        ] {
            assert!(first_listed_hosts(note), "{note}");
        }
        assert_eq!(without_rule("区发改局（列第一位者为牵头单位）"), "区发改局");
        assert!(!first_listed_hosts("第一批项目为重点"));
    }
}
