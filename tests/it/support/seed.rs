//! The seed notice in a store, and reading what the bot sent: shared by the integration tests
//! and by `tests/chat_process.rs`, which runs `duban` as a child process and includes this
//! file alone.

use duban::botapi::SentMessage;
use duban::matrix::{Matrix, UnitDirectory, parse_notice};
use duban::store::Store;
use std::time::Duration;

/// How long a test waits for something the bot should do.
pub const WAIT: Duration = Duration::from_secs(15);

/// Imports the seed notice (71 tasks) into `store` unless a notice is there already.
pub async fn import_seed(store: &Store) {
    if store.latest_notice_id().await.unwrap().is_some() {
        return;
    }
    store.import_matrix(&seed_matrix()).await.unwrap();
}

/// The seed notice, parsed with the seed unit directory.
pub fn seed_matrix() -> Matrix {
    let root = env!("CARGO_MANIFEST_DIR");
    let text =
        std::fs::read_to_string(format!("{root}/seeds/yanzhou-2022-task-notice.txt")).unwrap();
    let dir = std::fs::read_to_string(format!("{root}/seeds/yanzhou-units.toml")).unwrap();
    let dir = UnitDirectory::from_toml(&dir).unwrap();
    parse_notice(&text, &dir).unwrap()
}

/// The text of a message the bot sent (empty for a file without caption).
pub fn text(message: &SentMessage) -> &str {
    message.text.as_deref().unwrap_or_default()
}
