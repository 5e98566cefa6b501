-- the responsibility matrix of a task-decomposition notice: notice → sections → tasks, with the
-- leaders, units, groups and quantitative targets each task names.
--
-- this file has a postgres twin (migrations/postgres/0001_matrix.sql) with the same tables and
-- columns; a test keeps them in step. portable types for sqlx's any driver: integers are
-- integer here and bigint there (decoded as i64), dates are text 'yyyy-mm-dd', timestamps are
-- unix seconds, floats are real / double precision, flags are integers 0/1.
-- rows that progress reports will reference (tasks) are never deleted, only retired.

-- a notice, identified by its document number or, without one, its title (notice_key).
create table notices (
    id integer primary key autoincrement,
    notice_key text not null unique,
    title text not null,
    issuer text,
    doc_number text,
    issued_on text,
    -- the year the notice's deadlines refer to (年内 = the end of this year)
    year integer,
    created_at integer not null,
    updated_at integer not null
);

-- the headings that hold tasks; tasks refer to them by ordinal, so they can be replaced freely.
create table sections (
    id integer primary key autoincrement,
    notice_id integer not null references notices (id),
    ordinal integer not null,
    label text not null,
    title text not null,
    line integer not null,
    unique (notice_id, ordinal)
);

-- one numbered task. fingerprint is a hash of its content (see src/store/fingerprint.rs);
-- a task missing from a newer version of the notice gets retired = 1 and keeps its id.
create table tasks (
    id integer primary key autoincrement,
    notice_id integer not null references notices (id),
    number integer not null,
    section_ordinal integer,
    text text not null,
    line integer not null,
    fingerprint text not null,
    retired integer not null default 0 check (retired in (0, 1)),
    created_at integer not null,
    updated_at integer not null,
    unique (notice_id, number)
);

-- people who lead tasks (牵头领导, 责任领导).
create table leaders (
    id integer primary key autoincrement,
    name text not null unique
);

-- responsible units; kind is department, town, subdistrict, park or other.
create table units (
    id integer primary key autoincrement,
    name text not null unique,
    kind text not null
);

-- group words (各镇街, 相关镇街 …); a group without members is unresolved until an admin fills it.
create table unit_groups (
    id integer primary key autoincrement,
    name text not null unique
);

create table unit_group_members (
    group_id integer not null references unit_groups (id),
    unit_id integer not null references units (id),
    position integer not null,
    primary key (group_id, unit_id)
);

-- which units and groups a notice's matrix lists (units and groups themselves are shared).
create table notice_units (
    notice_id integer not null references notices (id),
    unit_id integer not null references units (id),
    primary key (notice_id, unit_id)
);

create table notice_groups (
    notice_id integer not null references notices (id),
    group_id integer not null references unit_groups (id),
    primary key (notice_id, group_id)
);

-- role is lead or responsible; position keeps the order of the notice.
create table task_leaders (
    task_id integer not null references tasks (id),
    leader_id integer not null references leaders (id),
    role text not null,
    position integer not null,
    primary key (task_id, position)
);

-- role is host (主办) or co (协办); via is the group word a unit came from, null when named.
create table task_units (
    task_id integer not null references tasks (id),
    unit_id integer not null references units (id),
    role text not null,
    via text,
    position integer not null,
    primary key (task_id, position)
);

create index task_units_unit on task_units (unit_id);

-- every group word of a task's unit list, resolved or not, so that members an admin adds to an
-- unresolved group can be linked to its tasks.
create table task_groups (
    task_id integer not null references tasks (id),
    group_id integer not null references unit_groups (id),
    role text not null,
    position integer not null,
    primary key (task_id, position)
);

-- quantitative targets; task_id is null for the notice's district-wide targets.
create table targets (
    id integer primary key autoincrement,
    notice_id integer not null references notices (id),
    task_id integer references tasks (id),
    position integer not null,
    metric text not null,
    value_text text not null,
    value real not null,
    unit text not null,
    normalized_value real not null,
    normalized_unit text not null,
    kind text not null,
    deadline text,
    source text not null
);

create index targets_notice on targets (notice_id);
create index targets_task on targets (task_id);
