-- leases (issue 19): several instances on one database. A lease is held by one instance (its
-- holder: host, process and a random tag) until a time in milliseconds of the wall clock, and
-- renewed by its holder before then; another instance takes it only once it has expired.
-- Names: 'scheduler' (the one instance that plans reminders), 'telegram-poll' (the one that
-- polls Telegram), 'instance:<holder>' (each running instance, to share the rate caps), and
-- 'chat:<id>' (the instance that handles a chat's updates and sends its messages, in order).
create table leases (
    name text primary key,
    holder text not null,
    until_ms bigint not null
);

create index leases_holder on leases (holder);
