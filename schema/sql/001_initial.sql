-- callsift schema, version 1 (DESIGN.md section 6).
-- Ids are UUIDs made by callsift (deterministic v5 for messages and features, random v4 for
-- what operators create), so a redelivered call maps onto the rows it already wrote.

CREATE TABLE workspaces (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX workspaces_name_key ON workspaces (lower(name));

CREATE TABLE integrations (
    id            uuid PRIMARY KEY,
    workspace_id  uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    provider      text NOT NULL DEFAULT 'gong',
    name          text NOT NULL,
    settings      jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, provider, name)
);

CREATE TABLE themes (
    id            uuid PRIMARY KEY,
    workspace_id  uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description   text NOT NULL DEFAULT '',
    is_default    boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX themes_workspace_name_key ON themes (workspace_id, lower(name));
CREATE UNIQUE INDEX themes_one_default ON themes (workspace_id) WHERE is_default;

CREATE TABLE customers (
    id            uuid PRIMARY KEY,
    workspace_id  uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    domain        text,
    mrr           numeric(14, 2) NOT NULL DEFAULT 0 CHECK (mrr >= 0),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX customers_workspace_name_key ON customers (workspace_id, lower(name));
CREATE UNIQUE INDEX customers_workspace_domain_key ON customers (workspace_id, lower(domain))
    WHERE domain IS NOT NULL;

CREATE TABLE messages (
    id                uuid PRIMARY KEY,
    workspace_id      uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    integration_id    uuid REFERENCES integrations(id) ON DELETE SET NULL,
    customer_id       uuid REFERENCES customers(id) ON DELETE SET NULL,
    content           text NOT NULL DEFAULT '',
    source            text NOT NULL,
    external_id       text NOT NULL,
    sent_at           timestamptz NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    is_processed      boolean NOT NULL DEFAULT false,
    processed_at      timestamptz,
    ai_insights       jsonb,
    message_metadata  jsonb NOT NULL DEFAULT '{}'::jsonb,
    llm_usage         jsonb,
    error             text,
    UNIQUE (workspace_id, source, external_id)
);
CREATE INDEX messages_unprocessed ON messages (workspace_id) WHERE NOT is_processed;
CREATE INDEX messages_sent_at ON messages (workspace_id, sent_at);

CREATE TABLE features (
    id               uuid PRIMARY KEY,
    workspace_id     uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    theme_id         uuid REFERENCES themes(id) ON DELETE SET NULL,
    name             text NOT NULL,
    description      text NOT NULL DEFAULT '',
    urgency          text NOT NULL DEFAULT 'medium'
                     CHECK (urgency IN ('low', 'medium', 'high', 'critical')),
    status           text NOT NULL DEFAULT 'new'
                     CHECK (status IN ('new', 'under-review', 'planned', 'shipped')),
    mention_count    integer NOT NULL DEFAULT 0,
    first_mentioned  timestamptz,
    last_mentioned   timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    embedding        real[]
);
CREATE INDEX features_workspace_theme ON features (workspace_id, theme_id);
CREATE INDEX features_ranking ON features (workspace_id, mention_count DESC);

CREATE TABLE feature_messages (
    feature_id  uuid NOT NULL REFERENCES features(id) ON DELETE CASCADE,
    message_id  uuid NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    quote       text,
    speaker     text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (feature_id, message_id)
);
CREATE INDEX feature_messages_message ON feature_messages (message_id);

-- One row per extracted feature request: what was decided, how, and why.
CREATE TABLE match_decisions (
    id             bigserial PRIMARY KEY,
    workspace_id   uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    message_id     uuid NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    feature_index  integer NOT NULL,
    feature_id     uuid REFERENCES features(id) ON DELETE SET NULL,
    action         text NOT NULL CHECK (action IN ('create', 'link')),
    method         text NOT NULL CHECK (method IN ('exact', 'embedding', 'llm')),
    confidence     real NOT NULL,
    similarity     real,
    reasoning      text NOT NULL DEFAULT '',
    extracted      jsonb NOT NULL,
    candidates     jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (message_id, feature_index)
);
CREATE INDEX match_decisions_feature ON match_decisions (feature_id);

CREATE TABLE ingest_runs (
    id             uuid PRIMARY KEY,
    workspace_id   uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    source         text NOT NULL,
    started_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    status         text NOT NULL DEFAULT 'running'
                   CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
    calls_fetched  integer NOT NULL DEFAULT 0,
    calls_acked    integer NOT NULL DEFAULT 0,
    calls_failed   integer NOT NULL DEFAULT 0,
    calls_skipped  integer NOT NULL DEFAULT 0,
    arguments      jsonb NOT NULL DEFAULT '{}'::jsonb
);
