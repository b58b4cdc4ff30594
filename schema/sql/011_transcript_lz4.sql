-- The transcript, stored twice as the original's data model has it (messages.content and
-- message_metadata.transcript_text, about 19 KB each for an hour's call), is compressed by
-- PostgreSQL as it is written (TOAST). Its default method, pglz, cost the writer's PostgreSQL
-- about a fifth of its CPU in `tests/load/bench_writer_replay.py`; lz4 compresses the same
-- text about as small for a fraction of the time (docs/BENCHMARKS.md, "The transcript
-- compressed with lz4"). The setting applies to values written from now on; rows already
-- stored stay as they are and are read as they are.
--
-- A PostgreSQL built without lz4 (configure --with-lz4; Debian's and the postgres:15 image
-- are built with it) refuses the method: the columns then keep pglz, and the migration says so.
DO $$
BEGIN
    ALTER TABLE messages
        ALTER COLUMN content SET COMPRESSION lz4,
        ALTER COLUMN message_metadata SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this PostgreSQL has no lz4: the transcripts stay compressed with pglz';
END
$$;
