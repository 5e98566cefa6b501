//! `/bulletin [期号|周期]` for supervisors and admins: the bulletin as Telegram text (HTML),
//! then as Word and Excel files and the chart (PNG).

use super::{HandlerResult, answer, send_turn};
use crate::bot::SharedCtx;
use crate::bulletin::compile;
use crate::bulletin::render::{files_off_runtime, text};
use teloxide::prelude::*;
use teloxide::types::{InputFile, ParseMode, ReplyParameters};

pub async fn bulletin(bot: Bot, ctx: SharedCtx, msg: Message, args: String) -> HandlerResult {
    let settings = ctx.followup.scheduler.settings();
    let compiled = compile(
        &ctx.store,
        settings,
        Some(args.as_str()),
        ctx.clock.office_date(),
        ctx.clock.unix(),
    )
    .await?;
    let b = match compiled {
        Ok(b) => b,
        Err(refusal) => {
            answer(&bot, &msg, refusal).await?;
            return Ok(());
        }
    };
    let chat = msg.chat.id;
    let group = !msg.chat.is_private();
    for part in text::telegram(&b) {
        let _turn = send_turn(chat, group).await;
        let mut request = bot.send_message(chat, part).parse_mode(ParseMode::Html);
        if group {
            request = request
                .reply_parameters(ReplyParameters::new(msg.id).allow_sending_without_reply());
        }
        request.await?;
    }
    let name = format!("督查通报第{}期-{}", b.number, b.period);
    for file in files_off_runtime(&b).await? {
        let _turn = send_turn(chat, group).await;
        let file = InputFile::memory(file.bytes).file_name(format!("{name}.{}", file.extension));
        bot.send_document(chat, file).await?;
    }
    Ok(())
}
