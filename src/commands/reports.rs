//! `duban reports`: the stored progress reports, as a table, JSON or CSV.

use super::{latest_notice, open_store, user_error};
use crate::config::Settings;
use crate::store::{Report, ReportFilter, ReportState};
use crate::text::table;
use crate::wording::{format_time, texts};
use crate::{out, outln};
use anyhow::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

pub async fn run(
    settings: &Settings,
    period: Option<String>,
    unit: Option<String>,
    task: Option<u32>,
    format: Format,
) -> Result<()> {
    let store = open_store(&settings.database_url).await?;
    let notice = latest_notice(&store).await?;
    let unit_id = match unit {
        None => None,
        Some(name) => match store.unit_named(&name).await? {
            Some(unit) => Some(unit.id),
            None => {
                let suggestions = store.units_like(&name, 5).await?;
                return Err(user_error(texts::unknown_unit(&name, &suggestions)));
            }
        },
    };
    let reports = store
        .reports(&ReportFilter {
            notice_id: Some(notice),
            period,
            unit_id,
            task_number: task,
            ..ReportFilter::default()
        })
        .await?;
    store.close().await;
    match format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&reports)?)?,
        Format::Csv => out!("{}", to_csv(&reports))?,
        Format::Table if reports.is_empty() => outln!("没有符合条件的报告。")?,
        Format::Table => {
            let rows: Vec<Vec<String>> = reports
                .iter()
                .map(|r| {
                    let mut row = fields(r);
                    row[7] = texts::short(&row[7], 30);
                    row[8] = texts::short(&row[8], 30);
                    row
                })
                .collect();
            out!("{}", table(&HEADERS, &rows))?;
            outln!("共 {} 条。", reports.len())?;
        }
    }
    Ok(())
}

const HEADERS: [&str; 11] = [
    "编号",
    "期间",
    "任务",
    "单位",
    "联络员",
    "状态",
    "灯",
    "内容",
    "数字",
    "时间",
    "更正",
];

fn fields(r: &Report) -> Vec<String> {
    let state = match r.state {
        ReportState::Active => "有效",
        ReportState::Withdrawn => "已撤回",
        ReportState::Corrected => "已更正",
        ReportState::Returned => "已退回",
    };
    let figures = r
        .figures
        .iter()
        .map(|f| format!("{} {}/{}{}", f.metric, f.value, f.target_value, f.unit))
        .collect::<Vec<_>>()
        .join("；");
    vec![
        r.id.to_string(),
        r.period.clone(),
        r.task_number.to_string(),
        r.unit.clone(),
        r.user_name.clone().unwrap_or_else(|| r.user_id.to_string()),
        state.into(),
        r.light.map(|l| l.name()).unwrap_or("").into(),
        r.text.clone(),
        figures,
        format_time(r.created_at),
        r.corrects.map(|c| c.to_string()).unwrap_or_default(),
    ]
}

/// RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled. The file
/// begins with a UTF-8 byte order mark, without which Excel and WPS read Chinese text as the
/// local code page.
fn to_csv(reports: &[Report]) -> String {
    let mut out = String::from('\u{feff}');
    let mut line = |fields: &[String]| {
        let cells: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    };
    line(&HEADERS.map(String::from));
    for r in reports {
        line(&fields(r));
    }
    out
}

/// One field. A cell a spreadsheet would run as a formula (beginning with `=`, `+`, `-` or `@`,
/// or with a tab or carriage return, which some of them skip) gets a leading `'`, which Excel
/// and WPS show as text and do not print (OWASP's advice against CSV injection).
fn csv_field(field: &str) -> String {
    let field = if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{field}")
    } else {
        field.to_owned()
    };
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting() {
        assert_eq!(csv_field("已完成"), "已完成");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("说\"好\""), "\"说\"\"好\"\"\"");
        assert_eq!(csv_field("两\n行"), "\"两\n行\"");
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_are_kept_as_text() {
        assert_eq!(
            csv_field("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(csv_field("+1"), "'+1");
        assert_eq!(csv_field("-2+3"), "'-2+3");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("\t=1"), "'\t=1");
        assert_eq!(csv_field("\r=1"), "\"'\r=1\"");
        assert_eq!(csv_field("完成=1"), "完成=1");
    }

    #[test]
    fn a_csv_file_begins_with_a_byte_order_mark() {
        let csv = to_csv(&[]);

        assert!(csv.starts_with("\u{feff}编号,期间,"), "{csv}");
    }
}
