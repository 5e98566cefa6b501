-- A running bot keeps the members it has looked up in memory. Every change to members bumps
-- the 'members' revision here, whoever makes it (another process, an admin at the database);
-- the bot drops its copy when it sees a higher revision than the one it holds.
create table revisions (
    name text primary key,
    value bigint not null
);

insert into revisions (name, value) values ('members', 0);

create function bump_members_revision() returns trigger
language plpgsql as $$
begin
    update revisions set value = value + 1 where name = 'members';
    return null;
end
$$;

create trigger members_changed after insert or update or delete on members
    for each statement execute function bump_members_revision();
