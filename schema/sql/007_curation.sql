-- Curation (DESIGN.md 6a): people correct the catalogue, and every change can be undone.

-- A rejected feature stays (so future mentions of the same thing link to it and stay hidden),
-- with the reason a person gave. status_reason is NULL for every other status.
ALTER TABLE features DROP CONSTRAINT features_status_check;
ALTER TABLE features ADD CONSTRAINT features_status_check
    CHECK (status IN ('new', 'under-review', 'planned', 'shipped', 'rejected'));
ALTER TABLE features ADD COLUMN status_reason text;

-- A merged-away feature: its mentions moved to merged_into, it is hidden from reports, and its
-- name and vector stay as an alias of the target, so the matcher links future mentions of it
-- there and the writer redirects a decision that still names it. NULL for a live feature.
ALTER TABLE features ADD COLUMN merged_into uuid REFERENCES features(id) ON DELETE SET NULL;
ALTER TABLE features ADD COLUMN merged_at timestamptz;
ALTER TABLE features ADD CONSTRAINT features_not_merged_into_itself CHECK (merged_into <> id);
CREATE INDEX features_merged_into ON features (merged_into) WHERE merged_into IS NOT NULL;

-- Where a link came from when a merge moved it (or the writer redirected a decision for a
-- merged-away feature): that feature's id, so an unmerge gives it back. NULL for a link the
-- pipeline made to its own feature.
ALTER TABLE feature_messages ADD COLUMN merged_from uuid;
CREATE INDEX feature_messages_merged_from ON feature_messages (merged_from)
    WHERE merged_from IS NOT NULL;

-- One row per curation action: who, when, what, with what arguments, what it changed (before and
-- after), and what undoing it needs. undone_by is the action that undid it (an unmerge undoes a
-- merge, a restore a reject).
CREATE TABLE curation_actions (
    id            bigserial PRIMARY KEY,
    workspace_id  uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    feature_id    uuid NOT NULL REFERENCES features(id) ON DELETE CASCADE,
    action        text NOT NULL CHECK (action IN ('merge', 'unmerge', 'reject', 'restore',
                  'rename', 'move', 'set-status', 'describe', 'split', 'detach', 'attach')),
    by_name       text NOT NULL CHECK (length(by_name) BETWEEN 1 AND 200),
    created_at    timestamptz NOT NULL DEFAULT now(),
    arguments     jsonb NOT NULL DEFAULT '{}'::jsonb,
    changes       jsonb NOT NULL DEFAULT '{}'::jsonb,
    undo          jsonb NOT NULL DEFAULT '{}'::jsonb,
    undone_by     bigint REFERENCES curation_actions(id) ON DELETE SET NULL
);
CREATE INDEX curation_actions_feature ON curation_actions (feature_id, id);
CREATE INDEX curation_actions_workspace ON curation_actions (workspace_id, id);

-- What people decided in the review queue: one label per match decision and kind ('request':
-- is it a feature request at all; 'match': is it the right feature). The decision's method,
-- action and the machine's confidence are copied, so `review stats` measures the workspace's
-- precision per method and confidence band from the labels alone.
CREATE TABLE review_labels (
    id                  bigserial PRIMARY KEY,
    workspace_id        uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    decision_id         bigint NOT NULL REFERENCES match_decisions(id) ON DELETE CASCADE,
    kind                text NOT NULL CHECK (kind IN ('request', 'match')),
    verdict             text NOT NULL CHECK (verdict IN ('approve', 'reject')),
    method              text NOT NULL,
    action              text NOT NULL,
    confidence          real NOT NULL,
    by_name             text NOT NULL CHECK (length(by_name) BETWEEN 1 AND 200),
    created_at          timestamptz NOT NULL DEFAULT now(),
    curation_action_id  bigint REFERENCES curation_actions(id) ON DELETE SET NULL,
    UNIQUE (decision_id, kind)
);
CREATE INDEX review_labels_workspace ON review_labels (workspace_id, method);

-- The review queue reads a workspace's decisions.
CREATE INDEX match_decisions_workspace ON match_decisions (workspace_id, id);
