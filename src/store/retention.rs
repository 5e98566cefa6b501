//! Retention: what grows with every message and is not needed once it is old. Handled updates
//! (the inbox), sent messages (the outbox), the bot's message anchors and DingTalk's message
//! numbers older than a cutoff are removed, a thousand rows a statement so that no statement
//! holds the write lock for long; evidence files that no row refers to are removed from the
//! evidence folder.
//!
//! Kept whatever their age, because something still refers to them or people look at them:
//! - an update a report, evidence or an extension request was stored from (their `inbox_seq`);
//! - updates and messages that failed (for the admins to look into) or are still pending;
//! - for each chat and task, the newest task message: a reply to it reports on the task in the
//!   current period, so an open task's last card keeps working however old it is (the table
//!   stays bounded by chats × tasks);
//! - the DingTalk number of an anchor kept, and the newest number of each chat (a plain text
//!   answers the chat's last message);
//! - the audit trail, reports, reviews, extensions, items, evidence and bulletins: never pruned.
//!
//! Pruning twice is harmless, so several processes may run it at once.

use super::error::Context;
use super::evidence::path_in;
use super::{Store, StoreError};
use sqlx::Row;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Rows a DELETE removes at most.
const CHUNK: usize = 1000;

/// What a prune removed (or, dry, would remove), per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Handled updates.
    pub inbox: u64,
    /// Sent messages.
    pub outbox: u64,
    /// The bot's message anchors.
    pub bot_messages: u64,
    /// DingTalk's numbers of the robot's messages.
    pub dingtalk_messages: u64,
    /// A bulletin's stored files that no outbox row refers to any more.
    pub outbox_files: u64,
    /// Files in the evidence folder that no evidence refers to, and their bytes.
    pub evidence_files: u64,
    pub evidence_bytes: u64,
}

impl Pruned {
    /// Rows and files removed in all.
    pub fn total(&self) -> u64 {
        self.inbox
            + self.outbox
            + self.bot_messages
            + self.dingtalk_messages
            + self.outbox_files
            + self.evidence_files
    }
}

/// One table's rule: its rows matching `condition` (on alias `t`, the cutoff bound as `$1`)
/// go, keyed by `key` for the chunks.
struct Rule {
    table: &'static str,
    key: &'static [&'static str],
    condition: &'static str,
}

/// An anchor that goes: old, and not the newest task message of its chat and task.
const ANCHOR_GOES: &str = "t.created_at < $1 AND (t.kind <> 'task' OR EXISTS (\
    SELECT 1 FROM bot_messages n WHERE n.chat_id = t.chat_id AND n.kind = 'task' \
    AND n.task_id = t.task_id AND n.message_id > t.message_id))";

const INBOX: Rule = Rule {
    table: "inbox",
    key: &["seq"],
    condition: "t.state = 'done' AND t.received_at < $1 \
        AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.inbox_seq = t.seq) \
        AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.inbox_seq = t.seq) \
        AND NOT EXISTS (SELECT 1 FROM extensions x WHERE x.inbox_seq = t.seq)",
};

const OUTBOX: Rule = Rule {
    table: "outbox",
    key: &["id"],
    condition: "t.state = 'sent' AND t.sent_at < $1",
};

/// A stored file that goes: old, and no outbox row that stays (pending, failed, or sent and
/// kept) names it (written against the outbox's own rule, so that a dry run counts what a
/// real one removes; the foreign key keeps a file a row still names in any case).
const OUTBOX_FILES: Rule = Rule {
    table: "outbox_files",
    key: &["id"],
    condition: "t.created_at < $1 AND NOT EXISTS (SELECT 1 FROM outbox o \
        WHERE o.file_id = t.id AND NOT (o.state = 'sent' AND o.sent_at < $1))",
};

const BOT_MESSAGES: Rule = Rule {
    table: "bot_messages",
    key: &["chat_id", "message_id"],
    condition: ANCHOR_GOES,
};

/// A DingTalk number that goes: old, not the chat's newest, and no anchor that stays names it
/// (written against the anchors' own rule, so that a dry run counts what a real one removes).
const DINGTALK_MESSAGES: Rule = Rule {
    table: "dingtalk_messages",
    key: &["id"],
    condition: "t.created_at < $1 \
        AND t.id < (SELECT MAX(m.id) FROM dingtalk_messages m WHERE m.chat_id = t.chat_id) \
        AND NOT EXISTS (SELECT 1 FROM bot_messages a WHERE a.chat_id = t.chat_id \
            AND a.message_id = t.id AND NOT (a.created_at < $1 AND (a.kind <> 'task' OR EXISTS (\
            SELECT 1 FROM bot_messages n WHERE n.chat_id = a.chat_id AND n.kind = 'task' \
            AND n.task_id = a.task_id AND n.message_id > a.message_id))))",
};

impl Store {
    /// Removes (with `dry_run`, only counts) the inbox, outbox and anchor rows older than
    /// `cutoff` (unix seconds) that nothing refers to (see the module's comment). Each chunk
    /// commits on its own: an interrupted prune leaves fewer rows, all of them whole.
    pub async fn prune(&self, cutoff: i64, dry_run: bool) -> Result<Pruned, StoreError> {
        Ok(Pruned {
            inbox: self.prune_rule(&INBOX, cutoff, dry_run).await?,
            outbox: self.prune_rule(&OUTBOX, cutoff, dry_run).await?,
            outbox_files: self.prune_rule(&OUTBOX_FILES, cutoff, dry_run).await?,
            // Anchors before the DingTalk numbers that only they named.
            bot_messages: self.prune_rule(&BOT_MESSAGES, cutoff, dry_run).await?,
            dingtalk_messages: self.prune_rule(&DINGTALK_MESSAGES, cutoff, dry_run).await?,
            ..Pruned::default()
        })
    }

    async fn prune_rule(&self, rule: &Rule, cutoff: i64, dry_run: bool) -> Result<u64, StoreError> {
        let Rule {
            table,
            key,
            condition,
        } = rule;
        if dry_run {
            let sql = format!("SELECT COUNT(*) FROM {table} t WHERE {condition}");
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(cutoff)
                .fetch_one(&self.pool)
                .await
                .context("count what a prune would remove")?;
            return Ok(u64::try_from(n).unwrap_or(0));
        }
        // Walks the table in key order from a cursor, so that each statement reads on from
        // where the last one stopped instead of passing the rows kept again.
        let columns = key.join(", ");
        let cursor: Vec<String> = (0..key.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "DELETE FROM {table} WHERE ({columns}) IN (SELECT {columns} FROM {table} t \
             WHERE ({columns}) > ({}) AND {condition} ORDER BY {columns} LIMIT {CHUNK}) \
             RETURNING {columns}",
            cursor.join(", ")
        );
        let mut after = vec![i64::MIN; key.len()];
        let mut removed = 0;
        loop {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(cutoff);
            for value in &after {
                query = query.bind(*value);
            }
            let rows = {
                let mut writer = self.writer().await?;
                query
                    .fetch_all(&mut *writer)
                    .await
                    .context("prune old rows")?
            };
            let mut last: Option<Vec<i64>> = None;
            for row in &rows {
                let values = (0..key.len())
                    .map(|i| row.try_get::<i64, _>(i))
                    .collect::<Result<Vec<_>, _>>()
                    .context("read a pruned key")?;
                // RETURNING gives no order.
                if last.as_ref().is_none_or(|l| values > *l) {
                    last = Some(values);
                }
            }
            removed += rows.len() as u64;
            match last {
                Some(last) if rows.len() == CHUNK => after = last,
                _ => return Ok(removed),
            }
        }
    }

    /// Removes (with `dry_run`, only counts) the files in the evidence folder that no
    /// evidence refers to and that were last written before `written_before`: what a crash
    /// left between writing a file and storing its row (`keep_evidence` writes the file
    /// first), and unfinished `.partial` files. Returns the files and their bytes.
    pub async fn prune_evidence_folder(
        &self,
        folder: &Path,
        written_before: SystemTime,
        dry_run: bool,
    ) -> Result<(u64, u64), StoreError> {
        let known: HashSet<String> = sqlx::query_scalar("SELECT sha256 FROM evidence_files")
            .fetch_all(&self.pool)
            .await
            .context("list the evidence files")?
            .into_iter()
            .collect();
        let folder_owned = folder.to_owned();
        let found = tokio::task::spawn_blocking(move || old_files(&folder_owned, written_before))
            .await
            .expect("the folder walk does not panic")
            .map_err(|source| StoreError::Io {
                path: folder.to_owned(),
                source,
            })?;
        let (mut files, mut bytes) = (0, 0);
        for (path, size) in found {
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let orphan = match Leftover::of(name) {
                Leftover::Content(sha256) => !known.contains(sha256),
                Leftover::Partial => true,
                Leftover::Pruning(sha256) => {
                    // A prune stopped between moving a file aside and removing it.
                    if !dry_run && known.contains(sha256) {
                        restore(&path, &path_in(folder, sha256)).await?;
                        continue;
                    }
                    true
                }
                Leftover::Other => false,
            };
            if !orphan {
                continue;
            }
            if !dry_run && !self.remove_orphan(folder, &path).await? {
                continue;
            }
            files += 1;
            bytes += size;
        }
        Ok((files, bytes))
    }

    /// Removes one orphan file; false when it turned out to be needed after all. A content
    /// file is first moved aside, then looked up once more: evidence of the same bytes may
    /// have arrived meanwhile (`keep_evidence` found the file there and did not write it; it
    /// writes it again after its commit when the file is gone, so one of the two restores it).
    async fn remove_orphan(&self, folder: &Path, path: &Path) -> Result<bool, StoreError> {
        let io = |source| StoreError::Io {
            path: path.to_owned(),
            source,
        };
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let Leftover::Content(sha256) = Leftover::of(name) else {
            tokio::fs::remove_file(path).await.map_err(io)?;
            return Ok(true);
        };
        let aside = path.with_file_name(format!("{sha256}.pruning"));
        tokio::fs::rename(path, &aside).await.map_err(io)?;
        let needed: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM evidence_files WHERE sha256 = $1")
                .bind(sha256)
                .fetch_one(&self.pool)
                .await
                .context("look up an evidence file")?;
        if needed > 0 {
            restore(&aside, &path_in(folder, sha256)).await?;
            return Ok(false);
        }
        tokio::fs::remove_file(&aside).await.map_err(io)?;
        Ok(true)
    }

    /// Writes the audit entry of a prune that removed something (actor `system`).
    pub async fn record_prune(
        &self,
        at: i64,
        subject: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        let mut writer = self.writer().await?;
        super::audit::record(&mut writer, at, "system", "prune", subject, detail).await
    }

    /// The rows of each table of the schema, by table name (the migrations' own table
    /// left out), for `duban backup` and the tests.
    pub async fn table_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let mut conn = self.pool.acquire().await.context("acquire a connection")?;
        super::backup::table_counts(&mut conn, self.backend).await
    }
}

/// What a file in the evidence folder is, by its name.
enum Leftover<'a> {
    /// `<sha256>`: a content.
    Content(&'a str),
    /// `<sha256>.<pid>.partial`: a write that did not finish.
    Partial,
    /// `<sha256>.pruning`: moved aside by a prune that did not finish.
    Pruning(&'a str),
    Other,
}

impl Leftover<'_> {
    fn of(name: &str) -> Leftover<'_> {
        let hash = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
        if hash(name) {
            Leftover::Content(name)
        } else if let Some(sha256) = name.strip_suffix(".pruning").filter(|s| hash(s)) {
            Leftover::Pruning(sha256)
        } else if name.ends_with(".partial") && name.get(..64).is_some_and(hash) {
            Leftover::Partial
        } else {
            Leftover::Other
        }
    }
}

/// Moves a file moved aside back under its hash, unless a writer has put it there again
/// (the same bytes: the one aside goes).
async fn restore(aside: &Path, path: &Path) -> Result<(), StoreError> {
    let done = if tokio::fs::try_exists(path).await.unwrap_or(false) {
        tokio::fs::remove_file(aside).await
    } else {
        tokio::fs::rename(aside, path).await
    };
    done.map_err(|source| StoreError::Io {
        path: path.to_owned(),
        source,
    })
}

/// The files two levels down in `folder` (`ab/ab12…`) last written before `before`, with their
/// sizes; none when the folder does not exist.
fn old_files(folder: &Path, before: SystemTime) -> std::io::Result<Vec<(PathBuf, u64)>> {
    let mut found = Vec::new();
    let top = match std::fs::read_dir(folder) {
        Ok(top) => top,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(e),
    };
    for dir in top {
        let dir = dir?;
        if !dir.file_type()?.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(dir.path())? {
            let file = file?;
            let meta = file.metadata()?;
            if meta.is_file() && meta.modified()? < before {
                found.push((file.path(), meta.len()));
            }
        }
    }
    Ok(found)
}
