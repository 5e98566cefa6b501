//! The notice parser.

use super::directory::UnitDirectory;
use super::model::{Diagnostic, Matrix};

/// Why a notice could not be imported: every problem found, each with its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
pub struct NoticeError {
    pub problems: Vec<Diagnostic>,
}

impl NoticeError {
    pub fn single(line: usize, message: impl Into<String>) -> Self {
        Self { problems: vec![Diagnostic { line, message: message.into() }] }
    }
}

pub fn parse_notice(_text: &str, _dir: &UnitDirectory) -> Result<Matrix, NoticeError> {
    Err(NoticeError::single(0, "未实现"))
}
