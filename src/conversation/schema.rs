//! The dispatch tree. Every permission of the conversation is a filter here, in one place:
//!
//! - unbound users get `/start`, `/help` and `/whoami`, and are told to bind for the rest;
//! - a contact reports (only on tasks of their unit: checked where the task is known, in
//!   `cases::reporting::authorize`) and reads their unit's tasks;
//! - a contact attaches evidence (a photo or a file) to their unit's tasks, like a report;
//! - supervisors read everything and write only reviews (确认, 退回);
//! - admins may do everything;
//! - in a group the bot answers only commands and messages meant for it, and shows task data
//!   only where an admin registered the group.
//!
//! [`handle`](super::handle) puts into the dependency map: `SharedCtx`, the event's
//! `InboxSeq` (its number in the inbox: what makes a use case idempotent), the [`Event`],
//! its [`Actor`] and its [`Place`].

use super::cases::{
    self, RepliedTo, admin, binding, bulletins, evidence, extensions, items, reading, reporting,
    review, schedules,
};
use super::command::{Command, Parsed};
use super::{Actor, Ctx, Event, EventKind, Handler, Place, SharedCtx};
use crate::wording::Action;
use dptree::case;

pub fn schema() -> Handler {
    dptree::entry()
        .branch(dptree::filter(|e: Event| matches!(e.kind, EventKind::Text { .. })).branch(texts()))
        .branch(
            dptree::filter(|e: Event| matches!(e.kind, EventKind::Media { .. }))
                .branch(dptree::filter(overheard).endpoint(cases::ignore))
                // Stickers, voice: answered, never stored.
                .branch(dptree::filter(|e: Event| e.attachment().is_none()).endpoint(cases::media))
                // A photo or a file may be evidence, under the rules of reporting.
                .branch(dptree::filter(is_unbound).endpoint(binding::not_bound))
                .branch(dptree::filter(hides_data).endpoint(cases::group_not_registered))
                .branch(dptree::filter(can_report).endpoint(evidence::attach))
                .endpoint(evidence::refuse_supervisor),
        )
        .branch(dptree::filter(|e: Event| e.kind == EventKind::Edited).endpoint(cases::edited))
        .branch(
            dptree::filter_map(|e: Event| match e.kind {
                EventKind::Pressed { action, .. } => Some(Pressed(action)),
                _ => None,
            })
            .branch(buttons()),
        )
}

/// The action code of a pressed button, as the platform gave it.
#[derive(Debug, Clone)]
struct Pressed(Option<String>);

fn is_bound(actor: Actor) -> bool {
    actor.is_bound()
}
fn is_unbound(actor: Actor) -> bool {
    !actor.is_bound()
}
fn is_admin(actor: Actor) -> bool {
    actor.is_admin()
}
fn is_not_admin(actor: Actor) -> bool {
    !actor.is_admin()
}
fn is_contact(actor: Actor) -> bool {
    actor.is_contact()
}
fn is_reader(actor: Actor) -> bool {
    actor.is_reader()
}
fn is_not_reader(actor: Actor) -> bool {
    !actor.is_reader()
}
fn can_report(actor: Actor) -> bool {
    actor.can_report()
}
fn hides_data(place: Place) -> bool {
    !place.shows_data()
}
fn overheard(event: Event) -> bool {
    event.overheard()
}

/// The event's text as a command: slash commands anywhere, the Chinese words only where the
/// text is meant for the bot and replies to nothing.
fn parse(event: Event, ctx: SharedCtx) -> Option<Parsed> {
    let text = event.text()?;
    let words = !event.overheard() && event.replied_to().is_none();
    Some(Command::parse(text, bot_name(&ctx), words))
}

fn bot_name(ctx: &Ctx) -> &str {
    &ctx.username
}

fn texts() -> Handler {
    dptree::entry()
        .branch(
            dptree::filter_map(|event: Event, ctx: SharedCtx| match parse(event, ctx)? {
                Parsed::Command(command) => Some(command),
                _ => None,
            })
            .branch(commands()),
        )
        // In a group, everything but commands and messages meant for the bot is conversation.
        .branch(dptree::filter(overheard).endpoint(cases::ignore))
        .branch(
            dptree::filter(|event: Event, ctx: SharedCtx| {
                parse(event, ctx) == Some(Parsed::Unknown)
            })
            .endpoint(cases::unknown_command),
        )
        .branch(dptree::filter(is_unbound).endpoint(binding::not_bound))
        .branch(dptree::filter(hides_data).endpoint(cases::group_not_registered))
        .branch(
            dptree::filter_map(|event: Event| event.replied_to().map(RepliedTo))
                .branch(dptree::filter(can_report).endpoint(reporting::reply))
                // Supervisors reply only to give the reason of a return.
                .branch(dptree::filter(is_reader).endpoint(review::reply))
                .endpoint(reporting::refuse_supervisor),
        )
        .endpoint(reading::which_task)
}

fn commands() -> Handler {
    dptree::entry()
        .branch(case![Command::Start(code)].endpoint(binding::start))
        .branch(case![Command::Help(args)].endpoint(binding::help))
        .branch(case![Command::Whoami(args)].endpoint(binding::whoami))
        .branch(dptree::filter(is_unbound).endpoint(binding::not_bound))
        .branch(case![Command::Unbind(args)].endpoint(binding::unbind))
        .branch(
            dptree::filter(|cmd: Command| {
                matches!(cmd, Command::Register(_) | Command::Unregister(_))
            })
            .branch(dptree::filter(is_admin).endpoint(admin::register))
            .endpoint(cases::admins_only),
        )
        .branch(
            dptree::filter(|cmd: Command, place: Place| {
                cmd.shows_task_data() && !place.shows_data()
            })
            .endpoint(cases::group_not_registered),
        )
        .branch(
            case![Command::Tasks(args)]
                .branch(dptree::filter(is_contact).endpoint(reading::tasks))
                .branch(dptree::filter(is_admin).endpoint(admin::unassigned))
                .endpoint(reading::contacts_only),
        )
        .branch(
            case![Command::Report(args)]
                .branch(dptree::filter(can_report).endpoint(reporting::command))
                .endpoint(reporting::refuse_supervisor),
        )
        .branch(
            case![Command::Extend(args)]
                .branch(dptree::filter(is_contact).endpoint(extensions::extend))
                .endpoint(reading::contacts_only),
        )
        .branch(
            case![Command::Status(args)]
                .branch(dptree::filter(is_reader).endpoint(reading::status))
                .endpoint(reading::readers_only),
        )
        .branch(
            case![Command::Bulletin(args)]
                .branch(dptree::filter(is_reader).endpoint(bulletins::bulletin))
                .endpoint(reading::readers_only),
        )
        .branch(
            dptree::filter(|cmd: Command| {
                matches!(
                    cmd,
                    Command::Review(_) | Command::Confirm(_) | Command::Return(_)
                )
            })
            .branch(dptree::filter(is_not_reader).endpoint(review::reviewers_only))
            .branch(case![Command::Review(args)].endpoint(review::queue))
            .branch(case![Command::Confirm(args)].endpoint(review::confirm_command))
            .branch(case![Command::Return(args)].endpoint(review::return_command)),
        )
        // Any bound person; the use case checks the evidence is theirs to see.
        .branch(case![Command::Evidence(args)].endpoint(evidence::send_back))
        .branch(dptree::filter(is_not_admin).endpoint(cases::admins_only))
        .branch(case![Command::Reopen(args)].endpoint(review::reopen))
        .branch(case![Command::Approve(args)].endpoint(extensions::approve_command))
        .branch(case![Command::Refuse(args)].endpoint(extensions::refuse_command))
        .branch(case![Command::Units(args)].endpoint(admin::units))
        .branch(case![Command::Contacts(args)].endpoint(admin::contacts))
        .branch(case![Command::Invite(args)].endpoint(admin::invite))
        .branch(case![Command::Remove(args)].endpoint(admin::remove))
        .branch(case![Command::Assign(args)].endpoint(admin::assign))
        .branch(case![Command::Schedule(args)].endpoint(schedules::schedule))
        .branch(case![Command::Item(args)].endpoint(items::item))
        .branch(case![Command::Remind(args)].endpoint(schedules::remind))
}

fn buttons() -> Handler {
    dptree::entry()
        .branch(
            dptree::filter_map(|p: Pressed| p.0.as_deref().and_then(Action::decode))
                .branch(dptree::filter(is_unbound).endpoint(binding::not_bound_button))
                .branch(dptree::filter(hides_data).endpoint(cases::group_not_registered_button))
                .branch(case![Action::OpenTask(task_id)].endpoint(reading::open_task))
                .branch(
                    dptree::filter(|a: Action| {
                        matches!(a, Action::ConfirmSchedule(_) | Action::CancelSchedule(_))
                    })
                    .branch(dptree::filter(is_not_admin).endpoint(cases::admins_only_button))
                    .branch(case![Action::ConfirmSchedule(draft)].endpoint(schedules::confirm))
                    .branch(case![Action::CancelSchedule(draft)].endpoint(schedules::cancel)),
                )
                .branch(
                    dptree::filter(|a: Action| {
                        matches!(a, Action::ConfirmItem(_) | Action::CancelItem(_))
                    })
                    .branch(dptree::filter(is_not_admin).endpoint(cases::admins_only_button))
                    .branch(case![Action::ConfirmItem(draft)].endpoint(items::confirm))
                    .branch(case![Action::CancelItem(draft)].endpoint(items::cancel)),
                )
                .branch(
                    dptree::filter(|a: Action| {
                        matches!(a, Action::ConfirmReport(_) | Action::ReturnReport(_))
                    })
                    .branch(dptree::filter(is_not_reader).endpoint(review::reviewers_only_button))
                    .branch(case![Action::ConfirmReport(id)].endpoint(review::confirm_pressed))
                    .branch(case![Action::ReturnReport(id)].endpoint(review::return_pressed)),
                )
                .branch(
                    dptree::filter(|a: Action| {
                        matches!(a, Action::ApproveExtension(_) | Action::RefuseExtension(_))
                    })
                    .branch(dptree::filter(is_not_admin).endpoint(cases::admins_only_button))
                    .branch(
                        case![Action::ApproveExtension(id)].endpoint(extensions::approve_pressed),
                    )
                    .branch(
                        case![Action::RefuseExtension(id)].endpoint(extensions::refuse_pressed),
                    ),
                )
                .branch(
                    dptree::filter(|a: Actor| is_bound(a.clone()) && !can_report(a))
                        .endpoint(reporting::refuse_supervisor_button),
                )
                .branch(case![Action::Light(task_id, light)].endpoint(reporting::light_pressed))
                .branch(case![Action::Withdraw(report_id)].endpoint(reporting::withdraw))
                .branch(case![Action::Correct(report_id)].endpoint(reporting::correct)),
        )
        .endpoint(cases::stale_button)
}
