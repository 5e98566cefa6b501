//! Figures with units (3.6万亩, 390亿元, ３．６万亩, 8%): where they are, what they say,
//! and what they come to in the base unit. Used for the notice's targets and, later, for the
//! figures of progress replies (已完成2.1万亩).

use super::Quantity;
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// How a unit counts; it decides the kind of target a figure makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UnitClass {
    /// % and 个百分点: growth, reduction or a bound.
    Rate,
    /// Things counted one by one: doing 22 个 of them is a count target.
    Count,
    /// Amounts (亩, 公里, 元 …): doing 3.6万亩 is an at-least target.
    Amount,
}

use UnitClass::{Amount, Count, Rate};

/// Units of measure: as written, normalized, class. The spec's list, plus four units that
/// would otherwise be misread: 平方公里 (not read at all), 千瓦时 (read as 千瓦),
/// 人次 (read as 人) and 个百分点 (read as a count of 个).
const UNITS: &[(&str, &str, UnitClass)] = &[
    ("%", "%", Rate),
    ("％", "%", Rate),
    ("个百分点", "个百分点", Rate),
    ("个", "个", Count),
    ("家", "家", Count),
    ("处", "处", Count),
    ("座", "座", Count),
    ("条", "条", Count),
    ("项", "项", Count),
    ("所", "所", Count),
    ("人次", "人次", Count),
    ("人", "人", Count),
    ("户", "户", Count),
    ("名", "名", Count),
    ("辆", "辆", Count),
    ("台", "台", Count),
    ("套", "套", Count),
    ("张", "张", Count),
    ("场", "场", Count),
    ("次", "次", Count),
    ("批", "批", Count),
    ("间", "间", Count),
    ("栋", "栋", Count),
    ("公里", "公里", Amount),
    ("千米", "千米", Amount),
    ("米", "米", Amount),
    ("平方公里", "平方公里", Amount),
    ("平方米", "平方米", Amount),
    ("立方米", "立方米", Amount),
    ("亩", "亩", Amount),
    ("公顷", "公顷", Amount),
    ("吨", "吨", Amount),
    ("元", "元", Amount),
    ("美元", "美元", Amount),
    ("千瓦时", "千瓦时", Amount),
    ("千瓦", "千瓦", Amount),
    ("兆瓦", "兆瓦", Amount),
    ("天", "天", Amount),
    ("小时", "小时", Amount),
];

/// Multipliers as powers of ten. The compound ones (千万, 百万 …) are common in reports.
const MULTIPLIERS: &[(&str, i32)] = &[
    ("万亿", 12),
    ("千亿", 11),
    ("百亿", 10),
    ("千万", 7),
    ("百万", 6),
    ("亿", 8),
    ("万", 4),
    ("千", 3),
    ("百", 2),
];

/// 余 / 多 between a figure and its unit (100余家, 2万多亩): an approximate figure, read as written.
const APPROXIMATE: [char; 2] = ['余', '多'];

/// ASCII or full-width digits, optional ASCII thousands separators, optional `.` or `．` decimals.
static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[0-9０-９]+(?:,[0-9]{3})*(?:[.．][0-9０-９]+)?").expect("valid number pattern")
});

/// The class of a normalized unit, e.g. 亩 → Amount.
pub(super) fn unit_class(normalized_unit: &str) -> Option<UnitClass> {
    UNITS.iter().find(|u| u.1 == normalized_unit).map(|u| u.2)
}

/// See [`super::find_quantities`].
pub(super) fn find(text: &str) -> Vec<(Range<usize>, Quantity)> {
    NUMBER
        .find_iter(text)
        .filter(|m| stands_alone(text, m.range()))
        .filter_map(|m| {
            let unit = read_unit(&text[m.end()..])?;
            build(text, m.range(), unit)
        })
        .collect()
}

/// False for digits that are part of something else: a code (PM2.5, G20), an ordinal
/// (第3次), or a malformed number (1,2345).
fn stands_alone(text: &str, number: Range<usize>) -> bool {
    let before = text[..number.start].chars().next_back();
    let after = text[number.end..].chars().next();
    let glued_before =
        before.is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '．' | ',' | '第'));
    let glued_after = after.is_some_and(|c| c.is_ascii_digit() || is_wide_digit(c));
    !glued_before && !glued_after
}

/// The unit read right after a number.
struct UnitRead {
    /// Bytes from the end of the number to the end of the unit.
    len: usize,
    /// Multiplier and unit as written (万亩).
    written: String,
    normalized: &'static str,
    exponent: i32,
}

/// The unit after a number, with an optional space, multiplier and 余/多 before it.
/// The longest reading wins; on a tie the plain unit wins (5千米 is 5 千米, not 5 千 米).
fn read_unit(rest: &str) -> Option<UnitRead> {
    let s = rest
        .trim_start_matches([' ', '\u{3000}'])
        .trim_start_matches(APPROXIMATE);
    let plain = longest_unit(s).map(|(unit, normalized, _)| UnitRead {
        len: rest.len() - s.len() + unit.len(),
        written: unit.to_string(),
        normalized,
        exponent: 0,
    });
    let scaled = MULTIPLIERS.iter().filter_map(|&(multiplier, exponent)| {
        let after = s.strip_prefix(multiplier)?.trim_start_matches(APPROXIMATE);
        let (unit, normalized, class) = longest_unit(after)?;
        // 5万% is not a figure anyone writes; refusing it keeps rates plain.
        (class != Rate).then(|| UnitRead {
            len: rest.len() - after.len() + unit.len(),
            written: format!("{multiplier}{unit}"),
            normalized,
            exponent,
        })
    });
    plain
        .into_iter()
        .chain(scaled)
        .reduce(|best, next| if next.len > best.len { next } else { best })
}

fn longest_unit(s: &str) -> Option<(&'static str, &'static str, UnitClass)> {
    UNITS
        .iter()
        .filter(|u| s.starts_with(u.0))
        .max_by_key(|u| u.0.len())
        .copied()
}

fn build(text: &str, number: Range<usize>, unit: UnitRead) -> Option<(Range<usize>, Quantity)> {
    let digits = ascii_number(&text[number.clone()]);
    let range = number.start..number.end + unit.len;
    let quantity = Quantity {
        text: text[range.clone()].to_string(),
        value: digits.parse().ok()?,
        unit: unit.written,
        normalized_value: scaled(&digits, unit.exponent)?,
        normalized_unit: unit.normalized.to_string(),
    };
    Some((range, quantity))
}

/// ３．６ → 3.6, 4,500 → 4500.
fn ascii_number(written: &str) -> String {
    written
        .chars()
        .filter(|&c| c != ',')
        .map(|c| match c {
            '．' => '.',
            c if is_wide_digit(c) => {
                char::from_digit(u32::from(c) - u32::from('０'), 10).unwrap_or(c)
            }
            c => c,
        })
        .collect()
}

fn is_wide_digit(c: char) -> bool {
    ('０'..='９').contains(&c)
}

/// `number` × 10^exponent, done on the decimal digits ("36e3" for 3.6万) so the result is
/// the nearest f64 to the exact product (0.07 × 100 in floating point is 7.000000000000001).
fn scaled(number: &str, exponent: i32) -> Option<f64> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let shift = exponent - i32::try_from(fraction.len()).ok()?;
    format!("{whole}{fraction}e{shift}").parse().ok()
}
