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

const LABELS: &[(&str, Label)] = &[
    ("牵头负责领导", Label::Leader(LeaderRole::Lead)),
    ("牵头区领导", Label::Leader(LeaderRole::Lead)),
    ("牵头领导", Label::Leader(LeaderRole::Lead)),
    ("责任区领导", Label::Leader(LeaderRole::Responsible)),
    ("责任领导", Label::Leader(LeaderRole::Responsible)),
    ("分管领导", Label::Leader(LeaderRole::Responsible)),
    ("包保领导", Label::Leader(LeaderRole::Responsible)),
    ("联系领导", Label::Leader(LeaderRole::Responsible)),
    ("牵头责任单位", Label::HostUnits),
    ("主要责任单位", Label::HostUnits),
    ("牵头单位", Label::HostUnits),
    ("牵头部门", Label::HostUnits),
    ("主办单位", Label::HostUnits),
    ("主责单位", Label::HostUnits),
    ("协同责任单位", Label::CoUnits),
    ("配合责任单位", Label::CoUnits),
    ("协同单位", Label::CoUnits),
    ("配合单位", Label::CoUnits),
    ("配合部门", Label::CoUnits),
    ("协办单位", Label::CoUnits),
    ("参与单位", Label::CoUnits),
    ("承办单位", Label::MixedUnits),
    ("责任单位", Label::MixedUnits),
    ("责任部门", Label::MixedUnits),
    ("实施单位", Label::MixedUnits),
    ("完成时限", Label::Deadline),
    ("完成时间", Label::Deadline),
    ("时间节点", Label::Deadline),
    ("时限要求", Label::Deadline),
    ("备注", Label::Other),
];

/// Header cells of a flattened table, mapped to the label their column stands for (also
/// written with spaces between its characters or in traditional characters).
pub fn column_label(cell: &str) -> Option<&'static str> {
    let cell = folded(cell);
    let cell = cell.as_str();
    LABELS
        .iter()
        .map(|(name, _)| *name)
        .find(|name| cell == *name)
        .or(match cell {
            "时限" | "完成期限" => Some("完成时限"),
            _ => None,
        })
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

static LABEL_RE: LazyLock<Regex> = LazyLock::new(|| {
    // Each character of a label in its simplified or traditional form, with spaces allowed
    // between the characters (牵 头 单 位) but no line break.
    let pattern = |name: &str| {
        name.chars()
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
            .join(r"[ \t\u{3000}]*")
    };
    let names: Vec<String> = LABELS.iter().map(|(name, _)| pattern(name)).collect();
    // Labels may be bold (**牵头单位**：) and are followed by a full- or half-width colon.
    Regex::new(&format!(r"(?:\*\*)?({})(?:\*\*)?\s*[：:]", names.join("|"))).expect("labels")
});

/// A name as listed, with whether the input marked it bold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub text: String,
    pub bold: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields {
    /// The task text before the first field.
    pub body: String,
    pub lists: Vec<(Label, Vec<Name>)>,
}

impl Fields {
    pub fn has_units(&self) -> bool {
        self.lists.iter().any(|(label, names)| {
            matches!(label, Label::HostUnits | Label::CoUnits | Label::MixedUnits)
                && !names.is_empty()
        })
    }
}

/// Does this text hold any responsibility field?
pub fn has_fields(text: &str) -> bool {
    LABEL_RE.is_match(text)
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
        return Fields {
            body: text.trim().to_string(),
            lists: Vec::new(),
        };
    };
    let body = text[..first.get(0).map_or(0, |m| m.start())]
        .trim_end_matches(|c: char| super::lines::is_space(c) || "（(【[".contains(c));
    let mut lists = Vec::new();
    for (i, caps) in found.iter().enumerate() {
        let (Some(all), Some(name)) = (caps.get(0), caps.get(1)) else {
            continue;
        };
        let end = found
            .get(i + 1)
            .and_then(|next| next.get(0))
            .map_or(text.len(), |m| m.start());
        let name = folded(name.as_str());
        let label = LABELS.iter().find(|(n, _)| *n == name).map(|(_, l)| *l);
        let value = field_value(&text[all.end()..end]);
        match label {
            // A deadline is one value (2022年6月底前，长期坚持), never a list to split.
            Some(Label::Deadline) => lists.push((Label::Deadline, whole(value))),
            Some(label) => lists.push((label, split_names(value))),
            None => {}
        }
    }
    Fields {
        body: body.trim().to_string(),
        lists,
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

fn push_name(names: &mut Vec<Name>, raw: &str, bold: bool) {
    let mut text = raw.trim_matches(|c: char| super::lines::is_space(c) || c == '*');
    text = text
        .strip_suffix("等")
        .filter(|t| !t.is_empty())
        .unwrap_or(text);
    let text = text.trim_matches(super::lines::is_space);
    if !text.is_empty() {
        names.push(Name {
            text: text.to_string(),
            bold,
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
