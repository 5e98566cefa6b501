//! The commands the bot understands, with the Chinese descriptions that setMyCommands
//! registers. Arguments are taken whole and checked by the handlers, so that a bad argument
//! gets a precise answer instead of "unknown command".

use teloxide::utils::command::BotCommands;

#[derive(BotCommands, Clone, Debug, PartialEq, Eq)]
#[command(rename_rule = "lowercase")]
pub enum Command {
    #[command(description = "开始；带邀请码时绑定身份")]
    Start(String),
    #[command(description = "我能做什么")]
    Help(String),
    #[command(description = "我的身份")]
    Whoami(String),
    #[command(description = "本单位的任务和本期进展")]
    Tasks(String),
    #[command(description = "报告进展：/report 任务编号 内容")]
    Report(String),
    #[command(description = "查看进展：/status [任务编号|单位|领导]")]
    Status(String),
    #[command(description = "督查通报：/bulletin [期号|报告期]")]
    Bulletin(String),
    #[command(description = "单位列表（管理员）")]
    Units(String),
    #[command(description = "联络员名单（管理员）：/contacts [单位]")]
    Contacts(String),
    #[command(description = "生成邀请链接（管理员）：/invite 单位名")]
    Invite(String),
    #[command(description = "解除绑定（管理员）：/remove 用户ID")]
    Remove(String),
    #[command(description = "指定承办单位（管理员）：/assign 任务编号 主办单位 [协办：单位…]")]
    Assign(String),
    #[command(description = "解除我的绑定")]
    Unbind(String),
    #[command(description = "登记本群，允许在群里显示任务信息（管理员）")]
    Register(String),
    #[command(description = "取消本群登记（管理员）")]
    Unregister(String),
    #[command(description = "时间表（管理员）：/schedule [set|pause|resume 种类 …]")]
    Schedule(String),
    #[command(description = "立即补发提醒（管理员）：/remind now [单位]")]
    Remind(String),
}

impl Command {
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
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_taken_whole() {
        assert_eq!(
            Command::parse("/report 3 已完成2.1万亩", "duban_bot").unwrap(),
            Command::Report("3 已完成2.1万亩".into())
        );
        assert_eq!(
            Command::parse("/tasks", "duban_bot").unwrap(),
            Command::Tasks(String::new())
        );
        assert_eq!(
            Command::parse("/help@duban_bot", "duban_bot").unwrap(),
            Command::Help(String::new())
        );
        assert!(Command::parse("/help@other_bot", "duban_bot").is_err());
        assert!(Command::parse("/nonsense", "duban_bot").is_err());
    }

    #[test]
    fn every_command_has_a_chinese_description() {
        for command in Command::bot_commands() {
            assert!(
                command
                    .description
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{}",
                command.command
            );
        }
    }
}
