//! `duban periods`: the reporting periods with reports, and the current one, with their days,
//! due dates and counts.

use super::{latest_notice, open_store};
use crate::clock::Clock;
use crate::config::Settings;
use crate::out;
use crate::progress::{due_date, parse_period, period_bounds, period_label};
use crate::text::table;
use anyhow::Result;

pub async fn run(settings: &Settings) -> Result<()> {
    let store = open_store(&settings.database_url).await?;
    let notice = latest_notice(&store).await?;
    let mut counts = store.period_counts(notice).await?;
    let total = store
        .task_records(notice)
        .await?
        .iter()
        .filter(|t| !t.retired)
        .count();
    store.close().await;
    let current = period_label(settings.cycle, Clock::system().office_date());
    if !counts.iter().any(|(p, ..)| *p == current) {
        counts.push((current.clone(), 0, 0, 0));
        counts.sort();
    }
    let rows: Vec<Vec<String>> = counts
        .iter()
        .map(|(period, reports, tasks, units)| {
            let (days, due) = match parse_period(period) {
                Some((cycle, day)) => {
                    let (start, end) = period_bounds(cycle, day);
                    (
                        format!("{start} 至 {end}"),
                        due_date(cycle, day, settings.due_day).to_string(),
                    )
                }
                None => (String::new(), String::new()),
            };
            let mark = if *period == current {
                "（本期）"
            } else {
                ""
            };
            vec![
                format!("{period}{mark}"),
                days,
                due,
                reports.to_string(),
                format!("{tasks}/{total}"),
                units.to_string(),
            ]
        })
        .collect();
    out!(
        "{}",
        table(
            &["期间", "起止", "截止", "有效报告", "已报任务", "报告单位"],
            &rows
        )
    )?;
    Ok(())
}
