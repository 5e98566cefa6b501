-- extensions (延期申请, issue 18): a contact of a task's host unit asks for more time in a period;
-- an admin approves or refuses. An approved extension moves that task's due date for the unit in
-- that period: the nudges and the escalation leave it alone until then, the bulletin lists it.
-- inbox_seq makes a request idempotent per update. state is pending, approved or refused.
create table extensions (
    id integer primary key autoincrement,
    task_id integer not null references tasks (id),
    unit_id integer not null references units (id),
    period text not null,
    until_date text not null,
    reason text not null,
    state text not null default 'pending',
    requested_by integer not null,
    inbox_seq integer not null unique,
    decided_by integer,
    decided_at integer,
    decision_note text,
    created_at integer not null
);

create index extensions_period on extensions (period, state);
