//! `duban evidence --task N --out DIR`: writes a task's evidence (佐证材料) into a folder, one
//! file each, named so that none collide: `第8项-区科技局-2022-03-18-5-现场.jpg` (task, unit,
//! day, the evidence's number, its name).

use super::{io_reason, latest_notice, open_store, user_error};
use crate::config::Settings;
use crate::conversation::EvidenceSettings;
use crate::outln;
use crate::store::EvidenceOf;
use crate::wording::texts;
use anyhow::Result;
use std::path::Path;

pub async fn run(settings: &Settings, task: u32, out: &Path) -> Result<()> {
    let store = open_store(&settings.database_url).await?;
    let notice = latest_notice(&store).await?;
    let Some(view) = store.task(notice, task).await? else {
        return Err(user_error(texts::export_no_such_task(task)));
    };
    let evidence = store.evidence_list(EvidenceOf::Task(view.id)).await?;
    if evidence.is_empty() {
        outln!("{}", texts::export_no_evidence(task))?;
        store.close().await;
        return Ok(());
    }
    std::fs::create_dir_all(out).map_err(|e| {
        user_error(texts::export_unwritable(
            &out.display().to_string(),
            &io_reason(&e),
        ))
    })?;
    let keeping = EvidenceSettings::from(settings).keeping;
    for e in &evidence {
        let bytes = store.evidence_bytes(e, &keeping).await?;
        let path = out.join(texts::evidence_export_name(e));
        std::fs::write(&path, bytes).map_err(|err| {
            user_error(texts::export_unwritable(
                &path.display().to_string(),
                &io_reason(&err),
            ))
        })?;
        outln!("{}", path.display())?;
    }
    store.close().await;
    outln!(
        "{}",
        texts::exported_evidence(task, evidence.len(), &out.display().to_string())
    )?;
    Ok(())
}
