//! One clause at a time: which figures are targets, of what kind, and what they measure.

use super::metric;
use super::quantity::{UnitClass, unit_class};
use super::{Quantity, find_quantities};
use crate::matrix::model::{Target, TargetKind};
use chrono::NaiveDate;
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// What a trigger word says about the figure after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verb {
    /// 新增 增加 补充: an amount added.
    Add,
    /// 突破 达到 超过 不低于 不少于: a floor.
    Reach,
    /// 增长 提高 提升: a rise.
    Grow,
    /// 下降 降低 压减 减少: a cut.
    Cut,
    /// 控制在 不超过 不高于: a ceiling.
    Cap,
    /// 完成 建设 改造 …: a thing to do, counted or measured.
    Do,
}

const TRIGGERS: &[(&str, Verb)] = &[
    ("新增", Verb::Add),
    ("增加", Verb::Add),
    ("补充", Verb::Add),
    ("突破", Verb::Reach),
    ("达到", Verb::Reach),
    ("超过", Verb::Reach),
    ("不低于", Verb::Reach),
    ("不少于", Verb::Reach),
    ("增长", Verb::Grow),
    ("提高", Verb::Grow),
    ("提升", Verb::Grow),
    ("下降", Verb::Cut),
    ("降低", Verb::Cut),
    ("压减", Verb::Cut),
    ("减少", Verb::Cut),
    ("控制在", Verb::Cap),
    ("不超过", Verb::Cap),
    ("不高于", Verb::Cap),
    ("完成", Verb::Do),
    ("建成", Verb::Do),
    ("建设", Verb::Do),
    ("新建", Verb::Do),
    ("改造", Verb::Do),
    ("升级改造", Verb::Do),
    ("培育", Verb::Do),
    ("引进", Verb::Do),
    ("实现", Verb::Do),
    ("到位", Verb::Do),
    ("启动", Verb::Do),
    ("推进", Verb::Do),
    ("创建", Verb::Do),
    ("累计", Verb::Do),
];

/// All trigger words, longest first: the regex takes the first alternative that matches at a
/// position, so 升级改造 is one trigger, not 改造, and 不超过 is not 超过.
static TRIGGER: LazyLock<Regex> = LazyLock::new(|| {
    let mut words: Vec<&str> = TRIGGERS.iter().map(|t| t.0).collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    Regex::new(&words.join("|")).expect("valid trigger pattern")
});

/// A trigger word where it stands.
#[derive(Debug, Clone)]
pub(super) struct Trigger {
    pub range: Range<usize>,
    pub verb: Verb,
}

/// A figure of the clause that is a target, with the trigger that makes it one.
#[derive(Debug, Clone)]
pub(super) struct Picked {
    pub range: Range<usize>,
    pub quantity: Quantity,
    pub class: UnitClass,
    pub trigger: Trigger,
}

/// The targets of one clause (already trimmed), each due by `deadline`.
pub(super) fn targets(clause: &str, deadline: Option<NaiveDate>) -> Vec<Target> {
    let picked = pick(clause);
    let metrics = metric::metrics(clause, &picked);
    picked
        .into_iter()
        .zip(metrics)
        .map(|(p, metric)| Target {
            metric,
            kind: kind(p.trigger.verb, p.class, capped(clause, &p.range)),
            value_text: p.quantity.text,
            value: p.quantity.value,
            unit: p.quantity.unit,
            normalized_value: p.quantity.normalized_value,
            normalized_unit: p.quantity.normalized_unit,
            deadline,
            source: clause.to_string(),
        })
        .collect()
}

/// The figures that are targets: not qualifiers, and with a trigger word before them.
/// The nearest trigger before a figure is the one that governs it (到位…60亿元、外资1亿美元:
/// 到位 governs both).
fn pick(clause: &str) -> Vec<Picked> {
    let triggers = triggers(clause);
    find_quantities(clause)
        .into_iter()
        .filter(|(range, _)| !is_qualifier(clause, range))
        .filter_map(|(range, quantity)| {
            let trigger = triggers
                .iter()
                .rev()
                .find(|t| t.range.end <= range.start)?
                .clone();
            let class = unit_class(&quantity.normalized_unit)?;
            Some(Picked {
                range,
                quantity,
                class,
                trigger,
            })
        })
        .collect()
}

/// The trigger words of a clause that are used as verbs. One right before 、 or 等 names a
/// project (5万吨特种纸搬迁升级改造、…等总投资706亿元的149个项目) and triggers nothing.
fn triggers(clause: &str) -> Vec<Trigger> {
    TRIGGER
        .find_iter(clause)
        .filter(|m| !clause[m.end()..].starts_with(['、', '等']))
        .filter_map(|m| {
            let verb = TRIGGERS.iter().find(|t| t.0 == m.as_str())?.1;
            Some(Trigger {
                range: m.range(),
                verb,
            })
        })
        .collect()
}

/// A figure that describes something else: followed by 的 (总投资706亿元的149个项目), or by
/// 以上/以下/以内 and more words of its 、 item (10亿元以上项目3个).
fn is_qualifier(clause: &str, range: &Range<usize>) -> bool {
    let rest = &clause[range.end..];
    rest.starts_with('的') || bound_then(rest).is_some_and(|more| !more.is_empty())
}

/// 以内 / 以下 closing the figure's 、 item: a ceiling (控制在3%以内).
fn capped(clause: &str, range: &Range<usize>) -> bool {
    let rest = &clause[range.end..];
    (rest.starts_with("以内") || rest.starts_with("以下")) && bound_then(rest) == Some("")
}

/// After a leading 以上/以下/以内: the rest of the 、 item, without closing marks.
fn bound_then(rest: &str) -> Option<&str> {
    let after = ["以上", "以下", "以内"]
        .iter()
        .find_map(|b| rest.strip_prefix(b))?;
    let item = after.split('、').next().unwrap_or_default();
    Some(item.trim_matches(|c: char| c.is_whitespace() || "）)”’".contains(c)))
}

/// The kind of target, from the governing verb, the unit and a closing 以内/以下.
fn kind(verb: Verb, class: UnitClass, capped: bool) -> TargetKind {
    use TargetKind::*;
    match (class, verb) {
        (UnitClass::Rate, Verb::Grow) => GrowthRate,
        (UnitClass::Rate, Verb::Cut) => ReductionRate,
        (_, Verb::Cap) => AtMost,
        _ if capped => AtMost,
        (UnitClass::Rate, _) => AtLeast,
        (_, Verb::Add) => IncreaseBy,
        (_, Verb::Reach) => AtLeast,
        (UnitClass::Count, _) => Count,
        (UnitClass::Amount, _) => AtLeast,
    }
}
