-- the title a notice writes beside a leader's name (区长 张三, 张三（副区长）) for one task; the
-- leader is the name alone (leaders.name), so 区长 张三 and 张三 are one leader. null when the
-- notice gives no title, which is every task imported before this column existed.
alter table task_leaders add column title text;
