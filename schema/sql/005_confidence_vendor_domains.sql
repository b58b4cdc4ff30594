-- The workspace's own e-mail domains: a participant on one of them speaks for the vendor. Set
-- with `callsift workspace domains`, and learnt by the fetcher from Gong's Internal parties.
-- Lower-case host names; empty for the workspaces made before.
ALTER TABLE workspaces ADD COLUMN vendor_domains text[] NOT NULL DEFAULT '{}';

-- How sure the extractor was that the mention is a feature request, 0..1. NULL when not known
-- (rows written before the column existed, or a provider that gives none): the report counts a
-- NULL as confident.
ALTER TABLE feature_messages ADD COLUMN confidence real
    CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1));

-- Why the call was not extracted ("internal meeting: no customer spoke", "not extracted
-- offline: ..."): insights.skipped of its record. NULL when the call was extracted normally.
ALTER TABLE messages ADD COLUMN extraction_note text;
