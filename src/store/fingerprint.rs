//! The fingerprint of a task's content: what a re-import compares to tell a changed task from
//! an unchanged one. The number is the task's identity and its line is only where it sits in
//! the file, so neither is part of the content. Nor is how names of different roles are
//! interleaved: an Excel 分解表 lists hosts and co-organizers (牵头领导 and 责任领导) in columns of
//! their own, so a notice that named a co-organizer before its host comes back from its sheet
//! with the host first, and that is the same task.

use crate::matrix::{Deadline, GroupRef, LeaderRef, LeaderRole, Target, Task, UnitRef, UnitRole};
use serde::Serialize;

#[derive(Serialize)]
struct Content<'a> {
    section: Option<u32>,
    text: &'a str,
    leaders: Vec<&'a LeaderRef>,
    units: Vec<&'a UnitRef>,
    groups: Vec<&'a GroupRef>,
    targets: &'a [Target],
    /// Last and only when present: a task without a deadline hashes exactly as it did before
    /// deadlines were read, so a database imported then sees no change after the upgrade.
    #[serde(skip_serializing_if = "Option::is_none")]
    deadline: Option<&'a Deadline>,
}

/// FNV-1a 64 of the task's content as JSON, in 16 hex digits. Stable across runs, platforms
/// and releases (unlike `std::hash`), so stored fingerprints stay comparable. A change to the
/// model's JSON shape changes every fingerprint: the next import then reports every task as
/// changed and rewrites its rows (same ids) — harmless, but noisy, hence the pinned test below.
pub(crate) fn task_fingerprint(task: &Task) -> String {
    let content = Content {
        section: task.section,
        text: &task.text,
        leaders: by_role(&task.leaders, |l| l.role == LeaderRole::Lead),
        units: by_role(&task.units, |u| u.role == UnitRole::Host),
        groups: by_role(&task.groups, |g| g.role == UnitRole::Host),
        targets: &task.targets,
        deadline: task.deadline.as_ref(),
    };
    let json = serde_json::to_vec(&content).expect("task content serializes to JSON");
    format!("{:016x}", fnv1a64(&json))
}

/// The items with `first` ones before the others, each in their listed order. Tasks whose
/// hosts come first (most: a notice names its host first) keep the fingerprint they had.
fn by_role<T>(items: &[T], first: impl Fn(&T) -> bool) -> Vec<&T> {
    let mut ordered: Vec<&T> = items.iter().collect();
    ordered.sort_by_key(|item| !first(item));
    ordered
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_reference_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }

    fn task(text: &str) -> Task {
        Task {
            number: 1,
            section: Some(1),
            text: text.into(),
            line: 10,
            leaders: vec![],
            units: vec![],
            groups: vec![],
            targets: vec![],
            deadline: None,
        }
    }

    #[test]
    fn the_fingerprint_ignores_number_and_line_but_not_the_text() {
        let a = task("推进项目建设");
        let moved = Task {
            number: 7,
            line: 99,
            ..a.clone()
        };
        let edited = task("推进重点项目建设");

        assert_eq!(task_fingerprint(&a), task_fingerprint(&moved));
        assert_ne!(task_fingerprint(&a), task_fingerprint(&edited));
        assert_eq!(task_fingerprint(&a).len(), 16);
    }

    #[test]
    fn hosts_listed_after_co_organizers_are_the_same_task_but_a_changed_role_is_not() {
        let unit = |name: &str, role| UnitRef {
            name: name.into(),
            role,
            via: None,
        };
        let listed = |units: Vec<UnitRef>| Task {
            units,
            ..task("推进项目建设")
        };
        let co_first = listed(vec![
            unit("区商务局", UnitRole::Co),
            unit("区财政局", UnitRole::Host),
        ]);
        let host_first = listed(vec![
            unit("区财政局", UnitRole::Host),
            unit("区商务局", UnitRole::Co),
        ]);
        let swapped = listed(vec![
            unit("区商务局", UnitRole::Host),
            unit("区财政局", UnitRole::Co),
        ]);
        let hosts_reordered = listed(vec![
            unit("区商务局", UnitRole::Host),
            unit("区财政局", UnitRole::Host),
        ]);
        let hosts = listed(vec![
            unit("区财政局", UnitRole::Host),
            unit("区商务局", UnitRole::Host),
        ]);

        assert_eq!(task_fingerprint(&co_first), task_fingerprint(&host_first));
        assert_ne!(task_fingerprint(&co_first), task_fingerprint(&swapped));
        assert_ne!(task_fingerprint(&hosts), task_fingerprint(&hosts_reordered));
    }

    #[test]
    fn the_fingerprint_of_a_fixed_task_does_not_drift() {
        assert_eq!(task_fingerprint(&task("推进项目建设")), "aad40f2129f0cc8a");
    }

    #[test]
    fn a_deadline_is_part_of_the_content() {
        let due = |text: &str, date| Task {
            deadline: Some(Deadline {
                text: text.into(),
                date: chrono::NaiveDate::from_ymd_opt(2022, date, 30),
            }),
            ..task("推进项目建设")
        };
        let june = task_fingerprint(&due("2022年6月底前", 6));

        assert_ne!(june, task_fingerprint(&task("推进项目建设")));
        assert_ne!(june, task_fingerprint(&due("2022年9月底前", 9)));
        assert_eq!(june, task_fingerprint(&due("2022年6月底前", 6)));
        assert_eq!(june, "e3765672057b4aaf");
    }
}
