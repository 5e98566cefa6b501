//! How domain values are written in the database: enums as their serde names (the same
//! snake_case words the JSON output uses), dates as `YYYY-MM-DD`, counts as `i64`.

use super::StoreError;
use super::error::Context;
use crate::matrix::Deadline;
use chrono::NaiveDate;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;
use sqlx::any::AnyRow;

/// `UnitRole::Host` → `"host"`.
pub(crate) fn code<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        other => unreachable!("a unit-only enum serializes to a string, got {other:?}"),
    }
}

/// `"host"` → `UnitRole::Host`.
pub(crate) fn parse_code<T: DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| StoreError::Corrupt(format!("unknown code {text:?}")))
}

pub(crate) fn date_text(date: Option<NaiveDate>) -> Option<String> {
    date.map(|d| d.format("%Y-%m-%d").to_string())
}

pub(crate) fn parse_date(text: Option<String>) -> Result<Option<NaiveDate>, StoreError> {
    text.map(|t| {
        NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            .map_err(|_| StoreError::Corrupt(format!("malformed date {t:?}")))
    })
    .transpose()
}

/// A task's 完成时限 from its two columns: the text as written and the day it allows.
pub(crate) fn deadline(row: &AnyRow) -> Result<Option<Deadline>, StoreError> {
    const WHAT: &str = "read the deadline of a task";
    let text: Option<String> = row.try_get("deadline_text").context(WHAT)?;
    let date = parse_date(row.try_get("deadline").context(WHAT)?)?;
    Ok(text.map(|text| Deadline { text, date }))
}

/// A line number or position as the database stores it.
pub(crate) fn int(n: usize) -> i64 {
    i64::try_from(n).expect("a line number or position fits in i64")
}

/// Any stored integer back to the type the model uses (u32, usize, i32).
pub(crate) fn narrow<T: TryFrom<i64>>(value: i64, what: &str) -> Result<T, StoreError> {
    T::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} out of range: {value}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::{TargetKind, UnitKind, UnitRole};

    #[test]
    fn codes_are_the_json_names_and_read_back() {
        assert_eq!(code(&UnitRole::Co), "co");
        assert_eq!(code(&TargetKind::AtLeast), "at_least");
        assert_eq!(
            parse_code::<UnitKind>("subdistrict").unwrap(),
            UnitKind::Subdistrict
        );
        assert!(parse_code::<UnitKind>("county").is_err());
    }

    #[test]
    fn dates_round_trip_as_iso_text() {
        let date = NaiveDate::from_ymd_opt(2022, 12, 31);

        let text = date_text(date);

        assert_eq!(text.as_deref(), Some("2022-12-31"));
        assert_eq!(parse_date(text).unwrap(), date);
        assert_eq!(parse_date(None).unwrap(), None);
    }
}
