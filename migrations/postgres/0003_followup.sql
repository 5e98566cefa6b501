-- follow-up on its own: the schedules admins changed, how far the scheduler has looked, and the
-- outbox every scheduled message goes through.
--
-- this file has a sqlite twin (migrations/sqlite/0003_followup.sql) with the same tables and
-- columns; the conventions are those of 0001.

-- a schedule of one kind (reminder, nudge, escalation, bulletin) that an admin changed. unit_id 0
-- is the office-wide schedule of the kind, overriding the config; another unit_id overrides it
-- for that unit. a null expression keeps the inherited one (a row that only pauses).
create table schedules (
    kind text not null,
    unit_id bigint not null default 0,
    expression text,
    paused bigint not null default 0,
    changed_by text not null,
    changed_at bigint not null,
    primary key (kind, unit_id)
);

-- a schedule change an admin typed in chat, previewed and waiting for the confirm button.
create table schedule_drafts (
    id bigint generated always as identity primary key,
    kind text not null,
    unit_id bigint not null default 0,
    expression text not null,
    user_id bigint not null,
    created_at bigint not null
);

-- one row: the scheduler has handled every fire time up to checked_at.
create table scheduler_state (
    id bigint primary key,
    checked_at bigint not null
);

-- every scheduled message, first a row and then a telegram message. dedupe_key
-- (reminder:{unit}:{period}:{contact}:…) makes enqueueing the same message again do nothing.
-- payload is the sendMessage parameters as json; anchor_task names the task a reply to the
-- message reports on. a row with file_name and file_data is a sendDocument of that file instead
-- (payload then holds its other parameters, e.g. caption). state is pending, sent or failed.
create table outbox (
    id bigint generated always as identity primary key,
    dedupe_key text not null unique,
    chat_id bigint not null,
    is_group bigint not null default 0,
    payload text not null,
    anchor_task bigint references tasks (id),
    file_name text,
    file_data bytea,
    state text not null default 'pending',
    attempts bigint not null default 0,
    last_error text,
    message_id bigint,
    created_at bigint not null,
    sent_at bigint
);

create index outbox_state on outbox (state, id);
