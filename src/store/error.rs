//! What can go wrong in the store. [`StoreError::InvalidMatrix`] is the importer's fault and
//! its message is for them (Chinese); the rest are ours, for the logs, with their cause chain.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database url: expected sqlite:… or postgres://…")]
    UnsupportedUrl,
    #[error("failed to create the directory {} for the SQLite database", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("failed to migrate the database")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    #[error("failed to {context}")]
    Database {
        context: &'static str,
        source: sqlx::Error,
    },
    /// The matrix contradicts itself; nothing was written.
    #[error("矩阵有误，未导入：{}", problems.join("；"))]
    InvalidMatrix { problems: Vec<String> },
    #[error("notice {0} not found")]
    NoticeNotFound(i64),
    /// A stored value the code cannot read back (an unknown code, a malformed date).
    #[error("unreadable value in the database: {0}")]
    Corrupt(String),
    /// The group commit that held a write was dropped before it finished (shutdown).
    #[error("a group commit was interrupted before it finished")]
    Interrupted,
    /// A lease this instance needed is held by another instance (see [`super::Fence`]).
    #[error("the lease {0} is held by another instance")]
    LeaseLost(String),
    /// A file of evidence kept in a folder could not be written or read.
    #[error("failed to write or read the evidence file {}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl StoreError {
    /// True when the error is the caller's input, not a fault of the service.
    pub fn is_user_error(&self) -> bool {
        matches!(self, StoreError::InvalidMatrix { .. })
    }
}

/// Names the step that failed, the way `anyhow::Context` does, but typed.
pub(crate) trait Context<T> {
    fn context(self, what: &'static str) -> Result<T, StoreError>;
}

impl<T> Context<T> for Result<T, sqlx::Error> {
    fn context(self, what: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Database {
            context: what,
            source,
        })
    }
}
