-- the supervision cycle (issue 18): a supervisor or admin reviews a report — confirms it (确认)
-- or sends it back (退回) with a reason. A report sent back gets state 'returned' (beside
-- 'active', 'withdrawn' and 'corrected') and no longer counts; a confirmed one stays 'active'
-- with reviewed_at set.
alter table reports add column reviewed_by bigint;
alter table reports add column reviewed_at bigint;
alter table reports add column review_note text;

create index reports_unreviewed on reports (state, reviewed_at);

-- the state of a task in a period (src/progress/state.rs): waiting, reported, confirmed,
-- returned or closed. No row: waiting, or closed when the latest earlier row is closed (a closed
-- task stays closed in later periods until an admin reopens it). Changed only by the use cases
-- that report, withdraw, correct, review, close and reopen, each change audited.
create table task_states (
    task_id bigint not null references tasks (id),
    period text not null,
    state text not null,
    changed_at bigint not null,
    changed_by text not null,
    primary key (task_id, period)
);
