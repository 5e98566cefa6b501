//! The server's memory: the organisation (people, groups), credentials, connections, the frames
//! pushed and their ACKs, and what the robot sent to each chat. One mutex guards it (no await
//! while held); a watch channel wakes the waiting helpers whenever anything changes.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use serde_json::Value;
use tokio::sync::{mpsc, watch};

use super::Delivery;
use super::faults::{Api, Faults};

/// A person in the organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DingUser {
    /// The userId in the organisation (`senderStaffId`; what batchSend takes).
    pub staff_id: String,
    /// The shown name (`senderNick`).
    pub nick: String,
}

impl DingUser {
    /// A person with this staff id and name.
    pub fn new(staff_id: &str, nick: &str) -> Self {
        Self {
            staff_id: staff_id.to_owned(),
            nick: nick.to_owned(),
        }
    }

    /// The encrypted `senderId` DingTalk shows instead of the staff id (`$:LWCP_v1:$…`).
    pub fn sender_id(&self) -> String {
        format!("$:LWCP_v1:${}", hex(&self.staff_id))
    }

    /// The `conversationId` of this person's single chat with the robot.
    pub fn single_chat_id(&self) -> String {
        format!("cid{}==", hex(&format!("oto:{}", self.staff_id)))
    }
}

/// A group chat the robot is in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DingGroup {
    /// The group's id: `openConversationId` for groupMessages/send and cards, and also the
    /// `conversationId` of its robot callbacks (py-sdk `chatbot.py` `reply_card` uses the one as
    /// the other).
    pub open_conversation_id: String,
    /// The group's name (`conversationTitle`).
    pub title: String,
    /// Staff ids of the members.
    pub members: Vec<String>,
}

/// Which chat a robot message went to or a person writes in.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Chat {
    /// The single chat of the robot with this staff id.
    Single(String),
    /// The group with this openConversationId.
    Group(String),
}

/// A card delivered by createAndDeliver, with every update applied.
#[derive(Clone, Debug, PartialEq)]
pub struct SentCard {
    /// The sender's id for the card.
    pub out_track_id: String,
    /// The card-platform template that draws it (and defines its buttons).
    pub template_id: String,
    /// `cardData.cardParamMap` as it stands now.
    pub params: BTreeMap<String, String>,
    /// `privateData` per user id, as it stands now.
    pub private: BTreeMap<String, BTreeMap<String, String>>,
    /// Whether button presses come back over the Stream connection (`callbackType: STREAM`).
    pub stream_callbacks: bool,
    /// How many updates (PUT or callback ACK) were applied.
    pub updates: u32,
}

/// What a robot message holds, by msgKey.
#[derive(Clone, Debug, PartialEq)]
pub enum SentBody {
    /// `sampleText`
    Text {
        /// `content`
        content: String,
    },
    /// `sampleMarkdown`
    Markdown {
        /// `title`: what the chat list and the notification show.
        title: String,
        /// `text`
        text: String,
    },
    /// `sampleImageMsg`
    Image {
        /// `photoURL`: a URL or a media_id.
        photo_url: String,
    },
    /// `sampleFile`, with the uploaded file.
    File {
        /// `mediaId`
        media_id: String,
        /// `fileName` as given in msgParam.
        file_name: String,
        /// `fileType`
        file_type: String,
        /// The file name of the multipart upload.
        uploaded_name: String,
        /// The uploaded bytes.
        bytes: Vec<u8>,
    },
    /// An interactive card.
    Card(SentCard),
    /// Another msgKey DingTalk knows (`sampleLink`, `sampleActionCard`, …), kept as sent.
    Other {
        /// The msgKey.
        msg_key: String,
        /// The parsed msgParam.
        msg_param: Value,
    },
}

/// One robot message in a chat.
#[derive(Clone, Debug, PartialEq)]
pub struct SentMessage {
    /// The send call's `processQueryKey` (a card's `carrierId`): what a quoted reply names.
    pub process_query_key: String,
    /// What it holds.
    pub body: SentBody,
}

/// A CALLBACK frame the server pushed.
#[derive(Clone, Debug, PartialEq)]
pub struct PushedFrame {
    /// `headers.messageId`: what the ACK names; the same on every delivery.
    pub message_id: String,
    /// `headers.topic`
    pub topic: String,
    /// The `data`, parsed.
    pub data: Value,
    /// How many times it went out on a connection.
    pub deliveries: u32,
}

/// An ACK the client sent for a pushed frame.
#[derive(Clone, Debug, PartialEq)]
pub struct AckedFrame {
    /// The frame's messageId.
    pub message_id: String,
    /// The frame's topic.
    pub topic: String,
    /// The ACK's `code`.
    pub code: i64,
    /// The ACK's `data`, parsed (`Value::Null` when absent or not JSON).
    pub data: Value,
    /// How many deliveries the frame had when it was ACKed.
    pub deliveries: u32,
}

/// The client's answer to a SYSTEM ping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pong {
    /// The ping's messageId.
    pub message_id: String,
    /// The `opaque` the answer carried back, if any.
    pub opaque: Option<String>,
}

/// What goes down a connection's task.
#[derive(Debug)]
pub(crate) enum Outgoing {
    Text(String),
    /// Send the first half, then drop the socket without a close handshake.
    Cut(String),
    /// Close cleanly after this long (the silence after a `disconnect` frame).
    CloseAfter(std::time::Duration),
}

#[derive(Debug)]
pub(crate) struct Connection {
    pub(crate) connection_id: String,
    pub(crate) subscriptions: Vec<(String, String)>,
    pub(crate) tx: mpsc::UnboundedSender<Outgoing>,
    /// Told to disconnect: gets no new frames, as DingTalk routes to the fresh connection.
    pub(crate) going_away: bool,
}

impl Connection {
    pub(crate) fn subscribed(&self, kind: &str, topic: &str) -> bool {
        self.subscriptions
            .iter()
            .any(|(k, t)| k == kind && (t == topic || (kind == "EVENT" && t == "*")))
    }
}

#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) message_id: String,
    pub(crate) topic: String,
    pub(crate) data: String,
    pub(crate) deliveries: u32,
    pub(crate) on_connection: Option<u64>,
    pub(crate) last_sent: Option<Instant>,
}

impl Pending {
    pub(crate) fn view(&self) -> PushedFrame {
        PushedFrame {
            message_id: self.message_id.clone(),
            topic: self.topic.clone(),
            data: serde_json::from_str(&self.data).unwrap_or(Value::Null),
            deliveries: self.deliveries,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Media {
    pub(crate) file_name: String,
    pub(crate) bytes: Vec<u8>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) robot_code: String,
    pub(crate) corp_id: String,
    pub(crate) app_id: String,
    pub(crate) endpoint: String,
    pub(crate) base_url: String,
    pub(crate) token_lifetime: std::time::Duration,
    pub(crate) delivery: Delivery,
    pub(crate) users: BTreeMap<String, DingUser>,
    pub(crate) groups: BTreeMap<String, DingGroup>,
    pub(crate) tokens: HashMap<String, Instant>,
    /// Ticket → (subscriptions, issued at).
    pub(crate) tickets: HashMap<String, (Vec<(String, String)>, Instant)>,
    pub(crate) connections: BTreeMap<u64, Connection>,
    pub(crate) connections_opened: u64,
    pub(crate) pending: VecDeque<Pending>,
    pub(crate) acked: Vec<AckedFrame>,
    pub(crate) missed: Vec<PushedFrame>,
    pub(crate) pings: HashMap<String, String>,
    pub(crate) pongs: Vec<Pong>,
    pub(crate) last_ping: Option<Instant>,
    pub(crate) cut_next: bool,
    pub(crate) chats: BTreeMap<Chat, Vec<SentMessage>>,
    pub(crate) cards: HashMap<String, (Chat, SentCard)>,
    pub(crate) media: HashMap<String, Media>,
    /// Pictures and files people sent the robot, by their downloadCode.
    pub(crate) received: HashMap<String, Media>,
    pub(crate) calls: HashMap<Api, u64>,
    pub(crate) faults: Faults,
    pub(crate) next_id: u64,
}

impl Inner {
    /// A fresh number for ids; ids carry it so they never repeat within a server.
    pub(crate) fn next(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Ids in DingTalk's messageId format (`212ca9d7_974_1898c159aa6_1783b`).
    pub(crate) fn message_id(&mut self) -> String {
        let n = self.next();
        format!("d1a6{n:04x}_974_{:x}_{n:x}", super::frames::now_millis())
    }

    pub(crate) fn sent_in(&mut self, chat: Chat) -> &mut Vec<SentMessage> {
        self.chats.entry(chat).or_default()
    }
}

/// The state shared by the HTTP handlers, the connection tasks and the test-side handle.
#[derive(Debug)]
pub(crate) struct Shared {
    inner: Mutex<Inner>,
    changed: watch::Sender<u64>,
    /// Set when the server stops, so connection tasks end too.
    pub(crate) stopped: watch::Sender<bool>,
}

impl Shared {
    pub(crate) fn new(inner: Inner) -> Self {
        Self {
            inner: Mutex::new(inner),
            changed: watch::Sender::new(0),
            stopped: watch::Sender::new(false),
        }
    }

    /// Locks the state; a panic in another holder does not make the server unusable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Subscribe before checking the state, then await `changed()`: no wake-up is lost.
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    pub(crate) fn notify(&self) {
        self.changed.send_modify(|n| *n += 1);
    }

    /// Runs `f` on the state and wakes the waiters.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let result = f(&mut self.lock());
        self.notify();
        result
    }
}

/// Lower-case hex of a string's bytes: stable, readable stand-ins for DingTalk's opaque ids.
fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}
