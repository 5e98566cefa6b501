//! The dispatch tree. Every permission of the chat loop is a filter here, in one place:
//!
//! - unbound users get `/start`, `/help` and `/whoami`, and are told to bind for the rest;
//! - a contact reports (only on tasks of their unit: checked where the task is known, in
//!   `handlers::reporting::authorize`) and reads their unit's tasks;
//! - supervisors read everything and write nothing;
//! - admins may do everything;
//! - in a group the bot answers only commands and replies to itself, and shows task data only
//!   where an admin registered the group.
//!
//! The processor puts into the dependency map: `Bot`, `SharedCtx`, `Me`, `Update`, its
//! `InboxSeq` (the update's number in the inbox: what makes a handler idempotent), `Actor` and
//! `Place`.

use super::commands::Command;
use super::handlers::{self, admin, binding, bulletins, reading, reporting, schedules};
use super::keyboards::Action;
use super::{Actor, Place};
use teloxide::dispatching::UpdateHandler;
use teloxide::dptree::{self, case};
use teloxide::prelude::*;
use teloxide::types::Me;

pub fn schema() -> UpdateHandler<anyhow::Error> {
    dptree::entry()
        .branch(Update::filter_message().branch(messages()))
        .branch(Update::filter_edited_message().endpoint(handlers::edited))
        .branch(Update::filter_callback_query().branch(buttons()))
}

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
fn can_report(actor: Actor) -> bool {
    actor.can_report()
}
fn hides_data(place: Place) -> bool {
    !place.shows_data()
}
fn in_group_not_to_bot(place: Place, msg: Message, me: Me) -> bool {
    place.is_group() && handlers::reply_to_bot(&msg, &me).is_none()
}

fn messages() -> UpdateHandler<anyhow::Error> {
    dptree::entry()
        // Photos, stickers, voice, files: answered, never stored (a caption is not a report).
        .branch(
            dptree::filter(|msg: Message| msg.text().is_none())
                .branch(dptree::filter(in_group_not_to_bot).endpoint(handlers::ignore))
                .endpoint(handlers::media),
        )
        .branch(teloxide::filter_command::<Command, _>().branch(commands()))
        // In a group, everything but commands and replies to the bot is conversation.
        .branch(dptree::filter(in_group_not_to_bot).endpoint(handlers::ignore))
        .branch(
            dptree::filter(|msg: Message| msg.text().is_some_and(|t| t.starts_with('/')))
                .endpoint(handlers::unknown_command),
        )
        .branch(dptree::filter(is_unbound).endpoint(binding::not_bound))
        .branch(dptree::filter(hides_data).endpoint(handlers::group_not_registered))
        .branch(
            dptree::filter_map(|msg: Message, me: Me| handlers::reply_to_bot(&msg, &me))
                .branch(dptree::filter(can_report).endpoint(reporting::reply))
                .endpoint(reporting::refuse_supervisor),
        )
        .endpoint(handlers::plain_text)
}

fn commands() -> UpdateHandler<anyhow::Error> {
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
            .endpoint(handlers::admins_only),
        )
        .branch(
            dptree::filter(|cmd: Command, place: Place| {
                cmd.shows_task_data() && !place.shows_data()
            })
            .endpoint(handlers::group_not_registered),
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
            case![Command::Status(args)]
                .branch(dptree::filter(is_reader).endpoint(reading::status))
                .endpoint(reading::readers_only),
        )
        .branch(
            case![Command::Bulletin(args)]
                .branch(dptree::filter(is_reader).endpoint(bulletins::bulletin))
                .endpoint(reading::readers_only),
        )
        .branch(dptree::filter(is_not_admin).endpoint(handlers::admins_only))
        .branch(case![Command::Units(args)].endpoint(admin::units))
        .branch(case![Command::Contacts(args)].endpoint(admin::contacts))
        .branch(case![Command::Invite(args)].endpoint(admin::invite))
        .branch(case![Command::Remove(args)].endpoint(admin::remove))
        .branch(case![Command::Assign(args)].endpoint(admin::assign))
        .branch(case![Command::Schedule(args)].endpoint(schedules::schedule))
        .branch(case![Command::Remind(args)].endpoint(schedules::remind))
}

fn buttons() -> UpdateHandler<anyhow::Error> {
    dptree::entry()
        .branch(
            dptree::filter_map(|q: CallbackQuery| q.data.as_deref().and_then(Action::decode))
                .branch(dptree::filter(is_unbound).endpoint(binding::not_bound_button))
                .branch(dptree::filter(hides_data).endpoint(handlers::group_not_registered_button))
                .branch(case![Action::OpenTask(task_id)].endpoint(reading::open_task))
                .branch(
                    dptree::filter(|a: Action| {
                        matches!(a, Action::ConfirmSchedule(_) | Action::CancelSchedule(_))
                    })
                    .branch(dptree::filter(is_not_admin).endpoint(handlers::admins_only_button))
                    .branch(case![Action::ConfirmSchedule(draft)].endpoint(schedules::confirm))
                    .branch(case![Action::CancelSchedule(draft)].endpoint(schedules::cancel)),
                )
                .branch(
                    dptree::filter(|a: Actor| is_bound(a.clone()) && !can_report(a))
                        .endpoint(reporting::refuse_supervisor_button),
                )
                .branch(case![Action::Light(task_id, light)].endpoint(reporting::light_pressed))
                .branch(case![Action::Withdraw(report_id)].endpoint(reporting::withdraw))
                .branch(case![Action::Correct(report_id)].endpoint(reporting::correct)),
        )
        .endpoint(handlers::stale_button)
}
