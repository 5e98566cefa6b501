//! What people read: every text the service sends, every button label and the action code a
//! button carries — the one place where duban's words live, below the use cases
//! ([`crate::conversation`]), the follow-up ([`crate::followup`]) and the bulletin
//! ([`crate::bulletin`]), so that data and imports flow one way. Nothing here knows a chat
//! platform: buttons are [`actions::Keyboard`]s of [`actions::Action`]s, which each adapter
//! draws in its own way.

pub mod actions;
pub mod texts;

pub use actions::{Action, Button, Keyboard};

use crate::clock::office_offset;
use chrono::{DateTime, Utc};

/// `2022-03-12 14:05`, Beijing time.
pub fn format_time(unix: i64) -> String {
    DateTime::<Utc>::from_timestamp(unix, 0)
        .map(|t| {
            t.with_timezone(&office_offset())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}
