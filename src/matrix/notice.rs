//! The notice parser: decoded text in, [`Matrix`] out.
//!
//! The text is cut into blocks (a numbered line with the lines that belong to it). The numbering
//! style whose blocks carry responsibility fields is the task style; the nearest heading style
//! above the first task gives the sections. This is what lets one parser read the whole family
//! of such notices: 1、 or （一） tasks, fields in brackets or on their own lines, tables, cover
//! letters whose numbered requirements are not tasks.

use super::directory::{UnitDirectory, name_parts, second_name};
use super::fields::{has_fields, split_fields, starts_with_field};
use super::lines::{Line, Numbering, Style, clean, numbering};
use super::model::{
    Diagnostic, GroupInfo, LeaderRef, LeaderRole, Matrix, Section, Task, UnitInfo, UnitKind,
};
use super::prose::{first_listed_hosts, heading_leader, without_rule};
use super::responsibility::{add_unit, assign};
use super::{document, table, targets::extract_targets, time_limit};
use std::collections::{BTreeMap, BTreeSet};

/// Why a notice could not be imported: every problem found, each with its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
pub struct NoticeError {
    pub problems: Vec<Diagnostic>,
}

impl NoticeError {
    pub fn single(line: usize, message: impl Into<String>) -> Self {
        Self {
            problems: vec![diag(line, message)],
        }
    }
}

fn diag(line: usize, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        line,
        message: message.into(),
    }
}

/// A numbered line and the lines that belong to it, or one free line.
#[derive(Debug)]
pub(super) struct Block {
    pub numbering: Option<Numbering>,
    pub line: usize,
    /// The first line without its numbering, then the continuation lines, all cleaned.
    pub lines: Vec<String>,
    pub has_fields: bool,
    /// The line where the first responsibility field is, when there is one.
    pub field_line: Option<usize>,
}

impl Block {
    fn text(&self) -> String {
        self.lines.join("\n")
    }
    fn style(&self) -> Option<Style> {
        self.numbering.as_ref().map(|n| n.style)
    }
}

pub fn parse_notice(text: &str, dir: &UnitDirectory) -> Result<Matrix, NoticeError> {
    let lines: Vec<Line> = text
        .lines()
        .enumerate()
        .map(|(i, t)| Line {
            no: i + 1,
            text: t.to_string(),
        })
        .collect();
    if lines.iter().all(|l| clean(&l.text).is_empty()) {
        return Err(NoticeError::single(0, "文件是空的，没有可以导入的内容。"));
    }
    let blocks = blocks(&table::unflatten(lines));
    let Some(task_style) = task_style(&blocks) else {
        return Err(NoticeError::single(
            0,
            "没有找到任务：文中没有带“牵头领导”“承办单位（责任单位、牵头单位）”等责任信息的编号条目。",
        ));
    };
    let is_task = |b: &Block| b.has_fields && b.style().is_some_and(|s| s.same_level(task_style));
    let first = blocks.iter().position(is_task).unwrap_or(0);
    let last = blocks.iter().rposition(is_task).unwrap_or(0);
    let headings = headings(&blocks, task_style, first);
    let fieldless = fieldless_tasks(&blocks, task_style, &is_task, &headings);
    let notice = document::notice_info(&blocks, first, last);
    let year = notice.year;

    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let empty = UnitDirectory::default();
    let dir = match (dir.region.as_deref(), notice.issuer.as_deref()) {
        (Some(region), Some(issuer)) if !same_government(region, issuer) => {
            warnings.push(diag(
                0,
                format!(
                    "通知的发文机关是“{issuer}”，而单位名录是“{region}”的：未用这份名录展开“各镇街”等分组，它们作为待补充成员的分组导入。请用 --directory 指定本地的单位名录。"
                ),
            ));
            &empty
        }
        _ => dir,
    };
    let first_hosts = first_listed_hosts(text);
    let mut heading_lead: Option<(String, Option<String>)> = None;
    let mut sections: Vec<Section> = Vec::new();
    let mut tasks: Vec<Task> = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        if fieldless.contains(&i) {
            let section = (!sections.is_empty()).then_some(sections.len() as u32);
            let (mut task, warning) = fieldless_task(block, section, year, i > last);
            led_by_heading(&mut task.leaders, &heading_lead);
            tasks.push(task);
            warnings.push(warning);
            continue;
        }
        if i > last {
            // After the last task: only lines with fields, which were meant as tasks.
            if block.has_fields {
                warnings.push(not_a_task(block, task_style));
            }
            continue;
        }
        if headings.contains(&i) {
            let n = block.numbering.as_ref().expect("headings are numbered");
            heading_lead = heading_leader(&block.lines[0]);
            sections.push(Section {
                ordinal: 0,
                label: n.label.clone(),
                title: block.lines[0]
                    .replace("**", "")
                    .trim_end_matches(['：', ':'])
                    .to_string(),
                line: block.line,
            });
            continue;
        }
        if i < first {
            continue;
        }
        if !is_task(block) {
            if block.has_fields {
                warnings.push(not_a_task(block, task_style));
            }
            continue;
        }
        let numbering = block.numbering.as_ref().expect("task blocks are numbered");
        let label = &numbering.label;
        if numbering.style != task_style {
            warnings.push(diag(
                block.line,
                format!(
                    "第{label}项任务的编号写作“{}”，与其他任务的“{}”不同，已按任务导入。",
                    style_example(numbering.style, label),
                    style_example(task_style, "1")
                ),
            ));
        }
        let mut fields = if first_hosts {
            split_fields(&without_rule(&block.text()))
        } else {
            split_fields(&block.text())
        };
        fields.first_hosts = first_hosts;
        let mut who = assign(&fields, dir);
        led_by_heading(&mut who.leaders, &heading_lead);
        if !fields.has_units() {
            warnings.push(diag(
                block.line,
                format!(
                    "第{label}项任务没有写明承办单位（或牵头单位、责任单位），{UNASSIGNED_NOTE}"
                ),
            ));
        } else if who.units.is_empty() {
            warnings.push(diag(
                block.line,
                format!(
                    "第{label}项任务只写了无法确定成员的分组，暂无具体承办单位，请补充分组成员。"
                ),
            ));
        }
        let (deadline, unread) = time_limit::read(&fields, year);
        if let Some(unread) = unread {
            warnings.push(diag(block.line, format!("第{label}项任务{unread}")));
        }
        let text = fields.body.replace("**", "");
        tasks.push(Task {
            number: block.numbering.as_ref().map_or(0, |n| n.number),
            section: (!sections.is_empty()).then_some(sections.len() as u32),
            targets: extract_targets(&text, year),
            text,
            line: block.line,
            leaders: who.leaders,
            units: who.units,
            groups: who.groups,
            deadline,
        });
    }
    let sections = keep_sections_with_tasks(sections, &mut tasks);
    number_tasks(&mut tasks, &mut problems, &mut warnings);
    if !problems.is_empty() {
        return Err(NoticeError { problems });
    }
    merge_second_names(&mut tasks, dir, &mut warnings);
    let (units, groups) = units_and_groups(&tasks, dir, &mut warnings);
    let notice_targets = document::notice_paragraphs(&blocks[..first], &headings)
        .flat_map(|p| extract_targets(p, year))
        .collect();
    Ok(Matrix {
        notice,
        sections,
        tasks,
        notice_targets,
        units,
        groups,
        warnings,
    })
}

/// What the warning of a task without units goes on to say.
const UNASSIGNED_NOTE: &str = "已作为“待明确承办单位”的任务导入，明确前不发提醒；可用 duban assign 任务编号 --host 单位 指定。";

/// Numbered blocks of the task style without fields that are tasks all the same: one between
/// two tasks whose number fills the gap between theirs (a unit left to be decided), and one
/// that ends the file and continues the numbering of the last task (a file cut off before the
/// fields of its last task). Anything else without fields (cover-letter points, headings,
/// requirements after the tasks) stays what it is.
fn fieldless_tasks(
    blocks: &[Block],
    task_style: Style,
    is_task: &dyn Fn(&Block) -> bool,
    headings: &[usize],
) -> Vec<usize> {
    let number = |i: usize| blocks[i].numbering.as_ref().map_or(0, |n| n.number);
    let candidate = |i: usize| {
        !blocks[i].has_fields && blocks[i].style() == Some(task_style) && !headings.contains(&i)
    };
    let same_level = |i: usize| blocks[i].style().is_some_and(|s| s.same_level(task_style));
    let tasks: Vec<usize> = (0..blocks.len()).filter(|&i| is_task(&blocks[i])).collect();
    let mut found = Vec::new();
    for pair in tasks.windows(2) {
        let (before, after) = (pair[0], pair[1]);
        let between: Vec<usize> = (before + 1..after).filter(|&i| same_level(i)).collect();
        if let [i] = between[..]
            && candidate(i)
            && number(i) == number(before) + 1
            && number(i) + 1 == number(after)
        {
            found.push(i);
        }
    }
    let end = blocks.len() - 1;
    if let Some(&last) = tasks.last()
        && end > last
        && candidate(end)
        && number(end) == number(last) + 1
        && (last + 1..end).all(|i| blocks[i].numbering.is_none())
    {
        found.push(end);
    }
    found
}

/// A leader the section heading names (with the title it gives) leads the tasks under it that
/// name none of their own.
fn led_by_heading(leaders: &mut Vec<LeaderRef>, heading: &Option<(String, Option<String>)>) {
    if let (true, Some((name, title))) = (leaders.is_empty(), heading) {
        leaders.push(LeaderRef {
            name: name.clone(),
            role: LeaderRole::Lead,
            title: title.clone(),
        });
    }
}

/// A task of a numbered block without fields (see [`fieldless_tasks`]) and the warning that
/// names its line.
fn fieldless_task(
    block: &Block,
    section: Option<u32>,
    year: Option<i32>,
    at_the_end: bool,
) -> (Task, Diagnostic) {
    let numbering = block
        .numbering
        .as_ref()
        .expect("fieldless tasks are numbered");
    let text = block.text().replace("**", "");
    let why = if at_the_end {
        "后面没有牵头领导、承办单位等责任信息（文件可能在此处截断）"
    } else {
        "没有写明牵头领导和承办单位"
    };
    let warning = diag(
        block.line,
        format!("第{}项任务{why}，{UNASSIGNED_NOTE}", numbering.label),
    );
    let task = Task {
        number: numbering.number,
        section,
        targets: extract_targets(&text, year),
        text,
        line: block.line,
        leaders: Vec::new(),
        units: Vec::new(),
        groups: Vec::new(),
        deadline: None,
    };
    (task, warning)
}

/// Whether a notice issued by `issuer` (济宁市兖州区人民政府) is of the directory's `region`
/// (济宁市兖州区): the issuer names the region, or at least its own level (兖州区).
fn same_government(region: &str, issuer: &str) -> bool {
    let region = region.trim();
    let mut own = region;
    for level in ["省", "自治区", "市", "自治州", "地区", "盟"] {
        if let Some((_, rest)) = own.rsplit_once(level).filter(|(_, rest)| !rest.is_empty()) {
            own = rest;
        }
    }
    region.is_empty() || issuer.contains(region) || issuer.contains(own)
}

/// The warning for a block that carries responsibility fields but is not a task, naming its
/// line: every such line becomes a task or is named.
fn not_a_task(block: &Block, task_style: Style) -> Diagnostic {
    // A numbered line (a heading) whose fields come on a line of their own below it: that
    // line is what was meant as a task, and it has no number.
    let line = block.field_line.unwrap_or(block.line);
    let message = match &block.numbering {
        Some(n) if line == block.line => format!(
            "这一行写有责任信息，但编号“{}”与任务的编号“{}”不是同一级，未作为任务导入。请检查编号是否写错。",
            style_example(n.style, &n.label),
            style_example(task_style, "1")
        ),
        _ => "这一行写有责任信息，但没有任务编号，未作为任务导入。请检查编号是否写错。".into(),
    };
    diag(line, message)
}

/// A numbering as a person writes it: `2、`, `（二）`, `第二部分`.
fn style_example(style: Style, label: &str) -> String {
    match style {
        Style::Chapter => format!("第{label}部分"),
        Style::ChineseComma | Style::ArabicComma => format!("{label}、"),
        Style::ParenChinese | Style::ParenArabic => format!("（{label}）"),
        Style::ArabicDot => format!("{label}."),
        Style::ArabicParen => format!("{label}）"),
        Style::Circled => label.to_owned(),
        Style::ChineseShi => format!("{label}是"),
    }
}

/// Cuts the lines into blocks. A numbered line opens a block; lines without numbering join it
/// while it has no fields yet (a task written over several lines) or when they are field lines
/// (fields on their own lines); any other line stands alone.
fn blocks(lines: &[Line]) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    let mut open = false;
    for line in lines {
        let text = clean(&line.text);
        if text.is_empty() {
            continue;
        }
        let fields = has_fields(text);
        if let Some(n) = numbering(text) {
            let rest = text[n.len..].to_string();
            blocks.push(Block {
                numbering: Some(n),
                line: line.no,
                lines: vec![rest],
                has_fields: fields,
                field_line: fields.then_some(line.no),
            });
            open = true;
            continue;
        }
        if let Some(block) = blocks
            .last_mut()
            .filter(|b| open && (!b.has_fields || starts_with_field(text)))
        {
            block.lines.push(text.to_string());
            if fields && !block.has_fields {
                block.field_line = Some(line.no);
            }
            block.has_fields |= fields;
            continue;
        }
        blocks.push(Block {
            numbering: None,
            line: line.no,
            lines: vec![text.to_string()],
            has_fields: fields,
            field_line: fields.then_some(line.no),
        });
        open = false;
    }
    blocks
}

/// The numbering style most of the blocks with responsibility fields use.
fn task_style(blocks: &[Block]) -> Option<Style> {
    let mut counts: BTreeMap<Style, (usize, usize)> = BTreeMap::new();
    for (i, b) in blocks.iter().enumerate().filter(|(_, b)| b.has_fields) {
        if let Some(style) = b.style() {
            let entry = counts.entry(style).or_insert((0, i));
            entry.0 += 1;
        }
    }
    // Most blocks first; on a tie, the style that appears first.
    counts
        .into_iter()
        .max_by_key(|(_, (count, first))| (*count, usize::MAX - first))
        .map(|(s, _)| s)
}

/// Indices of the section headings: short numbered blocks without fields, of the style of the
/// nearest heading above the first task. A heading may be numbered like the tasks themselves,
/// in which case it must be followed directly by a task.
fn headings(blocks: &[Block], task_style: Style, first_task: usize) -> Vec<usize> {
    let candidate = |i: usize| {
        let b = &blocks[i];
        let short = b.lines[0].chars().count() <= 60;
        match b.style() {
            None => false,
            _ if b.has_fields || !short => false,
            Some(s) if s == task_style => blocks[i + 1..]
                .iter()
                .find(|n| n.numbering.is_some())
                .is_some_and(|n| n.style() == Some(task_style) && n.has_fields),
            Some(_) => true,
        }
    };
    let style = (0..first_task)
        .rev()
        .find(|&i| candidate(i))
        .and_then(|i| blocks[i].style());
    let Some(style) = style else {
        return Vec::new();
    };
    (0..blocks.len())
        .filter(|&i| blocks[i].style() == Some(style) && candidate(i))
        .collect()
}

/// Drops headings that hold no task (section 一 of the seed, cover-letter points) and numbers the
/// rest 1, 2, … as `Task::section` refers to them.
fn keep_sections_with_tasks(sections: Vec<Section>, tasks: &mut [Task]) -> Vec<Section> {
    let mut kept = Vec::new();
    let mut renumber = BTreeMap::new();
    for (i, mut section) in sections.into_iter().enumerate() {
        let position = i as u32 + 1;
        if tasks.iter().any(|t| t.section == Some(position)) {
            section.ordinal = kept.len() as u32 + 1;
            renumber.insert(position, section.ordinal);
            kept.push(section);
        }
    }
    for task in tasks {
        task.section = task.section.and_then(|s| renumber.get(&s).copied());
    }
    kept
}

/// Keeps the numbers as written when they are unique; numbering that restarts in every section
/// becomes 1..N in document order; any other repeated number is an error.
fn number_tasks(
    tasks: &mut [Task],
    problems: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) {
    let increasing = tasks.windows(2).all(|w| w[0].number < w[1].number);
    if increasing {
        return;
    }
    let restarts_per_section = tasks
        .windows(2)
        .all(|w| w[0].number < w[1].number || (w[0].section != w[1].section && w[1].number == 1));
    if restarts_per_section {
        warnings.push(diag(0, "各部分的任务分别从1编号，已按全文顺序重新编号。"));
        for (i, task) in tasks.iter_mut().enumerate() {
            task.number = i as u32 + 1;
        }
        return;
    }
    let mut seen: BTreeMap<u32, usize> = BTreeMap::new();
    for task in tasks.iter() {
        if let Some(first) = seen.insert(task.number, task.line) {
            problems.push(diag(
                task.line,
                format!(
                    "任务编号{}重复（第{}行已有第{}项任务），请修改编号后再导入。",
                    task.number, first, task.number
                ),
            ));
            seen.insert(task.number, first);
        }
    }
}

/// A unit written with a second name in parentheses (区农业农村局（区乡村振兴局）) that the
/// directory does not know is the unit the notice names plainly elsewhere by either name (the
/// outer one first): one unit, not two — and so is a unit the notice names plainly by the other
/// of the two names. The directory's aliases were applied when the tasks were read; this is for
/// what only the notice itself tells.
fn merge_second_names(tasks: &mut [Task], dir: &UnitDirectory, warnings: &mut Vec<Diagnostic>) {
    let same = same_units(tasks, dir);
    if same.is_empty() {
        return;
    }
    let mut told = BTreeSet::new();
    for task in tasks {
        for unit in std::mem::take(&mut task.units) {
            let Some(name) = same.get(&unit.name) else {
                add_unit(&mut task.units, &unit.name, unit.role, unit.via.as_deref());
                continue;
            };
            if name_parts(&unit.name).is_some() && told.insert(unit.name.clone()) {
                warnings.push(diag(
                    task.line,
                    format!(
                        "“{}”写的是同一个单位的两个名称（括号内是另一个名称），已与通知中其他处的“{name}”按同一个单位导入。",
                        unit.name
                    ),
                ));
            }
            add_unit(&mut task.units, name, unit.role, unit.via.as_deref());
        }
    }
}

/// Which names of the notice's units stand for another unit of the notice, by the second names
/// in parentheses the directory does not know: name → the unit's name.
fn same_units(tasks: &[Task], dir: &UnitDirectory) -> BTreeMap<String, String> {
    let names: BTreeSet<&str> = tasks
        .iter()
        .flat_map(|t| t.units.iter().map(|u| u.name.as_str()))
        .collect();
    let mut same = BTreeMap::new();
    for &name in names.iter().filter(|n| !dir.knows(n)) {
        let Some(unit) = second_name(name, |n| names.get(n).copied()) else {
            continue;
        };
        let (outer, inner) = name_parts(name).expect("a second name has parts");
        for part in std::iter::once(outer).chain(inner) {
            if part != unit && names.contains(part) && !dir.knows(part) {
                same.entry(part.to_string())
                    .or_insert_with(|| unit.to_string());
            }
        }
        same.insert(name.to_string(), unit.to_string());
    }
    same
}

/// The directory's units and groups plus those only the notice names, each sorted by name.
fn units_and_groups(
    tasks: &[Task],
    dir: &UnitDirectory,
    warnings: &mut Vec<Diagnostic>,
) -> (Vec<UnitInfo>, Vec<GroupInfo>) {
    let mut units: BTreeMap<String, UnitKind> = dir
        .units()
        .iter()
        .map(|u| (u.name.clone(), u.kind))
        .collect();
    let mut groups: BTreeMap<String, Vec<String>> =
        dir.groups().map(|g| (g.name, g.members)).collect();
    let mut warned = BTreeSet::new();
    // Without a directory every group word is unresolved: one warning names them all.
    let mut without_directory: Vec<(usize, String)> = Vec::new();
    for task in tasks {
        for unit in &task.units {
            if !units.contains_key(&unit.name) {
                warnings.push(diag(
                    task.line,
                    format!("单位“{}”不在单位名录中，已作为新单位导入。", unit.name),
                ));
                units.insert(unit.name.clone(), UnitKind::Other);
            }
        }
        for group in &task.groups {
            let members = groups.entry(group.name.clone()).or_default();
            if members.is_empty() && dir.is_empty() {
                if warned.insert(group.name.clone()) {
                    without_directory.push((task.line, group.name.clone()));
                }
            } else if members.is_empty() && warned.insert(group.name.clone()) {
                warnings.push(diag(
                    task.line,
                    format!(
                        "“{}”无法从单位名录确定具体单位，已作为待补充成员的分组导入。",
                        group.name
                    ),
                ));
            }
        }
    }
    if let Some((line, _)) = without_directory.first() {
        let names: Vec<String> = without_directory
            .iter()
            .map(|(_, name)| format!("“{name}”"))
            .collect();
        warnings.push(diag(
            *line,
            format!(
                "没有单位名录：{}无法确定具体单位，已作为待补充成员的分组导入。",
                names.join("")
            ),
        ));
    }
    let aliases_of = dir.aliases();
    (
        units
            .into_iter()
            .map(|(name, kind)| {
                let mut aliases: Vec<String> = aliases_of
                    .get(name.as_str())
                    .map(|a| a.iter().map(|a| (*a).to_owned()).collect())
                    .unwrap_or_default();
                aliases.sort();
                UnitInfo {
                    name,
                    kind,
                    aliases,
                }
            })
            .collect(),
        groups
            .into_iter()
            .map(|(name, members)| GroupInfo { name, members })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::same_government;

    #[test]
    fn a_notice_belongs_to_the_directory_whose_region_its_issuer_names() {
        assert!(same_government("济宁市兖州区", "济宁市兖州区人民政府"));
        assert!(same_government("济宁市兖州区", "兖州区人民政府办公室"));
        assert!(same_government(
            "山东省济宁市兖州区",
            "济宁市兖州区人民政府"
        ));
        assert!(same_government("某某市青禾县", "青禾县人民政府"));
        assert!(same_government("杭州市", "杭州市人民政府"));
        assert!(!same_government("济宁市兖州区", "临沂市兰陵县人民政府"));
        assert!(!same_government("济宁市兖州区", "青禾县人民政府"));
    }
}
