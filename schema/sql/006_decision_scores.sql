-- The scores behind each match decision, so a person can see why a request was linked and what
-- another threshold would have done: {"vector", "lexical", "fused", "judge", "margin"}, each a
-- number in 0..1 and each optional ("judge" only when the LLM judge answered, "margin" the fused
-- score of the top candidate minus the runner-up's, with at least two candidates). Empty for
-- the decisions stored before the column existed. `similarity` stays the vector score of the
-- chosen or top candidate.
ALTER TABLE match_decisions ADD COLUMN scores jsonb NOT NULL DEFAULT '{}'::jsonb
    CHECK (jsonb_typeof(scores) = 'object');
