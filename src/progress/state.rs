//! The state of a task in a period — one field, five states, changed only by the use cases
//! that report, withdraw, correct, review, close and reopen:
//!
//! ```text
//! 待反馈 ──a host unit reports──────────▶ 已反馈
//! 已反馈 ──a supervisor or admin confirms─▶ 已确认      ──a new report──▶ 已反馈
//! 已反馈 ──… or sends it back (退回)──────▶ 已退回      ──a new report──▶ 已反馈
//! 已反馈 ──a ✅ report confirmed──────────▶ 已办结      ──an admin reopens──▶ (what the reports give)
//! 已反馈, 已确认 ──the report withdrawn───▶ 待反馈 (or what the other reports give)
//! ```
//!
//! Every state but 已办结 follows from the period's reports of the task's host units: an active
//! report not reviewed yet makes it 已反馈; active reports all confirmed, 已确认; only returned
//! ones, 已退回; none, 待反馈 ([`TaskState::derive`]). 已办结 is written when a supervisor or
//! admin confirms a host unit's ✅ report, carries over into later periods, and ends only when
//! an admin reopens the task. Co-organizers' reports are reviewed too but do not move the
//! task's state (the bulletin counts a task as reported by its host units).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// 待反馈: no report of a host unit this period.
    Waiting,
    /// 已反馈: a host unit reported; not reviewed yet.
    Reported,
    /// 已确认: the host units' reports were confirmed by a supervisor or admin.
    Confirmed,
    /// 已退回: the host units' reports were sent back; counts as unreported.
    Returned,
    /// 已办结: done and confirmed; no more reminders, until an admin reopens it.
    Closed,
}

/// What a host unit's report of the period is, for [`TaskState::derive`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostReport {
    /// Active, not reviewed.
    Unreviewed,
    /// Active and confirmed.
    Confirmed,
    /// Sent back.
    Returned,
}

impl TaskState {
    pub const ALL: [TaskState; 5] = [
        TaskState::Waiting,
        TaskState::Reported,
        TaskState::Confirmed,
        TaskState::Returned,
        TaskState::Closed,
    ];

    /// 待反馈, 已反馈, 已确认, 已退回, 已办结.
    pub fn name(self) -> &'static str {
        match self {
            TaskState::Waiting => "待反馈",
            TaskState::Reported => "已反馈",
            TaskState::Confirmed => "已确认",
            TaskState::Returned => "已退回",
            TaskState::Closed => "已办结",
        }
    }

    /// The state the period's host reports give (withdrawn and corrected ones left out).
    pub fn derive(reports: &[HostReport]) -> TaskState {
        if reports.contains(&HostReport::Unreviewed) {
            TaskState::Reported
        } else if reports.contains(&HostReport::Confirmed) {
            TaskState::Confirmed
        } else if reports.contains(&HostReport::Returned) {
            TaskState::Returned
        } else {
            TaskState::Waiting
        }
    }

    /// Whether a use case may move a task from `self` to `to` (the diagram above).
    pub fn may_become(self, to: TaskState) -> bool {
        use TaskState::*;
        match (self, to) {
            (Waiting, Waiting)
            | (Reported, Reported)
            | (Confirmed, Confirmed)
            | (Returned, Returned)
            | (Closed, Closed) => false,
            // Reopened: what the reports give.
            (Closed, _) => true,
            // Closed only from a confirmation.
            (Reported | Confirmed, Closed) => true,
            (_, Closed) => false,
            // A report, a withdrawal or a correction.
            (Waiting | Returned | Confirmed, Reported) => true,
            (Reported | Returned | Confirmed, Waiting) => true,
            // A review (or a withdrawal of the one unreviewed report beside confirmed ones).
            (Reported, Confirmed | Returned) => true,
            // A confirmed report withdrawn, others returned.
            (Confirmed, Returned) => true,
            (Waiting | Returned, Confirmed) => false,
            (Waiting, Returned) => false,
        }
    }

    /// Whether the follow-up still chases the task (reminders, nudges, escalation).
    pub fn is_open(self) -> bool {
        self != TaskState::Closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use HostReport::*;

    #[test]
    fn the_reports_give_the_state() {
        assert_eq!(TaskState::derive(&[]), TaskState::Waiting);
        assert_eq!(TaskState::derive(&[Returned]), TaskState::Returned);
        assert_eq!(
            TaskState::derive(&[Returned, Confirmed]),
            TaskState::Confirmed
        );
        assert_eq!(
            TaskState::derive(&[Confirmed, Unreviewed, Returned]),
            TaskState::Reported
        );
    }

    /// Every change the reports can make by one step (a report added, reviewed, withdrawn) is
    /// a move the diagram allows.
    #[test]
    fn one_step_of_the_reports_is_an_allowed_move() {
        let kinds = [Unreviewed, Confirmed, Returned];
        let mut sets: Vec<Vec<HostReport>> = vec![vec![]];
        for _ in 0..3 {
            let longer: Vec<Vec<HostReport>> = sets
                .iter()
                .flat_map(|s| {
                    kinds.iter().map(move |k| {
                        let mut s = s.clone();
                        s.push(*k);
                        s
                    })
                })
                .collect();
            sets.extend(longer);
        }
        for before in &sets {
            let from = TaskState::derive(before);
            let mut steps: Vec<Vec<HostReport>> = Vec::new();
            for k in kinds {
                let mut added = before.clone();
                added.push(k);
                if k == Unreviewed {
                    steps.push(added);
                }
            }
            for i in 0..before.len() {
                let mut removed = before.clone();
                removed.remove(i);
                steps.push(removed.clone());
                if before[i] == Unreviewed {
                    for verdict in [Confirmed, Returned] {
                        let mut reviewed = before.clone();
                        reviewed[i] = verdict;
                        steps.push(reviewed);
                    }
                }
            }
            for after in steps {
                let to = TaskState::derive(&after);
                assert!(
                    from == to || from.may_become(to),
                    "{before:?} → {after:?}: {from:?} → {to:?}"
                );
            }
        }
    }

    #[test]
    fn only_a_confirmation_closes_and_only_reopening_leaves_closed() {
        for state in TaskState::ALL {
            assert_eq!(
                state.may_become(TaskState::Closed),
                matches!(state, TaskState::Reported | TaskState::Confirmed),
                "{state:?}"
            );
            assert!(!state.may_become(state));
        }
        assert!(TaskState::Closed.may_become(TaskState::Waiting));
        assert!(!TaskState::Closed.is_open());
        assert!(TaskState::Returned.is_open());
    }
}
