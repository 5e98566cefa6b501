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
alter table inbox drop constraint inbox_pkey;
alter table inbox add column seq bigint;
update inbox set seq = update_id;
create sequence inbox_seq_seq owned by inbox.seq;
select setval('inbox_seq_seq', coalesce((select max(seq) from inbox), 0) + 1, false);
alter table inbox alter column seq set default nextval('inbox_seq_seq');
alter table inbox alter column seq set not null;
alter table inbox add primary key (seq);

alter table inbox add column update_date bigint not null default 0;
update inbox set update_date = coalesce(
    (payload::jsonb #>> '{message,edit_date}')::bigint,
    (payload::jsonb #>> '{message,date}')::bigint,
    (payload::jsonb #>> '{edited_message,edit_date}')::bigint,
    (payload::jsonb #>> '{edited_message,date}')::bigint,
    (payload::jsonb #>> '{channel_post,edit_date}')::bigint,
    (payload::jsonb #>> '{channel_post,date}')::bigint,
    (payload::jsonb #>> '{edited_channel_post,edit_date}')::bigint,
    (payload::jsonb #>> '{edited_channel_post,date}')::bigint,
    (payload::jsonb #>> '{callback_query,message,date}')::bigint,
    (payload::jsonb #>> '{my_chat_member,date}')::bigint,
    (payload::jsonb #>> '{chat_member,date}')::bigint,
    (payload::jsonb #>> '{chat_join_request,date}')::bigint,
    0);
alter table inbox alter column update_date drop default;
alter table inbox add constraint inbox_update unique (update_id, update_date);

alter table reports rename column update_id to inbox_seq;
