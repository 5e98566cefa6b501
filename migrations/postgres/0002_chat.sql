-- the chat loop: who is bound to the bot, the invites that bind them, every update telegram
-- delivered (the inbox), the progress reports, the bot messages that replies refer to, and the
-- audit trail.
--
-- this file has a sqlite twin (migrations/sqlite/0002_chat.sql) with the same tables and
-- columns; the conventions are those of 0001. telegram ids (users, chats, updates) are 64-bit.

-- invites: a code (stored as its sha-256, never in clear) that binds whoever sends
-- /start <code> to a role. role is contact (unit_id set), supervisor (leader_id optional) or
-- admin. single use: used_by / used_at are set by the first valid /start.
create table invites (
    id bigint generated always as identity primary key,
    code_hash text not null unique,
    role text not null,
    unit_id bigint references units (id),
    leader_id bigint references leaders (id),
    created_by text not null,
    created_at bigint not null,
    expires_at bigint not null,
    used_by bigint,
    used_at bigint
);

-- people bound to the bot, one role each. the admins named in the config need no row.
create table members (
    user_id bigint primary key,
    display_name text not null,
    role text not null,
    unit_id bigint references units (id),
    leader_id bigint references leaders (id),
    invite_id bigint references invites (id),
    bound_at bigint not null
);

create index members_unit on members (unit_id);

-- group chats an admin registered: only there may the bot show task data in a group.
create table group_chats (
    chat_id bigint primary key,
    title text not null,
    registered_by bigint not null,
    registered_at bigint not null
);

-- every update, stored before telegram is told it arrived. state is pending, done or failed;
-- a failed handler is retried at next_attempt_at until attempts reaches the configured bound.
create table inbox (
    update_id bigint primary key,
    payload text not null,
    chat_id bigint,
    state text not null default 'pending',
    attempts bigint not null default 0,
    last_error text,
    next_attempt_at bigint not null,
    received_at bigint not null,
    handled_at bigint
);

create index inbox_state on inbox (state, next_attempt_at);

-- a progress report of a unit on a task for a period. update_id makes storing it idempotent.
-- light is blue, yellow, red or done (null when the contact gave none). state is active,
-- withdrawn or corrected; a correction is a new report whose corrects names the old one.
create table reports (
    id bigint generated always as identity primary key,
    task_id bigint not null references tasks (id),
    unit_id bigint not null references units (id),
    period text not null,
    user_id bigint not null,
    light text,
    text text not null,
    update_id bigint not null unique,
    corrects bigint references reports (id),
    state text not null default 'active',
    created_at bigint not null,
    changed_at bigint
);

create index reports_task on reports (task_id, period);
create index reports_unit on reports (unit_id, period);

-- the figures read from a report's text against the task's targets. the target is copied
-- (position, metric, value, unit) because a re-import replaces a changed task's targets while
-- collected progress stays.
create table report_figures (
    report_id bigint not null references reports (id),
    position bigint not null,
    target_position bigint not null,
    metric text not null,
    text text not null,
    value double precision not null,
    target_value double precision not null,
    unit text not null,
    primary key (report_id, position)
);

-- bot messages that a reply or a button press refers to. kind is task (a task card), prompt
-- (asked for a text after a light button; light set), correction (asked for a corrected text;
-- report_id set) or receipt (the confirmation of a stored report; report_id set).
create table bot_messages (
    chat_id bigint not null,
    message_id bigint not null,
    kind text not null,
    task_id bigint references tasks (id),
    light text,
    report_id bigint references reports (id),
    user_id bigint,
    created_at bigint not null,
    primary key (chat_id, message_id)
);

-- who did what, when: reports, corrections, withdrawals, bindings, unbindings, admin changes.
-- actor is a telegram user id, or cli / config for changes made outside chat.
create table audit (
    id bigint generated always as identity primary key,
    at bigint not null,
    actor text not null,
    action text not null,
    subject text not null,
    detail text not null default ''
);

create index audit_at on audit (at);
