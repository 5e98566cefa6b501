//! The schema's migrations, embedded in the binary: `build.rs` lists the files of
//! `migrations/sqlite/` and `migrations/postgres/` with `include_str!`, and this module turns
//! them into sqlx migrators, exactly as sqlx's `migrate!` macro would (same versions,
//! descriptions and checksums, so databases migrated by either accept the other).

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use std::borrow::Cow;
use std::sync::LazyLock;

/// One migration file as `build.rs` found it.
pub(super) struct Source {
    version: i64,
    description: &'static str,
    sql: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

pub(super) static SQLITE_MIGRATOR: LazyLock<Migrator> = LazyLock::new(|| migrator(SQLITE));
pub(super) static POSTGRES_MIGRATOR: LazyLock<Migrator> = LazyLock::new(|| migrator(POSTGRES));

fn migrator(sources: &[Source]) -> Migrator {
    Migrator::with_migrations(
        sources
            .iter()
            .map(|source| {
                Migration::new(
                    source.version,
                    Cow::Borrowed(source.description),
                    MigrationType::Simple,
                    source.sql.into_sql_str(),
                    source.sql.starts_with("-- no-transaction"),
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// What sqlx's own resolver (the one behind `migrate!`) reads from the folder.
    fn resolved_by_sqlx(folder: &str) -> Vec<(i64, String, Vec<u8>, bool)> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
        let mut found: Vec<_> = sqlx::migrate::resolve_blocking(&path)
            .expect("sqlx resolves the migrations folder")
            .into_iter()
            .map(|(m, _)| {
                (
                    m.version,
                    m.description.into_owned(),
                    m.checksum.into_owned(),
                    m.no_tx,
                )
            })
            .collect();
        found.sort();
        found
    }

    fn embedded(migrator: &Migrator) -> Vec<(i64, String, Vec<u8>, bool)> {
        migrator
            .iter()
            .map(|m| {
                (
                    m.version,
                    m.description.to_string(),
                    m.checksum.to_vec(),
                    m.no_tx,
                )
            })
            .collect()
    }

    #[test]
    fn embedded_migrations_match_what_sqlx_reads_from_the_folders() {
        assert_eq!(
            embedded(&SQLITE_MIGRATOR),
            resolved_by_sqlx("migrations/sqlite")
        );
        assert_eq!(
            embedded(&POSTGRES_MIGRATOR),
            resolved_by_sqlx("migrations/postgres")
        );
        assert!(
            SQLITE_MIGRATOR.iter().count() >= 6,
            "every migration file is embedded"
        );
    }
}
