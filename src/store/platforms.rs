//! Names of other platforms as duban's numbers. A DingTalk person or chat is named by a string
//! (a staffId, an openConversationId); everywhere else — members, the inbox, the outbox, the
//! bot's messages — duban names people and chats by a 64-bit number, as Telegram does. Each
//! DingTalk name gets one here, [`DINGTALK_BASE`] and up: above every Telegram id, so that a
//! number also says its platform ([`platform_of`]). And what the robot sent on DingTalk, by the
//! key DingTalk knows it by, gets a message number, as Telegram gives one.

use super::error::Context;
use super::{Platform, Store, StoreError};

/// The first number of a DingTalk name: 2^53, above Telegram's ids (at most 52 significant
/// bits, as Telegram documents).
pub const DINGTALK_BASE: i64 = 1 << 53;

/// The platform a person's or a chat's number belongs to.
pub fn platform_of(id: i64) -> Platform {
    if id >= DINGTALK_BASE {
        Platform::DingTalk
    } else {
        Platform::Telegram
    }
}

/// A name on DingTalk.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DingName {
    /// A person, by their staffId (userId) in the organisation; also their single chat with
    /// the robot.
    User(String),
    /// A group, by its openConversationId.
    Group(String),
}

impl DingName {
    fn external(&self) -> String {
        match self {
            DingName::User(staff) => format!("user:{staff}"),
            DingName::Group(group) => format!("group:{group}"),
        }
    }

    fn parse(external: &str) -> Option<DingName> {
        if let Some(staff) = external.strip_prefix("user:") {
            return Some(DingName::User(staff.to_owned()));
        }
        external
            .strip_prefix("group:")
            .map(|group| DingName::Group(group.to_owned()))
    }
}

impl Store {
    /// The number of a DingTalk name, given one the first time it is seen.
    pub async fn dingtalk_id(&self, name: &DingName) -> Result<i64, StoreError> {
        let external = name.external();
        if let Some(id) = self.dingtalk_id_known(&external).await? {
            return Ok(id);
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO platform_ids (platform, external) VALUES ($1, $2) \
             ON CONFLICT (platform, external) DO NOTHING",
        )
        .bind(Platform::DingTalk.code())
        .bind(&external)
        .execute(&mut *tx)
        .await
        .context("number a DingTalk name")?;
        let id: i64 =
            sqlx::query_scalar("SELECT id FROM platform_ids WHERE platform = $1 AND external = $2")
                .bind(Platform::DingTalk.code())
                .bind(&external)
                .fetch_one(&mut *tx)
                .await
                .context("read a DingTalk name's number")?;
        tx.commit().await.context("commit a DingTalk name")?;
        Ok(DINGTALK_BASE + id)
    }

    async fn dingtalk_id_known(&self, external: &str) -> Result<Option<i64>, StoreError> {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM platform_ids WHERE platform = $1 AND external = $2")
                .bind(Platform::DingTalk.code())
                .bind(external)
                .fetch_optional(&self.pool)
                .await
                .context("look up a DingTalk name")?;
        Ok(id.map(|id| DINGTALK_BASE + id))
    }

    /// The DingTalk name a number stands for.
    pub async fn dingtalk_name(&self, id: i64) -> Result<Option<DingName>, StoreError> {
        if id < DINGTALK_BASE {
            return Ok(None);
        }
        let external: Option<String> =
            sqlx::query_scalar("SELECT external FROM platform_ids WHERE id = $1")
                .bind(id - DINGTALK_BASE)
                .fetch_optional(&self.pool)
                .await
                .context("look up a DingTalk number")?;
        Ok(external.as_deref().and_then(DingName::parse))
    }

    /// Numbers a message the robot sent to `chat_id`, known to DingTalk by `key` (and, for a
    /// card, by its `carrier` id in quotes); the same key again keeps its number.
    pub async fn number_dingtalk_message(
        &self,
        key: &str,
        carrier: Option<&str>,
        chat_id: i64,
        now: i64,
    ) -> Result<i32, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO dingtalk_messages (key, carrier, chat_id, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(carrier)
        .bind(chat_id)
        .bind(now)
        .execute(&mut *tx)
        .await
        .context("number a DingTalk message")?;
        let id: i64 = sqlx::query_scalar("SELECT id FROM dingtalk_messages WHERE key = $1")
            .bind(key)
            .fetch_one(&mut *tx)
            .await
            .context("read a DingTalk message's number")?;
        tx.commit().await.context("commit a DingTalk message")?;
        i32::try_from(id).map_err(|_| StoreError::Corrupt(format!("message number {id}")))
    }

    /// The chat and number of the message DingTalk knows by `key` (or a card by its carrier
    /// id).
    pub async fn dingtalk_message(&self, key: &str) -> Result<Option<(i64, i32)>, StoreError> {
        let found: Option<(i64, i64)> = sqlx::query_as(
            "SELECT chat_id, id FROM dingtalk_messages WHERE key = $1 OR carrier = $1",
        )
        .bind(key)
        .fetch_optional(&self.pool)
        .await
        .context("look up a DingTalk message")?;
        Ok(found.and_then(|(chat, id)| Some((chat, i32::try_from(id).ok()?))))
    }

    /// The number of the last message the robot sent to `chat_id` on DingTalk.
    pub async fn last_dingtalk_message(&self, chat_id: i64) -> Result<Option<i32>, StoreError> {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT MAX(id) FROM dingtalk_messages WHERE chat_id = $1")
                .bind(chat_id)
                .fetch_one(&self.pool)
                .await
                .context("look up the last DingTalk message of a chat")?;
        Ok(id.and_then(|id| i32::try_from(id).ok()))
    }
}
