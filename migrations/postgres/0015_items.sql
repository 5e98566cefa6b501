-- items beyond the notice (督办件, issue 18): a leader's written instruction (领导批示), a
-- decision of a meeting (会议议定事项) … supervised like a notice task. An item IS a task: a row
-- in tasks of one notice kept for items (notice_key 'duban:items', title 督办件, created on first
-- use, never the current notice), its number there the item number (督-1, 督-2 …), its units and
-- leader in task_units and task_leaders; reports, reviews, states, extensions and evidence hang
-- on its task_id unchanged. This table holds what only items have: where it comes from, its due
-- date ('yyyy-mm-dd') and its reminder cadence in days (null: no reminders of its own).
create table task_items (
    task_id bigint primary key references tasks (id),
    source text not null,
    due_date text not null,
    every_days bigint,
    created_by text not null,
    created_at bigint not null
);

-- an item previewed by `/item` and waiting for its confirm button: the fields as JSON.
create table item_drafts (
    id bigint generated always as identity primary key,
    payload text not null,
    user_id bigint not null,
    created_at bigint not null
);
