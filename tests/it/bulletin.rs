//! The bulletin: aggregation of a fixed period, and its renderers against golden files.

use crate::support::bulletin::bulletin;
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

mod golden {
    use crate::support::bulletin::{all_done, bulletin, march, march_alone, march_of, tasks};
    use duban::bulletin::render::{markdown, text};
    use duban::matrix::{LeaderRef, LeaderRole};
    use std::path::Path;

    /// Compares with `tests/fixtures/bulletin/NAME`; `DUBAN_UPDATE_GOLDEN=1` rewrites it.
    fn golden(name: &str, actual: &str) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/bulletin")
            .join(name);
        if std::env::var_os("DUBAN_UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, actual).unwrap();
        }
        let expected =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(actual, expected, "{name} differs from its golden file");
    }

    #[test]
    fn telegram_text_matches_its_golden_file() {
        let messages = text::telegram(&bulletin());
        assert_eq!(messages.len(), 1);
        golden("2022-03.telegram.html", &messages[0]);
    }

    #[test]
    fn markdown_matches_its_golden_file() {
        golden("2022-03.md", &markdown::markdown(&bulletin()));
    }

    #[test]
    fn html_is_the_markdown_with_tables_and_escapes_what_a_contact_wrote() {
        let page = markdown::html(&bulletin());
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("<h2>三、进度滞后</h2>"), "{page}");
        assert!(page.contains("<th>主办单位</th>"), "{page}");
        assert!(page.contains("<td>58.3%</td>"), "{page}");
    }

    #[test]
    fn a_period_without_reports_says_so_in_every_section() {
        let b = march_alone(&[]);
        assert_eq!((b.totals.reported, b.totals.unreported), (0, 6));
        let md = markdown::markdown(&b);
        assert!(md.contains("共6项任务，已反馈0项，未反馈6项"), "{md}");
        assert!(md.contains("## 二、已完成\n\n无"), "{md}");
        assert!(md.contains("## 三、进度滞后\n\n无"), "{md}");
        assert!(
            md.contains("| 4 | 改造老旧小区22个。 | 区住建局 | 未反馈 |"),
            "{md}"
        );
        assert!(
            md.contains("未反馈单位：区交通局1项，区住建局2项，区科技局2项，区财政局2项。"),
            "{md}"
        );
    }

    #[test]
    fn a_period_where_every_task_is_complete_has_nothing_lagging_or_silent() {
        let b = march_alone(&all_done());
        assert_eq!((b.totals.reported, b.totals.done), (6, 6));
        assert!(
            b.units
                .iter()
                .all(|u| u.completed == u.hosted && u.on_time == u.hosted)
        );
        let md = markdown::markdown(&b);
        for n in 1..=6 {
            assert!(md.contains(&format!("第{n}项 ")), "{md}");
        }
        assert!(md.contains("## 三、进度滞后\n\n无"), "{md}");
        assert!(md.contains("## 四、未按时反馈\n\n无"), "{md}");
        assert!(md.contains("✅完成6项"), "{md}");
    }

    #[test]
    fn a_long_bulletin_is_split_on_line_boundaries_under_telegram_s_limit() {
        let mut b = bulletin();
        let template = b.tasks[3].clone();
        for n in 7..400 {
            let mut task = template.clone();
            task.number = n;
            task.text = format!("第{n}项任务：{}", "推进重点项目建设，".repeat(4));
            b.tasks.push(task);
        }
        let messages = text::telegram(&b);
        assert!(messages.len() > 1);
        for m in &messages {
            assert!(m.chars().count() <= 4096);
            // Every line is whole: tags opened on a line close on it.
            for line in m.lines() {
                assert_eq!(
                    line.matches("<b>").count(),
                    line.matches("</b>").count(),
                    "{line}"
                );
            }
        }
        let all: String = messages.join("\n");
        assert!(all.contains(
            "\n第399项 第399项任务：推进重点项目建设，推进重点项目建设，推进重点…：区住建局未反馈\n"
        ));
        assert!(
            all.ends_with("王强：牵头2项；滞后 第6项；未反馈 第4项；已完成 无"),
            "{all}"
        );
    }

    #[test]
    fn a_tasks_responsible_leader_is_shown_and_counted_like_a_lead_leader() {
        // Task 3 (lagging) names its leader 责任领导, as seed tasks 13, 16, 17 and 43 do.
        let mut tasks = tasks();
        tasks[2].leaders = vec![LeaderRef {
            name: "赵敏".into(),
            role: LeaderRole::Responsible,
            title: None,
        }];

        let b = march_of(&tasks, &march());

        let task = b.tasks.iter().find(|t| t.number == 3).unwrap();
        assert_eq!(task.lead_leaders, ["赵敏"]);
        let leader = b
            .leaders
            .iter()
            .find(|l| l.name == "赵敏")
            .expect("in the leaders' list");
        assert_eq!(leader.tasks, [3]);
        let md = markdown::markdown(&b);
        assert!(
            md.contains("| 3 | 新增高新技术企业30家。 | 区科技局 | 赵敏 |"),
            "{md}"
        );
    }

    #[test]
    fn what_a_contact_wrote_is_escaped_for_telegram() {
        let mut b = bulletin();
        b.tasks[0].text = "<script>alert(1)</script> & 更多".into();
        let message = text::telegram(&b).join("\n");
        assert!(
            message.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; 更多"),
            "{message}"
        );
        assert!(!message.contains("<script>"));
    }
}

/// 完成时限: 序时进度 toward the task's own deadline, and 逾期未完成 after it.
mod deadlines {
    use crate::support::bulletin::{day, with_deadlines};
    use duban::bulletin::render::{markdown, text};
    use duban::bulletin::{TaskStatus, expected_percent};
    use duban::progress::Light;

    fn task(b: &duban::bulletin::Bulletin, n: u32) -> &TaskStatus {
        b.tasks.iter().find(|t| t.number == n).unwrap()
    }

    #[test]
    fn figures_are_judged_against_the_task_s_own_deadline() {
        let b = with_deadlines();
        // 2 of 30 家 by 31 March is 6.7 %; toward 30 June 序时进度 is 90/181 = 49.7 %, 43
        // points behind: red (toward 31 December it was 24.7 %, yellow).
        assert_eq!(task(&b, 3).derived, Some(Light::Red));
        // Past its deadline 序时进度 is 100 %.
        assert_eq!(expected_percent(day(3, 31), Some(day(3, 15))), 100.0);
        assert!((expected_percent(day(3, 31), Some(day(6, 30))) - 9000.0 / 181.0).abs() < 1e-9);
    }

    #[test]
    fn only_an_unfinished_task_past_its_deadline_is_overdue() {
        let b = with_deadlines();
        let overdue: Vec<u32> = b
            .tasks
            .iter()
            .filter(|t| t.overdue)
            .map(|t| t.number)
            .collect();
        // 1 was due in February but is 完成; 6 is due on the period's last day; 5 has no day.
        assert_eq!(overdue, [4]);
        assert_eq!(task(&b, 1).deadline.as_deref(), Some("2月底前"));
        assert_eq!(task(&b, 2).deadline, None);
    }

    #[test]
    fn the_text_bulletins_list_overdue_tasks_and_show_deadlines_in_the_lagging_table() {
        let b = with_deadlines();

        let md = markdown::markdown(&b);
        let overdue = md
            .split("## 四、逾期未完成\n\n")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .expect("a section 四、逾期未完成");
        assert_eq!(
            overdue.trim(),
            "| 编号 | 任务 | 主办单位 | 牵头领导 | 完成时限 | 情况 |\n\
             | --- | --- | --- | --- | --- | --- |\n\
             | 4 | 改造老旧小区22个。 | 区住建局 | 王强 | 3月15日前 | 未反馈 |"
        );
        // The sections after it are numbered on.
        for heading in [
            "## 五、未按时反馈",
            "## 六、量化指标完成情况",
            "## 七、单位排名",
        ] {
            assert!(md.contains(heading), "{heading} in\n{md}");
        }
        assert!(
            md.contains("| 编号 | 任务 | 主办单位 | 牵头领导 | 上报 | 研判 | 完成时限 |"),
            "{md}"
        );
        assert!(
            md.contains("| 3 | 新增高新技术企业30家。 | 区科技局 | 张伟 | 🔵蓝 | 🔴红 | 6月底前 |")
        );

        let telegram = text::telegram(&b).join("\n");
        assert!(telegram.contains(
            "<b>四、逾期未完成</b>\n第4项 改造老旧小区22个。（主办：区住建局；完成时限：3月15日前）未反馈\n"
        ));
    }

    #[test]
    fn without_any_deadline_there_is_no_overdue_section() {
        let md = markdown::markdown(&crate::support::bulletin::bulletin());
        assert!(!md.contains("逾期未完成"));
        assert!(!md.contains("完成时限"));
    }
}
