//! Figures in a progress report, read against the task's targets: 已新增高新技术企业18家 on a
//! task whose target is 30家 gives 18 of 30 家; 完成2.1万亩 against 3.6万亩 gives 2.1 of 3.6.

use crate::matrix::{Target, find_quantities};
use std::collections::HashSet;

/// How many characters before a figure are compared with a target's metric to pick among
/// several targets of the same unit.
const CONTEXT_CHARS: usize = 16;

/// A figure of a report that measures one of the task's targets.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Index into the task's targets.
    pub target: usize,
    /// The figure as written (2.1万亩).
    pub text: String,
    /// The figure in the target's unit (2.1 when the target is 3.6 万亩; 21000 亩 read against
    /// a target of 3.6 万亩 also gives 2.1).
    pub value: f64,
}

impl Figure {
    /// The share of the target reached, in percent (None for a target of zero).
    pub fn percent_of(&self, target: &Target) -> Option<f64> {
        (target.value != 0.0).then(|| self.value / target.value * 100.0)
    }
}

/// The figures of `text` that measure `targets`: a figure measures a target of the same unit
/// of measure; among several such targets the one whose metric shares most characters with the
/// words just before the figure wins, then the first not yet measured. Each target is measured
/// at most once (the first figure for it counts).
pub fn read_figures(text: &str, targets: &[Target]) -> Vec<Figure> {
    let mut taken = HashSet::new();
    let mut figures = Vec::new();
    for (range, quantity) in find_quantities(text) {
        let context: Vec<char> = text[..range.start].chars().collect();
        let context: String = context[context.len().saturating_sub(CONTEXT_CHARS)..]
            .iter()
            .collect();
        let best = targets
            .iter()
            .enumerate()
            .filter(|(i, t)| !taken.contains(i) && t.normalized_unit == quantity.normalized_unit)
            .max_by_key(|(i, t)| (shared_chars(&context, &t.metric), std::cmp::Reverse(*i)));
        let Some((index, target)) = best else {
            continue;
        };
        let value = if target.normalized_value != 0.0 {
            quantity.normalized_value * target.value / target.normalized_value
        } else {
            quantity.value
        };
        taken.insert(index);
        figures.push(Figure {
            target: index,
            text: quantity.text,
            value: round(value),
        });
    }
    figures.sort_by_key(|f| f.target);
    figures
}

fn shared_chars(context: &str, metric: &str) -> usize {
    metric
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .collect::<HashSet<_>>()
        .into_iter()
        .filter(|c| context.contains(*c))
        .count()
}

/// Drops the noise of binary floating point (2.1000000000000001 → 2.1).
fn round(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::extract_targets;

    fn targets(task: &str) -> Vec<Target> {
        extract_targets(task, Some(2022))
    }

    #[test]
    fn a_count_is_read_against_the_count_target() {
        let t = targets("年内新增高新技术企业30家。");
        let figures = read_figures("已新增高新技术企业18家，正在培育5家", &t);
        assert_eq!(figures.len(), 1);
        assert_eq!(figures[0].target, 0);
        assert_eq!(figures[0].value, 18.0);
        assert_eq!(figures[0].text, "18家");
        assert_eq!(figures[0].percent_of(&t[0]), Some(60.0));
    }

    #[test]
    fn a_figure_is_given_in_the_targets_unit() {
        let t = targets("完成高标准农田建设3.6万亩。");
        let figures = read_figures("已完成2.1万亩", &t);
        assert_eq!(figures[0].value, 2.1);
        let figures = read_figures("已完成21000亩", &t);
        assert_eq!(figures[0].value, 2.1);
    }

    #[test]
    fn the_metric_picks_among_targets_of_one_unit() {
        let t = targets("新增规上工业企业20家，新增高新技术企业30家。");
        assert_eq!(t.len(), 2);
        let figures = read_figures("高新技术企业新增12家，规上工业企业新增8家", &t);
        let by_target: Vec<(usize, f64)> = figures.iter().map(|f| (f.target, f.value)).collect();
        assert_eq!(by_target, vec![(0, 8.0), (1, 12.0)]);
    }

    #[test]
    fn figures_of_other_units_and_texts_without_figures_give_nothing() {
        let t = targets("年内新增高新技术企业30家。");
        assert!(read_figures("已完成投资2亿元", &t).is_empty());
        assert!(read_figures("正在推进", &t).is_empty());
        assert!(read_figures("完成18家", &[]).is_empty());
    }
}
