//! The outbox sender's transport to the group robots: a bulletin's row for a channel (its
//! `chat_id` names the channel, [`robot_channel`]) is posted through
//! [`crate::bulletin::channels::Robots`], and how the post went is read in the sender's terms.

use super::sender::{Answer, Transport};
use crate::bulletin::channels::{Posted, Robots, SLOW_DOWN, robot_channel};
use crate::store::{OutFile, Outgoing};
use std::future::Future;
use std::pin::Pin;

impl Transport for Robots {
    fn post<'a>(
        &'a self,
        row: &'a Outgoing,
        _file: Option<&'a OutFile>,
    ) -> Pin<Box<dyn Future<Output = Answer> + Send + 'a>> {
        Box::pin(async move {
            let Some(channel) = robot_channel(row.chat_id) else {
                return Answer::Permanent(format!("{} 不是群机器人", row.chat_id));
            };
            match self.send_row(channel, &row.payload).await {
                // Robots number nothing.
                Posted::Accepted => Answer::Sent(0),
                Posted::TooFast => Answer::RetryAfter(SLOW_DOWN),
                Posted::Failed(reason) => Answer::Transient(reason),
                Posted::Refused(reason) => Answer::Permanent(reason),
            }
        })
    }
}
