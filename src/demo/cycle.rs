//! The supervision cycle in the demo's March, as [`CyclePlan`] chose it: on the 22nd a
//! supervisor opens a task with `/status N` and sends its report back (退回, then the reason),
//! and the admin confirms a ✅ report the same way, which closes its task; on the 23rd the
//! contact answers the 【退回】 notice by replying to it; on the 24th a late unit's contact asks
//! for more time with `/extend` and the admin approves it on the request's button. An item beyond
//! the notice (督办件) is given to an on-time unit on the 1st; its contact is reminded weekly and
//! answers the reminder of the 22nd.

use super::driver::{Driver, Find, Move};
use super::script::{
    ADMIN, EXTENDED_UNTIL, EXTENSION_REASON, ITEM_ANSWER, ITEM_DUE, ITEM_EVERY_DAYS, ITEM_SOURCE,
    ITEM_TEXT, PlannedReport, RETURN_REASON, Script, answer_time, approval_time, extension_time,
    item_answer_time, review_time,
};
use crate::store::{NewItem, Store};
use crate::store::{ReportFilter, ReportState};
use crate::wording::Action;
use chrono::{DateTime, Utc};

/// The stops of the clock the cycle needs.
pub fn stops() -> [DateTime<Utc>; 5] {
    [
        item_answer_time(),
        review_time(),
        answer_time(),
        extension_time(),
        approval_time(),
    ]
}

/// What the cycle does at `at`, if anything.
pub async fn act(driver: &mut Driver, script: &Script, at: DateTime<Utc>) -> anyhow::Result<()> {
    let plan = &script.cycle;
    let mut sequences = Vec::new();
    if at == review_time() {
        if let Some((i, reviewer)) = plan.returned {
            let r = &script.reports[i];
            let id = report_id(driver, r).await?;
            sequences.push((
                reviewer,
                vec![
                    status(r.task_number),
                    Move::Press(Find::Button(Action::ReturnReport(id).encode())),
                    Move::Text {
                        text: RETURN_REASON.into(),
                        reply: Some(Find::Prompt),
                        expect: Some(format!("已退回报告 #{id}")),
                    },
                ],
            ));
        }
        if let Some(i) = plan.closed {
            let r = &script.reports[i];
            let id = report_id(driver, r).await?;
            sequences.push((
                ADMIN,
                vec![
                    status(r.task_number),
                    Move::Press(Find::Button(Action::ConfirmReport(id).encode())),
                ],
            ));
        }
    }
    if at == answer_time()
        && let Some((i, _)) = plan.returned
    {
        let r = &script.reports[i];
        sequences.push((
            r.contact,
            vec![Move::Text {
                text: format!(
                    "{}：补充：{}，下一步将按月调度、4月底前完成阶段目标。",
                    r.light.name(),
                    r.text
                ),
                reply: Some(Find::Latest("【退回】")),
                expect: Some(format!("已记录第{}项进展", r.task_number)),
            }],
        ));
    }
    if at == item_answer_time()
        && let Some((contact, _)) = &plan.item
    {
        sequences.push((
            *contact,
            vec![Move::Text {
                text: ITEM_ANSWER.into(),
                reply: Some(Find::Latest("【督办件提醒】")),
                expect: Some("已记录督-1进展".into()),
            }],
        ));
    }
    if at == extension_time()
        && let Some(i) = plan.extended
    {
        let r = &script.reports[i];
        sequences.push((
            r.contact,
            vec![Move::Text {
                text: format!(
                    "/extend {} {EXTENDED_UNTIL} {EXTENSION_REASON}",
                    r.task_number
                ),
                reply: None,
                expect: Some("已提交延期申请".into()),
            }],
        ));
    }
    if at == approval_time()
        && let Some(i) = plan.extended
    {
        let r = &script.reports[i];
        let pending = driver.store.extensions(super::PERIOD, false).await?;
        if let Some(e) = pending.iter().find(|e| e.task_id == r.task_id) {
            sequences.push((
                ADMIN,
                vec![Move::Press(Find::Button(
                    Action::ApproveExtension(e.id).encode(),
                ))],
            ));
        }
    }
    driver.act(sequences).await;
    Ok(())
}

/// The admin gives the script's unit an item beyond the notice (as `duban item add` does).
pub async fn add_item(store: &Store, script: &Script, now: i64) -> anyhow::Result<()> {
    let Some((_, unit)) = &script.cycle.item else {
        return Ok(());
    };
    let item = NewItem {
        text: ITEM_TEXT.into(),
        hosts: vec![unit.clone()],
        co: Vec::new(),
        leader: None,
        due: chrono::NaiveDate::from_ymd_opt(2022, ITEM_DUE.0, ITEM_DUE.1).expect("a date"),
        every_days: Some(ITEM_EVERY_DAYS),
        source: ITEM_SOURCE.into(),
    };
    if let Err(refusal) = store.add_item(&item, "cli", now).await? {
        anyhow::bail!("无法创建督办件：{refusal:?}");
    }
    Ok(())
}

/// `/status N`, answered with the task's history.
fn status(number: u32) -> Move {
    Move::Text {
        text: format!("/status {number}"),
        reply: None,
        expect: Some(format!("第{number}项：")),
    }
}

/// The id of the active report the script planned as `r`.
async fn report_id(driver: &Driver, r: &PlannedReport) -> anyhow::Result<i64> {
    let stored = driver
        .store
        .reports(&ReportFilter {
            task_id: Some(r.task_id),
            unit_id: Some(r.unit_id),
            period: Some(super::PERIOD.into()),
            active_only: true,
            ..ReportFilter::default()
        })
        .await?;
    stored
        .iter()
        .find(|s| s.state == ReportState::Active)
        .map(|s| s.id)
        .ok_or_else(|| anyhow::anyhow!("第{}项的报告没有存下，无法审核", r.task_number))
}
