-- duban talks on more than one chat platform (Telegram, DingTalk). Every update in the inbox
-- says whose it is, so that each platform's processor works off its own rows. An update's key
-- stays (update_id, update_date): a DingTalk message's id is a string, which the adapter turns
-- into an update_id of 2^62 or more (a hash of it), where no Telegram update id reaches.
alter table inbox add column platform text not null default 'telegram';

-- A DingTalk person or chat is named by a string (a staffId, a conversationId); everywhere else
-- duban names people and chats by a 64-bit number (a Telegram user id is one, a Telegram group
-- id another). Each DingTalk name gets a number here, 2^53 + id: above every Telegram id
-- (Telegram's ids have at most 52 significant bits), so a number also tells its platform.
-- external is 'user:<staffId>' or 'group:<openConversationId>'.
create table platform_ids (
    id integer primary key autoincrement,
    platform text not null,
    external text not null,
    unique (platform, external)
);

-- What the robot sent on DingTalk, by the key DingTalk knows it by (the processQueryKey of a
-- send, the outTrackId of a card, which a quote names by its carrierId, carrier), and the chat
-- it went to. Its id is the message's number,
-- what bot_messages calls message_id (DingTalk gives none), so that a quoted reply or a card
-- button finds what the message was about.
create table dingtalk_messages (
    id integer primary key autoincrement,
    key text not null unique,
    carrier text unique,
    chat_id integer not null,
    created_at integer not null
);
