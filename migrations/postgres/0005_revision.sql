-- An import that changes a notice's tasks or sections bumps its revision: a running bot keeps
-- the current notice's tasks in memory and reloads them when the revision it holds is no longer
-- the stored one (the import may come from another process, `duban import`).
alter table notices add column revision integer not null default 0;
