//! Who takes part in the demo and what each of them does when — pure, decided by a fixed seed,
//! so that every run tells the same story: the same contacts answer on the same simulated days
//! with the same texts, lights and figures.
//!
//! Host units are shuffled once and dealt a behaviour from a fixed pattern (on time, after the
//! nudge, after the due date, silent all period); their reports get lights from another fixed
//! pattern and figures read against the task's targets (新增高新技术企业30家 → 已新增高新技术
//! 企业9家). Each report goes one of the three ways a contact can report: a reply to the
//! reminder, `/report N 内容`, or a light button and then the text the bot asks for.

use crate::clock::office_offset;
use crate::matrix::{LeaderRole, Target, TargetKind, UnitRole};
use crate::progress::{Light, read_figures};
use crate::store::TaskView;
use chrono::{DateTime, TimeZone, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// The seed of every choice the script makes.
pub const SEED: u64 = 20_220_301;

/// The demo's admin (named in the demo's settings, so no invite is needed).
pub const ADMIN: i64 = 900_001;
const FIRST_CONTACT: i64 = 100_001;
const FIRST_SUPERVISOR: i64 = 200_001;

/// A small deterministic generator (SplitMix64): the same seed, the same choices, on every
/// machine and every run.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `[low, high)`.
    pub fn between(&mut self, low: f64, high: f64) -> f64 {
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        low + unit * (high - low)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// When a unit answers this period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timing {
    /// Between the reminder (the 18th) and the first nudge (the 23rd).
    OnTime,
    /// After a nudge, by the due date (the 25th).
    AfterNudge,
    /// After the due date, before the escalation: the bulletin counts the report as late.
    Late,
    /// Never: the unit is nudged twice and escalated to its lead leader's supervisor.
    Silent,
}

impl Timing {
    pub fn name(self) -> &'static str {
        match self {
            Timing::OnTime => "按时报送",
            Timing::AfterNudge => "催报后报送",
            Timing::Late => "逾期报送",
            Timing::Silent => "全期未报送",
        }
    }

    /// The simulated moments (Beijing time, March 2022) a unit of this timing may answer at.
    fn slots(self) -> &'static [(u32, u32)] {
        match self {
            Timing::OnTime => &[(18, 14), (18, 16), (21, 10), (21, 15), (22, 10), (22, 15)],
            Timing::AfterNudge => &[(23, 10), (23, 15), (24, 10), (25, 10), (25, 16)],
            Timing::Late => &[(26, 10), (27, 15)],
            Timing::Silent => &[],
        }
    }
}

/// The behaviours dealt to the shuffled host units in turn: over twenty units, eleven answer on
/// time, three after the nudge, two after the due date and four not at all. Any four units in
/// a row already show every behaviour.
const TIMINGS: [Timing; 20] = [
    Timing::OnTime,
    Timing::AfterNudge,
    Timing::Silent,
    Timing::Late,
    Timing::OnTime,
    Timing::OnTime,
    Timing::AfterNudge,
    Timing::OnTime,
    Timing::Silent,
    Timing::OnTime,
    Timing::Late,
    Timing::OnTime,
    Timing::OnTime,
    Timing::Silent,
    Timing::OnTime,
    Timing::AfterNudge,
    Timing::OnTime,
    Timing::OnTime,
    Timing::Silent,
    Timing::OnTime,
];

/// The lights of the reports in turn: half on track, a fifth lagging, some seriously lagging,
/// some done.
const LIGHTS: [Light; 16] = [
    Light::Blue,
    Light::Yellow,
    Light::Blue,
    Light::Done,
    Light::Red,
    Light::Blue,
    Light::Yellow,
    Light::Blue,
    Light::Done,
    Light::Blue,
    Light::Red,
    Light::Blue,
    Light::Yellow,
    Light::Blue,
    Light::Done,
    Light::Blue,
];

/// How a report reaches the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Path {
    /// A reply to the reminder about the task (units hosting up to three tasks get one each).
    ReplyToReminder,
    /// `/report N 内容`.
    Command,
    /// A light button of the reminder, then the text the bot asks for (ForceReply).
    LightButton,
    /// The task picked from a list reminder, a light button of its card, then the text.
    OpenTask,
}

impl Path {
    pub fn name(self) -> &'static str {
        match self {
            Path::ReplyToReminder => "回复提醒消息",
            Path::Command => "/report 命令",
            Path::LightButton => "状态按钮后回复",
            Path::OpenTask => "打开任务卡后按状态按钮",
        }
    }
}

/// What a simulated person is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    Contact { unit_id: i64, unit: String },
    Supervisor { leader: String },
    Admin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Telegram user id, also the id of their private chat with the bot.
    pub id: i64,
    pub name: String,
    pub role: Role,
}

impl Person {
    /// How the transcript introduces them: `区科技局联络员`, `督查（关联领导：张锐）`.
    pub fn title(&self) -> String {
        match &self.role {
            Role::Contact { unit, .. } => format!("{unit}联络员"),
            Role::Supervisor { leader } => format!("督查（关联领导：{leader}）"),
            Role::Admin => "管理员（区政府督查室）".to_owned(),
        }
    }
}

/// One report a contact will send.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedReport {
    pub contact: i64,
    pub unit_id: i64,
    pub task_id: i64,
    pub task_number: u32,
    /// The unit hosts the task (else it co-organizes it).
    pub host: bool,
    pub light: Light,
    pub timing: Timing,
    pub path: Path,
    /// The text without a light marker.
    pub text: String,
    /// The text as sent, with a light marker where the path needs one (not after a button).
    pub message: String,
    /// Figures the text gives, as (target position, value): what the bot should read.
    pub figures: Vec<(usize, f64)>,
    /// The contact presses 修改 on the receipt and sends this instead.
    pub correction: Option<String>,
}

/// A contact sitting down at a simulated moment to send some reports, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    pub at: DateTime<Utc>,
    pub contact: i64,
    /// Indexes into [`Script::reports`].
    pub reports: Vec<usize>,
}

/// A host unit and what it does this period.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitPlan {
    pub unit_id: i64,
    pub name: String,
    /// Tasks it hosts.
    pub hosted: usize,
    /// Its contact, when the unit takes part.
    pub contact: Option<i64>,
    pub timing: Timing,
}

/// The whole story.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    /// The admin, the supervisors, then the contacts.
    pub people: Vec<Person>,
    /// Host units in the order dealt, whether they take part or not.
    pub hosts: Vec<UnitPlan>,
    /// Every unit of the matrix (hosts and co-organizers).
    pub units: usize,
    pub reports: Vec<PlannedReport>,
    /// By time, then contact.
    pub visits: Vec<Visit>,
    /// What the supervision office does this period.
    pub cycle: CyclePlan,
}

/// The supervision cycle in the demo (each only where the script has a fitting report or unit):
/// a supervisor sends a report back on the 22nd and its contact answers again on the 23rd; the
/// admin confirms a ✅ report on the 22nd, which closes its task; a late unit asks for more time
/// on the 24th and the admin approves it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CyclePlan {
    /// The report sent back (an index into [`Script::reports`]) and who sends it back.
    pub returned: Option<(usize, i64)>,
    /// The ✅ report the admin confirms.
    pub closed: Option<usize>,
    /// The host unit's report whose task gets more time: its contact asks.
    pub extended: Option<usize>,
    /// The contact of the unit an item beyond the notice (督办件) is given to on the 1st, and the
    /// unit's name: reminded weekly, the contact answers the reminder of the 22nd.
    pub item: Option<(i64, String)>,
}

/// The demo's 督办件.
pub const ITEM_TEXT: &str = "落实区长批示，开展营商环境投诉问题专项整改，逐件回复办理结果";
pub const ITEM_SOURCE: &str = "领导批示";
pub const ITEM_DUE: (u32, u32) = (3, 31);
pub const ITEM_EVERY_DAYS: u32 = 7;
pub const ITEM_ANSWER: &str = "蓝：已完成投诉问题梳理，12件已回复8件，其余本月底前办结。";

/// When the cycle's steps happen: each at least an hour from every other stop of the clock (the
/// scheduler records a stop only then).
pub fn review_time() -> DateTime<Utc> {
    march(22, 17, 0)
}
pub fn answer_time() -> DateTime<Utc> {
    march(23, 13, 0)
}
pub fn extension_time() -> DateTime<Utc> {
    march(24, 12, 0)
}
pub fn approval_time() -> DateTime<Utc> {
    march(24, 14, 0)
}
/// When the item's contact answers its reminder of the 22nd.
pub fn item_answer_time() -> DateTime<Utc> {
    march(22, 12, 30)
}

/// The until-date and the reason of the demo's extension.
pub const EXTENDED_UNTIL: &str = "2022-04-08";
pub const EXTENSION_REASON: &str = "需等待上级部门批复，申请延期报送";
/// Why the supervisor sends the report back.
pub const RETURN_REASON: &str = "请补充具体数字和下一步时间节点";

/// `d` March 2022 at `h`:30, Beijing time.
pub fn march(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    office_offset()
        .with_ymd_and_hms(2022, 3, day, hour, minute, 0)
        .single()
        .expect("a valid time in March 2022")
        .with_timezone(&Utc)
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "霞", "平", "刚", "晓东", "海燕", "建华", "玉兰", "志强", "文静", "国庆", "春梅", "立新",
    "红霞", "宏伟", "雪梅",
];

fn names(rng: &mut Rng, count: usize) -> Vec<String> {
    let mut used = BTreeSet::new();
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let mut name = format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN));
        for _ in 0..20 {
            if !used.contains(&name) {
                break;
            }
            name = format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN));
        }
        if used.contains(&name) {
            // More people than names: number them, so any number of units works.
            name = format!("{name}{}", out.len() + 1);
        }
        used.insert(name.clone());
        out.push(name);
    }
    out
}

struct UnitTasks<'a> {
    name: String,
    hosted: Vec<&'a TaskView>,
    co: Vec<&'a TaskView>,
}

/// The script for the current tasks of the notice. `limit` keeps only that many units (host
/// units first, in the shuffled order) with a contact: a smaller, faster demo.
pub fn script(tasks: &[TaskView], limit: Option<usize>) -> Script {
    let mut rng = Rng::new(SEED);
    let mut units: BTreeMap<i64, UnitTasks> = BTreeMap::new();
    for task in tasks {
        for unit in &task.units {
            let entry = units.entry(unit.unit_id).or_insert_with(|| UnitTasks {
                name: unit.name.clone(),
                hosted: Vec::new(),
                co: Vec::new(),
            });
            match unit.role {
                UnitRole::Host => entry.hosted.push(task),
                _ => entry.co.push(task),
            }
        }
    }
    let mut hosts: Vec<i64> = units
        .iter()
        .filter(|(_, u)| !u.hosted.is_empty())
        .map(|(id, _)| *id)
        .collect();
    let mut others: Vec<i64> = units
        .iter()
        .filter(|(_, u)| u.hosted.is_empty())
        .map(|(id, _)| *id)
        .collect();
    rng.shuffle(&mut hosts);
    rng.shuffle(&mut others);
    let order: Vec<i64> = hosts.iter().chain(&others).copied().collect();
    let taking_part = limit.unwrap_or(order.len()).min(order.len());

    let leaders: BTreeSet<&str> = tasks
        .iter()
        .flat_map(|t| &t.leaders)
        .filter(|l| l.role == LeaderRole::Lead)
        .map(|l| l.name.as_str())
        .collect();
    let mut names = names(&mut rng, 1 + leaders.len() + taking_part).into_iter();
    let mut people = vec![Person {
        id: ADMIN,
        name: names.next().unwrap_or_default(),
        role: Role::Admin,
    }];
    for (i, leader) in leaders.iter().enumerate() {
        people.push(Person {
            id: FIRST_SUPERVISOR + i as i64,
            name: names.next().unwrap_or_default(),
            role: Role::Supervisor {
                leader: (*leader).to_owned(),
            },
        });
    }
    let mut contact_of = BTreeMap::new();
    for (i, unit_id) in order.iter().take(taking_part).enumerate() {
        let id = FIRST_CONTACT + i as i64;
        contact_of.insert(*unit_id, id);
        people.push(Person {
            id,
            name: names.next().unwrap_or_default(),
            role: Role::Contact {
                unit_id: *unit_id,
                unit: units[unit_id].name.clone(),
            },
        });
    }

    let mut plan = Planner {
        rng,
        reports: Vec::new(),
        visits: BTreeMap::new(),
        lights: 0,
        single_paths: 0,
        list_paths: 0,
    };
    let mut host_plans = Vec::new();
    for (i, unit_id) in hosts.iter().enumerate() {
        let unit = &units[unit_id];
        let timing = TIMINGS[i % TIMINGS.len()];
        let contact = contact_of.get(unit_id).copied();
        host_plans.push(UnitPlan {
            unit_id: *unit_id,
            name: unit.name.clone(),
            hosted: unit.hosted.len(),
            contact,
            timing,
        });
        let Some(contact) = contact else { continue };
        if timing == Timing::Silent {
            continue;
        }
        let list = unit.hosted.len() > crate::followup::planner::TASKS_PER_MESSAGE;
        let at = plan.slot(timing);
        for (k, task) in unit.hosted.iter().enumerate() {
            // A unit with a long list answers on time for all but its last task, which it
            // reports only after the nudge reminds it.
            let (timing, at) = if list && timing == Timing::OnTime && k + 1 == unit.hosted.len() {
                (Timing::AfterNudge, plan.slot(Timing::AfterNudge))
            } else {
                (timing, at)
            };
            let path = plan.path(list);
            plan.report(contact, *unit_id, task, true, timing, path, at);
        }
    }
    // Two co-organizing units send what they contributed (the host's report still sets the
    // task's light).
    for unit_id in others
        .iter()
        .filter(|id| contact_of.contains_key(id))
        .take(2)
    {
        let unit = &units[unit_id];
        let Some(task) = unit.co.first() else {
            continue;
        };
        let at = march(22, 10, 30);
        plan.report(
            contact_of[unit_id],
            *unit_id,
            task,
            false,
            Timing::OnTime,
            Path::Command,
            at,
        );
    }
    plan.correct_one();
    let visits: Vec<Visit> = plan
        .visits
        .into_iter()
        .map(|((at, contact), reports)| Visit {
            at,
            contact,
            reports,
        })
        .collect();
    let mut cycle = cycle(tasks, &people, &plan.reports, &visits);
    cycle.item = host_plans
        .iter()
        .find(|h| h.timing == Timing::OnTime && h.contact.is_some())
        .and_then(|h| Some((h.contact?, h.name.clone())));
    Script {
        people,
        hosts: host_plans,
        units: units.len(),
        reports: plan.reports,
        visits,
        cycle,
    }
}

/// Picks the reports the supervision cycle acts on (see [`CyclePlan`]).
fn cycle(
    tasks: &[TaskView],
    people: &[Person],
    reports: &[PlannedReport],
    visits: &[Visit],
) -> CyclePlan {
    let sent_at = |i: usize| visits.iter().find(|v| v.reports.contains(&i)).map(|v| v.at);
    let before_review = |i: usize| sent_at(i).is_some_and(|at| at < review_time());
    // Nobody reports on the task after the review (a closed task takes no more reports).
    let quiet_after = |task_id: i64| {
        reports
            .iter()
            .enumerate()
            .all(|(i, r)| r.task_id != task_id || before_review(i))
    };
    let plain = |i: usize, r: &PlannedReport| r.host && r.correction.is_none() && before_review(i);
    let returned = reports
        .iter()
        .enumerate()
        .find(|(i, r)| plain(*i, r) && r.light != Light::Done)
        .map(|(i, r)| {
            let leads = tasks
                .iter()
                .find(|t| t.id == r.task_id)
                .map(|t| t.leaders.iter().map(|l| l.name.clone()).collect::<Vec<_>>())
                .unwrap_or_default();
            let reviewer = people
                .iter()
                .find(|p| matches!(&p.role, Role::Supervisor { leader } if leads.contains(leader)))
                .map_or(ADMIN, |p| p.id);
            (i, reviewer)
        });
    let closed = reports
        .iter()
        .enumerate()
        .find(|(i, r)| {
            plain(*i, r)
                && r.light == Light::Done
                && quiet_after(r.task_id)
                && returned.is_none_or(|(j, _)| reports[j].task_id != r.task_id)
        })
        .map(|(i, _)| i);
    let extended = reports
        .iter()
        .position(|r| r.host && r.timing == Timing::Late && r.correction.is_none());
    CyclePlan {
        returned,
        closed,
        extended,
        item: None,
    }
}

struct Planner {
    rng: Rng,
    reports: Vec<PlannedReport>,
    visits: BTreeMap<(DateTime<Utc>, i64), Vec<usize>>,
    lights: usize,
    single_paths: usize,
    list_paths: usize,
}

impl Planner {
    fn slot(&mut self, timing: Timing) -> DateTime<Utc> {
        let (day, hour) = *self.rng.pick(timing.slots());
        march(day, hour, 30)
    }

    /// Units with a reminder per task reply to it, press a light, or use /report; units with a
    /// list use /report or open the task from the list.
    fn path(&mut self, list: bool) -> Path {
        if list {
            self.list_paths += 1;
            [Path::Command, Path::OpenTask, Path::Command][self.list_paths % 3]
        } else {
            self.single_paths += 1;
            [
                Path::ReplyToReminder,
                Path::LightButton,
                Path::ReplyToReminder,
                Path::Command,
            ][(self.single_paths - 1) % 4]
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn report(
        &mut self,
        contact: i64,
        unit_id: i64,
        task: &TaskView,
        host: bool,
        timing: Timing,
        path: Path,
        at: DateTime<Utc>,
    ) {
        let light = if host {
            self.lights += 1;
            LIGHTS[(self.lights - 1) % LIGHTS.len()]
        } else {
            Light::Blue
        };
        let (text, figures) = if host {
            progress_text(task, light, &mut self.rng)
        } else {
            (co_text(&mut self.rng), Vec::new())
        };
        let marked = match path {
            Path::LightButton | Path::OpenTask => text.clone(),
            Path::ReplyToReminder | Path::Command => {
                format!("{}{text}", marker(light, &mut self.rng))
            }
        };
        let message = match path {
            Path::Command => format!("/report {} {marked}", task.number),
            _ => marked,
        };
        self.reports.push(PlannedReport {
            contact,
            unit_id,
            task_id: task.id,
            task_number: task.number,
            host,
            light,
            timing,
            path,
            text,
            message,
            figures,
            correction: None,
        });
        self.visits
            .entry((at, contact))
            .or_default()
            .push(self.reports.len() - 1);
    }

    /// The first report on time with figures is sent with a figure mistyped, then corrected
    /// (修改) at once: the corrected report stays, marked as replaced.
    fn correct_one(&mut self) {
        let mut candidates: Vec<(DateTime<Utc>, usize)> = self
            .visits
            .iter()
            .flat_map(|((at, _), reports)| reports.iter().map(move |r| (*at, *r)))
            .filter(|(_, r)| {
                let r = &self.reports[*r];
                r.timing == Timing::OnTime && r.host && !r.figures.is_empty()
            })
            .collect();
        candidates.sort();
        let Some((_, index)) = candidates.first().copied() else {
            return;
        };
        let report = &mut self.reports[index];
        let Some(wrong) = mistyped(&report.text) else {
            return;
        };
        let right = std::mem::replace(&mut report.text, wrong.clone());
        report.message = report.message.replacen(&right, &wrong, 1);
        report.correction = Some(format!("更正：{right}"));
    }
}

/// The first number of `text` with its first digit dropped (18 → 8), or doubled when it has
/// one digit (9 → 99): the slip a correction puts right.
fn mistyped(text: &str) -> Option<String> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let len = text[start..]
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len() - start);
    let digits = &text[start..start + len];
    let wrong = if digits.len() > 1 {
        digits[1..].trim_start_matches('0').to_owned()
    } else {
        format!("{digits}{digits}")
    };
    let wrong = if wrong.is_empty() {
        "1".to_owned()
    } else {
        wrong
    };
    Some(format!("{}{wrong}{}", &text[..start], &text[start + len..]))
}

/// A light written at the start of a text, in one of the ways contacts write it.
fn marker(light: Light, rng: &mut Rng) -> String {
    let options: [String; 2] = match light {
        Light::Done => ["完成：".into(), "【完成】".into()],
        light => [format!("{}：", light.name()), format!("{} ", light.emoji())],
    };
    rng.pick(&options).clone()
}

const OPENINGS: [&[&str]; 4] = [
    // Blue
    &[
        "已制定年度实施方案并分解到月，各项工作按计划推进",
        "已召开专题调度会，明确责任分工，重点工作有序推进",
        "建立周调度机制，各环节衔接顺畅，总体进度符合序时要求",
    ],
    // Yellow
    &[
        "受疫情防控影响，部分工作进度略有滞后",
        "部分项目审批手续仍在办理，进度稍慢于计划",
        "受原材料价格上涨影响，部分项目推进偏慢",
    ],
    // Red
    &[
        "受疫情防控影响，项目现场停工，进度严重滞后",
        "项目资金尚未到位，前期手续未办结，进度严重滞后",
    ],
    // Done
    &[
        "年度任务已提前完成，正在整理验收材料",
        "已全部完成年度任务，相关材料已归档",
    ],
];

const CLOSINGS: [&[&str]; 4] = [
    &["下一步将继续加快推进。", "下一步将加强调度，确保按期完成。"],
    &[
        "下一步将倒排工期，加快进度。",
        "已制定赶进度措施，力争下月赶上序时进度。",
    ],
    &[
        "已报请分管领导协调解决。",
        "已形成专题报告，恳请区政府协调解决。",
    ],
    &["下一步将巩固成果，做好常态化管理。", ""],
];

fn light_index(light: Light) -> usize {
    match light {
        Light::Blue => 0,
        Light::Yellow => 1,
        Light::Red => 2,
        Light::Done => 3,
    }
}

fn co_text(rng: &mut Rng) -> String {
    rng.pick(&[
        "协办：已配合主办单位完成本辖区摸底排查，相关工作按计划推进。",
        "协办：已明确专人对接主办单位，本单位承担的工作按计划推进。",
    ])
    .to_string()
}

/// A progress text for `task` with `light`: the task's topic and an opening, the figures
/// against the targets, a closing. Returns the text and the figures the bot must read from it, as (target position, value); a figure the reader would
/// take for another target is left out, so what the script expects is what the bot stores.
pub fn progress_text(task: &TaskView, light: Light, rng: &mut Rng) -> (String, Vec<(usize, f64)>) {
    let i = light_index(light);
    let opening = *rng.pick(OPENINGS[i]);
    let opening = match topic(&task.text) {
        Some(topic) if topic.starts_with("围绕") => format!("{topic}，{opening}"),
        Some(topic) => format!("围绕“{topic}”，{opening}"),
        None => opening.to_owned(),
    };
    let closing = *rng.pick(CLOSINGS[i]);
    let mut phrases: Vec<Phrase> = task
        .targets
        .iter()
        .enumerate()
        .filter_map(|(k, t)| figure_phrase(k, t, light, rng))
        .collect();
    loop {
        let figures = join(&phrases);
        let text = if figures.is_empty() {
            format!("{opening}。{closing}")
        } else {
            format!("{opening}，{figures}。{closing}")
        };
        let read: Vec<(usize, f64)> = read_figures(&text, &task.targets)
            .into_iter()
            .map(|f| (f.target, f.value))
            .collect();
        let expected: Vec<(usize, f64)> = phrases.iter().map(|p| (p.target, p.value)).collect();
        let same = |a: &(usize, f64), b: &(usize, f64)| a.0 == b.0 && (a.1 - b.1).abs() < 1e-6;
        if read.len() == expected.len() && read.iter().zip(&expected).all(|(a, b)| same(a, b)) {
            return (text, expected);
        }
        if phrases.is_empty() {
            return (text, read);
        }
        // Drop the first figure the reader does not take as meant, and try again.
        let wrong = expected
            .iter()
            .position(|e| !read.iter().any(|r| same(r, e)))
            .unwrap_or(phrases.len() - 1);
        phrases.remove(wrong);
    }
}

/// The first clause of a task's text when it names the task in a few words without figures
/// (举全区之力抓工业经济发展).
fn topic(text: &str) -> Option<&str> {
    let clause = text
        .split(['，', '。', '；', '：', ',', ';'])
        .next()?
        .trim();
    let chars = clause.chars().count();
    let plain = !clause
        .chars()
        .any(|c| c.is_ascii_digit() || c == '“' || c == '”');
    ((4..=18).contains(&chars) && plain).then_some(clause)
}

/// One figure against one target: `{metric}已完成{number}{unit}`, or `已新增{metric}…`.
#[derive(Debug, Clone, PartialEq)]
struct Phrase {
    target: usize,
    /// The metric, written before the verb; empty for 新增 (written after it).
    metric: String,
    /// 达到, 完成, 新增高新技术企业, 同比增长, …
    verb: String,
    /// The number with its unit (18家).
    figure: String,
    /// After the figure (，控制在目标以内).
    tail: String,
    value: f64,
}

/// The phrases, those in a row about the same metric with the same verb joined:
/// 产业营业收入分别达到41亿元、47亿元 rather than the metric twice.
fn join(phrases: &[Phrase]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < phrases.len() {
        let first = &phrases[i];
        let mut j = i + 1;
        while j < phrases.len()
            && !first.metric.is_empty()
            && phrases[j].metric == first.metric
            && phrases[j].verb == first.verb
            && first.tail.is_empty()
            && phrases[j].tail.is_empty()
        {
            j += 1;
        }
        let group = &phrases[i..j];
        let figures: Vec<&str> = group.iter().map(|p| p.figure.as_str()).collect();
        let adverb = if group.len() > 1 && same_unit(group) {
            "分别"
        } else {
            "已"
        };
        parts.push(format!(
            "{}{adverb}{}{}{}",
            first.metric,
            first.verb,
            figures.join("、"),
            first.tail
        ));
        i = j;
    }
    parts.join("，")
}

fn same_unit(group: &[Phrase]) -> bool {
    let unit = |p: &Phrase| -> String {
        p.figure
            .chars()
            .filter(|c| !c.is_ascii_digit() && *c != '.')
            .collect()
    };
    group.iter().all(|p| unit(p) == unit(&group[0]))
}

/// Units counted in whole numbers.
const WHOLE: &[&str] = &[
    "家", "个", "条", "处", "座", "人", "所", "户", "名", "项", "台", "辆", "套", "栋", "间", "亩",
];

fn decimals(target: &Target) -> usize {
    if WHOLE.contains(&target.unit.as_str()) {
        0
    } else if target.unit == "%" || target.unit.starts_with('万') || target.unit == "公里" {
        1
    } else if target.value >= 50.0 {
        0
    } else if target.value >= 5.0 {
        1
    } else {
        2
    }
}

fn number(value: f64, decimals: usize) -> (String, f64) {
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    };
    let parsed = text.parse().unwrap_or(value);
    (text, parsed)
}

/// The words before a figure: the metric, unless it holds a figure of its own (10亿元以上项目
/// would be read as a second figure).
fn metric_words(target: &Target) -> String {
    if target
        .metric
        .chars()
        .any(|c| c.is_ascii_digit() || c == '.')
    {
        String::new()
    } else {
        target.metric.clone()
    }
}

/// A figure against one target, e.g. 已新增高新技术企业9家, for a report of `light`; `None`
/// when it would round to nothing (a single project not started yet).
fn figure_phrase(position: usize, target: &Target, light: Light, rng: &mut Rng) -> Option<Phrase> {
    let metric = metric_words(target);
    let unit = &target.unit;
    let t = target.value;
    // Cumulative targets are measured by the share reached; a share of the year's target
    // around 序时进度 (a quarter by the end of March) is on track.
    let share = |rng: &mut Rng| -> f64 {
        let share = match light {
            Light::Blue => rng.between(0.26, 0.36),
            Light::Yellow => rng.between(0.10, 0.16),
            Light::Red => rng.between(0.02, 0.06),
            Light::Done => 1.0,
        };
        t * share
    };
    // Rates and ratios are measured against the target itself.
    let level = |rng: &mut Rng, lower_is_better: bool| -> f64 {
        let factor = match (light, lower_is_better) {
            (Light::Blue, false) => rng.between(1.0, 1.06),
            (Light::Yellow, false) => rng.between(0.82, 0.92),
            (Light::Red, false) => rng.between(0.45, 0.65),
            (Light::Done, false) => rng.between(1.05, 1.15),
            (Light::Blue, true) => rng.between(0.9, 0.97),
            (Light::Yellow, true) => rng.between(1.0, 1.04),
            (Light::Red, true) => rng.between(1.08, 1.15),
            (Light::Done, true) => rng.between(0.82, 0.9),
        };
        t * factor
    };
    let percent = unit == "%";
    let (value, verb, tail, metric) = match target.kind {
        TargetKind::IncreaseBy => (share(rng), format!("新增{metric}"), "", String::new()),
        TargetKind::AtLeast if percent => (level(rng, false), "达到".to_owned(), "", metric),
        TargetKind::AtLeast => {
            let verb = if unit.ends_with('元') {
                "达到"
            } else {
                "完成"
            };
            (share(rng), verb.to_owned(), "", metric)
        }
        TargetKind::Count => (share(rng), "完成".to_owned(), "", metric),
        TargetKind::GrowthRate => (level(rng, false), "同比增长".to_owned(), "", metric),
        TargetKind::ReductionRate => (level(rng, false), "压减".to_owned(), "", metric),
        TargetKind::AtMost => {
            let value = level(rng, true);
            let tail = if value <= t {
                "，控制在目标以内"
            } else {
                "，略高于控制目标"
            };
            (value, "降至".to_owned(), tail, metric)
        }
    };
    let decimals = if percent { 1 } else { decimals(target) };
    let (figure, value) = number(value, decimals);
    (value > 0.0).then(|| Phrase {
        target: position,
        metric,
        verb,
        figure: format!("{figure}{unit}"),
        tail: tail.to_owned(),
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::extract_targets;
    use crate::store::TaskUnit;

    fn task(id: i64, text: &str, host: i64) -> TaskView {
        TaskView {
            id,
            number: id as u32,
            text: text.into(),
            section: None,
            leaders: vec![crate::matrix::LeaderRef {
                name: "张锐".into(),
                role: LeaderRole::Lead,
                title: None,
            }],
            units: vec![TaskUnit {
                unit_id: host,
                name: format!("单位{host}"),
                role: UnitRole::Host,
            }],
            targets: extract_targets(text, Some(2022)),
            deadline: None,
            item: None,
        }
    }

    #[test]
    fn figures_are_written_against_the_targets_and_read_back_as_meant() {
        let t = task(
            8,
            "年内新增高新技术企业30家，高新技术产业产值占规模以上工业产值的比重达到42%。",
            1,
        );
        let mut rng = Rng::new(1);
        let (text, figures) = progress_text(&t, Light::Blue, &mut rng);
        assert!(text.contains("已新增高新技术企业"), "{text}");
        assert_eq!(figures.len(), 2, "{text}");
        assert_eq!(figures[0].0, 0);
        assert!((7.0..=11.0).contains(&figures[0].1), "{text}");
        let (done, figures) = progress_text(&t, Light::Done, &mut rng);
        assert!(done.contains("30家"), "{done}");
        assert_eq!(figures[0], (0, 30.0));
    }

    #[test]
    fn a_metric_with_a_figure_of_its_own_is_not_repeated() {
        let t = task(
            6,
            "力争年内引进10亿元以上项目3个、50亿元以上项目1个，到位省“十强”产业资金60亿元。",
            1,
        );
        let mut rng = Rng::new(2);
        let (text, figures) = progress_text(&t, Light::Blue, &mut rng);
        assert!(!text.contains("10亿元以上"), "{text}");
        let read: Vec<(usize, f64)> = read_figures(&text, &t.targets)
            .into_iter()
            .map(|f| (f.target, f.value))
            .collect();
        assert_eq!(read, figures, "{text}");
    }

    #[test]
    fn the_same_seed_tells_the_same_story_with_every_behaviour_and_path() {
        let tasks: Vec<TaskView> = (1..=12)
            .map(|i| task(i, &format!("年内新增企业{}家。", i * 10), 100 + i % 7))
            .collect();
        let one = script(&tasks, None);
        assert_eq!(one, script(&tasks, None));
        let timings: BTreeSet<Timing> = one.hosts.iter().map(|h| h.timing).collect();
        assert_eq!(timings.len(), 4, "{timings:?}");
        let paths: BTreeSet<Path> = one.reports.iter().map(|r| r.path).collect();
        assert!(paths.contains(&Path::ReplyToReminder) && paths.contains(&Path::Command));
        assert!(paths.contains(&Path::LightButton));
        assert_eq!(
            one.reports
                .iter()
                .filter(|r| r.correction.is_some())
                .count(),
            1
        );
        // Visits are in time order, every report in exactly one.
        assert!(one.visits.windows(2).all(|w| w[0].at <= w[1].at));
        let mut seen: Vec<usize> = one.visits.iter().flat_map(|v| v.reports.clone()).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..one.reports.len()).collect::<Vec<_>>());
    }

    #[test]
    fn a_mistyped_figure_differs_from_the_right_one() {
        assert_eq!(mistyped("已新增企业18家").unwrap(), "已新增企业8家");
        assert_eq!(mistyped("已新增企业9家").unwrap(), "已新增企业99家");
        assert_eq!(mistyped("完成100亿元").unwrap(), "完成1亿元");
    }
}
