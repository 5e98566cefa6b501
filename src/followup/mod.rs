//! Follow-up on its own: the scheduler turns fire times of the reminder, nudge, escalation and
//! bulletin schedules into outbox rows, and the sender delivers the outbox at the rate Telegram
//! allows. Bot replies to commands share the sender's limiter.

pub mod planner;
pub mod retention;
pub mod robots;
pub mod scheduler;
pub mod sender;

use crate::cluster::Cluster;
use crate::refusal::ScheduleRefusal;
use crate::schedule::Kind;
use crate::store::{Named, Store};
use crate::telemetry::Metrics;
use scheduler::Scheduler;
use sender::Limiter;
use std::sync::Arc;
use tokio::sync::Notify;

/// What the chat loop needs of the follow-up: the scheduler (for `/schedule` and `/remind`)
/// and a way to wake the sender after enqueueing.
#[derive(Debug, Clone)]
pub struct Followup {
    pub scheduler: Scheduler,
    pub outbox: Arc<Notify>,
    /// The caps every message of the process goes through, answers included.
    pub limiter: Limiter,
    /// The other instances on the database, and which chats are this one's.
    pub cluster: Cluster,
    /// The service's metrics, for the chat loop to count what it stores and handles.
    pub metrics: Metrics,
}

/// The kind and unit an admin named (chat or CLI), or what to tell them. Escalation and the
/// bulletin are office-wide: naming a unit for them is refused.
pub async fn schedule_target(
    store: &Store,
    kind: &str,
    unit: Option<&str>,
) -> anyhow::Result<Result<(Kind, Option<Named>), ScheduleRefusal>> {
    let Some(kind) = Kind::parse(kind) else {
        return Ok(Err(ScheduleRefusal::UnknownKind(kind.to_owned())));
    };
    let Some(name) = unit.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(Ok((kind, None)));
    };
    if !kind.per_unit() {
        return Ok(Err(ScheduleRefusal::OfficeWideOnly(kind)));
    }
    match store.unit_named(name).await? {
        Some(unit) => Ok(Ok((kind, Some(unit)))),
        None => {
            let suggestions = store.units_like(name, 5).await?;
            Ok(Err(ScheduleRefusal::UnknownUnit {
                name: name.to_owned(),
                suggestions,
            }))
        }
    }
}

/// Splits `set` arguments into the expression (the leading ASCII words) and a unit name (the
/// rest), so that `0 0 9 * * Mon-Fri 区科技局` needs no quotes.
pub fn split_expression(args: &str) -> (String, &str) {
    let mut expression = Vec::new();
    let mut rest = args.trim();
    while let Some(word) = rest.split_whitespace().next() {
        if !word.is_ascii() {
            break;
        }
        expression.push(word);
        rest = rest[rest.find(word).map_or(0, |i| i + word.len())..].trim_start();
    }
    (expression.join(" "), rest.trim())
}

#[cfg(test)]
mod tests {
    use super::split_expression;

    #[test]
    fn the_expression_is_the_ascii_words_and_the_unit_the_rest() {
        assert_eq!(
            split_expression(" 0 0 9 * * Mon-Fri  区科技局 "),
            ("0 0 9 * * Mon-Fri".to_owned(), "区科技局")
        );
        assert_eq!(
            split_expression("0 0 9 18 * *"),
            ("0 0 9 18 * *".to_owned(), "")
        );
        assert_eq!(
            split_expression("0 0 9 * * 周一 区财政局"),
            ("0 0 9 * *".to_owned(), "周一 区财政局")
        );
    }
}
