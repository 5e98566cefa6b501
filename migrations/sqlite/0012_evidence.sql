-- Evidence (佐证材料): photos and files a contact sends about a task, kept as bytes, never only
-- as a platform's file id (which expires).
--
-- evidence_files holds each content once, by its SHA-256: the same bytes sent twice are kept
-- once. bytes is null when the files are kept in a folder (the setting evidence_dir), where
-- the file is named by the hash.
create table evidence_files (
    sha256 text primary key,
    size integer not null,
    bytes blob,
    created_at integer not null
);

-- One row per message that brought evidence, stored once per update (inbox_seq, unique). It
-- belongs to a task, the unit it is for and the period; report_id is the report it was sent
-- about (in reply to its receipt, or within the edit window after it), null when it came in
-- reply to a task message before the unit reported in the period.
create table evidence (
    id integer primary key autoincrement,
    task_id integer not null references tasks (id),
    unit_id integer not null references units (id),
    period text not null,
    report_id integer references reports (id),
    user_id integer not null,
    kind text not null,
    file_name text not null,
    size integer not null,
    sha256 text not null references evidence_files (sha256),
    inbox_seq integer not null unique,
    created_at integer not null
);

create index evidence_task on evidence (task_id, unit_id, period);
