//! The responsibility fields of one task: 牵头领导：…，承办单位：… in brackets, on their own
//! lines or from table cells, split into leaders and unit names.

use super::model::LeaderRole;
use regex::Regex;
use std::sync::LazyLock;

/// What a field label says about the names that follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Leader(LeaderRole),
    /// 牵头单位, 主办单位: every unit listed hosts.
    HostUnits,
    /// 配合单位, 协办单位: every unit listed co-organizes.
    CoUnits,
    /// 承办单位, 责任单位: bold (or else the first) hosts, unless another label says who hosts.
    MixedUnits,
    /// 完成时限, 时间节点 …: the task's deadline, its value kept whole as one name.
    Deadline,
    /// 备注 …: recognised so that they end the field before them, otherwise unused.
    Other,
}

/// The words field labels are made of. A label is recognised by its shape — a prefix and a
/// head word — not from a list of whole labels: 分管副区长, 牵头区级领导, 协同责任部门 are all
/// read, as written with spaces between their characters or in traditional characters.
const LEADER_PREFIXES: &[&str] = &[
    "牵头负责",
    "牵头",
    "责任",
    "分管",
    "联系",
    "包保",
    "包联",
    "挂钩",
    "主管",
];
/// The level a leader is named by: 分管省领导, 牵头区级领导, 区级领导.
const LEVELS: &[&str] = &["省", "市", "州", "县", "区", "旗", "镇"];
const HOST_PREFIXES: &[&str] = &[
    "牵头责任",
    "主要责任",
    "主体责任",
    "牵头",
    "主办",
    "主责",
    "主要",
    "主管",
];
/// 承办单位, 责任单位: bold (or else the first) hosts, unless another label says who hosts.
const MIXED_PREFIXES: &[&str] = &["责任", "承办", "实施"];
const CO_PREFIXES: &[&str] = &[
    "配合责任",
    "协同责任",
    "协办责任",
    "配合",
    "协办",
    "协同",
    "参与",
    "参加",
    "协助",
    "协作",
];
const UNIT_WORDS: &[&str] = &["单位", "部门", "处室", "科室"];
/// A task's 完成时限.
const DEADLINE_LABELS: &[&str] = &["完成时限", "完成时间", "完成期限", "时间节点", "时限要求"];
/// Labels that end the field before them; their values are not responsibility.
const OTHER_LABELS: &[&str] = &["备注"];

/// What a label, spaces dropped and traditional characters folded, says.
fn classify(label: &str) -> Label {
    let has_prefix = |prefixes: &[&str], rest: &str| prefixes.contains(&rest);
    if let Some(prefix) = UNIT_WORDS.iter().find_map(|w| label.strip_suffix(w)) {
        return if has_prefix(CO_PREFIXES, prefix) {
            Label::CoUnits
        } else if has_prefix(MIXED_PREFIXES, prefix) {
            Label::MixedUnits
        } else {
            Label::HostUnits
        };
    }
    if DEADLINE_LABELS.contains(&label) {
        return Label::Deadline;
    }
    if label.ends_with("领导") || label.ends_with('长') {
        // 牵头领导 and a leader named only by level (区级领导) lead; 分管, 责任, 联系 … answer.
        let named_by_level = !LEADER_PREFIXES.iter().any(|p| label.starts_with(p));
        let role = if label.starts_with("牵头") || named_by_level {
            LeaderRole::Lead
        } else {
            LeaderRole::Responsible
        };
        return Label::Leader(role);
    }
    Label::Other
}

/// The label a column header stands for, spelled as the parser reads it back.
fn canonical(label: &str) -> &'static str {
    match classify(label) {
        Label::Leader(LeaderRole::Lead) => "牵头领导",
        Label::Leader(LeaderRole::Responsible) => "责任领导",
        Label::HostUnits => "牵头单位",
        Label::CoUnits => "配合单位",
        Label::MixedUnits => "责任单位",
        Label::Deadline => "完成时限",
        Label::Other => "备注",
    }
}

/// Header cells of a flattened table, mapped to the label their column stands for (also
/// written with spaces between its characters or in traditional characters).
pub fn column_label(cell: &str) -> Option<&'static str> {
    let cell = folded(cell.trim_matches('*'));
    if cell == "时限" {
        return Some("完成时限");
    }
    let found = LABEL_ONLY.find(&cell)?;
    (found.len() == cell.len()).then(|| canonical(&cell))
}

/// Traditional characters of the labels and their simplified forms: a label is recognised in
/// either (牽頭單位), the names after it are kept as written.
const TRADITIONAL: &[(char, char)] = &[
    ('牽', '牵'),
    ('頭', '头'),
    ('單', '单'),
    ('領', '领'),
    ('導', '导'),
    ('責', '责'),
    ('協', '协'),
    ('辦', '办'),
    ('門', '门'),
    ('參', '参'),
    ('與', '与'),
    ('實', '实'),
    ('時', '时'),
    ('間', '间'),
    ('節', '节'),
    ('點', '点'),
    ('備', '备'),
    ('聯', '联'),
    ('繫', '系'),
    ('係', '系'),
    ('區', '区'),
    ('負', '负'),
    ('務', '务'),
    ('內', '内'),
    ('長', '长'),
    ('級', '级'),
    ('縣', '县'),
    ('鎮', '镇'),
    ('體', '体'),
    ('輔', '辅'),
];

/// A label as the list spells it: spaces dropped, traditional characters folded.
fn folded(text: &str) -> String {
    text.chars()
        .filter(|c| !super::lines::is_space(*c))
        .map(|c| {
            TRADITIONAL
                .iter()
                .find(|(traditional, _)| *traditional == c)
                .map_or(c, |(_, simplified)| *simplified)
        })
        .collect()
}

/// One word of a label: each character in its simplified or traditional form, with spaces
/// allowed between the characters (牵 头 单 位) but no line break.
fn spaced(word: &str) -> String {
    word.chars()
        .map(|c| {
            let variants: String = std::iter::once(c)
                .chain(TRADITIONAL.iter().filter(|(_, s)| *s == c).map(|(t, _)| *t))
                .collect();
            if variants.chars().count() > 1 {
                format!("[{variants}]")
            } else {
                regex::escape(&c.to_string())
            }
        })
        .collect::<Vec<_>>()
        .join(SPACE)
}

const SPACE: &str = r"[ \t\u{3000}]*";

/// Any of `words`, longest first (the regex takes the first alternative that matches).
fn any(words: &[&str]) -> String {
    let mut words = words.to_vec();
    words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    let words: Vec<String> = words.iter().map(|w| spaced(w)).collect();
    format!("(?:{})", words.join("|"))
}

/// The label family as one pattern (without colon).
fn label_pattern() -> String {
    let s = SPACE;
    let prefix = any(LEADER_PREFIXES);
    let level = any(LEVELS);
    let government = spaced("政府");
    let (lead, ji, deputy, chang, executive) = (
        spaced("领导"),
        spaced("级"),
        spaced("副"),
        spaced("长"),
        spaced("常务"),
    );
    let leaders = [
        // 牵头领导, 分管区领导, 牵头区级领导
        format!("{prefix}{s}(?:{level}{s}(?:{ji}{s})?)?{lead}"),
        // 区级领导, 市领导, 市政府领导
        format!("{level}{s}(?:{ji}{s}|{government}{s})?{lead}"),
        // 分管副区长, 牵头市长
        format!("{prefix}{s}(?:{executive}{s})?(?:{deputy}{s})?{level}{s}{chang}"),
    ];
    let units = format!(
        "{}{s}{}",
        any(&[HOST_PREFIXES, MIXED_PREFIXES, CO_PREFIXES].concat()),
        any(UNIT_WORDS)
    );
    format!(
        "{}|{units}|{}",
        leaders.join("|"),
        any(&[DEADLINE_LABELS, OTHER_LABELS].concat())
    )
}

static LABEL_RE: LazyLock<Regex> = LazyLock::new(|| {
    // Labels may be bold (**牵头单位**：) and are followed by a full- or half-width colon.
    Regex::new(&format!(r"(?:\*\*)?({})(?:\*\*)?\s*[：:]", label_pattern())).expect("labels")
});

/// A label alone, as a table's header cell holds it (folded: no spaces, simplified).
static LABEL_ONLY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("^(?:{})", label_pattern())).expect("labels"));

/// A name as listed, with whether the input marked it bold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub text: String,
    pub bold: bool,
    /// Marked as the one that leads within its list: 区发改局（牵头）, 区发改局牵头.
    pub lead: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields {
    /// The task text before the first field.
    pub body: String,
    pub lists: Vec<(Label, Vec<Name>)>,
    /// The notice says the first unit listed hosts (列第一位者为牵头单位): bold does not count.
    pub first_hosts: bool,
}

impl Fields {
    pub fn has_units(&self) -> bool {
        self.lists.iter().any(|(label, names)| {
            matches!(label, Label::HostUnits | Label::CoUnits | Label::MixedUnits)
                && !names.is_empty()
        })
    }
}

/// Does this text hold any responsibility field, labelled or in prose (区住建局牵头，…配合)?
pub fn has_fields(text: &str) -> bool {
    LABEL_RE.is_match(text) || super::prose::has_prose_fields(text)
}

/// Where each field label of `text` ends (after its colon), in byte offsets.
pub(super) fn label_ends(text: &str) -> impl Iterator<Item = usize> + '_ {
    LABEL_RE.find_iter(text).map(|m| m.end())
}

/// Is this line a field line (责任单位：…, （牵头领导：…）) rather than text that ends in fields?
pub fn starts_with_field(text: &str) -> bool {
    let text = text.trim_start_matches(|c: char| super::lines::is_space(c) || "（(【[".contains(c));
    LABEL_RE.find(text).is_some_and(|m| m.start() == 0)
}

/// Splits a task's text into its body and its fields.
pub fn split_fields(text: &str) -> Fields {
    let found: Vec<_> = LABEL_RE.captures_iter(text).collect();
    let Some(first) = found.first() else {
        return super::prose::prose_fields(text).unwrap_or_else(|| Fields {
            body: text.trim().to_string(),
            ..Fields::default()
        });
    };
    let body = text[..first.get(0).map_or(0, |m| m.start())]
        .trim_end_matches(|c: char| super::lines::is_space(c) || "（(【[".contains(c));
    let mut lists = Vec::new();
    let mut tail = "";
    for (i, caps) in found.iter().enumerate() {
        let (Some(all), Some(name)) = (caps.get(0), caps.get(1)) else {
            continue;
        };
        let end = found
            .get(i + 1)
            .and_then(|next| next.get(0))
            .map_or(text.len(), |m| m.start());
        let label = classify(&folded(name.as_str()));
        let value = field_value(&text[all.end()..end]);
        if i + 1 == found.len() {
            tail = after_block(&text[all.end() + value.len()..]);
        }
        match label {
            // A deadline is one value (2022年6月底前，长期坚持), never a list to split.
            Label::Deadline => lists.push((Label::Deadline, whole(value))),
            label => lists.push((label, split_names(value))),
        }
    }
    let mut fields = Fields {
        body: format!("{}{tail}", body.trim()).trim().to_string(),
        lists,
        first_hosts: false,
    };
    // 「（县教育和体育局牵头，县财政局配合；完成时限：2023年8月底）」: the units in prose, then a
    // labelled field that names none.
    if !fields.has_units()
        && let Some(prose) =
            super::prose::prose_fields(&text[..first.get(0).map_or(0, |m| m.start())])
    {
        fields.body = prose.body;
        fields.lists.splice(0..0, prose.lists);
    }
    fields
}

/// The text after a field block that its closing bracket ends (「1.【牵头单位：X】加快推进…」:
/// the task's text comes after its fields), when it holds more than punctuation.
fn after_block(rest: &str) -> &str {
    let Some(close) = rest.chars().next().filter(|c| "）)】]".contains(*c)) else {
        return "";
    };
    let tail = &rest[close.len_utf8()..];
    if tail.chars().any(char::is_alphanumeric) {
        tail
    } else {
        ""
    }
}

/// The value of a field: up to the first 。；; or line break outside parentheses, or up to the
/// bracket that closes the field block. What follows (黑体为主办单位，其他为协办单位，下同) is a note.
fn field_value(raw: &str) -> &str {
    let mut depth = 0i32;
    for (i, c) in raw.char_indices() {
        match c {
            '（' | '(' | '【' | '[' => depth += 1,
            '）' | ')' | '】' | ']' => {
                depth -= 1;
                if depth < 0 {
                    return &raw[..i];
                }
            }
            '。' | '；' | ';' | '\n' if depth == 0 => return &raw[..i],
            _ => {}
        }
    }
    raw
}

/// Names separated by 、，, (never inside parentheses), each without a trailing 等, with bold
/// (`**…**`, possibly spanning several names) noted.
pub fn split_names(value: &str) -> Vec<Name> {
    let mut names = Vec::new();
    let mut current = String::new();
    let mut current_bold = false;
    let mut bold = false;
    let mut depth = 0i32;
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                bold = !bold;
                continue;
            }
            '（' | '(' | '【' | '[' => depth += 1,
            '）' | ')' | '】' | ']' => depth -= 1,
            '、' | '，' | ',' if depth <= 0 => {
                push_name(&mut names, &current, current_bold);
                current.clear();
                current_bold = false;
                continue;
            }
            _ => {}
        }
        if !super::lines::is_space(c) {
            current_bold |= bold;
        }
        current.push(c);
    }
    push_name(&mut names, &current, current_bold);
    names
}

/// A value kept whole, without bold marks: one name, or none when it is empty.
fn whole(value: &str) -> Vec<Name> {
    let mut names = Vec::new();
    push_name(&mut names, &value.replace("**", ""), false);
    names
}

/// Words after a unit's name that say it leads (区发改局（牵头）, 区发改局牵头) or helps
/// (区财政局配合): taken off the name; a leading one marks the unit.
const LEAD_MARKS: &[&str] = &[
    "（牵头）",
    "(牵头)",
    "【牵头】",
    "[牵头]",
    "（牵头单位）",
    "(牵头单位)",
    "（主办）",
    "(主办)",
    "（主责）",
    "牵头负责",
    "牵头",
];
const HELP_MARKS: &[&str] = &[
    "（配合）",
    "(配合)",
    "（协办）",
    "(协办)",
    "按职责分工负责",
    "按职能分工负责",
    "按职责负责",
    "分别负责",
    "配合落实",
    "配合",
    "参与",
    "协助",
];

/// `text` without one of `marks` at its end, when a name of two characters or more is left.
fn unmarked<'a>(text: &'a str, marks: &[&str]) -> Option<&'a str> {
    marks
        .iter()
        .find_map(|m| text.strip_suffix(m))
        .map(|t| t.trim_end_matches(super::lines::is_space))
        .filter(|t| t.chars().count() >= 2)
}

fn push_name(names: &mut Vec<Name>, raw: &str, bold: bool) {
    let mut text = raw.trim_matches(|c: char| super::lines::is_space(c) || c == '*');
    text = text
        .strip_suffix("等")
        .filter(|t| !t.is_empty())
        .unwrap_or(text);
    let mut text = text.trim_matches(super::lines::is_space);
    // 「…，下同」 after a list is a note, not a name.
    if ["下同", "同上", "下略"].contains(&text) {
        return;
    }
    let mut lead = false;
    if let Some(name) = unmarked(text, LEAD_MARKS) {
        (text, lead) = (name, true);
    } else if let Some(name) = unmarked(text, HELP_MARKS) {
        // 「区财政局等按职责分工负责」: the 等 before the mark goes too.
        text = name
            .strip_suffix("等")
            .filter(|t| !t.is_empty())
            .unwrap_or(name);
    }
    if !text.is_empty() {
        names.push(Name {
            text: text.to_string(),
            bold,
            lead,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(names: &[Name]) -> Vec<&str> {
        names.iter().map(|n| n.text.as_str()).collect()
    }

    #[test]
    fn seed_field_block_splits_into_leaders_and_units_without_the_note() {
        let f = split_fields(
            "年内产业营业收入突破90亿元。（牵头领导：张锐。承办单位：制造强市建设兖州区指挥部、区科技局等，工业园区、各镇街。黑体为主办单位，其他为协办单位，下同）",
        );
        assert_eq!(f.body, "年内产业营业收入突破90亿元。");
        assert_eq!(f.lists.len(), 2);
        assert_eq!(f.lists[0].0, Label::Leader(LeaderRole::Lead));
        assert_eq!(texts(&f.lists[0].1), ["张锐"]);
        assert_eq!(f.lists[1].0, Label::MixedUnits);
        assert_eq!(
            texts(&f.lists[1].1),
            ["制造强市建设兖州区指挥部", "区科技局", "工业园区", "各镇街"]
        );
    }

    #[test]
    fn names_with_parentheses_stay_whole() {
        let names = split_names(
            "区委统筹疫情防控和经济运行工作领导小组（指挥部）、区农业农村局（区乡村振兴局、区扶贫办）",
        );
        assert_eq!(
            texts(&names),
            [
                "区委统筹疫情防控和经济运行工作领导小组（指挥部）",
                "区农业农村局（区乡村振兴局、区扶贫办）"
            ]
        );
    }

    #[test]
    fn bold_marks_hosts_even_across_several_names() {
        let names = split_names("区商务局、**区交通运输局、区财政局**，**新兖镇**");
        let bold: Vec<bool> = names.iter().map(|n| n.bold).collect();
        assert_eq!(
            texts(&names),
            ["区商务局", "区交通运输局", "区财政局", "新兖镇"]
        );
        assert_eq!(bold, [false, true, true, true]);
    }

    #[test]
    fn half_width_brackets_and_separators_work_too() {
        let f = split_fields("完成任务(牵头负责领导: 王五; 牵头单位: A局, B局; 配合单位: C局)");
        assert_eq!(f.body, "完成任务");
        assert_eq!(f.lists[0].0, Label::Leader(LeaderRole::Lead));
        assert_eq!(texts(&f.lists[1].1), ["A局", "B局"]);
        assert_eq!(f.lists[2].0, Label::CoUnits);
        assert_eq!(texts(&f.lists[2].1), ["C局"]);
    }

    #[test]
    fn a_task_whose_fields_come_first_keeps_its_text() {
        let f = split_fields("【牵头单位：县财政局；配合单位：县商务局】深化预算管理改革。");
        assert_eq!(f.body, "深化预算管理改革。");
        assert_eq!(texts(&f.lists[1].1), ["县商务局"]);
        let f = split_fields("推进项目建设。（牵头单位：县财政局）。");
        assert_eq!(f.body, "推进项目建设。");
    }

    #[test]
    fn fields_on_their_own_lines() {
        let f = split_fields(
            "年内新增企业30家。\n责任领导：李四\n责任单位：县科技局\n完成时限：2023年6月底",
        );
        assert_eq!(f.body, "年内新增企业30家。");
        assert_eq!(texts(&f.lists[1].1), ["县科技局"]);
        assert_eq!(f.lists[2].0, Label::Deadline);
        assert_eq!(texts(&f.lists[2].1), ["2023年6月底"]);
    }
}
