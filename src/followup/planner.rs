//! What a fire time sends, to whom — pure code over the period's tasks, reports and members.
//!
//! - reminder: each host unit's contacts get their unit's tasks. A unit hosting at most
//!   [`TASKS_PER_MESSAGE`] tasks gets one message per task, each the task with its light
//!   buttons, so that replying to it reports on that task; a unit hosting more gets one list
//!   with a task picker (one message per task would flood the chat, at one message a second).
//! - nudge: units with hosted tasks still unreported this period, with how many and the days
//!   left.
//! - escalation: only after the due date; each supervisor linked to a lead leader gets that
//!   leader's unreported tasks and their silent host units, admins get the whole list.
//! - bulletin: compiled by the bulletin issue; nothing is sent yet.
//! - items (督办件) are on no schedule: [`item_reminders`] reminds each open item's host units'
//!   contacts on its own cadence.
//!
//! A task counts as reported for a unit when the unit has an active report on it this period;
//! a task whose unit was given more time (an approved extension) is not chased before then.
//! Every message carries a dedupe key made of the fire's `prefix`, the recipient and the task
//! or part, so that the same fire planned twice enqueues nothing new.

use crate::matrix::UnitRole;
use crate::schedule::Kind;
use crate::store::{Member, OutMessage, Report, Role, TaskRef, TaskView};
use crate::wording::{Keyboard, actions, texts};
use chrono::NaiveDate;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Up to this many hosted tasks, a reminder is one message per task.
pub const TASKS_PER_MESSAGE: usize = 3;

/// Which units a fire is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every unit except these (units on their own schedule of the kind, or paused).
    Office { except: BTreeSet<i64> },
    /// One unit on its own schedule.
    Unit(i64),
}

impl Scope {
    pub fn includes(&self, unit_id: i64) -> bool {
        match self {
            Scope::Office { except } => !except.contains(&unit_id),
            Scope::Unit(id) => *id == unit_id,
        }
    }
}

/// One fire of one schedule, or an admin's `/remind now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fire {
    pub kind: Kind,
    pub scope: Scope,
    /// The day it fires on (office time), for the days left and the due-date check.
    pub day: NaiveDate,
    /// Starts every dedupe key: `reminder:2022-03`, `nudge:2022-03:2022-03-23`, ….
    pub prefix: String,
}

/// The period a fire looks at.
#[derive(Debug, Clone, Copy)]
pub struct Situation<'a> {
    pub period: &'a str,
    pub due: NaiveDate,
    /// The current tasks of the notice.
    pub tasks: &'a [TaskView],
    /// The period's active reports.
    pub reports: &'a [Report],
    pub members: &'a [Member],
    /// Admins named in the config (they may have no member row).
    pub config_admins: &'a [i64],
    /// Approved extensions: (task, unit) given until this day (延期).
    pub extended: &'a [(i64, i64, NaiveDate)],
}

/// The messages `fire` sends.
pub fn plan(fire: &Fire, s: &Situation) -> Vec<OutMessage> {
    match fire.kind {
        Kind::Reminder => reminders(fire, s),
        Kind::Nudge => nudges(fire, s),
        Kind::Escalation => escalations(fire, s),
        Kind::Bulletin => Vec::new(),
    }
}

/// Host units in scope with their hosted tasks, by unit id.
fn hosted<'a>(fire: &Fire, s: &Situation<'a>) -> BTreeMap<i64, (&'a str, Vec<&'a TaskView>)> {
    let mut units: BTreeMap<i64, (&str, Vec<&TaskView>)> = BTreeMap::new();
    for task in s.tasks {
        for host in task.hosts().filter(|u| fire.scope.includes(u.unit_id)) {
            units
                .entry(host.unit_id)
                .or_insert_with(|| (host.name.as_str(), Vec::new()))
                .1
                .push(task);
        }
    }
    units
}

fn contacts<'a>(s: &Situation<'a>, unit_id: i64) -> impl Iterator<Item = &'a Member> {
    s.members.iter().filter(move |m| {
        m.role == Role::Contact && m.unit.as_ref().is_some_and(|u| u.id == unit_id)
    })
}

/// The (task, unit) pairs a nudge or an escalation on `day` leaves alone: reported this
/// period, or given more time until `day` or later.
fn reported(s: &Situation, day: NaiveDate) -> HashSet<(i64, i64)> {
    s.reports
        .iter()
        .map(|r| (r.task_id, r.unit_id))
        .chain(
            s.extended
                .iter()
                .filter(|(_, _, until)| *until >= day)
                .map(|(task, unit, _)| (*task, *unit)),
        )
        .collect()
}

/// A text message for the outbox, with its buttons.
pub fn message(key: String, chat_id: i64, text: String, buttons: Option<Keyboard>) -> OutMessage {
    let payload = match buttons {
        Some(buttons) => json!({ "text": text, "buttons": buttons }),
        None => json!({ "text": text }),
    };
    OutMessage {
        key,
        chat_id,
        is_group: false,
        payload,
        anchor_task: None,
        file: None,
    }
}

/// The parts of a long text, the last with the task picker.
fn parts(
    key: &str,
    chat_id: i64,
    texts: Vec<String>,
    tasks: &[&TaskView],
) -> impl Iterator<Item = OutMessage> {
    let last = texts.len().saturating_sub(1);
    let picker: Vec<(i64, TaskRef)> = tasks.iter().map(|t| (t.id, t.task_ref())).collect();
    texts.into_iter().enumerate().map(move |(i, text)| {
        let markup = (i == last).then(|| actions::task_picker(&picker));
        message(format!("{key}:{}", i + 1), chat_id, text, markup)
    })
}

fn reminders(fire: &Fire, s: &Situation) -> Vec<OutMessage> {
    let mut out = Vec::new();
    for (unit_id, (unit, tasks)) in hosted(fire, s) {
        for contact in contacts(s, unit_id) {
            let chat = contact.user_id;
            let key = format!("{}:{unit_id}:{chat}", fire.prefix);
            if tasks.len() <= TASKS_PER_MESSAGE {
                for task in &tasks {
                    let text = texts::reminder_task(task, s.period, s.due);
                    let mut m = message(
                        format!("{key}:task{}", task.number),
                        chat,
                        text,
                        Some(actions::lights(task.id)),
                    );
                    m.anchor_task = Some(task.id);
                    out.push(m);
                }
            } else {
                let text = texts::reminder_list(unit, &tasks, s.period, s.due);
                out.extend(parts(&key, chat, text, &tasks));
            }
        }
    }
    out
}

/// Items' reminders go out on their cadence days from this hour (office time) on.
pub const ITEM_REMINDER_HOUR: u32 = 9;

/// The day of an item's latest reminder on or before `today`: its creation day, then every
/// `every_days`; None for an item without a cadence.
pub fn item_cadence_day(
    created: NaiveDate,
    every_days: Option<u32>,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let every = i64::from(every_days?);
    let since = (today - created).num_days();
    if since < 0 || every == 0 {
        return None;
    }
    Some(created + chrono::Duration::days(since / every * every))
}

/// The reminders of `items` due on `today` at `hour` (office time): each open item (`open`
/// says which; due on its own date or the latest an approved extension in `extended` gave) on
/// a cadence day, from [`ITEM_REMINDER_HOUR`], to its host units' contacts, with
/// the light buttons, anchored to the item so that a reply reports on it. After its due date
/// the reminder says it is overdue. Keyed `item:{task}:{cadence day}:{chat}`: a reminder
/// planned again (a restart, the next tick) enqueues nothing new; one missed (downtime) goes
/// out once when the bot is back, while its cadence day is still the latest.
pub fn item_reminders(
    items: &[TaskView],
    open: impl Fn(i64) -> bool,
    extended: &[(i64, i64, NaiveDate)],
    members: &[Member],
    today: NaiveDate,
    hour: u32,
) -> Vec<OutMessage> {
    let mut out = Vec::new();
    if hour < ITEM_REMINDER_HOUR {
        return out;
    }
    for task in items.iter().filter(|t| open(t.id)) {
        let Some(item) = &task.item else {
            continue;
        };
        let created = chrono::DateTime::from_timestamp(item.created_at, 0)
            .unwrap_or_default()
            .with_timezone(&crate::clock::office_offset())
            .date_naive();
        let Some(day) = item_cadence_day(created, item.every_days, today) else {
            continue;
        };
        let due = extended
            .iter()
            .filter(|(id, _, _)| *id == task.id)
            .map(|(_, _, until)| *until)
            .fold(item.due, NaiveDate::max);
        let hosts: BTreeSet<i64> = task.hosts().map(|u| u.unit_id).collect();
        let chats = members.iter().filter(|m| {
            m.role == Role::Contact && m.unit.as_ref().is_some_and(|u| hosts.contains(&u.id))
        });
        for contact in chats {
            let chat = contact.user_id;
            let mut m = message(
                format!("item:{}:{day}:{chat}", task.id),
                chat,
                texts::item_reminder(task, due, today),
                Some(actions::lights(task.id)),
            );
            m.anchor_task = Some(task.id);
            out.push(m);
        }
    }
    out
}

fn nudges(fire: &Fire, s: &Situation) -> Vec<OutMessage> {
    let done = reported(s, fire.day);
    let mut out = Vec::new();
    for (unit_id, (unit, tasks)) in hosted(fire, s) {
        let silent: Vec<&TaskView> = tasks
            .into_iter()
            .filter(|t| !done.contains(&(t.id, unit_id)))
            .collect();
        if silent.is_empty() {
            continue;
        }
        for contact in contacts(s, unit_id) {
            let chat = contact.user_id;
            let text = texts::nudge(unit, &silent, s.period, s.due, fire.day);
            let key = format!("{}:{unit_id}:{chat}", fire.prefix);
            out.extend(parts(&key, chat, text, &silent));
        }
    }
    out
}

fn escalations(fire: &Fire, s: &Situation) -> Vec<OutMessage> {
    if fire.day <= s.due {
        return Vec::new();
    }
    let done = reported(s, fire.day);
    let silent: Vec<(&TaskView, Vec<&str>)> = s
        .tasks
        .iter()
        .filter_map(|task| {
            let units: Vec<&str> = task
                .units
                .iter()
                .filter(|u| u.role == UnitRole::Host && fire.scope.includes(u.unit_id))
                .filter(|u| !done.contains(&(task.id, u.unit_id)))
                .map(|u| u.name.as_str())
                .collect();
            (!units.is_empty()).then_some((task, units))
        })
        .collect();
    if silent.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    // Reviewers also learn how many reports wait for them.
    let waiting = s.reports.iter().filter(|r| r.reviewed_at.is_none()).count();
    let mut send = |user: i64, texts: Vec<String>| {
        for (i, text) in texts.into_iter().enumerate() {
            let key = format!("{}:{user}:{}", fire.prefix, i + 1);
            out.push(message(key, user, text, None));
        }
    };
    for member in s.members.iter().filter(|m| m.role == Role::Supervisor) {
        let Some(leader) = &member.leader else {
            continue;
        };
        let theirs: Vec<(&TaskView, Vec<&str>)> = silent
            .iter()
            .filter(|(task, _)| {
                // Leaders of either role: 牵头领导 or 责任领导.
                task.leaders.iter().any(|l| l.name == leader.name)
            })
            .cloned()
            .collect();
        if !theirs.is_empty() {
            send(
                member.user_id,
                texts::escalation(Some(&leader.name), &theirs, s.period, s.due, waiting),
            );
        }
    }
    let admins: BTreeSet<i64> = s
        .members
        .iter()
        .filter(|m| m.role == Role::Admin)
        .map(|m| m.user_id)
        .chain(s.config_admins.iter().copied())
        .collect();
    for admin in admins {
        send(
            admin,
            texts::escalation(None, &silent, s.period, s.due, waiting),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::{LeaderRef, LeaderRole};
    use crate::progress::Light;
    use crate::store::{Named, ReportState, TaskUnit};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2022, 3, d).unwrap()
    }

    #[test]
    fn an_item_is_reminded_on_its_creation_day_then_every_n_days_from_nine() {
        assert_eq!(item_cadence_day(day(10), Some(7), day(10)), Some(day(10)));
        assert_eq!(item_cadence_day(day(10), Some(7), day(16)), Some(day(10)));
        assert_eq!(item_cadence_day(day(10), Some(7), day(17)), Some(day(17)));
        assert_eq!(item_cadence_day(day(10), Some(7), day(30)), Some(day(24)));
        assert_eq!(item_cadence_day(day(10), None, day(17)), None);
        assert_eq!(item_cadence_day(day(10), Some(7), day(9)), None);

        let mut item = task(7, &[(1, "区科技局")], "张锐");
        item.item = Some(crate::store::ItemInfo {
            number: 1,
            source: "领导批示".into(),
            due: day(20),
            every_days: Some(7),
            // 2022-03-10 09:00 in Beijing.
            created_at: 1_646_874_000,
        });
        let members = [
            member(1001, Role::Contact, Some((1, "区科技局")), None),
            member(1002, Role::Contact, Some((2, "区财政局")), None),
        ];
        let at = |today, hour| {
            item_reminders(
                std::slice::from_ref(&item),
                |_| true,
                &[],
                &members,
                today,
                hour,
            )
        };
        assert!(at(day(17), 8).is_empty(), "not before nine");
        let sent = at(day(17), 9);
        assert_eq!(sent.len(), 1, "the host unit's contact only");
        assert_eq!(sent[0].key, "item:7:2022-03-17:1001");
        assert_eq!(sent[0].anchor_task, Some(7));
        assert!(
            at(day(17), 9).iter().all(|m| m.key == sent[0].key),
            "the same key again"
        );
        let closed = item_reminders(
            std::slice::from_ref(&item),
            |_| false,
            &[],
            &members,
            day(17),
            9,
        );
        assert!(closed.is_empty());
        let late = at(day(24), 10);
        assert!(
            late[0].payload["text"]
                .as_str()
                .unwrap()
                .contains("已超过办理时限（2022年3月20日）4天")
        );
        let extended = item_reminders(
            std::slice::from_ref(&item),
            |_| true,
            &[(7, 1, day(31))],
            &members,
            day(24),
            10,
        );
        assert!(
            extended[0].payload["text"]
                .as_str()
                .unwrap()
                .contains("办理时限2022年3月31日，请报送")
        );
    }

    fn task(id: i64, hosts: &[(i64, &str)], lead: &str) -> TaskView {
        TaskView {
            id,
            number: id as u32,
            text: format!("任务{id}"),
            section: None,
            leaders: vec![LeaderRef {
                name: lead.into(),
                role: LeaderRole::Lead,
                title: None,
            }],
            units: hosts
                .iter()
                .map(|(unit_id, name)| TaskUnit {
                    unit_id: *unit_id,
                    name: (*name).into(),
                    role: UnitRole::Host,
                })
                .collect(),
            targets: Vec::new(),
            deadline: None,
            item: None,
        }
    }

    fn member(user_id: i64, role: Role, unit: Option<(i64, &str)>, leader: Option<&str>) -> Member {
        Member {
            user_id,
            display_name: format!("用户{user_id}"),
            role,
            unit: unit.map(|(id, name)| Named {
                id,
                name: name.into(),
            }),
            leader: leader.map(|name| Named {
                id: 1,
                name: name.into(),
            }),
            bound_at: 0,
        }
    }

    fn report(task_id: i64, unit_id: i64) -> Report {
        Report {
            id: task_id * 100 + unit_id,
            task_id,
            task_number: task_id as u32,
            item: false,
            unit_id,
            unit: String::new(),
            period: "2022-03".into(),
            user_id: 0,
            user_name: None,
            light: Some(Light::Blue),
            text: "进展".into(),
            inbox_seq: task_id * 100 + unit_id,
            corrects: None,
            state: ReportState::Active,
            created_at: 0,
            changed_at: None,
            figures: Vec::new(),
            reviewed_by: None,
            reviewed_at: None,
            review_note: None,
        }
    }

    struct World {
        tasks: Vec<TaskView>,
        members: Vec<Member>,
        reports: Vec<Report>,
        extended: Vec<(i64, i64, NaiveDate)>,
    }

    /// Unit 1 hosts tasks 1–2 (leader 甲), unit 2 hosts tasks 3–7 (leader 乙).
    fn world() -> World {
        let mut tasks = vec![
            task(1, &[(1, "区科技局")], "甲"),
            task(2, &[(1, "区科技局")], "甲"),
        ];
        tasks.extend((3..=7).map(|id| task(id, &[(2, "区财政局")], "乙")));
        World {
            tasks,
            members: vec![
                member(11, Role::Contact, Some((1, "区科技局")), None),
                member(21, Role::Contact, Some((2, "区财政局")), None),
                member(22, Role::Contact, Some((2, "区财政局")), None),
                member(31, Role::Supervisor, None, Some("甲")),
                member(32, Role::Supervisor, None, Some("乙")),
                member(41, Role::Admin, None, None),
            ],
            reports: vec![report(1, 1), report(3, 2)],
            extended: Vec::new(),
        }
    }

    fn situation(w: &World) -> Situation<'_> {
        Situation {
            period: "2022-03",
            due: day(25),
            tasks: &w.tasks,
            reports: &w.reports,
            members: &w.members,
            config_admins: &[41, 42],
            extended: &w.extended,
        }
    }

    fn fire(kind: Kind, d: u32, scope: Scope) -> Fire {
        Fire {
            kind,
            scope,
            day: day(d),
            prefix: format!("{}:2022-03", kind.code()),
        }
    }

    fn office() -> Scope {
        Scope::Office {
            except: BTreeSet::new(),
        }
    }

    fn chats(messages: &[OutMessage]) -> Vec<i64> {
        messages.iter().map(|m| m.chat_id).collect()
    }

    #[test]
    fn a_unit_with_few_tasks_gets_a_message_per_task_and_one_with_many_a_list() {
        let w = world();
        let out = plan(&fire(Kind::Reminder, 18, office()), &situation(&w));

        // Contact 11: tasks 1 and 2, one message each, anchored; contacts 21 and 22: one list.
        assert_eq!(chats(&out), [11, 11, 21, 22]);
        assert_eq!(out[0].anchor_task, Some(1));
        assert_eq!(out[1].anchor_task, Some(2));
        assert_eq!(out[0].key, "reminder:2022-03:1:11:task1");
        assert_eq!(out[2].key, "reminder:2022-03:2:21:1");
        assert_eq!(out[2].anchor_task, None);
        let list = out[2].payload["text"].as_str().unwrap();
        assert!(list.contains("区财政局主办的5项任务"), "{list}");
        assert!(list.contains("3月25日（星期五）"), "{list}");
        let buttons = out[2].payload["buttons"].to_string();
        assert!(
            buttons.contains("t:3") && buttons.contains("t:7"),
            "{buttons}"
        );
    }

    #[test]
    fn a_unit_on_its_own_schedule_is_left_out_of_the_office_fire() {
        let w = world();
        let except = Scope::Office {
            except: BTreeSet::from([2]),
        };
        assert_eq!(
            chats(&plan(&fire(Kind::Reminder, 18, except), &situation(&w))),
            [11, 11]
        );
        assert_eq!(
            chats(&plan(
                &fire(Kind::Reminder, 18, Scope::Unit(2)),
                &situation(&w)
            )),
            [21, 22]
        );
    }

    #[test]
    fn an_extended_task_is_not_chased_until_its_new_date() {
        let mut w = world();
        // Unit 1 reported task 1 and was given until the 30th for task 2.
        w.extended = vec![(2, 1, day(30))];
        let nudged = plan(&fire(Kind::Nudge, 23, office()), &situation(&w));
        assert_eq!(chats(&nudged), [21, 22], "unit 1 has nothing due");
        let escalated = plan(&fire(Kind::Escalation, 28, office()), &situation(&w));
        assert!(escalated.iter().all(|m| {
            let text = m.payload["text"].as_str().unwrap();
            !text.contains("任务2") && !text.contains("区科技局")
        }));
        // The reports of the world wait for review: the digest says so.
        assert!(escalated.iter().all(|m| {
            m.payload["text"]
                .as_str()
                .unwrap()
                .contains("另有 2 条报告待审核")
        }));
        // The extension ran out: chased again.
        w.extended = vec![(2, 1, day(27))];
        let escalated = plan(&fire(Kind::Escalation, 28, office()), &situation(&w));
        assert!(
            escalated
                .iter()
                .any(|m| { m.payload["text"].as_str().unwrap().contains("区科技局") })
        );
    }

    #[test]
    fn nudges_go_only_to_units_with_silent_tasks_and_count_them() {
        let mut w = world();
        let out = plan(&fire(Kind::Nudge, 23, office()), &situation(&w));
        assert_eq!(chats(&out), [11, 21, 22]);
        let text = out[1].payload["text"].as_str().unwrap();
        assert!(text.contains("还有4项任务"), "{text}");
        assert!(text.contains("距截止还有2天"), "{text}");

        w.reports.push(report(2, 1));
        let out = plan(&fire(Kind::Nudge, 23, office()), &situation(&w));
        assert_eq!(chats(&out), [21, 22]);
    }

    #[test]
    fn escalation_waits_for_the_due_date_and_goes_to_the_leaders_supervisors_and_admins() {
        let w = world();
        assert!(plan(&fire(Kind::Escalation, 25, office()), &situation(&w)).is_empty());

        let out = plan(&fire(Kind::Escalation, 26, office()), &situation(&w));

        assert_eq!(chats(&out), [31, 32, 41, 42]);
        let to_jia = out[0].payload["text"].as_str().unwrap();
        assert!(to_jia.contains("甲牵头的任务中有1项"), "{to_jia}");
        assert!(
            to_jia.contains("第2项") && !to_jia.contains("第3项"),
            "{to_jia}"
        );
        let to_admin = out[2].payload["text"].as_str().unwrap();
        assert!(to_admin.contains("全部任务中有5项"), "{to_admin}");
        assert!(to_admin.contains("（主办：区财政局）"), "{to_admin}");
    }

    #[test]
    fn a_responsible_leaders_supervisor_is_escalated_to_like_a_lead_leaders() {
        let mut w = world();
        w.tasks[1].leaders[0].role = LeaderRole::Responsible;

        let out = plan(&fire(Kind::Escalation, 26, office()), &situation(&w));

        assert_eq!(chats(&out), [31, 32, 41, 42]);
        let to_jia = out[0].payload["text"].as_str().unwrap();
        assert!(to_jia.contains("第2项"), "{to_jia}");
    }

    #[test]
    fn nothing_to_say_sends_nothing() {
        let mut w = world();
        w.reports = w
            .tasks
            .iter()
            .map(|t| report(t.id, t.units[0].unit_id))
            .collect();
        assert!(plan(&fire(Kind::Nudge, 23, office()), &situation(&w)).is_empty());
        assert!(plan(&fire(Kind::Escalation, 26, office()), &situation(&w)).is_empty());
        assert!(plan(&fire(Kind::Bulletin, 28, office()), &situation(&w)).is_empty());
    }
}
