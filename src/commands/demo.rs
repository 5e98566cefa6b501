//! `duban demo`: the seed notice imported into a fresh database under `out/demo/`, then the
//! matrix printed. It never touches the configured database.

use super::{load_directory, open_store, read_notice};
use crate::config::Settings;
use anyhow::{Context, Result};
use std::path::Path;

pub const SEED_NOTICE: &str = "seeds/yanzhou-2022-task-notice.txt";
const DEMO_DIR: &str = "out/demo";

pub async fn run(settings: &Settings) -> Result<()> {
    let db = Path::new(DEMO_DIR).join("duban.db");
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{}{suffix}", db.display());
        if Path::new(&file).exists() {
            std::fs::remove_file(&file)
                .with_context(|| format!("无法删除上次演示的数据库 {file}"))?;
        }
    }
    let dir = load_directory(&settings.directory)?;
    let matrix = read_notice(Path::new(SEED_NOTICE), &dir)?;
    let store = open_store(&format!("sqlite://{}", db.display())).await?;
    let outcome = store.import_matrix(&matrix).await?;
    println!("导入 {SEED_NOTICE}：");
    print!("{}", super::import::summary(&matrix));
    print!("{}", super::import::outcome_text(&outcome));
    let stored = store.load_matrix(outcome.notice_id).await?;
    store.close().await;
    println!();
    print!(
        "{}",
        super::matrix::render_table(&stored, &stored.tasks.iter().collect::<Vec<_>>())
    );
    println!(
        "\n演示数据库：{}（可用 DUBAN_DATABASE_URL=sqlite://{} duban matrix --format json 查看）",
        db.display(),
        db.display()
    );
    Ok(())
}
