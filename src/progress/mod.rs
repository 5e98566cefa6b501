//! Progress of a task: the status light a contact gives, the reporting period a report belongs
//! to, and the figures a report's text gives against the task's targets. Pure, like `matrix`.

mod figures;
mod period;
mod state;

pub use figures::{Figure, read_figures};
pub use period::{Cycle, due_date, parse_period, period_bounds, period_label};
pub use state::{HostReport, TaskState};

use serde::{Deserialize, Serialize};

/// The notice's own 蓝黄红 mechanism, plus done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    /// 蓝: on track.
    Blue,
    /// 黄: lagging.
    Yellow,
    /// 红: seriously lagging.
    Red,
    /// 完成: done.
    Done,
}

impl Light {
    pub const ALL: [Light; 4] = [Light::Blue, Light::Yellow, Light::Red, Light::Done];

    /// The word the notice uses: 蓝, 黄, 红, 完成.
    pub fn name(self) -> &'static str {
        match self {
            Light::Blue => "蓝",
            Light::Yellow => "黄",
            Light::Red => "红",
            Light::Done => "完成",
        }
    }

    pub fn emoji(self) -> &'static str {
        match self {
            Light::Blue => "🔵",
            Light::Yellow => "🟡",
            Light::Red => "🔴",
            Light::Done => "✅",
        }
    }

    /// A light written at the start of a report (`🟡 …`, `黄：…`, `【完成】…`, `红灯 …`),
    /// and the text after it. A report without one has no light.
    pub fn strip_marker(text: &str) -> (Option<Light>, &str) {
        let trimmed = text.trim_start();
        let (inner, bracketed) = match trimmed.strip_prefix('【') {
            Some(rest) => (rest, true),
            None => (trimmed, false),
        };
        for light in Light::ALL {
            for marker in [light.emoji(), light.name()] {
                let Some(mut rest) = inner.strip_prefix(marker) else {
                    continue;
                };
                if light != Light::Done {
                    rest = rest.strip_prefix('灯').unwrap_or(rest);
                }
                if bracketed {
                    match rest.strip_prefix('】') {
                        Some(after) => rest = after,
                        None => continue,
                    }
                } else if marker == light.name() && !starts_with_separator(rest) {
                    // 红色旅游… is not a light.
                    continue;
                }
                let rest = rest.trim_start_matches([' ', '　', ':', '：', ',', '，', '、']);
                return (Some(light), rest.trim());
            }
        }
        (None, text.trim())
    }
}

fn starts_with_separator(rest: &str) -> bool {
    rest.is_empty() || rest.starts_with([' ', '　', ':', '：', ',', '，', '、', '\n'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leading_marker_is_the_light() {
        assert_eq!(
            Light::strip_marker("🟡 进度滞后"),
            (Some(Light::Yellow), "进度滞后")
        );
        assert_eq!(
            Light::strip_marker("黄：土地未到位"),
            (Some(Light::Yellow), "土地未到位")
        );
        assert_eq!(
            Light::strip_marker("【完成】已全部建成"),
            (Some(Light::Done), "已全部建成")
        );
        assert_eq!(
            Light::strip_marker("红灯 资金缺口大"),
            (Some(Light::Red), "资金缺口大")
        );
        assert_eq!(
            Light::strip_marker("✅已完成"),
            (Some(Light::Done), "已完成")
        );
    }

    #[test]
    fn words_that_merely_start_with_a_colour_are_text() {
        assert_eq!(
            Light::strip_marker("红色旅游线路已开通"),
            (None, "红色旅游线路已开通")
        );
        assert_eq!(Light::strip_marker("完成2.1万亩"), (None, "完成2.1万亩"));
        assert_eq!(Light::strip_marker("【黄河】"), (None, "【黄河】"));
    }
}
