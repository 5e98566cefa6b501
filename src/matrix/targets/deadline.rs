//! By when a target is due, from the time words of its clause.

use chrono::NaiveDate;
use regex::{Captures, Regex};
use std::ops::Range;
use std::sync::LazyLock;

/// Time words that name a date: 到2025年, 2022年底, 6月底前, 上半年, 三季度.
/// They win over the relative ones, so 今年上半年 is 06-30, not 12-31.
static DATED: LazyLock<Regex> = LazyLock::new(|| {
    let digit = "[0-9０-９]";
    Regex::new(&format!(
        "(?:到|至|截至|截止到?)(?P<by>{digit}{{4}})年(?:(?P<bym>{digit}{{1,2}})月(?:底|末|份)?前?)?\
         |(?P<y>{digit}{{4}})年(?:(?P<ym>{digit}{{1,2}})月(?:底|末|份前)前?|底前?|末)\
         |(?:到|至)?(?P<m>{digit}{{1,2}})月(?:底前?|末|份前)\
         |(?P<half>上半年|下半年)\
         |(?P<q3>前三季度)\
         |第?(?P<q>[一二三四1-4１-４])季度(?:末|底)?"
    ))
    .expect("valid dated time pattern")
});

/// Time words that mean the end of the notice year.
static YEAR_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("到年底|年底前?|年末|年内|今年|全年|本年|当年").expect("valid time pattern")
});

/// Dates written out, as a 完成时限 gives them and a target's clause does not: 2022年6月30日,
/// 2022.6.30, 2022-06, 6月30日前. A month without a day means its last day.
static WRITTEN: LazyLock<Regex> = LazyLock::new(|| {
    let digit = "[0-9０-９]";
    let sep = r"\s*[年.．\-－/／]\s*";
    Regex::new(&format!(
        "(?P<y>{digit}{{4}}){sep}(?P<m>{digit}{{1,2}})(?P<quarter>季)?(?:\\s*[月.．\\-－/／]\\s*(?P<d>{digit}{{1,2}}))?\
         |(?P<md>{digit}{{1,2}})月(?P<dd>{digit}{{1,2}})[日号]"
    ))
    .expect("valid written date pattern")
});

/// A year written in the text (2022年上半年): the year the other time words refer to.
static YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("(?P<y>[0-9０-９]{4})年").expect("valid year pattern"));

/// The last day a task's 完成时限 allows: `None` if it names no time (长期, 持续推进),
/// `Some(None)` if it names one relative to a year that is unknown.
///
/// A year written in the text wins over the notice's year `year` (2023年上半年). Dates written
/// out come first, then the time words of targets (6月底前, 年内, 上半年, 一季度), then a year
/// alone.
pub(in crate::matrix) fn task_deadline(text: &str, year: Option<i32>) -> Option<Option<NaiveDate>> {
    let written_year = YEAR
        .captures(text)
        .and_then(|c| parse_digits(&c["y"]))
        .and_then(|y| i32::try_from(y).ok());
    let year = written_year.or(year);
    if let Some(date) = WRITTEN.captures_iter(text).find_map(|c| written(&c, year)) {
        return Some(date);
    }
    // A year alone (2022年) is its end; with a month that was no date (2022年6月31日), none.
    let year_alone = || written_year.filter(|_| !text.contains('月'));
    stated(text, year).or_else(|| year_alone().map(|y| year_end(Some(y))))
}

/// The date one written match names; `None` when it is no date (2022年13月, 6月31日).
fn written(c: &Captures<'_>, year: Option<i32>) -> Option<Option<NaiveDate>> {
    let number = |name: &str| c.name(name).and_then(|m| parse_digits(m.as_str()));
    if c.name("quarter").is_some() {
        // 2022年1季度: a quarter, which the time words of targets read.
        return None;
    }
    let (year, month, day) = match number("y") {
        Some(y) => (Some(i32::try_from(y).ok()?), number("m")?, number("d")),
        None => (year, number("md")?, number("dd")),
    };
    match day {
        None => month_end(year, month),
        Some(day) => {
            let Some(year) = year else {
                return (1..=12).contains(&month).then_some(None);
            };
            NaiveDate::from_ymd_opt(year, month, day).map(Some)
        }
    }
}

/// The deadline a clause states: `None` if it names no time, `Some(None)` if it names one
/// relative to the notice year and the year is unknown.
pub(super) fn stated(clause: &str, year: Option<i32>) -> Option<Option<NaiveDate>> {
    if let Some(date) = DATED.captures_iter(clause).find_map(|c| dated(&c, year)) {
        return Some(date);
    }
    YEAR_END.is_match(clause).then(|| year_end(year))
}

/// 12-31 of the notice year: the deadline of a clause with no time word, or with 年内.
pub(super) fn year_end(year: Option<i32>) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year?, 12, 31)
}

/// Every time word of `text`, so the metric can drop them (6月底前新增企业 → 企业).
pub(super) fn time_words(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    DATED
        .find_iter(text)
        .chain(YEAR_END.find_iter(text))
        .map(|m| m.range())
}

/// The date one match names; `None` when it is no date at all (13月底).
fn dated(c: &Captures<'_>, year: Option<i32>) -> Option<Option<NaiveDate>> {
    let number = |name: &str| c.name(name).and_then(|m| parse_digits(m.as_str()));
    if let Some(by) = number("by").or_else(|| number("y")) {
        let year = i32::try_from(by).ok()?;
        return match number("bym").or_else(|| number("ym")) {
            Some(month) => month_end(Some(year), month),
            None => Some(year_end(Some(year))),
        };
    }
    if let Some(month) = number("m") {
        return month_end(year, month);
    }
    let month = if c.name("half").is_some_and(|m| m.as_str() == "上半年") {
        6
    } else if c.name("q3").is_some() {
        9
    } else if let Some(q) = c.name("q") {
        3 * quarter(q.as_str())?
    } else {
        12
    };
    month_end(year, month)
}

/// The last day of `month`, or `Some(None)` for a valid month of an unknown year.
fn month_end(year: Option<i32>, month: u32) -> Option<Option<NaiveDate>> {
    if !(1..=12).contains(&month) {
        return None;
    }
    let Some(year) = year else { return Some(None) };
    let first_of_next = match month {
        12 => NaiveDate::from_ymd_opt(year + 1, 1, 1),
        _ => NaiveDate::from_ymd_opt(year, month + 1, 1),
    };
    Some(first_of_next.and_then(|d| d.pred_opt()))
}

fn quarter(written: &str) -> Option<u32> {
    match written {
        "一" => Some(1),
        "二" => Some(2),
        "三" => Some(3),
        "四" => Some(4),
        digits => parse_digits(digits),
    }
}

/// ASCII or full-width digits as a number.
fn parse_digits(written: &str) -> Option<u32> {
    written.chars().try_fold(0u32, |n, c| {
        let d = c.to_digit(10).or_else(|| {
            ('０'..='９')
                .contains(&c)
                .then(|| u32::from(c) - u32::from('０'))
        })?;
        n.checked_mul(10)?.checked_add(d)
    })
}
