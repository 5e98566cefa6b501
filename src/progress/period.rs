//! Reporting periods. A report belongs to the period of the day it was stored, in the office's
//! time zone; periods are named so that they sort: `2022-03`, `2022-W09`, `2022-Q1`.

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

/// How often units report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Cycle {
    Weekly,
    #[default]
    Monthly,
    Quarterly,
}

impl Cycle {
    pub fn parse(text: &str) -> Option<Cycle> {
        match text {
            "weekly" => Some(Cycle::Weekly),
            "monthly" => Some(Cycle::Monthly),
            "quarterly" => Some(Cycle::Quarterly),
            _ => None,
        }
    }
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
}
