//! A second connection that looks at the raw tables: the schema as the database reports it, a
//! dump of every row, whether anything was written, and an admin's direct edit.

use super::TestDb;
use duban::store::Backend;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Connection, Row};
use std::collections::BTreeMap;

/// Table → its columns as (name, type class), in declaration order.
pub type Schema = BTreeMap<String, Vec<(String, &'static str)>>;

impl TestDb {
    pub async fn raw(&self) -> AnyConnection {
        sqlx::any::install_default_drivers();
        AnyConnection::connect(&self.url)
            .await
            .expect("open a second connection")
    }

    /// The tables and columns the migrations made, `_sqlx_migrations` aside.
    pub async fn schema(&self) -> Schema {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT m.name AS table_name, p.name AS column_name, p.type AS column_type \
                 FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                 AND m.name NOT IN ('_sqlx_migrations', 'test_writes') ORDER BY m.name, p.cid"
            }
            Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT) AS table_name, \
                 CAST(column_name AS TEXT) AS column_name, CAST(data_type AS TEXT) AS column_type \
                 FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations' \
                 ORDER BY table_name, ordinal_position"
            }
        };
        let rows = sqlx::query(sql)
            .fetch_all(&mut self.raw().await)
            .await
            .expect("read schema");
        let mut schema = Schema::new();
        for row in rows {
            let table: String = row.get("table_name");
            let column: String = row.get("column_name");
            let kind: String = row.get("column_type");
            schema
                .entry(table)
                .or_default()
                .push((column, type_class(&kind)));
        }
        schema
    }

    /// Every row of every table as text, sorted: equal dumps mean equal contents.
    pub async fn dump(&self) -> BTreeMap<String, Vec<String>> {
        let mut conn = self.raw().await;
        let mut dump = BTreeMap::new();
        for table in self.schema().await.into_keys() {
            let lines = table_rows(&mut conn, &table).await;
            dump.insert(table, lines);
        }
        dump
    }

    /// Starts watching for writes by anyone else. PostgreSQL gives every inserted or updated row
    /// version a new xmin. SQLite has nothing alike (`data_version` ignores an update that
    /// rewrites a row with the same values), so every table gets triggers that log writes.
    pub async fn watch_writes(&self) -> WriteWatch {
        let mut conn = self.raw().await;
        if self.backend() == Backend::Sqlite {
            sqlx::query("CREATE TABLE test_writes (table_name TEXT NOT NULL)")
                .execute(&mut conn)
                .await
                .unwrap();
            for table in self.schema().await.into_keys() {
                for event in ["INSERT", "UPDATE", "DELETE"] {
                    let sql = format!(
                        "CREATE TRIGGER test_{table}_{event} AFTER {event} ON {table} \
                         BEGIN INSERT INTO test_writes VALUES ('{table}'); END"
                    );
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await
                        .unwrap();
                }
            }
        }
        let before = write_marker(self, &mut conn).await;
        WriteWatch { conn, before }
    }

    /// What an admin does by hand: sets the members of a group.
    pub async fn admin_fills_group(&self, group: &str, members: &[&str]) {
        let mut conn = self.raw().await;
        for (position, member) in members.iter().enumerate() {
            sqlx::query(
                "INSERT INTO unit_group_members (group_id, unit_id, position) \
                 SELECT g.id, u.id, $3 FROM unit_groups g, units u WHERE g.name = $1 AND u.name = $2",
            )
            .bind(group)
            .bind(*member)
            .bind(position as i64)
            .execute(&mut conn)
            .await
            .expect("fill a group");
        }
    }
}

pub struct WriteWatch {
    conn: AnyConnection,
    before: String,
}

impl WriteWatch {
    pub async fn something_was_written(mut self, db: &TestDb) -> bool {
        write_marker(db, &mut self.conn).await != self.before
    }
}

async fn write_marker(db: &TestDb, conn: &mut AnyConnection) -> String {
    match db.backend() {
        Backend::Sqlite => {
            let tables: Vec<String> = sqlx::query_scalar("SELECT table_name FROM test_writes")
                .fetch_all(&mut *conn)
                .await
                .unwrap();
            tables.join(",")
        }
        Backend::Postgres => {
            let mut marker = String::new();
            for table in db.schema().await.into_keys() {
                let sql = format!("SELECT CAST(xmin AS TEXT) FROM {table}");
                let mut xmins: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&mut *conn)
                    .await
                    .unwrap();
                xmins.sort();
                marker += &format!("{table}: {}\n", xmins.join(","));
            }
            marker
        }
    }
}

/// Every row of `table` as text, sorted.
pub async fn table_rows(conn: &mut AnyConnection, table: &str) -> Vec<String> {
    let sql = format!("SELECT * FROM {table}");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(conn)
        .await
        .unwrap();
    let mut lines: Vec<String> = rows.iter().map(row_text).collect();
    lines.sort();
    lines
}

fn type_class(declared: &str) -> &'static str {
    match declared.to_ascii_lowercase().as_str() {
        "integer" | "bigint" => "integer",
        "text" => "text",
        "real" | "double precision" => "real",
        "blob" | "bytea" => "blob",
        other => panic!("a column type the schema should not use: {other}"),
    }
}

fn row_text(row: &AnyRow) -> String {
    (0..row.len())
        .map(|i| {
            if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
                v.map_or("NULL".into(), |v| v.to_string())
            } else if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
                v.map_or("NULL".into(), |v| format!("{v:?}"))
            } else if let Ok(Some(v)) = row.try_get::<Option<Vec<u8>>, _>(i) {
                format!("{v:?}")
            } else {
                row.try_get::<Option<String>, _>(i)
                    .unwrap()
                    .unwrap_or_else(|| "NULL".into())
            }
        })
        .collect::<Vec<_>>()
        .join(" | ")
}
