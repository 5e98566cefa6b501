//! The commands people send: `/name args` on every platform (`/name@bot` in a Telegram
//! group), and for the commonest a Chinese word without the slash (`报告 8 …`, `绑定 CODE`),
//! which a DingTalk user types more easily than a slash. Arguments are taken whole and checked
//! by the use cases, so that a bad argument gets a precise answer instead of "unknown command".
//! The descriptions that a platform's command menu shows live in [`crate::wording::texts`].

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Start(String),
    Help(String),
    Whoami(String),
    Tasks(String),
    Report(String),
    Status(String),
    Bulletin(String),
    Units(String),
    Contacts(String),
    Invite(String),
    Remove(String),
    Assign(String),
    Unbind(String),
    Register(String),
    Unregister(String),
    Schedule(String),
    Remind(String),
    Review(String),
    Confirm(String),
    Return(String),
    Reopen(String),
    Extend(String),
    Approve(String),
    Refuse(String),
    Evidence(String),
    Item(String),
}

/// The command names, in the order a command menu lists them.
pub const NAMES: [&str; 26] = [
    "start",
    "help",
    "whoami",
    "tasks",
    "report",
    "status",
    "bulletin",
    "units",
    "contacts",
    "invite",
    "remove",
    "assign",
    "unbind",
    "register",
    "unregister",
    "schedule",
    "remind",
    "review",
    "confirm",
    "return",
    "reopen",
    "extend",
    "approve",
    "refuse",
    "evidence",
    "item",
];

/// What a text is, as a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    Command(Command),
    /// Starts with a slash but names no command of ours (or another bot): answered with the
    /// list of commands where the bot is addressed.
    Unknown,
    /// Not a command.
    Text,
}

impl Command {
    /// `/name args` and `/name@bot args` (`bot` is the bot's own name where the platform has
    /// one; a command for another bot is not ours); with `words`, also the Chinese words
    /// without a slash — only where a text is meant for the bot, and never in a reply (a
    /// report may well begin with 报告).
    pub fn parse(text: &str, bot: &str, words: bool) -> Parsed {
        let text = text.trim_start();
        if let Some(rest) = text.strip_prefix('/') {
            let (head, args) = split_first(rest);
            let (name, to) = match head.split_once('@') {
                Some((name, to)) => (name, Some(to)),
                None => (head, None),
            };
            if to.is_some_and(|to| !to.eq_ignore_ascii_case(bot)) {
                return Parsed::Unknown;
            }
            return Command::named(name, args.to_owned()).map_or(Parsed::Unknown, Parsed::Command);
        }
        if !words {
            return Parsed::Text;
        }
        Command::from_words(text).map_or(Parsed::Text, Parsed::Command)
    }

    fn named(name: &str, args: String) -> Option<Command> {
        Some(match name {
            "start" => Command::Start(args),
            "help" => Command::Help(args),
            "whoami" => Command::Whoami(args),
            "tasks" => Command::Tasks(args),
            "report" => Command::Report(args),
            "status" => Command::Status(args),
            "bulletin" => Command::Bulletin(args),
            "units" => Command::Units(args),
            "contacts" => Command::Contacts(args),
            "invite" => Command::Invite(args),
            "remove" => Command::Remove(args),
            "assign" => Command::Assign(args),
            "unbind" => Command::Unbind(args),
            "register" => Command::Register(args),
            "unregister" => Command::Unregister(args),
            "schedule" => Command::Schedule(args),
            "item" => Command::Item(args),
            "remind" => Command::Remind(args),
            "review" => Command::Review(args),
            "confirm" => Command::Confirm(args),
            "return" => Command::Return(args),
            "reopen" => Command::Reopen(args),
            "extend" => Command::Extend(args),
            "approve" => Command::Approve(args),
            "refuse" => Command::Refuse(args),
            "evidence" => Command::Evidence(args),
            _ => return None,
        })
    }

    /// `报告 8 内容` (the word must be followed by a task number), `绑定 CODE`, `帮助`,
    /// `任务` or `任务 8`, `我是谁`, `审核`, `确认 12` and `退回 12 理由` (a report's number),
    /// `延期 8 日期 理由`, `批准 3` and `不批准 3 理由` (a request's number).
    fn from_words(text: &str) -> Option<Command> {
        let (word, args) = split_first(text.trim());
        let first_is_number = || {
            let (number, _) = split_first(args);
            crate::conversation::cases::task_number(number).is_some()
        };
        // A task of the notice or an item (督-1).
        let first_is_task = || {
            let (number, _) = split_first(args);
            crate::conversation::cases::task_ref(number).is_some()
        };
        Some(match word {
            "报告" | "汇报" if first_is_task() => Command::Report(args.to_owned()),
            "绑定" if !args.is_empty() => Command::Start(args.to_owned()),
            "帮助" if args.is_empty() => Command::Help(String::new()),
            "我是谁" if args.is_empty() => Command::Whoami(String::new()),
            "任务" if args.is_empty() || first_is_task() => Command::Tasks(args.to_owned()),
            "审核" if args.is_empty() => Command::Review(String::new()),
            "确认" if first_is_number() => Command::Confirm(args.to_owned()),
            "退回" if first_is_number() => Command::Return(args.to_owned()),
            "延期" if first_is_task() => Command::Extend(args.to_owned()),
            "批准" if first_is_number() => Command::Approve(args.to_owned()),
            "不批准" if first_is_number() => Command::Refuse(args.to_owned()),
            _ => return None,
        })
    }

    /// Commands that show task data: in a group only where an admin registered the group.
    pub fn shows_task_data(&self) -> bool {
        matches!(
            self,
            Command::Tasks(_)
                | Command::Report(_)
                | Command::Status(_)
                | Command::Bulletin(_)
                | Command::Units(_)
                | Command::Contacts(_)
                | Command::Invite(_)
                | Command::Assign(_)
                | Command::Review(_)
                | Command::Confirm(_)
                | Command::Return(_)
                | Command::Reopen(_)
                | Command::Extend(_)
                | Command::Approve(_)
                | Command::Refuse(_)
                | Command::Evidence(_)
        )
    }
}

/// The first word and the rest (the rest as written, less the whitespace after the word).
fn split_first(text: &str) -> (&str, &str) {
    match text.split_once(char::is_whitespace) {
        Some((first, rest)) => (first, rest.trim_start()),
        None => (text, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(text: &str) -> Command {
        match Command::parse(text, "duban_bot", true) {
            Parsed::Command(command) => command,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn arguments_are_taken_whole() {
        assert_eq!(
            command("/report 3 已完成2.1万亩"),
            Command::Report("3 已完成2.1万亩".into())
        );
        assert_eq!(
            command("/report 3\n已完成"),
            Command::Report("3\n已完成".into())
        );
        assert_eq!(command("/tasks"), Command::Tasks(String::new()));
        assert_eq!(command("/help@duban_bot"), Command::Help(String::new()));
        assert_eq!(command("/help@Duban_Bot"), Command::Help(String::new()));
        for text in ["/help@other_bot", "/nonsense", "/"] {
            assert_eq!(
                Command::parse(text, "duban_bot", true),
                Parsed::Unknown,
                "{text}"
            );
        }
    }

    #[test]
    fn chinese_words_where_the_bot_is_addressed() {
        assert_eq!(
            command("报告 8 已新增3家"),
            Command::Report("8 已新增3家".into())
        );
        assert_eq!(
            command(" 报告 第8项 已新增3家"),
            Command::Report("第8项 已新增3家".into())
        );
        assert_eq!(command("绑定 AB12CD"), Command::Start("AB12CD".into()));
        assert_eq!(command("帮助"), Command::Help(String::new()));
        assert_eq!(command("任务 8"), Command::Tasks("8".into()));
        for text in [
            "报告：已新增3家",
            "报告已完成",
            "绑定",
            "帮助我",
            "任务很多",
            "今天开会",
        ] {
            assert_eq!(
                Command::parse(text, "duban_bot", true),
                Parsed::Text,
                "{text}"
            );
        }
        assert_eq!(Command::parse("报告 8 x", "duban_bot", false), Parsed::Text);
    }

    #[test]
    fn every_command_has_a_name_and_a_chinese_description() {
        for name in NAMES {
            assert!(Command::named(name, String::new()).is_some(), "{name}");
            let description = crate::wording::texts::command_description(name);
            assert!(
                description
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{name}"
            );
        }
    }
}
