-- An update is told from a redelivery by its id together with its date. Telegram chooses the
-- next update id at random after a week without updates, and a Bot API server that restarts
-- counts again from its start, so a new update may come with an id seen before: keyed by the
-- id alone it was dropped as a redelivery. update_date is the date the update carries (of its
-- message, its edit, the message under a pressed button, a member change; 0 for kinds without
-- one); a redelivery carries the same.
--
-- The inbox gets its own number, seq, in the order updates arrive. The reports refer to it
-- (inbox_seq, was update_id): a report is stored once per update in the inbox, whatever id
-- Telegram gave it. Rows already here keep their update id as their seq, so the reports
-- stored so far point at the same rows.
-- The columns in PostgreSQL's order after its alter table (a test compares the two).
create table inbox_new (
    update_id integer not null,
    payload text not null,
    chat_id integer,
    state text not null default 'pending',
    attempts integer not null default 0,
    last_error text,
    next_attempt_at integer not null,
    received_at integer not null,
    handled_at integer,
    seq integer primary key autoincrement,
    update_date integer not null,
    unique (update_id, update_date)
);

insert into inbox_new (update_id, payload, chat_id, state, attempts, last_error,
                       next_attempt_at, received_at, handled_at, seq, update_date)
select update_id, payload, chat_id, state, attempts, last_error, next_attempt_at,
       received_at, handled_at, update_id,
       case when json_valid(payload) then coalesce(
           json_extract(payload, '$.message.edit_date'),
           json_extract(payload, '$.message.date'),
           json_extract(payload, '$.edited_message.edit_date'),
           json_extract(payload, '$.edited_message.date'),
           json_extract(payload, '$.channel_post.edit_date'),
           json_extract(payload, '$.channel_post.date'),
           json_extract(payload, '$.edited_channel_post.edit_date'),
           json_extract(payload, '$.edited_channel_post.date'),
           json_extract(payload, '$.callback_query.message.date'),
           json_extract(payload, '$.my_chat_member.date'),
           json_extract(payload, '$.chat_member.date'),
           json_extract(payload, '$.chat_join_request.date'),
           0) else 0 end
from inbox;

drop table inbox;
alter table inbox_new rename to inbox;
create index inbox_state on inbox (state, next_attempt_at);

alter table reports rename column update_id to inbox_seq;
