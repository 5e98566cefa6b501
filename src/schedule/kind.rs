//! The four kinds of schedule: what duban sends on its own, and when a kind may be set per unit.

/// A kind of schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// 提醒: each host unit's contacts get their tasks for the period.
    Reminder,
    /// 催报: units with tasks still unreported are told how many and how long is left.
    Nudge,
    /// 督促: after the due date, supervisors get their leaders' unreported tasks.
    Escalation,
    /// 通报: the bulletin for the leaders.
    Bulletin,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Reminder,
        Kind::Nudge,
        Kind::Escalation,
        Kind::Bulletin,
    ];

    /// The name in config keys, the database and the CLI.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Reminder => "reminder",
            Kind::Nudge => "nudge",
            Kind::Escalation => "escalation",
            Kind::Bulletin => "bulletin",
        }
    }

    /// The name people read.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Reminder => "提醒",
            Kind::Nudge => "催报",
            Kind::Escalation => "督促",
            Kind::Bulletin => "通报",
        }
    }

    /// Either name, as an admin types it.
    pub fn parse(word: &str) -> Option<Kind> {
        let word = word.trim();
        Kind::ALL
            .into_iter()
            .find(|k| k.code().eq_ignore_ascii_case(word) || k.label() == word)
    }

    /// Reminders and nudges go to units and may run on a unit's own schedule; escalation and
    /// the bulletin are office-wide.
    pub fn per_unit(self) -> bool {
        matches!(self, Kind::Reminder | Kind::Nudge)
    }
}

#[cfg(test)]
mod tests {
    use super::Kind;

    #[test]
    fn kinds_are_read_by_code_or_chinese_name() {
        assert_eq!(Kind::parse("reminder"), Some(Kind::Reminder));
        assert_eq!(Kind::parse("Nudge"), Some(Kind::Nudge));
        assert_eq!(Kind::parse("督促"), Some(Kind::Escalation));
        assert_eq!(Kind::parse("通报"), Some(Kind::Bulletin));
        assert_eq!(Kind::parse("weekly"), None);
    }
}
