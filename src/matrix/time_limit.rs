//! A task's 完成时限 (also 完成时间, 时间节点, 时限要求, or an Excel column of that name): the
//! value as written and the last day it allows, read with the time words of targets.

use super::fields::{Fields, Label};
use super::model::Deadline;
use super::targets::task_deadline;

/// The task's deadline, if its fields give one, and a warning (in Chinese, without the task's
/// number) when its value looks like a date that could not be read.
pub(super) fn read(fields: &Fields, year: Option<i32>) -> (Option<Deadline>, Option<String>) {
    let Some(text) = fields
        .lists
        .iter()
        .filter(|(label, _)| *label == Label::Deadline)
        .flat_map(|(_, names)| names)
        .map(|name| name.text.clone())
        .next()
    else {
        return (None, None);
    };
    let read = task_deadline(&text, year);
    let warning = match read {
        Some(Some(_)) => None,
        Some(None) => Some(format!(
            "的完成时限“{text}”没有写年份，通知中也没有找到年份，无法确定日期；已按原文保存，序时进度按年底计算。"
        )),
        // 长期坚持, 持续推进, 每月20日前: no single day, and none was meant.
        None if !looks_dated(&text) => None,
        None => Some(format!(
            "的完成时限“{text}”无法识别为日期；已按原文保存，序时进度按年底计算。"
        )),
    };
    let date = read.flatten();
    (Some(Deadline { text, date }), warning)
}

/// Text that seems to name a day (a figure, not a recurring 每月…) but was not read as one.
fn looks_dated(text: &str) -> bool {
    !text.contains('每')
        && text
            .chars()
            .any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
}
