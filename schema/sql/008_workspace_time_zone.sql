-- The workspace's time zone: an IANA name from PostgreSQL's own zone database
-- (pg_timezone_names), such as Asia/Kolkata. The days the report and the console show, their
-- date filters and the fetcher's --from/--to typed without an offset are read in it. Set with
-- `callsift workspace create --time-zone` or `callsift workspace set --time-zone`, which refuse
-- a name PostgreSQL does not know; UTC for the workspaces made before.
ALTER TABLE workspaces ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC';
