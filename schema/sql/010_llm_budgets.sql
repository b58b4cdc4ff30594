-- LLM money (issue 17): a monthly budget per workspace and what each workspace spends on the LLM.
--
-- monthly_budget_usd: the most the extractors spend on a workspace's calls in a calendar month
-- of its time zone (NULL: no budget; 0: none at all). Set with `callsift workspace create/set
-- --monthly-budget-usd`. An extractor checks it before a call's LLM work and, once the month's
-- spend has reached it, passes the call on unprocessed with cause "budget"
-- (`callsift-fetcher --reprocess` sends it again later).
ALTER TABLE workspaces ADD COLUMN monthly_budget_usd numeric(12, 4)
    CHECK (monthly_budget_usd IS NULL OR monthly_budget_usd >= 0);

-- One row per workspace and day (in the workspace's time zone, on the day the writer stored
-- the call): the extractions' LLM cost and tokens, added by the writer in the transaction that
-- stores each call, from the call's "llm" usage. A call stored unprocessed and sent again adds
-- its second extraction too (both were paid for); a redelivery of a call already stored
-- processed adds nothing (the transaction changes nothing). messages.llm_usage keeps only the
-- latest delivery's usage, so it cannot give this sum.
CREATE TABLE llm_spend (
    workspace_id       uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    day                date NOT NULL,
    cost_usd           numeric(14, 6) NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
    prompt_tokens      bigint NOT NULL DEFAULT 0,
    cached_tokens      bigint NOT NULL DEFAULT 0,
    completion_tokens  bigint NOT NULL DEFAULT 0,
    calls              integer NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, day)
);
