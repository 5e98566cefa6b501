-- the chat loop: who is bound to the bot, the invites that bind them, every update telegram
-- delivered (the inbox), the progress reports, the bot messages that replies refer to, and the
-- audit trail.
--
-- this file has a postgres twin (migrations/postgres/0002_chat.sql) with the same tables and
-- columns; the conventions are those of 0001. telegram ids (users, chats, updates) are 64-bit.

-- invites: a code (stored as its sha-256, never in clear) that binds whoever sends
-- /start <code> to a role. role is contact (unit_id set), supervisor (leader_id optional) or
-- admin. single use: used_by / used_at are set by the first valid /start.
create table invites (
    id integer primary key autoincrement,
    code_hash text not null unique,
    role text not null,
    unit_id integer references units (id),
    leader_id integer references leaders (id),
    created_by text not null,
    created_at integer not null,
    expires_at integer not null,
    used_by integer,
    used_at integer
);

-- people bound to the bot, one role each. the admins named in the config need no row.
create table members (
    user_id integer primary key,
    display_name text not null,
    role text not null,
    unit_id integer references units (id),
    leader_id integer references leaders (id),
    invite_id integer references invites (id),
    bound_at integer not null
);

create index members_unit on members (unit_id);

-- group chats an admin registered: only there may the bot show task data in a group.
create table group_chats (
    chat_id integer primary key,
    title text not null,
    registered_by integer not null,
    registered_at integer not null
);

-- every update, stored before telegram is told it arrived. state is pending, done or failed;
-- a failed handler is retried at next_attempt_at until attempts reaches the configured bound.
create table inbox (
    update_id integer primary key,
    payload text not null,
    chat_id integer,
    state text not null default 'pending',
    attempts integer not null default 0,
    last_error text,
    next_attempt_at integer not null,
    received_at integer not null,
    handled_at integer
);

create index inbox_state on inbox (state, next_attempt_at);

-- a progress report of a unit on a task for a period. update_id makes storing it idempotent.
-- light is blue, yellow, red or done (null when the contact gave none). state is active,
-- withdrawn or corrected; a correction is a new report whose corrects names the old one.
create table reports (
    id integer primary key autoincrement,
    task_id integer not null references tasks (id),
    unit_id integer not null references units (id),
    period text not null,
    user_id integer not null,
    light text,
    text text not null,
    update_id integer not null unique,
    corrects integer references reports (id),
    state text not null default 'active',
    created_at integer not null,
    changed_at integer
);

create index reports_task on reports (task_id, period);
create index reports_unit on reports (unit_id, period);

-- the figures read from a report's text against the task's targets. the target is copied
-- (position, metric, value, unit) because a re-import replaces a changed task's targets while
-- collected progress stays.
create table report_figures (
    report_id integer not null references reports (id),
    position integer not null,
    target_position integer not null,
    metric text not null,
    text text not null,
    value real not null,
    target_value real not null,
    unit text not null,
    primary key (report_id, position)
);

-- bot messages that a reply or a button press refers to. kind is task (a task card), prompt
-- (asked for a text after a light button; light set), correction (asked for a corrected text;
-- report_id set) or receipt (the confirmation of a stored report; report_id set).
create table bot_messages (
    chat_id integer not null,
    message_id integer not null,
    kind text not null,
    task_id integer references tasks (id),
    light text,
    report_id integer references reports (id),
    user_id integer,
    created_at integer not null,
    primary key (chat_id, message_id)
);

-- who did what, when: reports, corrections, withdrawals, bindings, unbindings, admin changes.
-- actor is a telegram user id, or cli / config for changes made outside chat.
create table audit (
    id integer primary key autoincrement,
    at integer not null,
    actor text not null,
    action text not null,
    subject text not null,
    detail text not null default ''
);

create index audit_at on audit (at);
