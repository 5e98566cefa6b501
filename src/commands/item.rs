//! `duban item add --text … --host UNIT [--co UNIT …] [--leader NAME] --due 2022-04-15
//! [--every 7d] [--source 领导批示]` and `duban item list`: items beyond the notice (督办件).
//! Units are resolved as `duban assign` does (names, aliases, group words); an unknown one is
//! refused with suggestions and nothing is stored. Audited as `cli`.

use super::{open_store, user_error};
use crate::clock::Clock;
use crate::config::Settings;
use crate::conversation::{parse_date, parse_every};
use crate::outln;
use crate::refusal::ItemRefusal;
use crate::store::{AssignRequest, ITEM_SOURCE, NewItem};
use crate::wording::texts;
use anyhow::Result;
use chrono::Datelike;

/// The fields of `duban item add` as typed.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AddArgs {
    /// 督办内容
    #[arg(long, value_name = "TEXT")]
    pub text: String,
    /// 主办单位或分组（可重复，或用顿号、逗号分隔）
    #[arg(long = "host", value_name = "UNIT", required = true)]
    pub hosts: Vec<String>,
    /// 协办单位或分组（可重复，或用顿号、逗号分隔）
    #[arg(long = "co", value_name = "UNIT")]
    pub co: Vec<String>,
    /// 牵头领导
    #[arg(long, value_name = "NAME")]
    pub leader: Option<String>,
    /// 办理时限，例如 2022-04-15
    #[arg(long, value_name = "DATE")]
    pub due: String,
    /// 提醒间隔，例如 7d（自立项起每 7 天提醒主办单位联络员，直至办结）；不写则不单独提醒
    #[arg(long, value_name = "DAYS")]
    pub every: Option<String>,
    /// 来源，例如 领导批示、会议议定事项
    #[arg(long, value_name = "TEXT")]
    pub source: Option<String>,
}

/// The item the arguments ask for, or why not.
fn new_item(args: &AddArgs, clock: &Clock) -> Result<NewItem, ItemRefusal> {
    let due = parse_date(&args.due, clock.office_date().year())
        .ok_or_else(|| ItemRefusal::BadDue(args.due.clone()))?;
    let every_days = args
        .every
        .as_deref()
        .map(|word| parse_every(word).ok_or_else(|| ItemRefusal::BadEvery(word.to_owned())))
        .transpose()?;
    let text = args.text.trim();
    if text.is_empty() {
        return Err(ItemRefusal::Usage);
    }
    Ok(NewItem {
        text: text.to_owned(),
        hosts: AssignRequest::names(&args.hosts.join("、")),
        co: AssignRequest::names(&args.co.join("、")),
        leader: args.leader.clone().filter(|l| !l.trim().is_empty()),
        due,
        every_days,
        source: args
            .source
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| ITEM_SOURCE.to_owned()),
    })
}

pub async fn add(settings: &Settings, args: &AddArgs) -> Result<()> {
    let clock = Clock::system();
    let item = new_item(args, &clock).map_err(|r| user_error(texts::item_refused(&r)))?;
    let store = open_store(&settings.database_url).await?;
    let added = store.add_item(&item, "cli", clock.unix()).await;
    store.close().await;
    let task = added?.map_err(|r| user_error(texts::item_refused(&ItemRefusal::Units(r))))?;
    outln!("{}", texts::item_added(&task))?;
    Ok(())
}

pub async fn list(settings: &Settings) -> Result<()> {
    let store = open_store(&settings.database_url).await?;
    let items = store.items().await;
    store.close().await;
    outln!("{}", texts::item_list(&items?))?;
    Ok(())
}
