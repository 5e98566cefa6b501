//! Why something a person asked for was not done, as data: the use cases
//! ([`crate::conversation`]), the follow-up and the bulletin return these, and
//! [`crate::wording::texts`] says each in Chinese. They live below both, so that the wording
//! needs nothing from the code that refuses.

use crate::progress::TaskState;
use crate::schedule::Kind;
use crate::store::{AssignRefusal, Extension, Report, TaskRef};
use chrono::NaiveDate;

/// Why an invite was not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteRefusal {
    /// No unit of that name; the names most like it.
    UnknownUnit {
        name: String,
        suggestions: Vec<String>,
    },
    UnknownLeader(String),
}

/// Why a report, a withdrawal or a correction was not taken.
#[derive(Debug, Clone, PartialEq)]
pub enum ReportRefusal {
    /// `/report` without a task number.
    Usage,
    NoNotice,
    /// No task of that number (as the person wrote it).
    NoSuchTask(String),
    /// The person's unit neither hosts nor co-organizes the task.
    NotYourTask {
        task: TaskRef,
        unit: String,
    },
    /// An admin reporting on a task that has no unit yet.
    NoHostUnit(TaskRef),
    SupervisorsDoNotReport,
    Empty,
    /// Longer than the limit; how many characters it had.
    TooLong(usize),
    /// A reply to a bot message that is about no task.
    NotAboutATask,
    /// A reply to a prompt that asked someone else.
    PromptNotYours,
    ReportGone,
    NotYourReport,
    /// The report was withdrawn or corrected meanwhile.
    NotActive(Box<Report>),
    /// The edit window (minutes) has passed.
    WindowClosed(u32),
    /// The button refers to something that is gone.
    ButtonExpired,
    /// The task is closed (已办结): nothing more to report until an admin reopens it.
    Closed(TaskRef),
}

/// Why a review (确认, 退回) or a reopening did not happen.
#[derive(Debug, Clone, PartialEq)]
pub enum ReviewRefusal {
    /// `/confirm`, `/return` or `/reopen` without what they need.
    Usage(ReviewUsage),
    NoSuchReport(String),
    /// Withdrawn, corrected, or reviewed otherwise meanwhile.
    NotReviewable(Box<Report>),
    /// A reply to a reason prompt that asked someone else.
    PromptNotYours,
    ReasonTooLong(usize),
    NoNotice,
    NoSuchTask(String),
    /// `/reopen` of a task that is not closed; its state.
    NotClosed {
        task: TaskRef,
        state: TaskState,
    },
    /// Only supervisors and admins review.
    ReviewersOnly,
}

/// Why a request for more time (延期申请) or a decision on one was not taken.
#[derive(Debug, Clone, PartialEq)]
pub enum ExtensionRefusal {
    /// `/extend` without a task, a date or a reason; `/approve`, `/refuse` without a number.
    Usage,
    NoNotice,
    NoSuchTask(String),
    /// Only a contact of the task's host unit asks.
    NotHost {
        task: TaskRef,
        unit: String,
    },
    /// Not a date (as written).
    BadDate(String),
    /// The date is not after the period's due date.
    NotLater(NaiveDate),
    /// The task is closed.
    Closed(TaskRef),
    /// The unit waits for an answer already: that request.
    AlreadyPending(Box<Extension>),
    NoSuchRequest(String),
    /// Approved or refused before.
    AlreadyDecided(Box<Extension>),
    ReasonTooLong(usize),
}

/// Why an item (督办件) was not previewed or created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemRefusal {
    /// `/item` without a host, a date or a content.
    Usage,
    /// The due date is not a date (as written).
    BadDue(String),
    /// The cadence is not a number of days (as written).
    BadEvery(String),
    /// No host, or names not a unit or group word.
    Units(AssignRefusal),
}

/// Which review command was used wrongly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewUsage {
    Confirm,
    Return,
    Reopen,
}

/// Why a photo or a file was not kept as evidence, or not sent back.
#[derive(Debug, Clone, PartialEq)]
pub enum EvidenceRefusal {
    /// Why a report would not be taken either (not the contact's task, a supervisor, a reply
    /// to a message about no task, a report gone).
    Report(ReportRefusal),
    /// Not a reply to a task's message, and no report of the sender within the edit window
    /// (minutes).
    NoReport(u32),
    /// A file type not taken: its name.
    NotAccepted(String),
    /// Larger than the limit: its size in bytes (when known) and the limit in MB.
    TooLarge { size: Option<u64>, max_mb: u64 },
    /// `/evidence` without a number.
    Usage,
    /// No evidence of that number (as the person wrote it), or none the person may see.
    NoSuchEvidence(String),
}

/// Why a schedule (or `/remind now`) named no kind or unit that can be changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleRefusal {
    /// No kind of schedule is called so.
    UnknownKind(String),
    /// Escalation and the bulletin are office-wide: no unit has its own.
    OfficeWideOnly(Kind),
    UnknownUnit {
        name: String,
        suggestions: Vec<String>,
    },
}

/// Why no bulletin could be compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulletinRefusal {
    NoNotice,
    /// No bulletin has that number yet.
    NoSuchNumber(u32),
    /// Neither a number nor a period of the configured cycle; what a period looks like now.
    NotAPeriod {
        word: String,
        example: String,
    },
    /// The period has not begun.
    NotStarted(String),
}
