-- Where a customer's MRR came from, and as of when, so that a figure is only ever replaced by a
-- newer one: 'operator' (callsift customer add --mrr, as of the moment it ran) or 'crm' (the CRM
-- context of a call, as of the call's start). NULL for both: no figure is known (mrr is 0).
ALTER TABLE customers ADD COLUMN mrr_source text CHECK (mrr_source IN ('operator', 'crm'));
ALTER TABLE customers ADD COLUMN mrr_as_of timestamptz;
ALTER TABLE customers ADD CONSTRAINT customers_mrr_source_as_of
    CHECK ((mrr_source IS NULL) = (mrr_as_of IS NULL));

-- A figure stored before its source was kept: known as of when its row was added; who gave it is
-- not known, so it counts as the operator's.
UPDATE customers SET mrr_source = 'operator', mrr_as_of = created_at WHERE mrr > 0;
