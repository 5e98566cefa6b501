-- A bulletin's files are stored once (issue 19): every reader's row names the file by file_id
-- instead of carrying a copy of its bytes in file_data. sha256 is the lowercase hex SHA-256 of
-- the bytes, computed by duban when it enqueues: the same bytes enqueued again find their row.
-- file_name stays on the outbox row (what the reader sees the file called).
--
-- this file has a sqlite twin (migrations/sqlite/0017_outbox_files.sql).
create table outbox_files (
    id bigint generated always as identity primary key,
    sha256 text not null unique,
    bytes bytea not null,
    created_at bigint not null
);

alter table outbox add column file_id bigint references outbox_files (id);

-- The files of the rows already here, each distinct content once, keyed by their digest.
insert into outbox_files (sha256, bytes, created_at)
select encode(sha256(file_data), 'hex'), file_data, min(created_at)
from outbox
where file_data is not null
group by file_data;

update outbox
set file_id = f.id
from outbox_files f
where outbox.file_data is not null and f.sha256 = encode(sha256(outbox.file_data), 'hex');

alter table outbox drop column file_data;
