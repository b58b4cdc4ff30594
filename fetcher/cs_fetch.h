/*  cs_fetch: the fetcher's run, once main.c has read the workspace, the done set and the
    customers from PostgreSQL and made the sockets (DESIGN.md section 3).

    A source feeds the ledger: Gong (the window of --from/--to or --days-back, or with
    --reprocess the unprocessed calls by id; transcripts fetched in batches, each call saved to
    --record) or a replay file (--replay, paced by --rate, read no further while the pipeline is
    behind), or Gong's webhooks (--webhook-listen, cs_webhook.h: each call delivered is sent with
    its transcript fetched from Gong, beside a poll at start and every --interval seconds when
    that is set; the run lasts until a stop). Calls already stored, private or without an id
    are skipped. Every call record
    carries the workspace's vendor domains, with those its own parties teach (cs_vendor.h),
    which are stored in the workspace as they are learnt. Delivery steps run
    until every offered call is acked or has failed; with --interval the Gong source runs again
    every N seconds. Progress goes to the log (live on a terminal) and to the metrics; the run
    ends with a summary that says which calls failed and how to send the unprocessed ones again.

    Exit statuses of a run (cs_fetch_run): 0 every call stored and processed (or stored without
    extraction as asked, or nothing to do, or interrupted); 1 some calls not stored: failed in
    the pipeline, or unreadable input, or Gong refusing; 2 a Gong client that cannot be made
    from the options; 3 every call stored but some without insights because their extraction
    failed. */
#ifndef CS_FETCH_H
#define CS_FETCH_H

#include <czmq.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cs_config.h"
#include "cs_db.h"
#include "cs_delivery.h"
#include "cs_fetchdb.h"
#include "cs_leancall.h"
#include "cs_ledger.h"
#include "cs_replay.h"
#include "cs_webhook.h"

/* One run. main.c owns every member and fills all but the counters (zero) and total (-1). db
   stays open for the vendor domains the run learns (NULL: they are used, not stored). */
typedef struct {
    cs_config_t *cfg;
    cs_db_t *db;
    cs_fetch_workspace_t ws;
    zhashx_t *done;           /* external ids already stored */
    zhashx_t *redo;           /* --reprocess: external ids stored unprocessed; NULL otherwise */
    json_t *customers;        /* lower-cased domain -> customer */
    json_t *vendor_domains;   /* the workspace's, with those learnt (cs_vendor.h); an array */
    bool vendor_domains_full; /* CS_VENDOR_MAX_DOMAINS reached (warned once) */
    cs_ledger_t *ledger;
    cs_delivery_t delivery;
    cs_recorder_t *recorder;
    cs_leancall_t *lean;   /* the replay's record builder (made and destroyed by the run) */
    cs_webhook_t *webhook; /* --webhook-listen: Gong's webhooks; NULL otherwise */
    const char *source;    /* "gong" or "replay" */
    long fetched, skipped_done, skipped_private, bad_input;
    bool input_error;   /* the input could not be read through (read error, not JSON Lines) */
    long total;         /* calls this run will go through, when known; -1 otherwise */
    int64_t started_ms; /* when the first call was offered (cs_now_ms), for the ETA */
    int64_t last_progress;
    long progress_seen; /* fetched + sent + acked + failed at the last progress line */
} cs_fetch_t;

/* The window [from, to) in seconds since the epoch: --from and --to as typed (see cs_time.h),
   else --days-back before now_s and now_s. A date or time typed without an offset is in the IANA
   time zone `zone` (the workspace's), placed there by PostgreSQL on db
   (cs_fetchdb_local_time); with zone NULL it is read as UTC. Returns 0, or -1 with a one-line
   message in err naming the flag and the accepted forms (or why the zone could not be applied). */
int cs_fetch_window(const cs_config_t *cfg, int64_t now_s, cs_db_t *db, const char *zone,
                    int64_t *from, int64_t *to, char *err, size_t errlen);

/* cs_fetch_window for now, as the options check of cs_stage_begin: an unreadable date or an
   empty window is a usage error before any work. The database is not open yet, so the dates are
   read as UTC here; each Gong pass reads them again in the workspace's time zone. */
int cs_fetch_check(const cs_config_t *cfg, char *err, size_t errlen);

/* Run the source, deliver until every call is acked or failed (or a stop), and summarise.
   Returns the exit status above. */
int cs_fetch_run(cs_fetch_t *f);

#endif
