//! A month lived by the demo, as what must survive maintenance: the compiled bulletin, every
//! report, the audit trail.

use duban::bulletin::compile;
use duban::bulletin::render::{markdown, text};
use duban::config::Settings;
use duban::demo;
use duban::store::{AuditEntry, Report, ReportFilter, Store};
use std::path::Path;

/// The compiled bulletin of the demo's period (Telegram's text and Markdown), every report,
/// the audit trail.
#[derive(Debug, PartialEq)]
pub struct Record {
    pub text: Vec<String>,
    pub markdown: String,
    pub reports: Vec<Report>,
    pub audit: Vec<AuditEntry>,
}

/// The demo's settings where the bulletin depends on them (the defaults but for the seeds).
pub fn settings(root: &Path) -> Settings {
    Settings {
        directory: root.join("seeds/yanzhou-units.toml"),
        calendar: root.join("seeds/holidays-cn-2022.toml"),
        ..Settings::default()
    }
}

/// The record of `store`, the bulletin compiled as on the demo's last day.
pub async fn record(store: &Store, settings: &Settings) -> Record {
    let today = demo::end()
        .with_timezone(&duban::clock::office_offset())
        .date_naive();
    let bulletin = compile(
        store,
        settings,
        Some(demo::PERIOD),
        today,
        demo::end().timestamp(),
    )
    .await
    .unwrap()
    .unwrap();
    Record {
        text: text::telegram(&bulletin),
        markdown: markdown::markdown(&bulletin),
        reports: store.reports(&ReportFilter::default()).await.unwrap(),
        audit: store.audit(None).await.unwrap(),
    }
}
