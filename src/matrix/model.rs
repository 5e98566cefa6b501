//! The responsibility matrix as plain data: what a notice says, after parsing and group
//! resolution. Everything here serializes to the JSON that `duban matrix --format json` prints.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A parsed notice: the document, its sections and tasks, and the units and groups they name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matrix {
    pub notice: NoticeInfo,
    pub sections: Vec<Section>,
    pub tasks: Vec<Task>,
    /// District-wide targets that belong to the notice, not to one task (section 一 of the seed).
    pub notice_targets: Vec<Target>,
    /// Every unit the matrix knows: the directory's units and any unit the notice names.
    pub units: Vec<UnitInfo>,
    /// Every group the notice or the directory names; an empty `members` means unresolved.
    pub groups: Vec<GroupInfo>,
    /// Things worth telling the importer's user that did not stop the import.
    pub warnings: Vec<Diagnostic>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeInfo {
    pub title: String,
    pub issuer: Option<String>,
    /// e.g. 济兖政发〔2022〕1号
    pub doc_number: Option<String>,
    pub date: Option<NaiveDate>,
    /// The year the notice's deadlines refer to (年内 = the end of this year).
    pub year: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// 1-based position among the sections that hold tasks.
    pub ordinal: u32,
    /// The numbering as written, e.g. "二" or "1".
    pub label: String,
    pub title: String,
    /// 1-based line of the heading in the decoded input.
    pub line: usize,
}

/// How a task without units is shown to admins (in the matrix, the import report, `/tasks`,
/// the bulletin) until one of them assigns it (`duban assign`, `/assign`).
pub const UNASSIGNED: &str = "待明确承办单位";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub number: u32,
    /// `Section::ordinal` of the section the task sits in, if any.
    pub section: Option<u32>,
    /// The task's text without its responsibility fields.
    pub text: String,
    pub line: usize,
    pub leaders: Vec<LeaderRef>,
    /// Resolved units; a unit reached through a group word names it in `via`.
    pub units: Vec<UnitRef>,
    /// Every group word of the unit list, resolved or not, with the role it was listed in.
    pub groups: Vec<GroupRef>,
    pub targets: Vec<Target>,
    /// 完成时限, when the notice gives the task one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
}

/// A task's 完成时限: as written, and the last day it allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// As the notice writes it: 2022年6月底前, 长期坚持.
    pub text: String,
    /// The last day: 2022-06-30. `None` for words that name no day (长期, 持续推进), and for a
    /// month when the notice's year is unknown.
    pub date: Option<NaiveDate>,
}

impl Task {
    /// Neither a unit nor a group word: the notice left it to be decided (待明确承办单位).
    pub fn is_unassigned(&self) -> bool {
        self.units.is_empty() && self.groups.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaderRole {
    /// 牵头领导
    Lead,
    /// 责任领导
    Responsible,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaderRef {
    pub name: String,
    pub role: LeaderRole,
    /// The title written beside the name (区长 张三, 张三（副区长）), when the notice gives one;
    /// the name alone is the leader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitRole {
    /// 主办
    Host,
    /// 协办
    Co,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRef {
    pub name: String,
    pub role: UnitRole,
    /// The group word this unit came from (e.g. 各镇街), or None when named directly.
    pub via: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRef {
    pub name: String,
    pub role: UnitRole,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    Department,
    Town,
    Subdistrict,
    Park,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitInfo {
    pub name: String,
    pub kind: UnitKind,
    /// The unit's other names, from the directory's `[aliases]`, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupInfo {
    pub name: String,
    pub members: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// 达到 / 突破 / 不低于 / 完成 a quantity
    AtLeast,
    /// 控制在…以内 / 不超过
    AtMost,
    /// 新增 / 增加 an absolute amount
    IncreaseBy,
    /// 增长 N%
    GrowthRate,
    /// 压减 / 下降 N%
    ReductionRate,
    /// a number of things to build or do (改造22个老旧小区)
    Count,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// What is measured, e.g. 高新技术企业.
    pub metric: String,
    /// The figure as written, e.g. 3.6万亩.
    pub value_text: String,
    /// The number as written (3.6).
    pub value: f64,
    /// The unit as written (万亩).
    pub unit: String,
    /// The value in the base unit (36000).
    pub normalized_value: f64,
    /// The base unit (亩); "%" for rates.
    pub normalized_unit: String,
    pub kind: TargetKind,
    pub deadline: Option<NaiveDate>,
    /// The clause the target was read from.
    pub source: String,
}

/// A message about one line of the input, in Chinese, for the person importing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "第{}行：{}", self.line, self.message)
        }
    }
}
