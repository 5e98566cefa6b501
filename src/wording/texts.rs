//! Every text the service sends, in one place. Plain text (no parse mode), so that whatever a
//! contact wrote comes back as written and nothing needs escaping.

use crate::clock::office_offset;
use crate::matrix::{LeaderRole, Target, UnitRole};
use crate::progress::{Light, TaskState};
use crate::refusal::{
    BulletinRefusal, EvidenceRefusal, ExtensionRefusal, InviteRefusal, ItemRefusal, ReportRefusal,
    ReviewRefusal, ReviewUsage, ScheduleRefusal,
};
use crate::schedule::{EXAMPLE, Kind, Plan, Shift, weekday_name};
use crate::store::{
    AssignRefusal, Assignment, Effective, Evidence, Extension, ExtensionState, Member, Named,
    NewItem, Origin, Report, ReportState, Role, ScheduleDraft, TaskRef, TaskStatus, TaskView,
};
use crate::wording::{Action, Keyboard};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use std::fmt::Write;

/// Longest report text accepted, in characters.
pub const MAX_REPORT_CHARS: usize = 2000;
/// How many characters of a task's text a list shows.
const SHORT_TASK_CHARS: usize = 40;
/// How many characters of a report a list shows.
const SHORT_REPORT_CHARS: usize = 60;

pub fn short(text: &str, chars: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(chars).collect();
    cut.push('…');
    cut
}

pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Contact => "联络员",
        Role::Supervisor => "督查",
        Role::Admin => "管理员",
    }
}

pub fn unit_role(role: UnitRole) -> &'static str {
    match role {
        UnitRole::Host => "主办",
        UnitRole::Co => "协办",
    }
}

pub fn light_button(light: Light) -> String {
    let words = match light {
        Light::Blue => "按计划推进",
        Light::Yellow => "进度滞后",
        Light::Red => "严重滞后",
        Light::Done => "已完成",
    };
    format!("{}{words}", light.emoji())
}

fn light_text(light: Option<Light>) -> String {
    match light {
        Some(l) => format!("{}{}", l.emoji(), l.name()),
        None => "未标注".into(),
    }
}

pub fn target_text(target: &Target) -> String {
    let deadline = target
        .deadline
        .map(|d| format!("（{}前）", d.format("%Y-%m-%d")))
        .unwrap_or_default();
    format!("{}{}{deadline}", target.metric, target.value_text)
}

fn format_value(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn figures_text(report: &Report) -> String {
    report
        .figures
        .iter()
        .map(|f| {
            let percent = if f.target_value != 0.0 {
                format!("（{}%）", format_value(f.value / f.target_value * 100.0))
            } else {
                String::new()
            };
            format!(
                "{} {}/{}{}{percent}",
                f.metric,
                format_value(f.value),
                format_value(f.target_value),
                f.unit
            )
        })
        .collect::<Vec<_>>()
        .join("；")
}

// ---- binding -------------------------------------------------------------------------------

pub fn welcome_stranger() -> String {
    "您好，这里是督办机器人。\n请使用管理员发给您的邀请链接绑定身份后再使用；发送 /help 查看说明。"
        .into()
}

pub fn welcome_back(member_role: Role) -> String {
    format!(
        "您已绑定为{}。发送 /help 查看可用命令。",
        role_name(member_role)
    )
}

pub fn bound(member: &Member) -> String {
    let mut text = format!("绑定成功：您是{}", describe_member(member));
    text.push_str("。\n发送 /help 查看可用命令。");
    text
}

pub fn invite_unknown() -> String {
    "邀请码无效：请检查链接是否完整，或向管理员重新索取。".into()
}

pub fn invite_expired() -> String {
    "邀请码已过期：请向管理员重新索取邀请链接。".into()
}

pub fn invite_used() -> String {
    "邀请码已被使用：每个邀请码只能使用一次，请向管理员重新索取。".into()
}

pub fn describe_member(member: &Member) -> String {
    let mut text = role_name(member.role).to_owned();
    if let Some(unit) = &member.unit {
        write!(text, "（{}）", unit.name).unwrap();
    }
    if let Some(leader) = &member.leader {
        write!(text, "（关联领导：{}）", leader.name).unwrap();
    }
    text
}

pub fn whoami(user_id: i64, member: Option<&Member>, config_admin: bool) -> String {
    let who = match (member, config_admin) {
        (Some(m), _) => describe_member(m),
        (None, true) => "管理员（配置文件指定）".into(),
        (None, false) => "未绑定".into(),
    };
    format!("您的 Telegram 用户 ID：{user_id}\n身份：{who}")
}

pub fn unbound_self() -> String {
    "已解除绑定。如需重新绑定，请向管理员索取新的邀请链接。".into()
}

pub fn not_bound() -> String {
    "您还没有绑定身份：请使用管理员发给您的邀请链接（/start 邀请码）。".into()
}

pub fn config_admin_cannot_unbind() -> String {
    "您的管理员身份来自配置文件，无法在聊天中解除。".into()
}

// ---- help ----------------------------------------------------------------------------------

pub fn help(role: Option<Role>) -> String {
    let mut text = String::from("督办机器人\n");
    match role {
        None => text.push_str(
            "您还没有绑定身份。请点击管理员发给您的邀请链接，或发送 /start 邀请码。\n\
             /help 查看本说明",
        ),
        Some(Role::Contact) => text.push_str(
            "您是联络员，可以：\n\
             /tasks 查看本单位的任务和本期进展\n\
             /tasks 任务编号 打开一项任务（可点按钮选择状态）\n\
             /report 任务编号 内容 报告进展，例如：/report 3 黄：已完成2.1万亩\n\
             直接回复任务消息也可报告进展；报告后可在回执上撤回或修改。\n\
             /extend 任务编号 日期 理由 申请延期，例如 /extend 3 2022-04-15 等待省里批复\n\
             督办件的编号写作 督-1，例如 /report 督-1 内容\n\
             回复任务消息发送图片或文件，或在报告后可修改的时限内发送，即作为佐证材料保存；\
             /evidence 编号 取回\n\
             /whoami 我的身份  /unbind 解除绑定",
        ),
        Some(Role::Supervisor) => text.push_str(
            "您是督查人员，可以查看（不能报告）：\n\
             /status 本期总体情况\n\
             /status 任务编号 | 单位名 | 领导名 查看一项任务、一个单位或一位领导的任务\n\
             /bulletin [期号|报告期] 督查通报（文字和 Word、Excel、图表文件）\n\
             可以审核报告：/review 待审核的报告；/confirm 报告编号 确认；/return 报告编号 理由 退回\n\
             /evidence 编号 取回佐证材料（编号见 /status 任务编号）\n\
             /whoami 我的身份  /unbind 解除绑定",
        ),
        Some(Role::Admin) => text.push_str(
            "您是管理员，可以：\n\
             /status [任务编号|单位|领导] 查看进展\n\
             /bulletin [期号|报告期] 督查通报；/evidence 编号 取回佐证材料\n\
             /units 单位列表  /contacts [单位] 联络员名单\n\
             /invite 单位名 邀请联络员；/invite 督查 [领导名]；/invite 管理员\n\
             /remove 用户ID 解除某人的绑定\n\
             /report 任务编号 内容 代主办单位报告进展\n\
             /review 待审核的报告；/confirm 报告编号；/return 报告编号 理由；/reopen 任务编号 理由 重新打开已办结的任务\n\
             /approve 申请编号 批准延期；/refuse 申请编号 [理由] 不批准\n\
             /tasks 待明确承办单位的任务；/assign 任务编号 主办单位 [协办：单位…] 指定承办单位\n\
             /register 在群里登记本群；/unregister 取消登记\n\
             /schedule 时间表；/schedule set|pause|resume 种类 … 修改；/remind now [单位] 补发提醒\n\
             /item 主办单位 办理时限 [每N天] [来源：]内容 新建督办件（编号 督-1、督-2 …）\n\
             /whoami 我的身份",
        ),
    }
    text
}

// ---- refusals ------------------------------------------------------------------------------

pub fn admins_only() -> String {
    "该命令仅限管理员使用。".into()
}

pub fn readers_only() -> String {
    "该命令仅限督查人员和管理员使用。".into()
}

pub fn contacts_only() -> String {
    "该命令仅限联络员使用；督查人员和管理员请用 /status 查看进展。".into()
}

pub fn supervisors_do_not_report() -> String {
    "督查人员只能查看进展，不能报告。".into()
}

pub fn group_not_registered() -> String {
    "本群未经管理员登记，不在群里显示任务信息。请私聊机器人，或请管理员在群里发送 /register。"
        .into()
}

pub fn register_in_groups_only() -> String {
    "/register 和 /unregister 只能在群里使用。".into()
}

pub fn group_registered(changed: bool) -> String {
    if changed {
        "已登记本群：此后可在本群查看任务信息。".into()
    } else {
        "本群已经登记过了。".into()
    }
}

pub fn group_unregistered(changed: bool) -> String {
    if changed {
        "已取消本群登记：此后不在本群显示任务信息。".into()
    } else {
        "本群本来就没有登记。".into()
    }
}

pub fn unknown_command() -> String {
    "未知命令。发送 /help 查看可用命令。".into()
}

pub fn media_not_supported() -> String {
    "暂不接收图片、语音、贴纸和文件：请用文字回复进展（可附数字，如“已完成2.1万亩”）。未记录任何内容。"
        .into()
}

// ---- evidence (佐证材料) -------------------------------------------------------------------

/// A size in bytes as people read it: 856 B, 12.3 KB, 4.5 MB.
pub fn file_size(bytes: i64) -> String {
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.1} KB", b / 1024.0)
    } else {
        format!("{:.1} MB", b / 1024.0 / 1024.0)
    }
}

/// The answer to evidence kept: what, for which task, unit and period, and how to get it back.
pub fn evidence_kept(e: &Evidence) -> String {
    let mut text = format!(
        "已保存{}佐证材料（{}，{}）：{}（{}）\n佐证编号 #{}，取回请发送 /evidence {}。",
        e.task_label(),
        e.unit,
        e.period,
        e.file_name,
        file_size(e.size),
        e.id,
        e.id
    );
    if e.report_id.is_none() {
        text.push_str("\n本期还没有报告：材料将随本单位本期的报告一并列出，请记得报告进展。");
    }
    text
}

/// The same bytes were kept before for this task, unit and period.
pub fn evidence_duplicate(e: &Evidence) -> String {
    format!(
        "这份材料已保存过（{}，佐证编号 #{}：{}），未重复保存。",
        e.task_label(),
        e.id,
        e.file_name
    )
}

pub fn evidence_refused(refusal: &EvidenceRefusal) -> String {
    match refusal {
        EvidenceRefusal::Report(ReportRefusal::SupervisorsDoNotReport) => {
            "督查人员不能提交佐证材料，未保存。佐证材料由承办单位的联络员提交。".into()
        }
        EvidenceRefusal::Report(ReportRefusal::NotYourTask { task, unit }) => format!(
            "{}不由{unit}承办（主办或协办），不能提交佐证材料，未保存。\
             发送 /tasks 查看本单位的任务。",
            task.named()
        ),
        EvidenceRefusal::Report(r) => format!("佐证材料未保存：{}", report_refused(r)),
        EvidenceRefusal::NoReport(minutes) => format!(
            "这份图片或文件没有对应的任务，未保存。请回复（引用）任务消息或报告回执发送佐证材料，\
             或在报告后{minutes}分钟内发送。"
        ),
        EvidenceRefusal::NotAccepted(name) => format!(
            "不接收这种类型的文件（{name}），未保存。可提交图片、PDF、Office/WPS 文档、文本或压缩包。"
        ),
        EvidenceRefusal::TooLarge { size, max_mb } => {
            let size = size
                .map(|size| format!("（{}）", file_size(i64::try_from(size).unwrap_or(i64::MAX))))
                .unwrap_or_default();
            format!("文件过大{size}，佐证材料最大 {max_mb} MB，未保存。请压缩或拆分后再发送。")
        }
        EvidenceRefusal::Usage => {
            "请写明佐证编号，例如 /evidence 5。编号见 /status 任务编号 或任务卡片。".into()
        }
        EvidenceRefusal::NoSuchEvidence(number) => {
            format!("没有编号为 {number} 的佐证材料，或您无权查看。")
        }
    }
}

pub fn export_no_such_task(number: u32) -> String {
    format!("当前通知没有第{number}项任务，未导出任何文件。可运行 duban matrix 查看任务编号。")
}

pub fn export_no_evidence(number: u32) -> String {
    format!("第{number}项还没有佐证材料，未导出任何文件。")
}

pub fn export_unwritable(path: &str, reason: &str) -> String {
    format!("无法写入 {path}：{reason}。请换一个可写的目录（--out）。")
}

pub fn exported_evidence(number: u32, count: usize, dir: &str) -> String {
    format!("已导出第{number}项的 {count} 份佐证材料到 {dir}。")
}

/// The evidence of a task in a bulletin's table: `2份：现场.jpg、台账.pdf`; empty without any.
pub fn evidence_cell(names: &[String]) -> String {
    if names.is_empty() {
        return String::new();
    }
    format!("{}份：{}", names.len(), names.join("、"))
}

/// Evidence listed under a task: one line each (number, name, size, who, when).
pub fn evidence_lines(evidence: &[Evidence]) -> Vec<String> {
    if evidence.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![format!(
        "佐证材料（{}份，取回请发送 /evidence 编号）：",
        evidence.len()
    )];
    for e in evidence {
        let who = e
            .user_name
            .as_deref()
            .map(|name| format!(" {name}"))
            .unwrap_or_default();
        lines.push(format!(
            "#{} {}（{}）{}{who} {} {}",
            e.id,
            e.file_name,
            file_size(e.size),
            e.unit,
            e.period,
            crate::wording::format_time(e.created_at)
        ));
    }
    lines
}

/// The name of an exported evidence file: 第8项-区科技局-2022-03-18-#5-名称.jpg (the number
/// keeps two files of one name and day apart).
pub fn evidence_export_name(e: &Evidence) -> String {
    let day = crate::wording::format_time(e.created_at)
        .split(' ')
        .next()
        .unwrap_or_default()
        .to_owned();
    let name: String = e
        .file_name
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    format!("{}-{}-{day}-{}-{name}", e.task_label(), e.unit, e.id)
}

pub fn edits_not_applied() -> String {
    "修改已发送的消息不会更新报告。如需更正，请点报告回执上的“修改”按钮，或重新报告。".into()
}

pub fn which_task(unit: &str) -> String {
    format!(
        "这条消息没有指明任务，未记录。请选择{unit}的任务，再回复（引用）任务消息报告进展；\
         也可发送 /report 任务编号 内容。"
    )
}

pub fn plain_text_hint() -> String {
    "如需报告进展，请回复某项任务的消息，或发送 /report 任务编号 内容。发送 /help 查看说明。".into()
}

pub fn reply_not_about_a_task() -> String {
    "这条消息不对应具体任务。请回复某项任务的消息，或发送 /report 任务编号 内容。".into()
}

pub fn prompt_not_yours() -> String {
    "这条提示是发给别人的。如需报告，请打开任务（/tasks）后操作。".into()
}

pub fn failed_for_admins(update_id: i64, error: &str) -> String {
    format!(
        "有一条消息多次处理失败，已停止重试（更新 #{update_id}）：{}\n请在服务器上运行 duban inbox --failed 查看。",
        short(error, 200)
    )
}

// ---- reports -------------------------------------------------------------------------------

pub fn report_usage() -> String {
    "用法：/report 任务编号 内容，例如：/report 3 已完成2.1万亩。\n可在内容前加状态：蓝、黄、红、完成（如“/report 3 黄：用地未落实”）。".into()
}

/// `number` as written: `8`, or an item's `督-3`.
pub fn no_such_task(number: &str) -> String {
    if number.starts_with('督') {
        return format!("没有督办件{number}。发送 /tasks 查看本单位的任务。");
    }
    format!("没有第{number}项任务。发送 /tasks 查看本单位的任务。")
}

pub fn no_notice() -> String {
    "还没有导入任务分解通知。".into()
}

pub fn not_your_task(task: TaskRef, unit: &str) -> String {
    format!(
        "{}不由{unit}承办（主办或协办），不能报告。发送 /tasks 查看本单位的任务。",
        task.named()
    )
}

pub fn no_host_unit(task: TaskRef) -> String {
    format!("{}还没有承办单位，无法记录报告。", task.named())
}

pub fn empty_report() -> String {
    "报告内容不能为空：请写明进展，例如“已完成2.1万亩”。".into()
}

pub fn report_too_long(chars: usize) -> String {
    format!("报告内容过长（{chars}字），请控制在{MAX_REPORT_CHARS}字以内后重新发送。未记录。")
}

pub fn light_prompt(task: TaskRef, light: Light) -> String {
    format!(
        "{}：{}。\n请回复本消息，用一两句话说明进展（可附数字，如“已完成2.1万亩”）。",
        task.label(),
        light_button(light)
    )
}

pub fn reply_prompt_toast() -> String {
    "请回复文字说明".into()
}

pub fn correction_prompt(report: &Report) -> String {
    format!(
        "请回复本消息，发送{}报告的更正内容（将替换报告 #{}）。",
        report.task_label(),
        report.id
    )
}

pub fn receipt(task: &TaskView, report: &Report, window_minutes: u32) -> String {
    let mut text = match report.corrects {
        Some(old) => format!(
            "已更正{}进展（{}，替换报告 #{old}）\n",
            task.label(),
            report.period
        ),
        None => format!("已记录{}进展（{}）\n", task.label(), report.period),
    };
    writeln!(text, "单位：{}", report.unit).unwrap();
    writeln!(text, "状态：{}", light_text(report.light)).unwrap();
    if report.figures.is_empty() {
        if !task.targets.is_empty() {
            text.push_str("数字：未读到与目标对应的数字\n");
        }
    } else {
        writeln!(text, "数字：{}", figures_text(report)).unwrap();
    }
    writeln!(text, "内容：{}", report.text).unwrap();
    write!(
        text,
        "报告编号 #{}。{window_minutes}分钟内可撤回或修改；可回复本消息发送图片或文件作为佐证材料。",
        report.id
    )
    .unwrap();
    text
}

pub fn withdrawn_receipt(report: &Report) -> String {
    format!(
        "已撤回{}报告 #{}（{}）：{}",
        report.task_label(),
        report.id,
        report.period,
        short(&report.text, SHORT_REPORT_CHARS)
    )
}

pub fn withdrawn_toast() -> String {
    "已撤回".into()
}

pub fn not_active(report: &Report) -> String {
    match report.state {
        ReportState::Withdrawn => format!("报告 #{} 已撤回。", report.id),
        ReportState::Corrected => format!("报告 #{} 已被更正，不能再撤回或修改。", report.id),
        ReportState::Active => format!("报告 #{} 仍有效。", report.id),
        ReportState::Returned => format!("报告 #{} 已被退回，请重新报告。", report.id),
    }
}

pub fn window_closed(window_minutes: u32) -> String {
    format!("已超过{window_minutes}分钟，不能撤回或修改；如需更正，请重新报告。")
}

pub fn not_your_report() -> String {
    "只能撤回或修改自己提交的报告。".into()
}

pub fn report_gone() -> String {
    "找不到这份报告。".into()
}

pub fn report_refused(refusal: &ReportRefusal) -> String {
    match refusal {
        ReportRefusal::Usage => report_usage(),
        ReportRefusal::NoNotice => no_notice(),
        ReportRefusal::NoSuchTask(number) => no_such_task(number),
        ReportRefusal::NotYourTask { task, unit } => not_your_task(*task, unit),
        ReportRefusal::NoHostUnit(task) => no_host_unit(*task),
        ReportRefusal::SupervisorsDoNotReport => supervisors_do_not_report(),
        ReportRefusal::Empty => empty_report(),
        ReportRefusal::TooLong(chars) => report_too_long(*chars),
        ReportRefusal::NotAboutATask => reply_not_about_a_task(),
        ReportRefusal::PromptNotYours => prompt_not_yours(),
        ReportRefusal::ReportGone => report_gone(),
        ReportRefusal::NotYourReport => not_your_report(),
        ReportRefusal::NotActive(report) => not_active(report),
        ReportRefusal::WindowClosed(minutes) => window_closed(*minutes),
        ReportRefusal::ButtonExpired => button_expired(),
        ReportRefusal::Closed(task) => format!(
            "{}已办结，无需再报送。如情况有变，请联系管理员重新打开（/reopen {} 理由）。",
            task.label(),
            task.arg()
        ),
    }
}

// ---- review, closing ----------------------------------------------------------------------

pub fn button_confirm_report(report_id: i64, only: bool) -> String {
    if only {
        "确认".into()
    } else {
        format!("确认 #{report_id}")
    }
}

pub fn button_return_report(report_id: i64, only: bool) -> String {
    if only {
        "退回".into()
    } else {
        format!("退回 #{report_id}")
    }
}

/// One report waiting for review, as `/review` and `/status N` show it.
pub fn report_for_review(r: &Report) -> String {
    format!(
        "报告 #{}  {}  {}  {}\n{} {}：{}{}",
        r.id,
        r.task_label(),
        r.unit,
        r.period,
        crate::wording::format_time(r.created_at),
        light_text(r.light),
        r.text,
        figures_or_empty(r)
    )
}

/// `/review`: the reports waiting, oldest first; `more` beyond those shown.
pub fn review_queue(shown: usize, more: usize) -> String {
    match (shown, more) {
        (0, _) => "没有待审核的报告。".into(),
        (n, 0) => format!("待审核的报告 {n} 条（按报送时间，最早的在前）："),
        (n, more) => {
            format!("待审核的报告，先看最早的 {n} 条（另有 {more} 条，审核后再发送 /review）：")
        }
    }
}

pub fn review_state(task: TaskRef, state: TaskState) -> String {
    format!("{}现为：{}。", task.label(), state.name())
}

/// What the reviewer is told, and what the message with the buttons becomes.
pub fn reviewed(r: &Report, state: TaskState) -> String {
    let what = match r.state {
        ReportState::Returned => format!(
            "已退回报告 #{}（{} {}）：{}",
            r.id,
            r.task_label(),
            r.unit,
            r.review_note.as_deref().unwrap_or_default()
        ),
        _ => format!("已确认报告 #{}（{} {}）。", r.id, r.task_label(), r.unit),
    };
    format!("{what}\n{}", review_state(r.task_ref(), state))
}

pub fn reviewed_toast(r: &Report) -> String {
    match r.state {
        ReportState::Returned => "已退回".into(),
        _ => "已确认".into(),
    }
}

pub fn return_prompt(r: &Report) -> String {
    format!(
        "请回复本消息，写明退回报告 #{}（{} {}）的理由，联络员会收到。",
        r.id,
        r.task_label(),
        r.unit
    )
}

/// The contact's notice: their report went back, with the reason; replying reports anew.
pub fn returned_notice(r: &Report) -> String {
    format!(
        "【退回】您报送的{}进展（报告 #{}，{}）被退回：{}\n\
         请补充后重新报告：直接回复本消息，或点下方按钮选择状态。",
        r.task_label(),
        r.id,
        crate::wording::format_time(r.created_at),
        r.review_note.as_deref().unwrap_or_default()
    )
}

/// The contact's notice: the task is closed.
pub fn closed_notice(r: &Report) -> String {
    format!(
        "【办结】{}已确认办结（报告 #{}），此后不再提醒。感谢！",
        r.task_label(),
        r.id
    )
}

/// The host unit's contacts' notice: an admin reopened the task.
pub fn reopened_notice(task: TaskRef, reason: &str) -> String {
    format!(
        "【重新打开】{}已重新打开：{reason}\n请继续报告进展：直接回复本消息，或点下方按钮选择状态。",
        task.label()
    )
}

pub fn reopened(task: TaskRef, state: TaskState, notified: usize) -> String {
    format!(
        "已重新打开{}，现为：{}；已通知主办单位联络员 {notified} 人。",
        task.label(),
        state.name()
    )
}

// ---- extensions (延期) -----------------------------------------------------------------------

pub fn button_approve() -> String {
    "批准".into()
}

pub fn button_refuse() -> String {
    "不批准".into()
}

/// `2022年4月15日`
pub fn date(day: NaiveDate) -> String {
    format!("{}年{}月{}日", day.year(), day.month(), day.day())
}

/// What the admins get: the request, with 批准 / 不批准.
pub fn extension_request(e: &Extension, due: NaiveDate) -> String {
    format!(
        "【延期申请】{}申请{}（{}）延期至{}（原截止{}）：{}\n申请编号 #{}",
        e.unit,
        e.task_label(),
        e.period,
        date(e.until),
        date(due),
        e.reason,
        e.id
    )
}

/// What the contact is told when the request is stored.
pub fn extension_requested(e: &Extension) -> String {
    format!(
        "已提交延期申请 #{}：{}延期至{}，等待管理员审批。",
        e.id,
        e.task_label(),
        date(e.until)
    )
}

/// What the admin's message becomes once decided, and what they are told.
pub fn extension_decided(e: &Extension) -> String {
    let word = match e.state {
        ExtensionState::Approved => "已批准",
        _ => "已不批准",
    };
    format!(
        "{word}延期申请 #{}（{} {} 至{}）。",
        e.id,
        e.task_label(),
        e.unit,
        date(e.until)
    )
}

/// What the contact is told once an admin decided.
pub fn extension_answer(e: &Extension) -> String {
    // An item has its own 办理时限; a notice task, the period's due date.
    let due = if e.item {
        "办理时限"
    } else {
        "本期截止日期"
    };
    match e.state {
        ExtensionState::Approved => format!(
            "【延期】您的{}延期申请（#{}）已批准：{due}改为{}。",
            e.task_label(),
            e.id,
            date(e.until)
        ),
        _ => format!(
            "【延期】您的{}延期申请（#{}）未获批准{}。请按原{}报送。",
            e.task_label(),
            e.id,
            e.decision_note
                .as_deref()
                .map(|n| format!("：{n}"))
                .unwrap_or_default(),
            if e.item {
                "办理时限"
            } else {
                "截止日期"
            }
        ),
    }
}

pub fn extension_refused(refusal: &ExtensionRefusal) -> String {
    match refusal {
        ExtensionRefusal::Usage => "用法：/extend 任务编号 日期 理由，例如 /extend 8 2022-04-15 \
             等待省里批复（日期也可写 4月15日）；管理员审批：/approve 申请编号、/refuse 申请编号 [理由]。"
            .into(),
        ExtensionRefusal::NoNotice => no_notice(),
        ExtensionRefusal::NoSuchTask(number) => no_such_task(number),
        ExtensionRefusal::NotHost { task, unit } => {
            format!(
                "{}不是{unit}主办的任务：延期由主办单位的联络员申请。",
                task.label()
            )
        }
        ExtensionRefusal::BadDate(word) => {
            format!("“{word}”不是日期。日期写作 2022-04-15 或 4月15日。")
        }
        ExtensionRefusal::NotLater(due) => {
            format!("延期日期须晚于本期截止日期（{}）。", date(*due))
        }
        ExtensionRefusal::Closed(task) => format!("{}已办结，无需延期。", task.label()),
        ExtensionRefusal::AlreadyPending(e) => format!(
            "{}已有待审批的延期申请 #{}（至{}），请等待管理员答复。",
            e.task_label(),
            e.id,
            date(e.until)
        ),
        ExtensionRefusal::NoSuchRequest(id) => format!("没有编号为 {id} 的延期申请。"),
        ExtensionRefusal::AlreadyDecided(e) => {
            let word = match e.state {
                ExtensionState::Approved => "已批准",
                _ => "已不批准",
            };
            format!("延期申请 #{} {word}，不能再改。", e.id)
        }
        ExtensionRefusal::ReasonTooLong(chars) => format!(
            "理由有 {chars} 个字，太长了：请控制在 {MAX_REPORT_CHARS} 字以内。"
        ),
    }
}

pub fn review_refused(refusal: &ReviewRefusal) -> String {
    match refusal {
        ReviewRefusal::Usage(ReviewUsage::Confirm) => {
            "用法：/confirm 报告编号，例如 /confirm 12（报告编号见 /review）。".into()
        }
        ReviewRefusal::Usage(ReviewUsage::Return) => {
            "用法：/return 报告编号 理由，例如 /return 12 未写明具体进度。".into()
        }
        ReviewRefusal::Usage(ReviewUsage::Reopen) => {
            "用法：/reopen 任务编号 理由，例如 /reopen 8 年底复查未达标。".into()
        }
        ReviewRefusal::NoSuchReport(id) => format!("没有编号为 {id} 的报告。"),
        ReviewRefusal::NotReviewable(r) => match (r.state, r.reviewed_at) {
            (ReportState::Active, Some(_)) => format!("报告 #{} 已确认过。", r.id),
            (ReportState::Returned, _) => format!("报告 #{} 已退回过。", r.id),
            _ => format!("报告 #{} 已撤回或已更正，无需审核。", r.id),
        },
        ReviewRefusal::PromptNotYours => "这条消息是问别人的，请用自己的按钮。".into(),
        ReviewRefusal::ReasonTooLong(chars) => {
            format!("理由有 {chars} 个字，太长了：请控制在 {MAX_REPORT_CHARS} 字以内。")
        }
        ReviewRefusal::NoNotice => no_notice(),
        ReviewRefusal::NoSuchTask(number) => no_such_task(number),
        ReviewRefusal::NotClosed { task, state } => {
            format!(
                "{}未办结（现为{}），无需重新打开。",
                task.label(),
                state.name()
            )
        }
        ReviewRefusal::ReviewersOnly => "只有督查人员和管理员可以审核报告。".into(),
    }
}

pub fn button_expired() -> String {
    "这个按钮已失效，请重新打开任务（/tasks）。".into()
}

// ---- tasks ---------------------------------------------------------------------------------

pub fn button_task(task: TaskRef) -> String {
    task.label()
}

pub fn button_withdraw() -> String {
    "撤回".into()
}

pub fn button_correct() -> String {
    "修改".into()
}

/// The last report of a task in a period, as a list shows it.
fn last_report_line(reports: &[&Report]) -> String {
    match reports.last() {
        None => "未报告".into(),
        Some(r) => format!(
            "{} {} {}",
            light_text(r.light),
            short(&r.text, SHORT_REPORT_CHARS),
            figures_or_empty(r)
        )
        .trim_end()
        .to_owned(),
    }
}

fn figures_or_empty(report: &Report) -> String {
    if report.figures.is_empty() {
        String::new()
    } else {
        format!("［{}］", figures_text(report))
    }
}

/// `/tasks` for a contact: each task of the unit with its role, targets and this period's
/// last report of the unit (and the co-organizers' contributions for the tasks it hosts).
pub fn unit_tasks(
    unit: &str,
    unit_id: i64,
    period: &str,
    tasks: &[TaskView],
    reports: &[Report],
) -> Vec<String> {
    if tasks.is_empty() {
        return vec![format!("{unit}目前没有承办的任务。")];
    }
    let mut lines = vec![format!(
        "{unit}承办的任务（共{}项，本期 {period}）：",
        tasks.len()
    )];
    for task in tasks {
        let role = task.role_of(unit_id).unwrap_or(UnitRole::Co);
        lines.push(String::new());
        lines.push(format!(
            "{}【{}】{}",
            task.label(),
            unit_role(role),
            short(&task.text, SHORT_TASK_CHARS)
        ));
        if !task.targets.is_empty() {
            let targets: Vec<String> = task.targets.iter().map(target_text).collect();
            lines.push(format!("  目标：{}", targets.join("；")));
        }
        if let Some(deadline) = &task.deadline {
            lines.push(format!("  完成时限：{}", deadline.text));
        }
        let own: Vec<&Report> = reports
            .iter()
            .filter(|r| r.task_id == task.id && r.unit_id == unit_id)
            .collect();
        lines.push(format!("  本期：{}", last_report_line(&own)));
        if role == UnitRole::Host {
            for co in task.units.iter().filter(|u| u.unit_id != unit_id) {
                let theirs: Vec<&Report> = reports
                    .iter()
                    .filter(|r| r.task_id == task.id && r.unit_id == co.unit_id)
                    .collect();
                if !theirs.is_empty() {
                    lines.push(format!(
                        "  {}（协办）：{}",
                        co.name,
                        last_report_line(&theirs)
                    ));
                }
            }
        }
    }
    lines.push(String::new());
    lines.push("点下方按钮打开任务，回复任务消息即可报告进展。".into());
    split_lines(&lines)
}

/// A task card: the whole task, who leads and does it, its targets and this period's reports.
pub fn task_card(task: &TaskView, period: &str, reports: &[Report]) -> String {
    let mut text = format!("{}\n{}\n", task.task_ref().named(), task.text);
    if let Some(item) = &task.item {
        writeln!(text, "来源：{}", item.source).unwrap();
    }
    let leaders = |role: LeaderRole| {
        task.leaders
            .iter()
            .filter(|l| l.role == role)
            .map(|l| l.name.as_str())
            .collect::<Vec<_>>()
            .join("、")
    };
    for (role, label) in [
        (LeaderRole::Lead, "牵头领导"),
        (LeaderRole::Responsible, "责任领导"),
    ] {
        let names = leaders(role);
        if !names.is_empty() {
            writeln!(text, "{label}：{names}").unwrap();
        }
    }
    for (role, label) in [(UnitRole::Host, "主办"), (UnitRole::Co, "协办")] {
        let names: Vec<&str> = task
            .units
            .iter()
            .filter(|u| u.role == role)
            .map(|u| u.name.as_str())
            .collect();
        if !names.is_empty() {
            writeln!(text, "{label}：{}", names.join("、")).unwrap();
        }
    }
    if !task.targets.is_empty() {
        let targets: Vec<String> = task.targets.iter().map(target_text).collect();
        writeln!(text, "目标：{}", targets.join("；")).unwrap();
    }
    if let Some(deadline) = &task.deadline {
        writeln!(text, "完成时限：{}", deadline.text).unwrap();
    }
    let current: Vec<&Report> = reports.iter().filter(|r| r.task_id == task.id).collect();
    if current.is_empty() {
        writeln!(text, "本期（{period}）：未报告").unwrap();
    } else {
        writeln!(text, "本期（{period}）：").unwrap();
        for r in current {
            writeln!(text, "  {}：{}", r.unit, last_report_line(&[r])).unwrap();
        }
    }
    text.push_str("\n回复本消息即可报告进展，或点下方按钮选择状态。");
    short(&text, 4000)
}

// ---- status --------------------------------------------------------------------------------

pub fn status_overview(period: &str, tasks: &[TaskView], reports: &[Report]) -> String {
    let reported: std::collections::HashSet<i64> = reports.iter().map(|r| r.task_id).collect();
    let mut text = format!("本期 {period} 总体情况\n任务：{}项\n", tasks.len());
    writeln!(
        text,
        "已报告：{}项  未报告：{}项",
        tasks.iter().filter(|t| reported.contains(&t.id)).count(),
        tasks.iter().filter(|t| !reported.contains(&t.id)).count()
    )
    .unwrap();
    let mut lights = Vec::new();
    for light in Light::ALL {
        let count = tasks
            .iter()
            .filter(|t| latest_light(t.id, reports) == Some(light))
            .count();
        lights.push(format!("{}{} {count}", light.emoji(), light.name()));
    }
    writeln!(text, "状态：{}", lights.join("  ")).unwrap();
    text.push_str("\n/status 任务编号 | 单位 | 领导 查看详情");
    text
}

fn latest_light(task_id: i64, reports: &[Report]) -> Option<Light> {
    reports
        .iter()
        .filter(|r| r.task_id == task_id)
        .filter_map(|r| r.light)
        .next_back()
}

/// The host units of a task, or 待明确承办单位 when it has none.
fn hosts_text(task: &TaskView) -> String {
    let hosts: Vec<&str> = task.hosts().map(|u| u.name.as_str()).collect();
    if hosts.is_empty() {
        crate::matrix::UNASSIGNED.to_owned()
    } else {
        hosts.join("、")
    }
}

/// `/status N`: the task, its state this period, every report (with 确认 / 退回 buttons under
/// the last message for those waiting for review), and its evidence.
pub fn task_history(
    task: &TaskView,
    reports: &[Report],
    evidence: &[Evidence],
    period: &str,
    status: &TaskStatus,
) -> Vec<String> {
    let mut lines = vec![format!("{}：{}", task.label(), short(&task.text, 80))];
    lines.push(format!("主办：{}", hosts_text(task)));
    let since = status
        .since
        .map(|t| format!("（{}起）", crate::wording::format_time(t)))
        .unwrap_or_default();
    lines.push(format!(
        "状态（本期 {period}）：{}{since}",
        status.state.name()
    ));
    if reports.is_empty() {
        lines.push("还没有任何报告。".into());
    }
    for r in reports {
        let state = match r.state {
            ReportState::Active if r.reviewed_at.is_some() => "（已确认）".to_owned(),
            ReportState::Active => String::new(),
            ReportState::Withdrawn => "（已撤回）".to_owned(),
            ReportState::Corrected => "（已更正）".to_owned(),
            ReportState::Returned => format!(
                "（已退回：{}）",
                r.review_note.as_deref().unwrap_or_default()
            ),
        };
        lines.push(format!(
            "{} {} {} {}{state}：{} {}",
            r.period,
            crate::wording::format_time(r.created_at),
            r.unit,
            light_text(r.light),
            r.text,
            figures_or_empty(r)
        ));
    }
    lines.extend(evidence_lines(evidence));
    split_lines(&lines)
}

/// A unit's or a leader's tasks with this period's latest light.
pub fn unit_tasks_title(unit: &str, period: &str) -> String {
    format!("{unit}承办的任务（本期 {period}）")
}

pub fn leader_tasks_title(leader: &str, period: &str) -> String {
    format!("{leader}牵头的任务（本期 {period}）")
}

pub fn task_list(title: &str, tasks: &[TaskView], reports: &[Report]) -> Vec<String> {
    let mut lines = vec![format!("{title}（共{}项）", tasks.len())];
    for task in tasks {
        let theirs: Vec<&Report> = reports.iter().filter(|r| r.task_id == task.id).collect();
        lines.push(format!(
            "{} {}｜主办：{}｜{}",
            task.label(),
            short(&task.text, 24),
            hosts_text(task),
            last_report_line(&theirs)
        ));
    }
    split_lines(&lines)
}

/// `not_found`, then the names most like the one asked for.
fn with_suggestions(mut not_found: String, suggestions: &[String]) -> String {
    if !suggestions.is_empty() {
        write!(not_found, "您是不是要找：{}？", suggestions.join("、")).unwrap();
    }
    not_found
}

pub fn nothing_found(query: &str, suggestions: &[String]) -> String {
    with_suggestions(format!("找不到任务、单位或领导“{query}”。"), suggestions)
}

// ---- admin ---------------------------------------------------------------------------------

pub fn units_list(rows: &[(String, i64, i64, usize)]) -> Vec<String> {
    let mut lines = vec![format!(
        "单位（共{}个）：名称｜主办｜协办｜联络员",
        rows.len()
    )];
    for (name, host, co, contacts) in rows {
        lines.push(format!("{name}｜{host}｜{co}｜{contacts}"));
    }
    split_lines(&lines)
}

pub fn contacts_list(members: &[Member]) -> Vec<String> {
    if members.is_empty() {
        return vec!["还没有人绑定。".into()];
    }
    let mut lines = vec![format!("已绑定（共{}人）：", members.len())];
    for m in members {
        lines.push(format!(
            "{}  ID {}  {}",
            m.display_name,
            m.user_id,
            describe_member(m)
        ));
    }
    split_lines(&lines)
}

pub fn unknown_unit(name: &str, suggestions: &[String]) -> String {
    with_suggestions(format!("找不到单位“{name}”。"), suggestions)
}

// ---- assigning units ------------------------------------------------------------------------

pub fn assign_usage() -> String {
    "用法：/assign 任务编号 主办单位… [协办：单位…]\n\
     例如：/assign 12 区财政局 协办：区商务局、各镇街\n\
     多个单位用顿号、逗号或空格分隔；单位和分组须是已导入的名称（/units 查看）。\n\
     /tasks 列出待明确承办单位的任务。"
        .into()
}

/// Why an assignment was refused; said by `/assign` and `duban assign` alike.
pub fn assign_refused(refusal: &AssignRefusal) -> String {
    format!("{}承办单位未做任何修改。", units_refused(refusal))
}

/// Why the units named were not taken (an assignment, an item).
fn units_refused(refusal: &AssignRefusal) -> String {
    match refusal {
        AssignRefusal::NoHost => "没有写主办单位：至少要指定一个主办单位。".to_owned(),
        AssignRefusal::NoSuchTask(n) => format!("当前通知中没有第{n}项任务。"),
        AssignRefusal::Unknown(names) => {
            let mut text = String::new();
            for (name, suggestions) in names {
                write!(text, "找不到单位或分组“{name}”").unwrap();
                if !suggestions.is_empty() {
                    write!(text, "（您是不是要找：{}？）", suggestions.join("、")).unwrap();
                }
                text.push('；');
            }
            text.pop();
            text.push_str("。单位和分组须是已导入的名称。");
            text
        }
    }
}

// ---- items (督办件) ------------------------------------------------------------------------

/// An item not created (nothing stored).
pub fn item_refused(refusal: &ItemRefusal) -> String {
    match refusal {
        ItemRefusal::Usage => item_usage(),
        ItemRefusal::BadDue(word) => item_bad_due(word),
        ItemRefusal::BadEvery(word) => item_bad_every(word),
        ItemRefusal::Units(refusal) => format!("{}督办件未保存。", units_refused(refusal)),
    }
}

/// `--due` or the date of `/item` is not a date.
pub fn item_bad_due(word: &str) -> String {
    format!("“{word}”不是日期。办理时限写作 2022-04-15 或 4月15日。")
}

/// `--every` or `每N天` is not a number of days.
pub fn item_bad_every(word: &str) -> String {
    format!("“{word}”不是提醒间隔。写作 7d（每7天），或在对话中写“每7天”“每周”。")
}

pub fn item_usage() -> String {
    "用法：/item 主办单位 办理时限 [每N天] [协办：单位…] [领导：姓名] [来源：]内容\n\
     例如：/item 区科技局 2022-04-15 每7天 领导批示：尽快完成科技企业孵化器建设方案\n\
     主办单位可写多个（用顿号分隔）；“每N天”（或“每周”）为提醒间隔，不写则不单独提醒；\
     内容前的“领导批示：”“会议议定事项：”等为来源。发送后先预览，点“确认”才保存。"
        .into()
}

/// An item's fields, as a preview shows them and as it is stored.
fn item_fields(
    text: &str,
    source: &str,
    hosts: &str,
    co: &str,
    leader: Option<&str>,
    due: NaiveDate,
    every: Option<u32>,
) -> String {
    let mut out = format!("内容：{text}\n来源：{source}\n主办：{hosts}\n");
    if !co.is_empty() {
        writeln!(out, "协办：{co}").unwrap();
    }
    if let Some(leader) = leader {
        writeln!(out, "牵头领导：{leader}").unwrap();
    }
    write!(out, "办理时限：{}", date(due)).unwrap();
    match every {
        Some(days) => write!(
            out,
            "\n提醒：自立项起每{days}天提醒主办单位联络员，直至办结"
        )
        .unwrap(),
        None => out.push_str("\n提醒：不单独提醒"),
    }
    out
}

/// The preview of `/item`, before its confirm button.
pub fn item_preview(item: &NewItem) -> String {
    format!(
        "新建督办件（预览，点“确认”后保存）：\n{}",
        item_fields(
            &item.text,
            &item.source,
            &item.hosts.join("、"),
            &item.co.join("、"),
            item.leader.as_deref(),
            item.due,
            item.every_days
        )
    )
}

/// An item stored: `duban item add`, the confirm button of `/item`.
pub fn item_added(task: &TaskView) -> String {
    let Some(item) = &task.item else {
        return format!("已保存{}。", task.label());
    };
    let co: Vec<&str> = task
        .units
        .iter()
        .filter(|u| u.role == UnitRole::Co)
        .map(|u| u.name.as_str())
        .collect();
    format!(
        "已立项督办件{}。\n{}",
        task.label(),
        item_fields(
            &task.text,
            &item.source,
            &hosts_text(task),
            &co.join("、"),
            task.leaders.first().map(|l| l.name.as_str()),
            item.due,
            item.every_days
        )
    )
}

pub fn item_saved_toast() -> String {
    "已立项".into()
}

pub fn item_draft_gone() -> String {
    "这份督办件预览已失效（已保存或已取消），请重新发送 /item。".into()
}

pub fn item_cancelled() -> String {
    "已取消，督办件未保存。".into()
}

/// `duban item list`: one line each.
pub fn item_list(items: &[TaskView]) -> String {
    if items.is_empty() {
        return "还没有督办件。用 duban item add 新建。".into();
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .filter_map(|t| {
            let item = t.item.as_ref()?;
            Some(vec![
                t.label(),
                item.source.clone(),
                hosts_text(t),
                item.due.format("%Y-%m-%d").to_string(),
                item.every_days.map_or("—".into(), |d| format!("每{d}天")),
                crate::text::truncate(&t.text, 40),
            ])
        })
        .collect();
    crate::text::table(&["编号", "来源", "主办", "办理时限", "提醒", "内容"], &rows)
}

/// The reminder of an item on its own cadence, due on `due` (its own date, or the date an
/// approved extension gave); `today` after it says it is overdue.
pub fn item_reminder(task: &TaskView, due: NaiveDate, today: NaiveDate) -> String {
    let Some(item) = &task.item else {
        return task.text.clone();
    };
    let when = if today > due {
        format!(
            "已超过办理时限（{}）{}天，请尽快办结并报送",
            date(due),
            (today - due).num_days()
        )
    } else {
        format!("办理时限{}，请报送办理进展", date(due))
    };
    format!(
        "【督办件提醒】督办件{}（{}）{when}。\n\n{}\n\n直接回复本消息报告进展，或点下方按钮选择状态。",
        task.label(),
        item.source,
        task.text
    )
}

/// What an assignment changed.
pub fn assigned(a: &Assignment) -> String {
    let before = crate::store::units_summary(&a.before, &a.groups_before);
    let after = crate::store::units_summary(&a.after, &a.groups_after);
    let mut text = format!(
        "已指定第{}项任务的承办单位。\n原：{before}\n现：{after}",
        a.number
    );
    if a.after.iter().any(|u| u.role == UnitRole::Host) {
        text.push_str("\n下次提醒起，主办单位的联络员会收到这项任务。");
    } else {
        text.push_str("\n所指定的分组还没有成员：补充成员前，这项任务仍不发提醒。");
    }
    text
}

/// The tasks nobody is reminded of (no unit: 待明确承办单位), for admins.
pub fn unassigned_tasks(tasks: &[&TaskView]) -> Vec<String> {
    if tasks.is_empty() {
        return vec![
            "所有任务都已明确承办单位。/status 查看进展；/assign 任务编号 主办单位 可改派。".into(),
        ];
    }
    let mut lines = vec![format!(
        "{}的任务（共{}项，明确前不发提醒）：",
        crate::matrix::UNASSIGNED,
        tasks.len()
    )];
    for task in tasks {
        lines.push(format!("第{}项 {}", task.number, short(&task.text, 40)));
    }
    lines.push(
        "用 /assign 任务编号 主办单位 [协办：单位…] 指定，例如：/assign 12 区财政局 协办：区商务局"
            .into(),
    );
    split_lines(&lines)
}

pub fn unknown_leader(name: &str) -> String {
    format!("找不到领导“{name}”：请使用通知中的姓名。")
}

pub fn invite_refused(refusal: &InviteRefusal) -> String {
    match refusal {
        InviteRefusal::UnknownUnit { name, suggestions } => unknown_unit(name, suggestions),
        InviteRefusal::UnknownLeader(name) => unknown_leader(name),
    }
}

pub fn invite_usage() -> String {
    "用法：/invite 单位名（邀请联络员）、/invite 督查 [领导名]、/invite 管理员".into()
}

pub fn invite_link(link: &str, what: &str, days: u32) -> String {
    format!(
        "邀请链接（{what}，{days}天内有效，只能使用一次）：\n{link}\n请转发给本人，对方点开后按“开始”即可绑定。"
    )
}

/// How to bind with an invite on DingTalk: what to send the robot.
pub fn dingtalk_bind(code: &str) -> String {
    format!("在钉钉里与督办机器人单聊，发送：绑定 {code}")
}

/// An invite, with the way to bind on each platform duban runs on: the Telegram link (when
/// Telegram runs) and what to send on DingTalk (when DingTalk runs).
pub fn invite(
    what: &str,
    days: u32,
    code: &str,
    telegram_link: Option<&str>,
    dingtalk: bool,
) -> String {
    match (telegram_link, dingtalk) {
        (Some(link), false) => invite_link(link, what, days),
        (None, _) => format!(
            "邀请码（{what}，{days}天内有效，只能使用一次）：{code}\n请转发给本人：{}。",
            dingtalk_bind(code)
        ),
        (Some(link), true) => format!(
            "邀请（{what}，{days}天内有效，只能使用一次，在一个平台上绑定）：\n\
             钉钉：{}\nTelegram：{link}（点开后按“开始”）",
            dingtalk_bind(code)
        ),
    }
}

pub fn remove_usage() -> String {
    "用法：/remove 用户ID（用 /contacts 查看 ID）".into()
}

pub fn removed(member: &Member) -> String {
    format!(
        "已解除 {}（ID {}）的绑定：{}",
        member.display_name,
        member.user_id,
        describe_member(member)
    )
}

pub fn not_a_member(user_id: &str) -> String {
    format!("ID 为 {user_id} 的用户没有绑定。")
}

// ---- follow-up: reminders, nudges, escalation ----------------------------------------------

fn date_text(date: NaiveDate) -> String {
    format!(
        "{}月{}日（{}）",
        date.month(),
        date.day(),
        weekday_name(date)
    )
}

/// How long until the due date, from `today`.
fn time_left(due: NaiveDate, today: NaiveDate) -> String {
    match (due - today).num_days() {
        0 => "今天截止".into(),
        days if days > 0 => format!("距截止还有{days}天"),
        days => format!("已超过截止日期{}天", -days),
    }
}

/// A reminder about one task (a unit with few tasks gets one per task): a reply to it reports
/// on the task.
pub fn reminder_task(task: &TaskView, period: &str, due: NaiveDate) -> String {
    let mut text = format!(
        "【督办提醒】请报送第{}项任务本期（{period}）进展，截止{}。\n\n{}\n",
        task.number,
        date_text(due),
        task.text
    );
    if !task.targets.is_empty() {
        let targets: Vec<String> = task.targets.iter().map(target_text).collect();
        writeln!(text, "目标：{}", targets.join("；")).unwrap();
    }
    if let Some(deadline) = &task.deadline {
        writeln!(text, "完成时限：{}", deadline.text).unwrap();
    }
    text.push_str("\n直接回复本消息即可报告进展，或点下方按钮选择状态。");
    short(&text, MESSAGE_LIMIT)
}

/// A reminder listing a unit's tasks (a unit with many tasks gets one list and a task picker).
pub fn reminder_list(unit: &str, tasks: &[&TaskView], period: &str, due: NaiveDate) -> Vec<String> {
    let mut lines = vec![format!(
        "【督办提醒】{unit}主办的{}项任务请于{}前报送本期（{period}）进展：",
        tasks.len(),
        date_text(due)
    )];
    for task in tasks {
        lines.push(format!(
            "第{}项 {}",
            task.number,
            short(&task.text, SHORT_TASK_CHARS)
        ));
        if !task.targets.is_empty() {
            let targets: Vec<String> = task.targets.iter().map(target_text).collect();
            lines.push(format!("  目标：{}", targets.join("；")));
        }
        if let Some(deadline) = &task.deadline {
            lines.push(format!("  完成时限：{}", deadline.text));
        }
    }
    lines.push(String::new());
    lines.push("点下方任务编号打开任务后回复，或发送 /report 编号 内容。".into());
    split_lines(&lines)
}

/// A nudge to a unit whose tasks are still unreported.
pub fn nudge(
    unit: &str,
    silent: &[&TaskView],
    period: &str,
    due: NaiveDate,
    today: NaiveDate,
) -> Vec<String> {
    let mut lines = vec![format!(
        "【催报】{unit}还有{}项任务本期（{period}）未报送进展，{}（{}）：",
        silent.len(),
        time_left(due, today),
        date_text(due)
    )];
    for task in silent {
        lines.push(format!(
            "第{}项 {}",
            task.number,
            short(&task.text, SHORT_TASK_CHARS)
        ));
    }
    lines.push(String::new());
    lines.push("点下方任务编号打开任务后回复，或发送 /report 编号 内容。".into());
    split_lines(&lines)
}

/// After the due date: the unreported tasks of one lead leader (`leader`), or of everyone
/// (`None`, for admins), each with the host units that stayed silent.
pub fn escalation(
    leader: Option<&str>,
    silent: &[(&TaskView, Vec<&str>)],
    period: &str,
    due: NaiveDate,
    waiting_review: usize,
) -> Vec<String> {
    let whose = leader.map_or("全部".to_owned(), |l| format!("{l}牵头的"));
    let mut lines = vec![format!(
        "【督促】本期（{period}）已过截止日期{}，{whose}任务中有{}项未报送进展：",
        date_text(due),
        silent.len()
    )];
    for (task, units) in silent {
        let deadline = task
            .deadline
            .as_ref()
            .map_or(String::new(), |d| format!("；完成时限：{}", d.text));
        lines.push(format!(
            "第{}项 {}（主办：{}{deadline}）",
            task.number,
            short(&task.text, SHORT_TASK_CHARS),
            units.join("、")
        ));
    }
    // Reviewers also learn how many reports wait for them.
    if waiting_review > 0 {
        lines.push(format!(
            "另有 {waiting_review} 条报告待审核：发送 /review 逐条确认或退回。"
        ));
    }
    split_lines(&lines)
}

// ---- schedules ----------------------------------------------------------------------------

/// A fire time as admins read it: 3月18日（星期五）09:00.
pub fn fire_time(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&office_offset());
    format!(
        "{} {}",
        date_text(local.date_naive()),
        local.format("%H:%M")
    )
}

fn times_text(times: &[DateTime<Utc>]) -> String {
    if times.is_empty() {
        return "（近期不会触发）".into();
    }
    times
        .iter()
        .map(|t| fire_time(*t))
        .collect::<Vec<_>>()
        .join("、")
}

fn whose(kind: Kind, unit: Option<&Named>) -> String {
    match unit {
        Some(unit) => format!("{}的{}", unit.name, kind.label()),
        None => format!("{}（{}）", kind.label(), kind.code()),
    }
}

/// `/schedule`: every schedule with its next fire times.
pub fn schedule_list(entries: &[(Effective, Vec<DateTime<Utc>>)], shift: &str) -> Vec<String> {
    let mut lines = vec![format!(
        "时间表（{}；{shift}）：",
        crate::clock::zone_name()
    )];
    for (e, times) in entries {
        let origin = match e.origin {
            Origin::Config => "配置文件",
            Origin::Changed => "管理员修改",
        };
        let paused = if e.paused { " 【已暂停】" } else { "" };
        lines.push(format!(
            "{}：{}（{origin}）{paused}",
            whose(e.kind, e.unit.as_ref()),
            e.plan.expression()
        ));
        if !e.paused {
            lines.push(format!("  接下来：{}", times_text(times)));
        }
    }
    if entries.iter().any(|(e, _)| e.kind == Kind::Bulletin) {
        lines.push("（通报的编制在后续版本提供，目前到点不发送。）".into());
    }
    lines.push(String::new());
    lines.push(schedule_usage());
    split_lines(&lines)
}

pub fn schedule_refused(refusal: &ScheduleRefusal) -> String {
    match refusal {
        ScheduleRefusal::UnknownKind(word) => unknown_kind(word),
        ScheduleRefusal::OfficeWideOnly(kind) => office_wide_only(*kind),
        ScheduleRefusal::UnknownUnit { name, suggestions } => unknown_unit(name, suggestions),
    }
}

/// What happens to a fire time that falls on a holiday.
pub fn shift_rule(shift: Shift) -> &'static str {
    match shift {
        Shift::Next => "遇节假日顺延到下一个工作日",
        Shift::Previous => "遇节假日提前到上一个工作日",
        Shift::Skip => "遇节假日跳过",
    }
}

pub fn schedule_usage() -> String {
    format!(
        "用法：/schedule set 种类 时间表 [单位]；/schedule pause 种类 [单位]；/schedule resume 种类 [单位]；/remind now [单位]。\n\
         种类：提醒 reminder、催报 nudge、督促 escalation、通报 bulletin。\n\
         时间表 6 个字段（秒 分 时 日 月 星期），例如：{EXAMPLE}"
    )
}

pub fn unknown_kind(word: &str) -> String {
    format!(
        "没有“{word}”这种时间表。种类：提醒 reminder、催报 nudge、督促 escalation、通报 bulletin。"
    )
}

pub fn office_wide_only(kind: Kind) -> String {
    format!(
        "{}针对全区，不能按单位设置；去掉单位名即可修改全区的{}时间表。",
        kind.label(),
        kind.label()
    )
}

pub fn schedule_preview(
    kind: Kind,
    unit: Option<&Named>,
    plan: &Plan,
    times: &[DateTime<Utc>],
) -> String {
    format!(
        "将把{}时间表改为：{}\n接下来三次：{}\n确认保存吗？（保存前原时间表不变）",
        whose(kind, unit),
        plan.expression(),
        times_text(times)
    )
}

pub fn schedule_saved(draft: &ScheduleDraft, times: &[DateTime<Utc>]) -> String {
    format!(
        "已保存：{}时间表为 {}。\n接下来：{}",
        whose(draft.kind, draft.unit.as_ref()),
        draft.expression,
        times_text(times)
    )
}

pub fn schedule_saved_toast() -> String {
    "已保存，下次触发起生效。".into()
}

pub fn schedule_cancelled() -> String {
    "已取消，时间表没有改动。".into()
}

pub fn schedule_draft_gone() -> String {
    "这个改动已经确认或取消过了。".into()
}

pub fn schedule_paused(kind: Kind, unit: Option<&Named>, paused: bool) -> String {
    if paused {
        format!(
            "已暂停{}时间表，恢复请用 /schedule resume。",
            whose(kind, unit)
        )
    } else {
        format!("已恢复{}时间表。", whose(kind, unit))
    }
}

pub fn button_confirm() -> String {
    "✅ 确认保存".into()
}

pub fn button_cancel() -> String {
    "取消".into()
}

pub fn remind_usage() -> String {
    "用法：/remind now [单位]：立即向（某单位或全部）主办单位联络员补发本期提醒。".into()
}

pub fn reminders_queued(messages: u64, unit: Option<&Named>) -> String {
    let whom = unit.map_or("各主办单位".to_owned(), |u| u.name.clone());
    if messages == 0 {
        return format!("{whom}没有需要提醒的联络员（没有主办任务，或还没有联络员绑定）。");
    }
    format!("已安排向{whom}的联络员发送{messages}条提醒，将按发送限速陆续送达。")
}

/// To each admin when the outbox gave up on a message (the user blocked the bot, the bot left
/// the group, or Telegram kept failing).
pub fn send_gave_up(chat_id: i64, key: &str, error: &str) -> String {
    format!(
        "无法向会话 {chat_id} 发送消息（{key}）：{}。对方可能已屏蔽机器人或退出群组，请核实联系人。",
        short(error, 200)
    )
}

/// To each admin when the outbox gave up posting a bulletin to a group robot (`robot_name`:
/// 企业微信群机器人 …).
pub fn robot_gave_up(robot_name: &str, key: &str, error: &str) -> String {
    format!(
        "通报未能推送到{robot_name}（{key}）：{}。请核实该群机器人的推送地址、签名密钥和安全设置（关键词、IP 白名单）。",
        short(error, 200)
    )
}

// ---- splitting -----------------------------------------------------------------------------

/// Telegram's limit is 4096 characters; stay under it with room to spare.
pub const MESSAGE_LIMIT: usize = 4000;

/// Joins lines into messages under [`MESSAGE_LIMIT`] characters, never cutting a line (a line
/// longer than the limit is shortened).
pub fn split_lines(lines: &[String]) -> Vec<String> {
    let mut messages = Vec::new();
    let mut current = String::new();
    let mut current_chars = 0;
    for line in lines {
        let line = short(line, MESSAGE_LIMIT - 1);
        let chars = line.chars().count() + 1;
        if current_chars + chars > MESSAGE_LIMIT && !current.is_empty() {
            messages.push(std::mem::take(&mut current).trim_end().to_owned());
            current_chars = 0;
        }
        current.push_str(&line);
        current.push('\n');
        current_chars += chars;
    }
    if !current.trim().is_empty() {
        messages.push(current.trim_end().to_owned());
    }
    messages
}

/// What a command's entry in a platform's command menu says.
pub fn command_description(name: &str) -> &'static str {
    match name {
        "start" => "开始；带邀请码时绑定身份",
        "help" => "我能做什么",
        "whoami" => "我的身份",
        "tasks" => "本单位的任务和本期进展",
        "report" => "报告进展：/report 任务编号 内容",
        "status" => "查看进展：/status [任务编号|单位|领导]",
        "bulletin" => "督查通报：/bulletin [期号|报告期]",
        "units" => "单位列表（管理员）",
        "contacts" => "联络员名单（管理员）：/contacts [单位]",
        "invite" => "生成邀请链接（管理员）：/invite 单位名",
        "remove" => "解除绑定（管理员）：/remove 用户ID",
        "assign" => "指定承办单位（管理员）：/assign 任务编号 主办单位 [协办：单位…]",
        "unbind" => "解除我的绑定",
        "register" => "登记本群，允许在群里显示任务信息（管理员）",
        "unregister" => "取消本群登记（管理员）",
        "schedule" => "时间表（管理员）：/schedule [set|pause|resume 种类 …]",
        "remind" => "立即补发提醒（管理员）：/remind now [单位]",
        "review" => "待审核的报告（督查、管理员）",
        "confirm" => "确认报告（督查、管理员）：/confirm 报告编号",
        "return" => "退回报告（督查、管理员）：/return 报告编号 理由",
        "reopen" => "重新打开已办结的任务（管理员）：/reopen 任务编号 理由",
        "extend" => "申请延期（主办单位联络员）：/extend 任务编号 日期 理由",
        "approve" => "批准延期申请（管理员）：/approve 申请编号",
        "refuse" => "不批准延期申请（管理员）：/refuse 申请编号 [理由]",
        "evidence" => "取回佐证材料：/evidence 佐证编号",
        "item" => "新建督办件（管理员）：/item 主办单位 办理时限 [每N天] 内容",
        _ => "",
    }
}

pub fn bulletin_refused(refusal: &BulletinRefusal) -> String {
    match refusal {
        BulletinRefusal::NoNotice => {
            "还没有导入任务通知，无法编制通报。请先运行 duban import。".into()
        }
        BulletinRefusal::NoSuchNumber(number) => format!("还没有第{number}期通报。"),
        BulletinRefusal::NotAPeriod { word, example } => {
            format!("“{word}”不是报告期。报告期写作 {example}（按配置项 cycle），或写期号，如 3。")
        }
        BulletinRefusal::NotStarted(period) => {
            format!("报告期 {period} 还没有开始，无法编制通报。")
        }
    }
}

/// The name of a bulletin's files, without the extension.
pub fn bulletin_file_name(number: u32, period: &str) -> String {
    format!("督查通报第{number}期-{period}")
}

/// What to do instead of pressing the buttons, where a platform cannot show them (DingTalk
/// without a card template): one line per kind of button, in the keyboard's order.
pub fn buttons_in_words(keyboard: &Keyboard) -> Option<String> {
    let mut lines: Vec<&str> = Vec::new();
    for button in keyboard.buttons() {
        let line = match Action::decode(&button.action) {
            Some(Action::Light(..)) => {
                "引用本消息回复即可报告进展，可在开头写 蓝、黄、红 或 完成。"
            }
            Some(Action::OpenTask(_)) => "发送“任务 编号”打开一项任务，引用它回复即可报告。",
            Some(Action::Withdraw(_) | Action::Correct(_)) => "如需补充，引用本回执回复即可。",
            Some(Action::ConfirmSchedule(_) | Action::CancelSchedule(_)) => {
                "这里无法确认修改：请用命令行 duban schedule set … --yes。"
            }
            Some(Action::ConfirmItem(_) | Action::CancelItem(_)) => {
                "这里无法确认：请用命令行 duban item add 新建督办件。"
            }
            Some(Action::ConfirmReport(_) | Action::ReturnReport(_)) => {
                "审核：发送“确认 报告编号”，或“退回 报告编号 理由”。"
            }
            Some(Action::ApproveExtension(_) | Action::RefuseExtension(_)) => {
                "审批：发送“批准 申请编号”，或“不批准 申请编号 理由”。"
            }
            None => continue,
        };
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_split_on_line_boundaries() {
        let lines: Vec<String> = (0..500)
            .map(|i| format!("第{i}行：{}", "字".repeat(30)))
            .collect();
        let messages = split_lines(&lines);
        assert!(messages.len() > 1);
        for m in &messages {
            assert!(m.chars().count() <= MESSAGE_LIMIT);
        }
        let joined: Vec<&str> = messages.iter().flat_map(|m| m.lines()).collect();
        assert_eq!(joined.len(), 500);
        assert!(joined[0].starts_with("第0行"));
    }

    #[test]
    fn shortening_marks_the_cut() {
        assert_eq!(short("一二三四五", 3), "一二三…");
        assert_eq!(short(" 一二 ", 3), "一二");
    }
}
