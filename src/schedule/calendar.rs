//! Working days: Monday to Friday, minus the listed holidays, plus the make-up working days
//! (调休上班) that the State Council moves onto weekends. A schedule that falls on a day off
//! moves to the next working day, the previous one, or is skipped.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Dates up to which `shift` looks for a working day before giving up (a calendar of only
/// days off is a broken file, not a reason to loop forever).
const SEARCH_DAYS: i64 = 366;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    /// Day off → the holiday's name.
    holidays: BTreeMap<NaiveDate, String>,
    /// Weekend day worked → the holiday it makes up for.
    workdays: BTreeMap<NaiveDate, String>,
}

/// What kind of day a date is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayKind {
    Working,
    Weekend,
    Holiday(String),
    /// A weekend day worked to make up for a holiday.
    MakeUp(String),
}

impl DayKind {
    pub fn is_working(&self) -> bool {
        matches!(self, DayKind::Working | DayKind::MakeUp(_))
    }
}

/// Where a schedule that falls on a day off goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shift {
    #[default]
    Next,
    Previous,
    Skip,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CalendarError {
    #[error("节假日文件不是有效的 TOML：{0}")]
    Syntax(String),
    #[error("节假日“{name}”的起止日期颠倒：{from} 晚于 {to}")]
    Reversed {
        name: String,
        from: NaiveDate,
        to: NaiveDate,
    },
    #[error("{date} 既是“{holiday}”的假日，又是“{workday}”的调休上班日")]
    Conflict {
        date: NaiveDate,
        holiday: String,
        workday: String,
    },
    #[error("节假日“{name}”的假期超过31天（{from} 至 {to}），请检查日期")]
    TooLong {
        name: String,
        from: NaiveDate,
        to: NaiveDate,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    holidays: Vec<Holiday>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Holiday {
    name: String,
    from: NaiveDate,
    to: NaiveDate,
    #[serde(default)]
    workdays: Vec<NaiveDate>,
}

impl Calendar {
    pub fn from_toml(text: &str) -> Result<Calendar, CalendarError> {
        let file: File = toml::from_str(text).map_err(|e| CalendarError::Syntax(e.to_string()))?;
        let mut calendar = Calendar::default();
        for h in file.holidays {
            if h.from > h.to {
                return Err(CalendarError::Reversed {
                    name: h.name,
                    from: h.from,
                    to: h.to,
                });
            }
            if (h.to - h.from).num_days() > 31 {
                return Err(CalendarError::TooLong {
                    name: h.name,
                    from: h.from,
                    to: h.to,
                });
            }
            for day in h.from.iter_days().take_while(|d| *d <= h.to) {
                calendar.holidays.insert(day, h.name.clone());
            }
            for day in h.workdays {
                calendar.workdays.insert(day, h.name.clone());
            }
        }
        for (date, workday) in &calendar.workdays {
            if let Some(holiday) = calendar.holidays.get(date) {
                return Err(CalendarError::Conflict {
                    date: *date,
                    holiday: holiday.clone(),
                    workday: workday.clone(),
                });
            }
        }
        Ok(calendar)
    }

    pub fn day(&self, date: NaiveDate) -> DayKind {
        if let Some(name) = self.holidays.get(&date) {
            return DayKind::Holiday(name.clone());
        }
        if let Some(name) = self.workdays.get(&date) {
            return DayKind::MakeUp(name.clone());
        }
        match date.weekday() {
            Weekday::Sat | Weekday::Sun => DayKind::Weekend,
            _ => DayKind::Working,
        }
    }

    pub fn is_working(&self, date: NaiveDate) -> bool {
        self.day(date).is_working()
    }

    /// The day a schedule falling on `date` happens: `date` itself when it is a working day,
    /// else the next or previous working day, or none when skipped.
    pub fn shift(&self, date: NaiveDate, shift: Shift) -> Option<NaiveDate> {
        if self.is_working(date) {
            return Some(date);
        }
        let step = match shift {
            Shift::Next => 1,
            Shift::Previous => -1,
            Shift::Skip => return None,
        };
        (1..=SEARCH_DAYS)
            .map(|n| date + chrono::Duration::days(n * step))
            .find(|d| self.is_working(*d))
    }
}

/// 星期一 … 星期日.
pub fn weekday_name(date: NaiveDate) -> &'static str {
    match date.weekday() {
        Weekday::Mon => "星期一",
        Weekday::Tue => "星期二",
        Weekday::Wed => "星期三",
        Weekday::Thu => "星期四",
        Weekday::Fri => "星期五",
        Weekday::Sat => "星期六",
        Weekday::Sun => "星期日",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2022, m, d).unwrap()
    }

    fn seed() -> Calendar {
        Calendar::from_toml(include_str!("../../seeds/holidays-cn-2022.toml")).unwrap()
    }

    #[test]
    fn the_2022_calendar_knows_holidays_weekends_and_make_up_days() {
        let c = seed();
        assert_eq!(c.day(day(2, 1)), DayKind::Holiday("春节".into()));
        assert_eq!(c.day(day(1, 29)), DayKind::MakeUp("春节".into()));
        assert!(c.is_working(day(1, 29)), "a Saturday worked before 春节");
        assert_eq!(c.day(day(3, 5)), DayKind::Weekend);
        assert_eq!(c.day(day(3, 7)), DayKind::Working);
        assert!(!c.is_working(day(10, 7)));
        assert!(c.is_working(day(10, 8)) && c.is_working(day(10, 9)));
        // 365 days − 105 weekend days (53 Saturdays, 52 Sundays) − 11 statutory holidays = 249:
        // make-up days only move days off, they do not add any.
        let working = day(1, 1)
            .iter_days()
            .take(365)
            .filter(|d| c.is_working(*d))
            .count();
        assert_eq!(working, 249);
    }

    #[test]
    fn days_off_shift_next_previous_or_are_skipped() {
        let c = seed();
        assert_eq!(c.shift(day(10, 3), Shift::Next), Some(day(10, 8)));
        assert_eq!(c.shift(day(10, 3), Shift::Previous), Some(day(9, 30)));
        assert_eq!(c.shift(day(10, 3), Shift::Skip), None);
        assert_eq!(c.shift(day(3, 7), Shift::Skip), Some(day(3, 7)));
        // 25 June 2022 is a Saturday.
        assert_eq!(c.shift(day(6, 25), Shift::Next), Some(day(6, 27)));
    }

    #[test]
    fn a_broken_file_is_refused_with_what_is_wrong() {
        let reversed =
            "[[holidays]]\nname = \"国庆节\"\nfrom = \"2022-10-07\"\nto = \"2022-10-01\"\n";
        assert!(matches!(
            Calendar::from_toml(reversed),
            Err(CalendarError::Reversed { .. })
        ));
        let conflict = "[[holidays]]\nname = \"国庆节\"\nfrom = \"2022-10-01\"\nto = \"2022-10-07\"\nworkdays = [\"2022-10-02\"]\n";
        let err = Calendar::from_toml(conflict).unwrap_err();
        assert_eq!(
            err.to_string(),
            "2022-10-02 既是“国庆节”的假日，又是“国庆节”的调休上班日"
        );
        assert!(matches!(
            Calendar::from_toml("holidays = 3"),
            Err(CalendarError::Syntax(_))
        ));
    }
}
