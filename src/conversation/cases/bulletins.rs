//! `/bulletin [期号|周期]` for supervisors and admins: the bulletin, which the adapter sends
//! as its platform's text, then as Word and Excel files and the chart (PNG).

use super::{Outcome, say};
use crate::bulletin::compile;
use crate::conversation::{Reply, SharedCtx};
use crate::wording::texts;

pub async fn bulletin(ctx: SharedCtx, args: String) -> Outcome {
    let settings = ctx.followup.scheduler.settings();
    let compiled = compile(
        &ctx.store,
        settings,
        Some(args.as_str()),
        ctx.clock.office_date(),
        ctx.clock.unix(),
    )
    .await?;
    match compiled {
        Ok(b) => Ok(vec![Reply::Bulletin(Box::new(b))]),
        Err(refusal) => say(texts::bulletin_refused(&refusal)),
    }
}
