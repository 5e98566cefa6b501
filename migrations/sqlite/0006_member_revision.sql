-- A running bot keeps the members it has looked up in memory. Every change to members bumps
-- the 'members' revision here, whoever makes it (another process, an admin at the database);
-- the bot drops its copy when it sees a higher revision than the one it holds.
create table revisions (
    name text primary key,
    value integer not null
);

insert into revisions (name, value) values ('members', 0);

create trigger members_inserted after insert on members
begin
    update revisions set value = value + 1 where name = 'members';
end;

create trigger members_updated after update on members
begin
    update revisions set value = value + 1 where name = 'members';
end;

create trigger members_deleted after delete on members
begin
    update revisions set value = value + 1 where name = 'members';
end;
