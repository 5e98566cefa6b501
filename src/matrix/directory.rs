//! The unit directory: which units exist, and which units a group word (各镇街) stands for.

#[derive(Debug, Clone, Default)]
pub struct UnitDirectory {}

#[derive(Debug, thiserror::Error)]
#[error("单位名录有误：{0}")]
pub struct DirectoryError(pub String);

impl UnitDirectory {
    pub fn from_toml(_text: &str) -> Result<Self, DirectoryError> {
        Ok(Self {})
    }
}
