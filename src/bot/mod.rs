//! The Telegram adapter of the conversation core. Updates arrive through [`inbox`] (long
//! polling or a webhook) and are stored before Telegram is told they arrived; the processor
//! turns each into a neutral [`Event`](crate::conversation::Event) ([`telegram::event`]), runs it
//! through the core ([`crate::conversation::handle`]), and sends the replies with teloxide
//! ([`telegram::deliver`]): buttons as inline keyboards, prompts as ForceReply, bulletins as
//! HTML and documents. The outbox (reminders, nudges, bulletins) goes out through
//! [`crate::followup::sender`].

pub mod inbox;
pub mod telegram;
