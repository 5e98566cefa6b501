-- The newest DingTalk message of a chat (a plain text answers the chat's last message; the
-- prune keeps each chat's newest) is looked up by chat: without this index, a scan of the
-- whole table for every lookup.
create index dingtalk_messages_chat on dingtalk_messages (chat_id, id);
