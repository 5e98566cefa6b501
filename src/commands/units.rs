//! `duban units`: every unit with how many tasks it hosts and co-organizes.

use super::{latest_notice, open_store};
use crate::config::Settings;
use crate::matrix::UnitKind;
use crate::out;
use crate::text::table;
use anyhow::Result;

pub async fn run(settings: &Settings) -> Result<()> {
    let store = open_store(&settings.database_url).await?;
    let notice_id = latest_notice(&store).await?;
    let counts = store.unit_task_counts(notice_id).await?;
    let rows: Vec<Vec<String>> = counts
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                kind_name(c.kind).into(),
                c.host.to_string(),
                c.co.to_string(),
            ]
        })
        .collect();
    out!("{}", table(&["单位", "类别", "主办", "协办"], &rows))?;
    store.close().await;
    Ok(())
}

pub fn kind_name(kind: UnitKind) -> &'static str {
    match kind {
        UnitKind::Department => "区直部门",
        UnitKind::Town => "镇",
        UnitKind::Subdistrict => "街道",
        UnitKind::Park => "园区",
        UnitKind::Other => "其他",
    }
}
