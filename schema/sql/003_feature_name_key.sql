-- The normalised name (cs_name_key: lower case, every run of characters other than letters and
-- digits one space, trimmed) by which the writer refuses a second feature of the same name in a
-- theme: a create decision that meets one links to it instead. That happens when a restarted
-- matcher loaded its catalogue before the writer committed what the previous one had decided.
ALTER TABLE features ADD COLUMN name_key text;
UPDATE features SET name_key = btrim(regexp_replace(
    translate(name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'),
    '[^a-z0-9\x80-\uffff]+', ' ', 'g'));
CREATE INDEX features_name_key ON features (workspace_id, theme_id, name_key);
