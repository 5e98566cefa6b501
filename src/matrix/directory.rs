//! The unit directory: which units exist, and which units a group word (各镇街) stands for.
//! It is read from a TOML file such as `seeds/yanzhou-units.toml`. A unit may carry other names
//! (`[aliases]`: 区农业农村局 is also 区乡村振兴局); a notice may use any of them, or write both
//! (区农业农村局（区乡村振兴局）), and means the one unit.

use super::model::{GroupInfo, UnitInfo, UnitKind};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitDirectory {
    pub region: Option<String>,
    units: Vec<UnitInfo>,
    /// Group word → member names, in the order the file gives them. Empty: known, unresolved.
    groups: BTreeMap<String, Vec<String>>,
    /// Another name → the unit's name in `units`.
    aliases: BTreeMap<String, String>,
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
    /// A unit's name → its other names.
    #[serde(default)]
    aliases: BTreeMap<String, Vec<String>>,
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
    /// A unit, by the name the directory knows it by (the name as written when it does not).
    Unit(&'a str),
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
                    aliases: Vec::new(),
                });
            }
            by_kind.insert(key, names);
        }
        let mut dir = Self {
            region: file.region,
            units,
            groups: BTreeMap::new(),
            aliases: BTreeMap::new(),
        };
        dir.aliases = dir.aliases_of(file.aliases, &file.groups)?;
        for (group, members) in file.groups {
            let mut resolved: Vec<String> = Vec::new();
            for member in members {
                let names = match member.strip_prefix('@') {
                    Some(kind) => by_kind.get(kind).cloned().ok_or_else(|| {
                        DirectoryError(format!(
                            "分组“{group}”引用了未知的单位类别“@{kind}”（可用：@departments、@towns、@subdistricts、@parks、@others）"
                        ))
                    })?,
                    // A member may be named by an alias; the group holds the unit.
                    None => match dir.unit_named(&member) {
                        Some(unit) => vec![unit.to_string()],
                        None => {
                            return Err(DirectoryError(format!(
                                "分组“{group}”的成员“{member}”不在 [units] 中"
                            )));
                        }
                    },
                };
                for name in names {
                    if !resolved.contains(&name) {
                        resolved.push(name);
                    }
                }
            }
            dir.groups.insert(group, resolved);
        }
        Ok(dir)
    }

    /// The `[aliases]` table turned around (alias → unit), refusing a name that would mean two
    /// things: an alias of a unit not listed, an alias that is a unit's or a group's own name,
    /// or one listed twice.
    fn aliases_of(
        &self,
        table: BTreeMap<String, Vec<String>>,
        groups: &BTreeMap<String, Vec<String>>,
    ) -> Result<BTreeMap<String, String>, DirectoryError> {
        let mut out: BTreeMap<String, String> = BTreeMap::new();
        for (unit, names) in table {
            if self.kind_of(&unit).is_none() {
                return Err(DirectoryError(format!(
                    "[aliases] 中的“{unit}”不在 [units] 中：别名要写在它所属单位的名称下"
                )));
            }
            for alias in names {
                let clash = if self.kind_of(&alias).is_some() {
                    Some("也是 [units] 中的一个单位")
                } else if groups.contains_key(&alias) {
                    Some("也是 [groups] 中的一个分组")
                } else {
                    None
                };
                if let Some(clash) = clash {
                    return Err(DirectoryError(format!(
                        "“{unit}”的别名“{alias}”{clash}：一个名称只能指一个单位"
                    )));
                }
                match out.insert(alias.clone(), unit.clone()) {
                    Some(first) if first == unit => {
                        return Err(DirectoryError(format!("“{unit}”的别名“{alias}”重复出现")));
                    }
                    Some(first) => {
                        return Err(DirectoryError(format!(
                            "别名“{alias}”重复出现：既是“{first}”的别名，又是“{unit}”的别名，一个名称只能指一个单位"
                        )));
                    }
                    None => {}
                }
            }
        }
        Ok(out)
    }

    /// Is `name` a unit or a group? A unit is answered by the name the directory knows it by:
    /// its own name, one of its aliases, or a name with a second name in parentheses of which
    /// one is known (区农业农村局（区乡村振兴局）). Group words the file does not list are
    /// recognised by their wording (各…, 相关…, 有关…) and stay unresolved.
    pub fn resolve<'a>(&'a self, name: &'a str) -> Resolution<'a> {
        if let Some(members) = self.groups.get(name) {
            return Resolution::Group(members);
        }
        if let Some(unit) = self.unit_named(name) {
            return Resolution::Unit(unit);
        }
        if let Some(unit) = second_name(name, |n| self.unit_named(n)) {
            return Resolution::Unit(unit);
        }
        if is_group_word(name) {
            return Resolution::Group(&[]);
        }
        Resolution::Unit(name)
    }

    /// The unit called `name` by its own name or an alias, by its own name.
    fn unit_named(&self, name: &str) -> Option<&str> {
        self.units
            .iter()
            .find(|u| u.name == name)
            .map(|u| u.name.as_str())
            .or_else(|| self.aliases.get(name).map(String::as_str))
    }

    /// Does the directory know `name` as it is written (a unit, an alias or a group)?
    pub fn knows(&self, name: &str) -> bool {
        self.groups.contains_key(name) || self.unit_named(name).is_some()
    }

    /// Each unit's other names, by unit.
    pub fn aliases(&self) -> BTreeMap<&str, Vec<&str>> {
        let mut out: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (alias, unit) in &self.aliases {
            out.entry(unit.as_str()).or_default().push(alias.as_str());
        }
        out
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

/// Words that make a name a group of units (各镇街, 相关部门, 有关单位).
fn is_group_word(name: &str) -> bool {
    ["各", "相关", "有关"].iter().any(|w| name.contains(w))
}

/// A name written with its second names in parentheses — 区农业农村局（区乡村振兴局） or
/// 区农业农村局（区乡村振兴局、区扶贫办） — split into the outer name and the inner ones. None when
/// the name does not end in a parenthesis or the parenthesis is all of it.
pub(super) fn name_parts(name: &str) -> Option<(&str, Vec<&str>)> {
    let body = name.strip_suffix('）').or_else(|| name.strip_suffix(')'))?;
    let open = body.rfind(['（', '('])?;
    let outer = body[..open].trim();
    let inner: Vec<&str> = body[open..]
        .trim_start_matches(['（', '('])
        .split(['、', '，', ',', '/'])
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    (!outer.is_empty() && !inner.is_empty()).then_some((outer, inner))
}

/// The unit a name with second names in parentheses stands for, when `known` knows its outer
/// name or else one of the inner ones. A parenthesis that is no second name (…领导小组（指挥部）,
/// …（筹）) names nothing known and leaves the name whole; so does a group word outside
/// (各镇街（含工业园区）).
pub(super) fn second_name<'a, 'n>(
    name: &'n str,
    known: impl Fn(&'n str) -> Option<&'a str>,
) -> Option<&'a str> {
    let (outer, inner) = name_parts(name)?;
    if is_group_word(outer) {
        return None;
    }
    std::iter::once(outer).chain(inner).find_map(known)
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
        assert_eq!(dir.resolve("区科技局"), Resolution::Unit("区科技局"));
        assert_eq!(dir.kind_of("酒仙桥街道"), Some(UnitKind::Subdistrict));
    }

    #[test]
    fn unlisted_group_words_are_recognised_but_unresolved() {
        let dir = UnitDirectory::default();
        assert_eq!(dir.resolve("各有关单位"), Resolution::Group(&[]));
        assert_eq!(dir.resolve("区财政局"), Resolution::Unit("区财政局"));
    }

    #[test]
    fn a_group_naming_an_unknown_kind_or_unit_is_an_error_in_chinese() {
        let err = UnitDirectory::from_toml("[groups]\n\"各镇\" = [\"@villages\"]").unwrap_err();
        assert!(err.to_string().contains("@villages"), "{err}");
        let err = UnitDirectory::from_toml("[groups]\n\"各镇\" = [\"甲镇\"]").unwrap_err();
        assert!(err.to_string().contains("甲镇"), "{err}");
    }
    const ALIASED: &str = "[units]\ndepartments = [\"区农业农村局\", \"区财政局\", \"区委统筹疫情防控工作领导小组（指挥部）\"]\ntowns = [\"新兖镇\"]\n[aliases]\n\"区农业农村局\" = [\"区乡村振兴局\", \"区扶贫办\"]\n[groups]\n\"各镇\" = [\"@towns\"]\n\"涉农部门\" = [\"区扶贫办\", \"区财政局\"]";

    #[test]
    fn an_alias_resolves_to_its_unit_and_is_no_unit_of_its_own() {
        let dir = UnitDirectory::from_toml(ALIASED).unwrap();
        assert_eq!(
            dir.resolve("区乡村振兴局"),
            Resolution::Unit("区农业农村局")
        );
        assert_eq!(dir.resolve("区扶贫办"), Resolution::Unit("区农业农村局"));
        assert_eq!(dir.units().len(), 4);
        assert_eq!(dir.kind_of("区乡村振兴局"), None);
        assert_eq!(
            dir.aliases().get("区农业农村局"),
            Some(&vec!["区乡村振兴局", "区扶贫办"])
        );
        // A group may name a member by an alias; it holds the unit.
        let members = ["区农业农村局".to_string(), "区财政局".to_string()];
        assert_eq!(dir.resolve("涉农部门"), Resolution::Group(&members));
    }

    #[test]
    fn a_second_name_in_parentheses_means_the_unit_either_name_is_known_by() {
        let dir = UnitDirectory::from_toml(ALIASED).unwrap();
        for name in [
            "区农业农村局（区乡村振兴局）",
            "区农业农村局（区乡村振兴局、区扶贫办）",
            "区农业农村局(区扶贫办)",
            "区乡村振兴局（区农业农村局）",
            "区农业农村局（区农村工作办公室）",
            "区农村工作办公室（区乡村振兴局）",
        ] {
            assert_eq!(
                dir.resolve(name),
                Resolution::Unit("区农业农村局"),
                "{name}"
            );
        }
    }

    #[test]
    fn a_parenthesis_that_names_nothing_known_keeps_the_name_whole() {
        let dir = UnitDirectory::from_toml(ALIASED).unwrap();
        for name in [
            "区委统筹疫情防控工作领导小组（指挥部）",
            "区数据中心（筹）",
            "区大数据局（区政务服务中心）",
        ] {
            assert_eq!(dir.resolve(name), Resolution::Unit(name), "{name}");
        }
        // A group word outside the parenthesis stays a group.
        assert_eq!(dir.resolve("各镇街（含新兖镇）"), Resolution::Group(&[]));
        assert_eq!(name_parts("（筹）"), None);
        assert_eq!(name_parts("区农业农村局"), None);
    }

    #[test]
    fn an_alias_that_would_name_two_things_is_an_error_in_chinese() {
        let units = "[units]\ndepartments = [\"区农业农村局\", \"区财政局\"]\n[groups]\n\"涉农部门\" = []\n[aliases]\n";
        for (aliases, says) in [
            (
                "\"区农业农村局\" = [\"区财政局\"]",
                "别名“区财政局”也是 [units] 中的一个单位",
            ),
            (
                "\"区农业农村局\" = [\"涉农部门\"]",
                "别名“涉农部门”也是 [groups] 中的一个分组",
            ),
            (
                "\"区农业农村局\" = [\"区扶贫办\", \"区扶贫办\"]",
                "“区农业农村局”的别名“区扶贫办”重复出现",
            ),
            (
                "\"区农业农村局\" = [\"区扶贫办\"]\n\"区财政局\" = [\"区扶贫办\"]",
                "别名“区扶贫办”重复出现：既是“区农业农村局”的别名，又是“区财政局”的别名",
            ),
            (
                "\"区乡村振兴局\" = [\"区扶贫办\"]",
                "“区乡村振兴局”不在 [units] 中",
            ),
        ] {
            let err = UnitDirectory::from_toml(&format!("{units}{aliases}")).unwrap_err();
            let err = err.to_string();
            assert!(err.starts_with("单位名录有误："), "{err}");
            assert!(err.contains(says), "{err}");
        }
    }
}
