//! One line of a notice: its number, and the numbering that starts it (1、 （一） 第二部分 …).

use super::numerals::{arabic_number, chinese_number};
use regex::Regex;
use std::sync::LazyLock;

/// A line of the decoded input, with the 1-based line number diagnostics refer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub no: usize,
    pub text: String,
}

/// How an item is numbered. Full- and half-width forms of the same style are one style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Style {
    /// 第一部分, 第二章
    Chapter,
    /// 一、
    ChineseComma,
    /// （一）
    ParenChinese,
    /// 1、
    ArabicComma,
    /// 1. or 1．
    ArabicDot,
    /// （1）
    ParenArabic,
    /// 1）
    ArabicParen,
    /// ① (circled numbers, 1 to 20)
    Circled,
    /// 一是 (a point of a list written out: 一是…，二是…)
    ChineseShi,
}

impl Style {
    /// Styles typists mix within one list: 1. 1、 1） are one level of numbering, and a
    /// notice numbered 1. 2、 3. has three tasks.
    pub fn same_level(self, other: Style) -> bool {
        use Style::{ArabicComma, ArabicDot, ArabicParen};
        self == other
            || matches!(self, ArabicDot | ArabicComma | ArabicParen)
                && matches!(other, ArabicDot | ArabicComma | ArabicParen)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Numbering {
    pub style: Style,
    pub number: u32,
    /// The number as written, e.g. "二" or "12".
    pub label: String,
    /// Byte length of the numbering prefix in the cleaned line.
    pub len: usize,
}

static PATTERNS: LazyLock<Vec<(Style, Regex)>> = LazyLock::new(|| {
    const CN: &str = "[一二三四五六七八九十百零〇两]+";
    // Up to six digits: a 10,000-row 分解表 numbers its tasks up to 10000.
    const AR: &str = "[0-9０-９]{1,6}";
    [
        (
            Style::Chapter,
            format!(r"^第\s*({CN}|{AR})\s*(?:部分|章|篇)\s*[、：:.．]?\s*"),
        ),
        (
            Style::ParenChinese,
            format!(r"^[（(]\s*({CN})\s*[）)]\s*[、.．]?\s*"),
        ),
        (
            Style::ParenArabic,
            format!(r"^[（(]\s*({AR})\s*[）)]\s*[、.．]?\s*"),
        ),
        (Style::ChineseComma, format!(r"^({CN})\s*[、.．]\s*")),
        (Style::ArabicComma, format!(r"^({AR})\s*、\s*")),
        // "3.6万亩" at a line start is a figure, not item 3: the dot must not precede a digit.
        (Style::ArabicDot, format!(r"^({AR})\s*[.．]([^0-9０-９]|$)")),
        (Style::ArabicParen, format!(r"^({AR})\s*[）)]\s*")),
        (Style::Circled, r"^([①-⑳])\s*".to_owned()),
        (Style::ChineseShi, format!(r"^({CN})是\s*[：:，,]?\s*")),
    ]
    .into_iter()
    .map(|(style, re)| (style, Regex::new(&re).expect("numbering pattern")))
    .collect()
});

/// ① → 1 … ⑳ → 20.
fn circled_number(label: &str) -> Option<u32> {
    let c = label.chars().next()?;
    ('①'..='⑳').contains(&c).then(|| c as u32 - '①' as u32 + 1)
}

/// The line without Markdown decoration (heading marks, a bold wrapper) and outer whitespace.
pub fn clean(text: &str) -> &str {
    let mut t = text.trim_matches(is_space);
    t = t.trim_start_matches('#').trim_start_matches(is_space);
    if let Some(inner) = t.strip_prefix("**").and_then(|s| s.strip_suffix("**"))
        && !inner.contains("**")
    {
        t = inner.trim_matches(is_space);
    }
    t
}

pub fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}'
}

/// The numbering at the start of a cleaned line, if any.
pub fn numbering(line: &str) -> Option<Numbering> {
    // A bold marker may open right before or after the number: **1.** text, 1.**text**.
    let start = if line.starts_with("**") { 2 } else { 0 };
    let line = &line[start..];
    PATTERNS.iter().find_map(|(style, re)| {
        let caps = re.captures(line)?;
        let label = caps.get(1)?.as_str();
        let number = arabic_number(label)
            .or_else(|| chinese_number(label))
            .or_else(|| circled_number(label))?;
        let mut len = caps.get(0)?.end();
        if *style == Style::ArabicDot {
            // The pattern consumed one character of the text to check it is not a digit.
            len = caps.get(2).map_or(len, |m| m.start());
            len += line[len..].len() - line[len..].trim_start_matches(is_space).len();
        }
        (number > 0).then(|| Numbering {
            style: *style,
            number,
            label: label.to_string(),
            len: start + len,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style_and_number(line: &str) -> Option<(Style, u32, String)> {
        numbering(line).map(|n| (n.style, n.number, line[n.len..].to_string()))
    }

    #[test]
    fn every_numbering_of_the_family_is_recognised() {
        let cases = [
            ("1.举全区之力", Style::ArabicDot, 1, "举全区之力"),
            ("12． 任务", Style::ArabicDot, 12, "任务"),
            ("３、任务", Style::ArabicComma, 3, "任务"),
            ("（一）任务", Style::ParenChinese, 1, "任务"),
            ("(十二) 任务", Style::ParenChinese, 12, "任务"),
            ("（3）任务", Style::ParenArabic, 3, "任务"),
            (
                "二、聚力制造强区建设",
                Style::ChineseComma,
                2,
                "聚力制造强区建设",
            ),
            ("第三部分 重点任务", Style::Chapter, 3, "重点任务"),
            ("4）任务", Style::ArabicParen, 4, "任务"),
            ("10000.任务", Style::ArabicDot, 10000, "任务"),
            ("③任务", Style::Circled, 3, "任务"),
            ("⑳ 任务", Style::Circled, 20, "任务"),
            ("二是加快项目建设", Style::ChineseShi, 2, "加快项目建设"),
            ("十一是：任务", Style::ChineseShi, 11, "任务"),
        ];
        for (line, style, number, rest) in cases {
            assert_eq!(
                style_and_number(line),
                Some((style, number, rest.to_string())),
                "{line}"
            );
        }
    }

    #[test]
    fn figures_and_years_at_a_line_start_are_not_numbering() {
        for line in [
            "3.6万亩高标准农田",
            "2022年2月15日",
            "12345政务热线",
            "十分重要",
            "",
        ] {
            assert_eq!(numbering(line), None, "{line}");
        }
    }

    #[test]
    fn markdown_decoration_is_removed() {
        assert_eq!(clean("## 二、聚力制造强区建设  "), "二、聚力制造强区建设");
        assert_eq!(clean("**一、总体要求**"), "一、总体要求");
        assert_eq!(clean("\u{3000}\u{3000}1.任务"), "1.任务");
        assert_eq!(numbering("**1.** 任务").map(|n| n.number), Some(1));
    }
}
