-- extensions (延期申请, issue 18): a contact of a task's host unit asks for more time in a period;
-- an admin approves or refuses. An approved extension moves that task's due date for the unit in
-- that period: the nudges and the escalation leave it alone until then, the bulletin lists it.
-- inbox_seq makes a request idempotent per update. state is pending, approved or refused.
create table extensions (
    id bigint generated always as identity primary key,
    task_id bigint not null references tasks (id),
    unit_id bigint not null references units (id),
    period text not null,
    until_date text not null,
    reason text not null,
    state text not null default 'pending',
    requested_by bigint not null,
    inbox_seq bigint not null unique,
    decided_by bigint,
    decided_at bigint,
    decision_note text,
    created_at bigint not null
);

create index extensions_period on extensions (period, state);
