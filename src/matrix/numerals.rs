//! Numbers and dates as government documents write them: 二十三, 〇, full-width digits,
//! 2022年2月15日 and 二〇二二年二月十五日.

use chrono::NaiveDate;

/// 一 → 1, 十二 → 12, 二十 → 20, 一百零五 → 105. None for anything else.
pub fn chinese_number(s: &str) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    let mut total = 0u32;
    let mut digit: Option<u32> = None;
    for c in s.chars() {
        match c {
            '十' | '百' => {
                let scale = if c == '十' { 10 } else { 100 };
                total = total.checked_add(digit.unwrap_or(1).checked_mul(scale)?)?;
                digit = None;
            }
            // 一百零五: a zero only holds a place.
            '零' | '〇' => {}
            _ => {
                if digit.is_some() {
                    return None;
                }
                digit = Some(chinese_digit(c)?);
            }
        }
    }
    total.checked_add(digit.unwrap_or(0))
}

fn chinese_digit(c: char) -> Option<u32> {
    "零一二三四五六七八九"
        .chars()
        .position(|d| d == c)
        .map(|p| p as u32)
        .or(match c {
            '〇' | 'О' | 'o' | '○' => Some(0),
            '两' => Some(2),
            _ => None,
        })
}

/// Digits as written (ASCII or full-width) to a number.
pub fn arabic_number(s: &str) -> Option<u32> {
    let ascii: String = s.chars().map(ascii_digit).collect();
    ascii.parse().ok()
}

/// Full-width digits and the full-width point to ASCII; other characters unchanged.
pub fn ascii_digit(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '．' => '.',
        _ => c,
    }
}

/// A line that is only a date: 2022年2月15日, 2022 年 2 月 15 日, 二〇二二年二月十五日.
pub fn standalone_date(line: &str) -> Option<NaiveDate> {
    let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    let (date, rest) = date_prefix(&compact)?;
    rest.is_empty().then_some(date)
}

/// A date at the start of `s`, and what follows it.
pub fn date_prefix(s: &str) -> Option<(NaiveDate, &str)> {
    let (year, rest) = s.split_once('年')?;
    let (month, rest) = rest.split_once('月')?;
    let (day, rest) = rest.split_once('日')?;
    let year = if year.chars().all(|c| ascii_digit(c).is_ascii_digit()) {
        arabic_number(year)?
    } else {
        // 二〇二二 is written digit by digit.
        year.chars()
            .try_fold(0u32, |acc, c| Some(acc * 10 + chinese_digit(c)?))?
    };
    let part = |p: &str| arabic_number(p).or_else(|| chinese_number(p));
    if !(1900..=2200).contains(&year) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year as i32, part(month)?, part(day)?)?;
    Some((date, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals_read_as_numbers() {
        for (s, n) in [
            ("一", 1),
            ("八", 8),
            ("十", 10),
            ("十二", 12),
            ("二十", 20),
            ("七十一", 71),
        ] {
            assert_eq!(chinese_number(s), Some(n), "{s}");
        }
        assert_eq!(chinese_number("一百零五"), Some(105));
        assert_eq!(chinese_number("三二"), None);
        assert_eq!(chinese_number("甲"), None);
    }

    #[test]
    fn dates_in_digits_and_in_chinese_numerals() {
        let d = NaiveDate::from_ymd_opt(2022, 2, 15);
        assert_eq!(standalone_date("2022年2月15日"), d);
        assert_eq!(standalone_date(" 2022 年 2 月 15 日 "), d);
        assert_eq!(standalone_date("二〇二二年二月十五日"), d);
        assert_eq!(standalone_date("２０２２年２月１５日"), d);
        assert_eq!(standalone_date("2022年2月15日印发"), None);
        assert_eq!(standalone_date("2022年2月30日"), None);
    }
}
