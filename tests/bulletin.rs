//! The bulletin: aggregation of a fixed period, and its renderers against golden files.

mod bulletin_support;

use bulletin_support::bulletin;
use duban::bulletin::{Changes, Totals};
use duban::progress::Light;

#[test]
fn totals_count_reported_tasks_by_the_light_reported() {
    let b = bulletin();
    assert_eq!(
        b.totals,
        Totals {
            tasks: 6,
            reported: 5,
            unreported: 1,
            blue: 2,
            yellow: 1,
            red: 1,
            done: 1,
            unlabelled: 0,
        }
    );
    assert!((b.expected_percent - 90.0 / 365.0 * 100.0).abs() < 1e-9);
}

#[test]
fn figures_derive_a_light_against_the_share_of_the_year_elapsed() {
    let b = bulletin();
    let task = |n: u32| b.tasks.iter().find(|t| t.number == n).unwrap();
    // 2.1 of 3.6 万亩 is 58 %, ahead of 24.7 %: derived blue, reported yellow.
    assert_eq!(
        (task(2).reported, task(2).derived),
        (Some(Light::Yellow), Some(Light::Blue))
    );
    assert!((task(2).figures[0].percent - 2.1 / 3.6 * 100.0).abs() < 1e-9);
    // 2 of 30 家 is 6.7 %, 18 points behind: derived yellow, reported blue.
    assert_eq!(
        (task(3).reported, task(3).derived),
        (Some(Light::Blue), Some(Light::Yellow))
    );
    assert!(task(3).disputed());
    // No figures, no derived light.
    assert_eq!(
        (task(1).reported, task(1).derived),
        (Some(Light::Done), None)
    );
    assert!(!task(1).disputed());
    assert_eq!(task(4).silent_hosts, ["区住建局"]);
    assert_eq!(task(6).silent_hosts, ["区住建局"]);
    assert!(task(5).last_report.as_ref().unwrap().late);
    assert!(!task(2).last_report.as_ref().unwrap().late);
}

#[test]
fn units_rank_by_outcomes_and_leaders_see_their_tasks() {
    let b = bulletin();
    let ranking: Vec<(&str, usize, usize, usize, usize)> = b
        .units
        .iter()
        .map(|u| (u.name.as_str(), u.hosted, u.on_time, u.late, u.silent))
        .collect();
    assert_eq!(
        ranking,
        // All on time: 区科技局 completed one task; 区交通局 none and one lagging.
        [
            ("区科技局", 2, 2, 0, 0),
            ("区交通局", 1, 1, 0, 0),
            ("区财政局", 2, 1, 1, 0),
            ("区住建局", 2, 0, 0, 2),
        ]
    );
    let zhang = b.leaders.iter().find(|l| l.name == "张伟").unwrap();
    assert_eq!(
        (zhang.tasks.as_slice(), zhang.completed.as_slice()),
        (&[1, 3][..], &[1][..])
    );
    let wang = b.leaders.iter().find(|l| l.name == "王强").unwrap();
    assert_eq!(wang.unreported, [4]);
    assert_eq!(wang.lagging, [6]);
}

#[test]
fn changes_name_new_completions_and_worse_lights() {
    assert_eq!(
        bulletin().changes,
        Some(Changes {
            completed: vec![1],
            worsened: vec![(2, Light::Blue, Light::Yellow)],
        })
    );
}
