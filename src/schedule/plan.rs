//! Cron expressions as admins type them, checked so that a mistake gets an explanation, not the
//! `cron` crate's bare "invalid expression". The crate takes 6 or 7 fields, seconds first
//! (`0 0 9 * * Mon-Fri`), and numbers weekdays 1 = Sunday … 7 = Saturday, unlike Unix cron
//! (1 = Monday): numeric weekdays are refused here in favour of names.

use crate::clock::office_offset;
use chrono::{DateTime, FixedOffset, Utc};
use std::str::FromStr;

/// The fields of an expression, for messages.
const FIELDS: [&str; 7] = ["秒", "分", "时", "日", "月", "星期", "年"];
/// An expression every message can show.
pub const EXAMPLE: &str = "0 0 9 * * Mon-Fri（工作日上午9点）";

/// A checked cron expression.
#[derive(Debug, Clone)]
pub struct Plan {
    expression: String,
    schedule: cron::Schedule,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanError {
    #[error("时间表要写6个字段（秒 分 时 日 月 星期），“{expression}”有{count}个。例如：{EXAMPLE}")]
    FieldCount { expression: String, count: usize },
    #[error(
        "“{expression}”像 Unix cron 的5个字段；这里第一个字段是秒，请写成“0 {expression}”（星期请用英文缩写）。例如：{EXAMPLE}"
    )]
    UnixStyle { expression: String },
    #[error(
        "星期请用英文缩写 Mon Tue Wed Thu Fri Sat Sun（如 Mon-Fri），不要用数字“{field}”：这里的数字星期从 1=星期日 算起，和常见的 cron 不同，容易弄错。例如：{EXAMPLE}"
    )]
    NumericWeekday { field: String },
    #[error("第{position}个字段（{name}）“{field}”无效。例如：{EXAMPLE}")]
    Field {
        position: usize,
        name: &'static str,
        field: String,
    },
    #[error("时间表“{expression}”无效。例如：{EXAMPLE}")]
    Invalid { expression: String },
}

impl Plan {
    pub fn parse(expression: &str) -> Result<Plan, PlanError> {
        let fields: Vec<&str> = expression.split_whitespace().collect();
        let expression = fields.join(" ");
        match fields.len() {
            5 => return Err(PlanError::UnixStyle { expression }),
            6 | 7 => {}
            count => return Err(PlanError::FieldCount { expression, count }),
        }
        if fields[5].chars().any(|c| c.is_ascii_digit()) {
            return Err(PlanError::NumericWeekday {
                field: fields[5].to_owned(),
            });
        }
        match cron::Schedule::from_str(&expression) {
            Ok(schedule) => Ok(Plan {
                expression,
                schedule,
            }),
            Err(_) => Err(first_bad_field(&fields).unwrap_or(PlanError::Invalid { expression })),
        }
    }

    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The cron times after `after`, in order, on every day (see `WorkingPlan` for working
    /// days).
    pub fn times_after(&self, after: DateTime<Utc>) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        let after = after.with_timezone(&office_offset());
        self.schedule.after(&after).map(|t| t.with_timezone(&Utc))
    }

    /// The next `n` fire times after `after`, in the office's time zone.
    pub fn next(&self, after: DateTime<Utc>, n: usize) -> Vec<DateTime<FixedOffset>> {
        let after = after.with_timezone(&office_offset());
        self.schedule.after(&after).take(n).collect()
    }
}

/// Puts each field into an expression that is otherwise valid, to name the one that is not.
fn first_bad_field(fields: &[&str]) -> Option<PlanError> {
    let base = ["0", "0", "9", "*", "*", "*", "*"];
    for (i, field) in fields.iter().enumerate() {
        let mut probe: Vec<&str> = base[..fields.len()].to_vec();
        probe[i] = field;
        if cron::Schedule::from_str(&probe.join(" ")).is_err() {
            return Some(PlanError::Field {
                position: i + 1,
                name: FIELDS[i],
                field: (*field).to_owned(),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_valid_plan_previews_its_next_times_in_beijing_time() {
        let plan = Plan::parse("0 0 9 * * Mon-Fri").unwrap();
        // Thursday 10 March 2022, 10:00 in Beijing.
        let now = Utc.with_ymd_and_hms(2022, 3, 10, 2, 0, 0).unwrap();
        let next: Vec<String> = plan
            .next(now, 3)
            .iter()
            .map(|t| t.format("%m-%d %a %H:%M").to_string())
            .collect();
        assert_eq!(
            next,
            ["03-11 Fri 09:00", "03-14 Mon 09:00", "03-15 Tue 09:00"]
        );
        assert!(Plan::parse("0 30 8 25 * *").is_ok());
        assert!(
            Plan::parse("  0 0 9 * * mon-fri ").is_ok(),
            "names in any case"
        );
    }

    #[test]
    fn mistakes_are_explained() {
        assert!(matches!(
            Plan::parse("0 9 * * 1-5"),
            Err(PlanError::UnixStyle { .. })
        ));
        assert!(matches!(
            Plan::parse("0 0 9 * * 2-6"),
            Err(PlanError::NumericWeekday { .. })
        ));
        assert!(matches!(
            Plan::parse("0 0 9"),
            Err(PlanError::FieldCount { count: 3, .. })
        ));
        let err = Plan::parse("0 0 25 * * Mon").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("第3个字段（时）“25”无效。例如：{EXAMPLE}")
        );
        assert!(Plan::parse("0 0 9 * * Funday").is_err());
    }
}
