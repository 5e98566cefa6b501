//! The unit directory: which units exist, and which units a group word (各镇街) stands for.
//! It is read from a TOML file such as `seeds/yanzhou-units.toml`.

use super::model::{GroupInfo, UnitInfo, UnitKind};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitDirectory {
    pub region: Option<String>,
    units: Vec<UnitInfo>,
    /// Group word → member names, in the order the file gives them. Empty: known, unresolved.
    groups: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
#[error("单位名录有误：{0}")]
pub struct DirectoryError(pub String);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    region: Option<String>,
    #[serde(default)]
    units: UnitLists,
    #[serde(default)]
    groups: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct UnitLists {
    #[serde(default)]
    departments: Vec<String>,
    #[serde(default)]
    towns: Vec<String>,
    #[serde(default)]
    subdistricts: Vec<String>,
    #[serde(default)]
    parks: Vec<String>,
    #[serde(default)]
    others: Vec<String>,
}

/// What a name in a unit list turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution<'a> {
    Unit,
    /// A group word with its members (empty: the directory cannot tell which units it means).
    Group(&'a [String]),
}

impl UnitDirectory {
    pub fn from_toml(text: &str) -> Result<Self, DirectoryError> {
        let file: File = toml::from_str(text).map_err(|e| DirectoryError(e.to_string()))?;
        let lists = [
            (UnitKind::Department, "departments", file.units.departments),
            (UnitKind::Town, "towns", file.units.towns),
            (
                UnitKind::Subdistrict,
                "subdistricts",
                file.units.subdistricts,
            ),
            (UnitKind::Park, "parks", file.units.parks),
            (UnitKind::Other, "others", file.units.others),
        ];
        let mut units: Vec<UnitInfo> = Vec::new();
        let mut by_kind: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (kind, key, names) in lists {
            for name in &names {
                if units.iter().any(|u| &u.name == name) {
                    return Err(DirectoryError(format!("单位“{name}”重复出现")));
                }
                units.push(UnitInfo {
                    name: name.clone(),
                    kind,
                });
            }
            by_kind.insert(key, names);
        }
        let mut groups = BTreeMap::new();
        for (group, members) in file.groups {
            let mut resolved: Vec<String> = Vec::new();
            for member in members {
                let names = match member.strip_prefix('@') {
                    Some(kind) => by_kind.get(kind).cloned().ok_or_else(|| {
                        DirectoryError(format!(
                            "分组“{group}”引用了未知的单位类别“@{kind}”（可用：@departments、@towns、@subdistricts、@parks、@others）"
                        ))
                    })?,
                    None if units.iter().any(|u| u.name == member) => vec![member],
                    None => {
                        return Err(DirectoryError(format!(
                            "分组“{group}”的成员“{member}”不在 [units] 中"
                        )));
                    }
                };
                for name in names {
                    if !resolved.contains(&name) {
                        resolved.push(name);
                    }
                }
            }
            groups.insert(group, resolved);
        }
        Ok(Self {
            region: file.region,
            units,
            groups,
        })
    }

    /// Is `name` a unit or a group? Group words the file does not list are recognised by their
    /// wording (各…, 相关…, 有关…) and stay unresolved.
    pub fn resolve(&self, name: &str) -> Resolution<'_> {
        if let Some(members) = self.groups.get(name) {
            return Resolution::Group(members);
        }
        if self.units.iter().any(|u| u.name == name) {
            return Resolution::Unit;
        }
        if ["各", "相关", "有关"].iter().any(|w| name.contains(w)) {
            return Resolution::Group(&[]);
        }
        Resolution::Unit
    }

    pub fn kind_of(&self, name: &str) -> Option<UnitKind> {
        self.units.iter().find(|u| u.name == name).map(|u| u.kind)
    }

    /// No units and no groups: no directory at all.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty() && self.groups.is_empty()
    }

    pub fn units(&self) -> &[UnitInfo] {
        &self.units
    }

    pub fn groups(&self) -> impl Iterator<Item = GroupInfo> + '_ {
        self.groups.iter().map(|(name, members)| GroupInfo {
            name: name.clone(),
            members: members.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../seeds/yanzhou-units.toml");

    #[test]
    fn seed_directory_expands_gezhenjie_to_six_towns_and_four_subdistricts() {
        let dir = UnitDirectory::from_toml(SEED).unwrap();
        let Resolution::Group(members) = dir.resolve("各镇街") else {
            panic!("not a group")
        };
        assert_eq!(members.len(), 10);
        assert_eq!(members[0], "新兖镇");
        assert!(members.contains(&"兴隆庄街道".to_string()));
        assert_eq!(dir.resolve("相关镇街"), Resolution::Group(&[]));
        assert_eq!(dir.resolve("区科技局"), Resolution::Unit);
        assert_eq!(dir.kind_of("酒仙桥街道"), Some(UnitKind::Subdistrict));
    }

    #[test]
    fn unlisted_group_words_are_recognised_but_unresolved() {
        let dir = UnitDirectory::default();
        assert_eq!(dir.resolve("各有关单位"), Resolution::Group(&[]));
        assert_eq!(dir.resolve("区财政局"), Resolution::Unit);
    }

    #[test]
    fn a_group_naming_an_unknown_kind_or_unit_is_an_error_in_chinese() {
        let err = UnitDirectory::from_toml("[groups]\n\"各镇\" = [\"@villages\"]").unwrap_err();
        assert!(err.to_string().contains("@villages"), "{err}");
        let err = UnitDirectory::from_toml("[groups]\n\"各镇\" = [\"甲镇\"]").unwrap_err();
        assert!(err.to_string().contains("甲镇"), "{err}");
    }
}
