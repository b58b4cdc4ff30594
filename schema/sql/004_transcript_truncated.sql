-- The call record's transcript_truncated: true when the fetcher cut the call's transcript to
-- the caps of a record (cs_gongcall.h), so what was analysed is not the whole call. false for a
-- whole transcript, and for the calls stored before the column existed.
ALTER TABLE messages ADD COLUMN transcript_truncated boolean NOT NULL DEFAULT false;
