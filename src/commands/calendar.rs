//! `duban calendar check DATE`: is a day a working day, and where a schedule falling on it goes.

use super::user_error;
use crate::config::Settings;
use crate::outln;
use crate::schedule::{Calendar, DayKind, Shift, weekday_name};
use anyhow::Result;
use chrono::NaiveDate;
use std::path::Path;

pub fn load(path: &Path) -> Result<Calendar> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        user_error(format!(
            "无法读取节假日文件 {}：{e}。可用配置项 calendar（环境变量 DUBAN_CALENDAR）指定。",
            path.display()
        ))
    })?;
    Calendar::from_toml(&text).map_err(|e| user_error(format!("{e}（文件 {}）", path.display())))
}

pub fn check(settings: &Settings, date: &str) -> Result<()> {
    let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map_err(|_| user_error(format!("“{date}”不是日期，请写成 2022-10-03 这样的格式")))?;
    let calendar = load(&settings.calendar)?;
    let kind = calendar.day(date);
    let what = match &kind {
        DayKind::Working => "工作日".to_owned(),
        DayKind::Weekend => "周末，非工作日".to_owned(),
        DayKind::Holiday(name) => format!("{name}假期，非工作日"),
        DayKind::MakeUp(name) => format!("调休上班日（{name}），是工作日"),
    };
    outln!("{date} {}：{what}", weekday_name(date))?;
    if !kind.is_working() {
        for (shift, label) in [(Shift::Next, "顺延到"), (Shift::Previous, "提前到")] {
            if let Some(day) = calendar.shift(date, shift) {
                outln!("  落在这天的提醒{label} {day}（{}）", weekday_name(day))?;
            }
        }
    }
    Ok(())
}
