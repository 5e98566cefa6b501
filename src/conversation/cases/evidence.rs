//! Evidence (佐证材料): a photo or a file a contact sends in reply to a bot message about a task
//! (a task card, a reminder, a receipt, a prompt), or, replying to nothing, within the edit
//! window after their latest report. Its bytes are fetched through the adapter and kept once
//! per update, and once per content for a task, unit and period. And `/evidence N`, which
//! sends kept evidence back.
//!
//! Evidence sent in reply to a task's message before the unit reported in the period is kept
//! for the task, the unit and the period (no report yet): it is listed with the unit's report
//! of that period when it comes, and the answer reminds the contact to report.

use super::reporting::{authorize, task_by_id};
use super::{Outcome, say};
use crate::conversation::{Actor, Ctx, Event, Fetched, Fetcher, Reply, SharedCtx};
use crate::refusal::{EvidenceRefusal, ReportRefusal};
use crate::store::{
    Anchor, EvidenceKind, EvidenceOf, InboxSeq, Kept, NewEvidence, ReportState, TaskView,
};
use crate::wording::texts;

fn refuse(refusal: EvidenceRefusal) -> Outcome {
    say(texts::evidence_refused(&refusal))
}

fn refuse_as_report(refusal: ReportRefusal) -> Outcome {
    refuse(EvidenceRefusal::Report(refusal))
}

/// A supervisor's photo or file: supervisors write nothing.
pub async fn refuse_supervisor() -> Outcome {
    refuse_as_report(ReportRefusal::SupervisorsDoNotReport)
}

/// What evidence is for: the task, the unit, the period, the report if there is one.
struct Target {
    task: TaskView,
    unit_id: i64,
    unit_name: String,
    period: String,
    report_id: Option<i64>,
}

/// A photo or a file from someone who may report.
pub async fn attach(
    ctx: SharedCtx,
    event: Event,
    actor: Actor,
    update: InboxSeq,
    fetcher: Fetcher,
) -> Outcome {
    let Some(attachment) = event.attachment() else {
        return say(texts::media_not_supported());
    };
    // Handled before (a crash between keeping and answering): the same answer, nothing again.
    if let Some(kept) = ctx.store.evidence_of_update(update.0).await? {
        return say(texts::evidence_kept(&kept));
    }
    let settings = &ctx.settings.evidence;
    if attachment.kind == EvidenceKind::File && !settings.accepts(&attachment.name) {
        return refuse(EvidenceRefusal::NotAccepted(attachment.name.clone()));
    }
    let too_large = |size: Option<u64>| EvidenceRefusal::TooLarge {
        size,
        max_mb: settings.max_bytes / (1024 * 1024),
    };
    if let Some(size) = attachment.size
        && size > settings.max_bytes
    {
        return refuse(too_large(Some(size)));
    }
    let target = match target(&ctx, &actor, event.replied_to(), event.chat.id).await? {
        Ok(target) => target,
        Err(refusal) => return refuse(refusal),
    };
    let bytes = match fetcher
        .0
        .fetch(&ctx, &attachment.source, settings.max_bytes)
        .await?
    {
        Fetched::Bytes(bytes) => bytes,
        Fetched::TooLarge(size) => return refuse(too_large(size)),
    };
    let new = NewEvidence {
        task_id: target.task.id,
        task_number: target.task.number,
        item: target.task.item.is_some(),
        unit_id: target.unit_id,
        unit_name: target.unit_name,
        period: target.period,
        report_id: target.report_id,
        user_id: actor.user_id,
        kind: attachment.kind,
        file_name: attachment.name.clone(),
        inbox_seq: update.0,
    };
    let kept = ctx
        .store
        .keep_evidence(&new, &bytes, &settings.keeping, ctx.clock.unix())
        .await?;
    match kept {
        Kept::New(e) | Kept::Again(e) => say(texts::evidence_kept(&e)),
        Kept::Duplicate(e) => say(texts::evidence_duplicate(&e)),
    }
}

/// The task, unit, period and report that evidence is for, or why there is none.
async fn target(
    ctx: &Ctx,
    actor: &Actor,
    replied: Option<i64>,
    chat: i64,
) -> anyhow::Result<Result<Target, EvidenceRefusal>> {
    let Some(replied) = replied else {
        let window = ctx.settings.edit_window_minutes;
        let since = ctx.clock.unix() - i64::from(window) * 60;
        return Ok(
            match ctx.store.latest_report_of(actor.user_id, since).await? {
                Some(report) => about_report(ctx, actor, report.id).await?,
                None => Err(EvidenceRefusal::NoReport(window)),
            },
        );
    };
    let message = i32::try_from(replied).unwrap_or(i32::MAX);
    match ctx.store.anchor(chat, message).await? {
        Some(Anchor::Task { task_id } | Anchor::Prompt { task_id, .. }) => {
            let Some(task) = task_by_id(ctx, task_id).await? else {
                return Ok(Err(EvidenceRefusal::Report(ReportRefusal::ButtonExpired)));
            };
            let unit_id = match authorize(actor, &task, None) {
                Ok(unit_id) => unit_id,
                Err(refusal) => return Ok(Err(EvidenceRefusal::Report(refusal))),
            };
            let unit_name = task
                .units
                .iter()
                .find(|u| u.unit_id == unit_id)
                .map(|u| u.name.clone())
                .unwrap_or_default();
            Ok(Ok(Target {
                task,
                unit_id,
                unit_name,
                period: ctx.period(),
                report_id: None,
            }))
        }
        Some(Anchor::Receipt { report_id } | Anchor::Correction { report_id, .. }) => {
            about_report(ctx, actor, report_id).await
        }
        // A reviewer's question (why a report goes back) is about no task of the sender's.
        Some(Anchor::ReturnReason { .. }) | None => {
            Ok(Err(EvidenceRefusal::Report(ReportRefusal::NotAboutATask)))
        }
    }
}

/// Evidence about a stored report: for its task, unit and period, if `actor` is of its unit
/// (or an admin) and it is still active.
async fn about_report(
    ctx: &Ctx,
    actor: &Actor,
    report_id: i64,
) -> anyhow::Result<Result<Target, EvidenceRefusal>> {
    let Some(report) = ctx.store.report(report_id).await? else {
        return Ok(Err(EvidenceRefusal::Report(ReportRefusal::ReportGone)));
    };
    if report.state != ReportState::Active {
        return Ok(Err(EvidenceRefusal::Report(ReportRefusal::NotActive(
            Box::new(report),
        ))));
    }
    let Some(task) = task_by_id(ctx, report.task_id).await? else {
        return Ok(Err(EvidenceRefusal::Report(ReportRefusal::ButtonExpired)));
    };
    let own_unit = actor
        .unit()
        .is_some_and(|(unit_id, _)| unit_id == report.unit_id);
    if !own_unit && !actor.is_admin() {
        return Ok(Err(match actor.unit() {
            Some((_, unit)) => EvidenceRefusal::Report(ReportRefusal::NotYourTask {
                task: task.task_ref(),
                unit: unit.to_owned(),
            }),
            None => EvidenceRefusal::Report(ReportRefusal::SupervisorsDoNotReport),
        }));
    }
    Ok(Ok(Target {
        task,
        unit_id: report.unit_id,
        unit_name: report.unit,
        period: report.period,
        report_id: Some(report.id),
    }))
}

/// `/evidence N`: sends kept evidence back as a file. Supervisors and admins may have any;
/// a contact the evidence of their unit's tasks.
pub async fn send_back(ctx: SharedCtx, actor: Actor, args: String) -> Outcome {
    let args = args.trim();
    if args.is_empty() {
        return refuse(EvidenceRefusal::Usage);
    }
    let number = args.trim_start_matches('#');
    let not_found = || refuse(EvidenceRefusal::NoSuchEvidence(args.to_owned()));
    let Ok(id) = number.parse::<i64>() else {
        return not_found();
    };
    let Some(evidence) = ctx.store.evidence(id).await? else {
        return not_found();
    };
    if !actor.is_reader() {
        let Some((unit_id, _)) = actor.unit() else {
            return not_found();
        };
        let Some(task) = task_by_id(&ctx, evidence.task_id).await? else {
            return not_found();
        };
        if task.role_of(unit_id).is_none() {
            return not_found();
        }
    }
    let bytes = ctx
        .store
        .evidence_bytes(&evidence, &ctx.settings.evidence.keeping)
        .await?;
    Ok(vec![Reply::File {
        name: evidence.file_name.clone(),
        bytes,
    }])
}

/// The evidence of a task, for its card and `/status N`, as lines.
pub(crate) async fn lines_of_task(ctx: &Ctx, task_id: i64) -> anyhow::Result<Vec<String>> {
    let evidence = ctx.store.evidence_list(EvidenceOf::Task(task_id)).await?;
    Ok(texts::evidence_lines(&evidence))
}
