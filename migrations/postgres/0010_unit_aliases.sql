-- a unit's other names, from the unit directory's [aliases] (区乡村振兴局 is 区农业农村局): an
-- admin may name the unit by any of them (duban invite --unit, duban assign, /invite, /status).
-- an import replaces a unit's aliases only when its matrix lists some, as with group members.
create table unit_aliases (
    name text primary key,
    unit_id bigint not null references units (id)
);

create index unit_aliases_unit on unit_aliases (unit_id);
