-- bulletins (督查通报) issued: each period's bulletin keeps the number (第N期) it got when it was
-- first compiled; compiling it again (on demand, or after late reports) keeps the number.
create table bulletins (
    number integer primary key,
    period text not null unique,
    created_at integer not null
);
