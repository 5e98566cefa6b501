-- A bulletin's files are stored once (issue 19): every reader's row names the file by file_id
-- instead of carrying a copy of its bytes in file_data. sha256 is the lowercase hex SHA-256 of
-- the bytes, computed by duban when it enqueues: the same bytes enqueued again find their row.
-- file_name stays on the outbox row (what the reader sees the file called).
--
-- this file has a postgres twin (migrations/postgres/0017_outbox_files.sql).
create table outbox_files (
    id integer primary key autoincrement,
    sha256 text not null unique,
    bytes blob not null,
    created_at integer not null
);

alter table outbox add column file_id integer references outbox_files (id);

-- The files of the rows already here, each distinct content once. SQLite has no SHA-256 in SQL:
-- they are keyed 'legacy:<id of the first row with them>', which no hex digest equals (the same
-- bytes enqueued later are stored once more; nothing is lost).
insert into outbox_files (sha256, bytes, created_at)
select 'legacy:' || min(id), file_data, min(created_at)
from outbox
where file_data is not null
group by file_data;

update outbox
set file_id = (select f.id from outbox_files f where f.bytes = outbox.file_data)
where file_data is not null;

alter table outbox drop column file_data;
