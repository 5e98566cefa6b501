//! A period's bulletin from the database: the current tasks of the notice imported last, the
//! period's and the previous period's active reports, the bulletin's number, and what the
//! supervision cycle did (tasks closed, extensions, reports sent back).

use super::{
    Bulletin, Closed, Cycle, Extended, Heading, Item, PeriodData, Returned, Thresholds, aggregate,
    attach_evidence,
};
use crate::clock::office_offset;
use crate::config::Settings;
use crate::progress::{TaskState, due_date, parse_period, period_bounds, period_label};
use crate::refusal::BulletinRefusal;
use crate::store::{EvidenceOf, ReportFilter, ReportState, Store, TaskSelection, TaskView};
use chrono::NaiveDate;

/// Which bulletin: `None` the current period's; `2022-03` a period's; `3` or `第3期` the
/// bulletin numbered so.
pub async fn compile(
    store: &Store,
    settings: &Settings,
    which: Option<&str>,
    today: NaiveDate,
    now: i64,
) -> anyhow::Result<Result<Bulletin, BulletinRefusal>> {
    let Some(notice) = store.latest_notice_id().await? else {
        return Ok(Err(BulletinRefusal::NoNotice));
    };
    let cycle = settings.cycle;
    let period = match which.map(str::trim).filter(|w| !w.is_empty()) {
        None => period_label(cycle, today),
        Some(word) => {
            let number = word.trim_start_matches('第').trim_end_matches('期');
            if let Ok(number) = number.parse::<u32>() {
                match store.bulletin_period(number).await? {
                    Some(period) => period,
                    None => return Ok(Err(BulletinRefusal::NoSuchNumber(number))),
                }
            } else {
                match parse_period(word) {
                    Some((c, _)) if c == cycle => word.to_owned(),
                    _ => {
                        return Ok(Err(BulletinRefusal::NotAPeriod {
                            word: word.to_owned(),
                            example: period_label(cycle, today),
                        }));
                    }
                }
            }
        }
    };
    let (_, first_day) = parse_period(&period).expect("a period label parses");
    let (start, end) = period_bounds(cycle, first_day);
    if start > today {
        return Ok(Err(BulletinRefusal::NotStarted(period)));
    }
    let tasks = store.tasks(notice, TaskSelection::All).await?;
    let reports_of = |period: String| ReportFilter {
        notice_id: Some(notice),
        period: Some(period),
        active_only: true,
        ..ReportFilter::default()
    };
    let reports = store.reports(&reports_of(period.clone())).await?;
    let before = start.pred_opt().expect("a day before the period");
    let (before_start, before_end) = period_bounds(cycle, before);
    let previous_label = period_label(cycle, before_start);
    let previous_reports = store.reports(&reports_of(previous_label.clone())).await?;
    let district = store
        .notice_issuer(notice)
        .await?
        .map(|issuer| issuer.trim_end_matches("人民政府").to_owned())
        .unwrap_or_default();
    let heading = Heading {
        number: store.bulletin_number(&period, now).await?,
        title: format!("{district}政府工作报告重点任务落实情况督查通报"),
        issuer: settings.issuer.clone(),
        date: today.min(end),
    };
    let current = PeriodData {
        label: &period,
        end: today.min(end),
        due: due_date(cycle, start, settings.due_day),
        tasks: &tasks,
        reports: &reports,
    };
    let previous = PeriodData {
        label: &previous_label,
        end: before_end,
        due: due_date(cycle, before_start, settings.due_day),
        tasks: &tasks,
        reports: &previous_reports,
    };
    let mut bulletin = aggregate(
        heading,
        &current,
        (!previous_reports.is_empty()).then_some(&previous),
        Thresholds::from(settings),
    );
    let evidence = store.evidence_list(EvidenceOf::Notice(notice)).await?;
    attach_evidence(&mut bulletin, &evidence);
    bulletin.cycle = supervision(store, &tasks, &period).await?;
    Ok(Ok(bulletin))
}

/// 已办结, 延期, 退回 of `period`, from the tasks' states, the approved extensions and the
/// reports sent back.
async fn supervision(store: &Store, tasks: &[TaskView], period: &str) -> anyhow::Result<Cycle> {
    let day = |unix: i64| {
        chrono::DateTime::from_timestamp(unix, 0)
            .unwrap_or_default()
            .with_timezone(&office_offset())
            .date_naive()
    };
    let hosts = |task: &TaskView| task.hosts().map(|u| u.name.clone()).collect();
    let states = store.task_states(period).await?;
    let closed = tasks
        .iter()
        .filter_map(|task| {
            let status = states.get(&task.id)?;
            (status.state == TaskState::Closed).then(|| Closed {
                number: task.number,
                text: task.text.clone(),
                hosts: hosts(task),
                on: day(status.since.unwrap_or_default()),
            })
        })
        .collect();
    let text_of = |number: u32| {
        tasks
            .iter()
            .find(|t| t.number == number)
            .map(|t| t.text.clone())
            .unwrap_or_default()
    };
    let extended = store
        .extensions(period, true)
        .await?
        .into_iter()
        .map(|e| Extended {
            number: e.task_number,
            text: text_of(e.task_number),
            unit: e.unit,
            until: e.until,
            reason: e.reason,
        })
        .collect();
    let all = store
        .reports(&ReportFilter {
            period: Some(period.to_owned()),
            ..ReportFilter::default()
        })
        .await?;
    let returned = all
        .iter()
        .filter(|r| r.state == ReportState::Returned)
        .map(|r| Returned {
            number: r.task_number,
            unit: r.unit.clone(),
            report_id: r.id,
            on: day(r.reviewed_at.unwrap_or(r.created_at)),
            reason: r.review_note.clone().unwrap_or_default(),
            // A report the unit stored after this one (ids grow with time).
            answered: all.iter().any(|later| {
                later.task_id == r.task_id
                    && later.unit_id == r.unit_id
                    && later.id > r.id
                    && matches!(later.state, ReportState::Active | ReportState::Returned)
            }),
        })
        .collect();
    let mut items = Vec::new();
    for item in store.items().await? {
        let Some(info) = &item.item else { continue };
        let hosts: Vec<i64> = item.hosts().map(|u| u.unit_id).collect();
        let latest = store
            .reports(&ReportFilter {
                task_id: Some(item.id),
                period: Some(period.to_owned()),
                active_only: true,
                ..ReportFilter::default()
            })
            .await?
            .into_iter()
            .rfind(|r| hosts.contains(&r.unit_id));
        items.push(Item {
            label: item.label(),
            text: item.text.clone(),
            source: info.source.clone(),
            hosts: item.hosts().map(|u| u.name.clone()).collect(),
            due: info.due,
            state: store
                .task_state(item.id, period)
                .await?
                .state
                .name()
                .to_owned(),
            light: latest.as_ref().and_then(|r| r.light),
            reported_on: latest.map(|r| day(r.created_at)),
        });
    }
    Ok(Cycle {
        closed,
        extended,
        returned,
        items,
    })
}
