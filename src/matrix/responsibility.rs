//! Who answers for a task: leaders with their role, and units with theirs (主办 host or 协办
//! co-organizer), group words expanded through the unit directory.

use super::directory::{Resolution, UnitDirectory};
use super::fields::{Fields, Label, Name};
use super::model::{GroupRef, LeaderRef, UnitRef, UnitRole};
use super::prose::split_title;

#[derive(Debug, Default, PartialEq)]
pub struct Responsibility {
    pub leaders: Vec<LeaderRef>,
    pub units: Vec<UnitRef>,
    pub groups: Vec<GroupRef>,
}

pub fn assign(fields: &Fields, dir: &UnitDirectory) -> Responsibility {
    let mut out = Responsibility::default();
    for (label, names) in &fields.lists {
        if let Label::Leader(role) = label {
            for name in names {
                // 区长 张三 and 张三 are one leader: the name without its title.
                let (name, title) = split_title(&name.text);
                if !out.leaders.iter().any(|l| l.name == name) {
                    out.leaders.push(LeaderRef {
                        name: name.to_owned(),
                        role: *role,
                        title: title.map(str::to_owned),
                    });
                }
            }
        }
    }
    let mentions = unit_mentions(fields);
    let direct: Vec<&str> = mentions
        .iter()
        .filter_map(|(name, _)| match dir.resolve(&name.text) {
            Resolution::Unit(unit) => Some(unit),
            Resolution::Group(_) => None,
        })
        .collect();
    for (name, role) in &mentions {
        match dir.resolve(&name.text) {
            Resolution::Unit(unit) => add_unit(&mut out.units, unit, *role, None),
            Resolution::Group(members) => {
                if !out.groups.iter().any(|g| g.name == name.text) {
                    out.groups.push(GroupRef {
                        name: name.text.clone(),
                        role: *role,
                    });
                }
                // A unit named directly is listed as named, wherever it appears.
                for member in members.iter().filter(|m| !direct.contains(&m.as_str())) {
                    add_unit(&mut out.units, member, *role, Some(&name.text));
                }
            }
        }
    }
    out
}

pub(super) fn add_unit(units: &mut Vec<UnitRef>, name: &str, role: UnitRole, via: Option<&str>) {
    match units.iter_mut().find(|u| u.name == name) {
        Some(existing) if role == UnitRole::Host => existing.role = UnitRole::Host,
        Some(_) => {}
        None => units.push(UnitRef {
            name: name.to_string(),
            role,
            via: via.map(str::to_string),
        }),
    }
}

/// Every unit name in the fields with the role its label and position give it.
fn unit_mentions(fields: &Fields) -> Vec<(&Name, UnitRole)> {
    let has = |want: Label| {
        fields
            .lists
            .iter()
            .any(|(l, n)| *l == want && !n.is_empty())
    };
    let host_label = has(Label::HostUnits);
    let co_label = has(Label::CoUnits);
    let mut out = Vec::new();
    for (label, names) in &fields.lists {
        let any_bold = names.iter().any(|n| n.bold);
        let any_lead = names.iter().any(|n| n.lead);
        for (i, name) in names.iter().enumerate() {
            let role = match label {
                // 责任单位：区发改局（牵头）、区财政局 — the marked unit hosts, the others help.
                Label::MixedUnits | Label::HostUnits if any_lead && name.lead => UnitRole::Host,
                Label::MixedUnits | Label::HostUnits if any_lead => UnitRole::Co,
                Label::HostUnits => UnitRole::Host,
                Label::CoUnits => UnitRole::Co,
                // 责任单位 next to 牵头单位 co-organizes; next to 配合单位 alone it hosts.
                Label::MixedUnits if host_label => UnitRole::Co,
                Label::MixedUnits if co_label => UnitRole::Host,
                Label::MixedUnits if any_bold && !fields.first_hosts => bold_role(name),
                Label::MixedUnits if i == 0 => UnitRole::Host,
                Label::MixedUnits => UnitRole::Co,
                Label::Leader(_) | Label::Deadline | Label::Other => continue,
            };
            out.push((name, role));
        }
    }
    out
}

fn bold_role(name: &Name) -> UnitRole {
    if name.bold {
        UnitRole::Host
    } else {
        UnitRole::Co
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::fields::split_fields;

    fn dir() -> UnitDirectory {
        UnitDirectory::from_toml(
            "[units]\ntowns = [\"甲镇\", \"乙镇\"]\ndepartments = [\"县财政局\", \"县商务局\"]\n[groups]\n\"各镇\" = [\"@towns\"]\n\"相关镇\" = []",
        )
        .unwrap()
    }

    fn roles(r: &Responsibility) -> Vec<(&str, UnitRole, Option<&str>)> {
        r.units
            .iter()
            .map(|u| (u.name.as_str(), u.role, u.via.as_deref()))
            .collect()
    }

    #[test]
    fn first_listed_hosts_and_groups_expand_with_via() {
        let r = assign(
            &split_fields("任务（牵头领导：张三。承办单位：县商务局、甲镇，各镇，相关镇）"),
            &dir(),
        );
        use UnitRole::*;
        assert_eq!(
            roles(&r),
            [
                ("县商务局", Host, None),
                ("甲镇", Co, None),
                ("乙镇", Co, Some("各镇"))
            ]
        );
        let groups: Vec<&str> = r.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(groups, ["各镇", "相关镇"]);
    }

    #[test]
    fn bold_units_host_wherever_they_are_listed() {
        let r = assign(
            &split_fields("任务（承办单位：县商务局、**县财政局**，甲镇）"),
            &dir(),
        );
        use UnitRole::*;
        assert_eq!(
            roles(&r),
            [
                ("县商务局", Co, None),
                ("县财政局", Host, None),
                ("甲镇", Co, None)
            ]
        );
    }

    #[test]
    fn responsible_units_co_organize_next_to_a_lead_unit() {
        let r = assign(
            &split_fields("任务【牵头单位：县财政局；责任单位：县商务局、甲镇】"),
            &dir(),
        );
        use UnitRole::*;
        assert_eq!(
            roles(&r),
            [
                ("县财政局", Host, None),
                ("县商务局", Co, None),
                ("甲镇", Co, None)
            ]
        );
        let r = assign(
            &split_fields("任务【责任单位：县商务局、县财政局；配合单位：甲镇】"),
            &dir(),
        );
        assert_eq!(
            roles(&r),
            [
                ("县商务局", Host, None),
                ("县财政局", Host, None),
                ("甲镇", Co, None)
            ]
        );
    }
}
