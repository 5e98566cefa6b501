//! `duban assign N --host UNIT [--co UNIT …]`: an admin sets the units of a task of the current
//! notice, above all one the notice left without units (待明确承办单位). One transaction,
//! audited; a running bot sees it at once (the notice's revision is bumped).

use super::{latest_notice, open_store, user_error};
use crate::clock::Clock;
use crate::config::Settings;
use crate::outln;
use crate::store::AssignRequest;
use crate::wording::texts;
use anyhow::Result;

pub async fn run(settings: &Settings, request: AssignRequest) -> Result<()> {
    if request.hosts.is_empty() {
        return Err(user_error(texts::assign_refused(
            &crate::store::AssignRefusal::NoHost,
        )));
    }
    let store = open_store(&settings.database_url).await?;
    let result = assign(&store, &request).await;
    store.close().await;
    let assignment = result?.map_err(|refusal| user_error(texts::assign_refused(&refusal)))?;
    outln!("{}", texts::assigned(&assignment))?;
    Ok(())
}

async fn assign(
    store: &crate::store::Store,
    request: &AssignRequest,
) -> Result<Result<crate::store::Assignment, crate::store::AssignRefusal>> {
    let notice_id = latest_notice(store).await?;
    let now = Clock::system().unix();
    Ok(store.assign_units(notice_id, request, "cli", now).await?)
}
