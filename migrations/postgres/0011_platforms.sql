-- duban talks on more than one chat platform (Telegram, DingTalk). Every update in the inbox
-- says whose it is, so that each platform's processor works off its own rows. An update's key
-- stays (update_id, update_date): a DingTalk message's id is a string, which the adapter turns
-- into an update_id of 2^62 or more (a hash of it), where no Telegram update id reaches.
alter table inbox add column platform text not null default 'telegram';
