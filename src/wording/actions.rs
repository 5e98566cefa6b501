//! Buttons, as no platform draws them: rows of labelled [`Action`]s. The code an action carries
//! (at most 64 bytes, as Telegram allows for callback data; DingTalk's cards carry it as a
//! parameter) says what a press asks for: `t:ID` opens a task, `l:ID:y` picks a light for a
//! task, `w:ID` withdraws a report, `c:ID` corrects one, `s:ID` / `x:ID` confirm / cancel a
//! schedule change, `v:ID` / `b:ID` confirm / return (退回) a report, `e:ID` / `n:ID` approve /
//! refuse an extension.

use super::texts;
use crate::progress::Light;
use crate::store::TaskRef;
use serde::{Deserialize, Serialize};

/// What a button press asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    OpenTask(i64),
    Light(i64, Light),
    Withdraw(i64),
    Correct(i64),
    ConfirmSchedule(i64),
    CancelSchedule(i64),
    /// 确认 a report (supervisors and admins).
    ConfirmReport(i64),
    /// 退回 a report: the bot asks for the reason.
    ReturnReport(i64),
    /// 批准 / 不批准 a request for more time (admins).
    ApproveExtension(i64),
    RefuseExtension(i64),
    /// Store or drop a previewed item (督办件) (admins).
    ConfirmItem(i64),
    CancelItem(i64),
}

fn light_code(light: Light) -> char {
    match light {
        Light::Blue => 'b',
        Light::Yellow => 'y',
        Light::Red => 'r',
        Light::Done => 'd',
    }
}

impl Action {
    pub fn encode(self) -> String {
        match self {
            Action::OpenTask(id) => format!("t:{id}"),
            Action::Light(id, light) => format!("l:{id}:{}", light_code(light)),
            Action::Withdraw(id) => format!("w:{id}"),
            Action::Correct(id) => format!("c:{id}"),
            Action::ConfirmSchedule(id) => format!("s:{id}"),
            Action::CancelSchedule(id) => format!("x:{id}"),
            Action::ConfirmReport(id) => format!("v:{id}"),
            Action::ReturnReport(id) => format!("b:{id}"),
            Action::ApproveExtension(id) => format!("e:{id}"),
            Action::RefuseExtension(id) => format!("n:{id}"),
            Action::ConfirmItem(id) => format!("i:{id}"),
            Action::CancelItem(id) => format!("j:{id}"),
        }
    }

    /// None for data the bot did not make (or made by an older version).
    pub fn decode(data: &str) -> Option<Action> {
        let mut parts = data.split(':');
        let kind = parts.next()?;
        let id: i64 = parts.next()?.parse().ok()?;
        let action = match kind {
            "t" => Action::OpenTask(id),
            "w" => Action::Withdraw(id),
            "c" => Action::Correct(id),
            "s" => Action::ConfirmSchedule(id),
            "x" => Action::CancelSchedule(id),
            "v" => Action::ConfirmReport(id),
            "b" => Action::ReturnReport(id),
            "e" => Action::ApproveExtension(id),
            "n" => Action::RefuseExtension(id),
            "i" => Action::ConfirmItem(id),
            "j" => Action::CancelItem(id),
            "l" => {
                let code = parts.next()?;
                let light = Light::ALL
                    .into_iter()
                    .find(|l| code.len() == 1 && code.starts_with(light_code(*l)))?;
                Action::Light(id, light)
            }
            _ => return None,
        };
        parts.next().is_none().then_some(action)
    }

    pub fn button(self, label: String) -> Button {
        Button {
            label,
            action: self.encode(),
        }
    }
}

/// A button: what it says, and the code of the action a press asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    pub label: String,
    pub action: String,
}

/// Buttons in rows, as they are shown under a message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Keyboard {
    pub rows: Vec<Vec<Button>>,
}

impl Keyboard {
    fn in_rows(buttons: Vec<Button>, per_row: usize) -> Keyboard {
        Keyboard {
            rows: buttons.chunks(per_row).map(<[Button]>::to_vec).collect(),
        }
    }

    pub fn buttons(&self) -> impl Iterator<Item = &Button> {
        self.rows.iter().flatten()
    }
}

/// The four status buttons of a task card, two per row.
pub fn lights(task_id: i64) -> Keyboard {
    let buttons = Light::ALL
        .into_iter()
        .map(|l| Action::Light(task_id, l).button(texts::light_button(l)))
        .collect();
    Keyboard::in_rows(buttons, 2)
}

/// 撤回 / 修改 under a receipt.
pub fn receipt(report_id: i64) -> Keyboard {
    Keyboard {
        rows: vec![vec![
            Action::Withdraw(report_id).button(texts::button_withdraw()),
            Action::Correct(report_id).button(texts::button_correct()),
        ]],
    }
}

/// 确认 / 退回 for each report waiting for review, a row each (labelled with the report's
/// number when there is more than one).
pub fn review(reports: &[i64]) -> Keyboard {
    let one = reports.len() == 1;
    Keyboard {
        rows: reports
            .iter()
            .map(|&id| {
                vec![
                    Action::ConfirmReport(id).button(texts::button_confirm_report(id, one)),
                    Action::ReturnReport(id).button(texts::button_return_report(id, one)),
                ]
            })
            .collect(),
    }
}

/// 批准 / 不批准 under a request for more time.
pub fn decide_extension(id: i64) -> Keyboard {
    Keyboard {
        rows: vec![vec![
            Action::ApproveExtension(id).button(texts::button_approve()),
            Action::RefuseExtension(id).button(texts::button_refuse()),
        ]],
    }
}

/// One button per task, five per row.
pub fn task_picker(tasks: &[(i64, TaskRef)]) -> Keyboard {
    let buttons = tasks
        .iter()
        .map(|(id, number)| Action::OpenTask(*id).button(texts::button_task(*number)))
        .collect();
    Keyboard::in_rows(buttons, 5)
}

/// Store or drop a previewed item.
pub fn confirm_item(draft_id: i64) -> Keyboard {
    Keyboard {
        rows: vec![vec![
            Action::ConfirmItem(draft_id).button(texts::button_confirm()),
            Action::CancelItem(draft_id).button(texts::button_cancel()),
        ]],
    }
}

/// Confirm or cancel a previewed schedule change.
pub fn confirm_schedule(draft_id: i64) -> Keyboard {
    Keyboard {
        rows: vec![vec![
            Action::ConfirmSchedule(draft_id).button(texts::button_confirm()),
            Action::CancelSchedule(draft_id).button(texts::button_cancel()),
        ]],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_and_fit_telegrams_limit() {
        for action in [
            Action::OpenTask(7),
            Action::Light(i64::MAX, Light::Done),
            Action::Withdraw(12),
            Action::Correct(13),
            Action::ConfirmSchedule(14),
            Action::CancelSchedule(15),
        ] {
            let data = action.encode();
            assert!(data.len() <= 64);
            assert_eq!(Action::decode(&data), Some(action));
        }
    }

    #[test]
    fn foreign_data_is_not_an_action() {
        for data in [
            "", "t", "t:x", "l:3", "l:3:q", "l:3:yy", "w:1:2", "q:1", "s:1:2",
        ] {
            assert_eq!(Action::decode(data), None, "{data}");
        }
    }
}
