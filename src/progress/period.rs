//! Reporting periods. A report belongs to the period of the day it was stored, in the office's
//! time zone; periods are named so that they sort: `2022-03`, `2022-W09`, `2022-Q1`.

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

/// How often units report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cycle {
    Weekly,
    #[default]
    Monthly,
    Quarterly,
}

/// The name of the period that holds `date`: `2022-03` (monthly), `2022-W09` (ISO week),
/// `2022-Q1` (quarterly).
pub fn period_label(cycle: Cycle, date: NaiveDate) -> String {
    match cycle {
        Cycle::Monthly => format!("{}-{:02}", date.year(), date.month()),
        Cycle::Weekly => {
            let week = date.iso_week();
            format!("{}-W{:02}", week.year(), week.week())
        }
        Cycle::Quarterly => format!("{}-Q{}", date.year(), (date.month() - 1) / 3 + 1),
    }
}

/// A day of the period named `label` (its first), and the cycle the name belongs to.
pub fn parse_period(label: &str) -> Option<(Cycle, NaiveDate)> {
    let (year, rest) = label.split_once('-')?;
    let year: i32 = year.parse().ok()?;
    if let Some(week) = rest.strip_prefix('W') {
        let week = NaiveDate::from_isoywd_opt(year, week.parse().ok()?, chrono::Weekday::Mon)?;
        return Some((Cycle::Weekly, week));
    }
    if let Some(quarter) = rest.strip_prefix('Q') {
        let q: u32 = quarter.parse().ok().filter(|q| (1..=4).contains(q))?;
        return Some((
            Cycle::Quarterly,
            NaiveDate::from_ymd_opt(year, (q - 1) * 3 + 1, 1)?,
        ));
    }
    Some((
        Cycle::Monthly,
        NaiveDate::from_ymd_opt(year, rest.parse().ok()?, 1)?,
    ))
}

/// The first and last day of the period that holds `date`.
pub fn period_bounds(cycle: Cycle, date: NaiveDate) -> (NaiveDate, NaiveDate) {
    let month_start = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).expect("a valid month");
    let next_month = |y: i32, m: u32| if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    match cycle {
        Cycle::Weekly => {
            let monday =
                date - chrono::Duration::days(i64::from(date.weekday().num_days_from_monday()));
            (monday, monday + chrono::Duration::days(6))
        }
        Cycle::Monthly => {
            let (y, m) = next_month(date.year(), date.month());
            (
                month_start(date.year(), date.month()),
                month_start(y, m).pred_opt().expect("a day"),
            )
        }
        Cycle::Quarterly => {
            let first = (date.month() - 1) / 3 * 3 + 1;
            let (y, m) = next_month(date.year(), first + 2);
            (
                month_start(date.year(), first),
                month_start(y, m).pred_opt().expect("a day"),
            )
        }
    }
}

/// The day reports of the period holding `date` are due: day `due_day` of the period's last
/// month (the last day when the month is shorter); for weekly periods, the period's Friday.
pub fn due_date(cycle: Cycle, date: NaiveDate, due_day: u32) -> NaiveDate {
    let (start, end) = period_bounds(cycle, date);
    match cycle {
        Cycle::Weekly => start + chrono::Duration::days(4),
        Cycle::Monthly | Cycle::Quarterly => {
            NaiveDate::from_ymd_opt(end.year(), end.month(), due_day.clamp(1, end.day()))
                .expect("a day within the month")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn periods_are_named_so_that_they_sort() {
        assert_eq!(period_label(Cycle::Monthly, day(2022, 3, 31)), "2022-03");
        assert_eq!(period_label(Cycle::Quarterly, day(2022, 3, 31)), "2022-Q1");
        assert_eq!(period_label(Cycle::Quarterly, day(2022, 10, 1)), "2022-Q4");
        assert_eq!(period_label(Cycle::Weekly, day(2022, 3, 2)), "2022-W09");
        // 1 January 2022 is a Saturday: ISO week 52 of 2021.
        assert_eq!(period_label(Cycle::Weekly, day(2022, 1, 1)), "2021-W52");
    }

    #[test]
    fn period_names_parse_back() {
        for (cycle, date) in [
            (Cycle::Monthly, day(2022, 3, 1)),
            (Cycle::Quarterly, day(2022, 10, 1)),
            (Cycle::Weekly, day(2022, 2, 28)),
        ] {
            assert_eq!(
                parse_period(&period_label(cycle, date)),
                Some((cycle, date))
            );
        }
        for bad in ["", "2022", "2022-13", "2022-Q5", "2022-W60", "x-03"] {
            assert_eq!(parse_period(bad), None, "{bad}");
        }
    }

    #[test]
    fn periods_have_bounds_and_a_due_date() {
        assert_eq!(
            period_bounds(Cycle::Monthly, day(2022, 2, 10)),
            (day(2022, 2, 1), day(2022, 2, 28))
        );
        assert_eq!(
            period_bounds(Cycle::Quarterly, day(2022, 11, 30)),
            (day(2022, 10, 1), day(2022, 12, 31))
        );
        assert_eq!(
            period_bounds(Cycle::Weekly, day(2022, 3, 2)),
            (day(2022, 2, 28), day(2022, 3, 6))
        );
        assert_eq!(
            due_date(Cycle::Monthly, day(2022, 3, 2), 25),
            day(2022, 3, 25)
        );
        assert_eq!(
            due_date(Cycle::Monthly, day(2022, 2, 2), 31),
            day(2022, 2, 28)
        );
        assert_eq!(
            due_date(Cycle::Quarterly, day(2022, 1, 5), 25),
            day(2022, 3, 25)
        );
        assert_eq!(
            due_date(Cycle::Weekly, day(2022, 3, 2), 25),
            day(2022, 3, 4)
        );
    }
}
