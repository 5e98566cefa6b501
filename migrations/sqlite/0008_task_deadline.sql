-- a task's 完成时限: as the notice writes it (2022年6月底前, 长期坚持) and the last day it allows
-- ('yyyy-mm-dd'; null when the words name no day). both null for a task without one, which
-- is every task imported before this column existed.
alter table tasks add column deadline_text text;
alter table tasks add column deadline text;
